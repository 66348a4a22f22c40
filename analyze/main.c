/*
 * llmanalyze: comparison tables, charts and an HTML report from llmrun's
 * results (docs/formats.md; column definitions in docs/metrics.md).
 *
 * The program's flow: a subcommand, or the options (opts.h) and the
 * files they name checked, then one analysis (analysis.h), the check of
 * vLLM files alone (output.h) or --watch's passes; the errors they
 * return are printed here, where the exit code is picked.
 */
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "compare_cli.h"
#include "err.h"
#include "html.h"
#include "opts.h"
#include "output.h"
#include "sigstop.h"
#include "srvmetrics.h"
#include "watch.h"

/* Set by SIGINT or SIGTERM during --watch: write the final report, stop. */
static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Intervals without change after which --watch takes inputs that have
 * no metadata (so no end marker) as finished. */
#define WATCH_IDLE 3

/* --watch: analyzes every o->watch seconds, each report a live one that
 * reloads itself, until the runs end (each input's metadata has its end
 * marker; runs that had ended before the watch began, and inputs without
 * metadata: unchanged for WATCH_IDLE intervals) or
 * a signal comes; then once more, a final report without reload, the
 * table and the other outputs. Before the first row the page says it
 * waits. Returns the final analysis' status. */
static int watch(struct an_opts *o, const char *const *paths, size_t n, struct err *e)
{
	uint64_t before, shown = 0;
	const char *missing;
	int idle = 0, rc = 0, final, passes = 0, stale = -1;
	size_t rows;

	sigstop_catch(on_stop);
	for (;;) {
		int ended = an_watch_ended(paths, n);

		/* Runs that had ended before the watch began may be an earlier
		 * run's, about to be replaced by one of the same name (whose
		 * metadata, without the end marker, comes when its first step
		 * starts): taken as ended once unchanged for WATCH_IDLE
		 * intervals. Once a run is seen going, its end is its own. */
		if (stale < 0 || ended == 0)
			stale = ended == 1;
		/* The end marker is read before the rows: a run seen ended
		 * has all its rows in the file. */
		final = stop_flag || (ended == 1 && (!stale || idle >= WATCH_IDLE)) ||
			(ended < 0 && idle >= WATCH_IDLE);
		o->live = final ? 0 : o->watch;
		before = an_watch_fingerprint(paths, n);
		rows = 0;
		err_clear(e);
		/* Inputs unchanged since the page was written: it stands. */
		if (!final && passes && before == shown)
			goto sleep;
		shown = before;
		passes++;
		if ((missing = an_watch_missing(paths, n)))
			rc = err_set(e, ERR_NOINPUT, "%s: no such file (yet)", missing);
		else
			rc = an_analyze(o, paths, n, &rows, e);
		if (rc == ERR_DATA || rc == ERR_NOINPUT) {
			struct err we = {0};
			int wrc;

			/* Nothing to show yet (no file, no row): a page that
			 * says so and reloads; at the end, one that does not
			 * (the live page went on reloading, "still going"). */
			if ((wrc = an_html_write_waiting(o->html, final ? 0 : o->watch, e->msg, &we))) {
				*e = we;
				return wrc;
			}
			if (final)
				return rc;
		} else if (rc && rc != ERR_UNAVAILABLE && !(stop_flag && !final)) {
			return rc;
		} else if (!rc && !o->quiet) {
			fprintf(stderr, "llmanalyze: %s: %s report, %zu requests\n", o->html,
				final ? "final" : "live", rows);
		}
		if (final)
			return rc;
sleep:
		an_watch_sleep(o->watch, &stop_flag);
		idle = an_watch_fingerprint(paths, n) == before ? idle + 1 : 0;
	}
}

static int has_stdin(char *const *paths, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(paths[i], "-") == 0)
			return 1;
	return 0;
}

/* Subcommands, as git dispatches its builtins: argv[1] names one. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{"compare", cmp_main},
};

int main(int argc, char **argv)
{
	static const char *const stdin_path[] = {"-"};
	struct an_opts o;
	struct err e = {0};
	int rc, n;
	size_t i, rows;

	for (i = 0; argc > 1 && i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	rc = an_opts_parse(argc, argv, &o);
	if (rc < 0)
		rc = 0;
	else if (rc == 0) {
		n = argc - optind;
		/* Caught only while charts or a workbook are made (an_analyze,
		 * an_out_table); --watch catches them for its whole run. */
		if (!o.watch)
			o.stop = &stop_flag;
		o.on_stop = on_stop;
		if ((rc = an_opts_preflight(&o, argv + optind, n, &e))) {
			;
		} else if (o.vllm) {
			if (n == 0)
				return an_opts_usage("--vllm needs result files");
			rc = an_out_vllm(&o, argv + optind, n, &e);
		} else if (o.watch && (n == 0 || has_stdin(argv + optind, n))) {
			return an_opts_usage("--watch needs results files, not standard input");
		} else if (o.watch) {
			size_t m = an_srv_drop_inputs((const char **)argv + optind, (size_t)n);

			rc = watch(&o, (const char *const *)argv + optind, m, &e);
		} else if (n == 0) {
			rc = an_analyze(&o, stdin_path, 1, &rows, &e);
		} else {
			size_t m = an_srv_drop_inputs((const char **)argv + optind, (size_t)n);

			rc = an_analyze(&o, (const char *const *)argv + optind, m, &rows, &e);
		}
		if (o.stop && *o.stop) {
			fprintf(stderr, "llmanalyze: interrupted (the outputs written before the stop "
				"are whole; no temporary file is left)\n");
			rc = 130;
		} else if (rc && rc != ERR_UNAVAILABLE) {
			fprintf(stderr, "llmanalyze: %s\n", e.msg);
		}
	} else {
		return rc;
	}
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		if (!rc)
			fprintf(stderr, "llmanalyze: writing standard output failed\n");
		return rc ? rc : ERR_IO;
	}
	return rc;
}
