/* llmgen: prompt corpora with exact token counts. main dispatches to a
 * subcommand from the table, or runs the default command (a corpus) with
 * the stop signals caught while its rows are written, and checks that
 * stdout was written. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "count.h"
#include "generate.h"
#include "sigstop.h"

struct subcmd {
	const char *name;
	int (*run)(int argc, char **argv);
};

/* gen_usage lists them too. */
static const struct subcmd subcmds[] = {
	{"count", cmd_count},
	{NULL, NULL},
};

/* SIGINT, SIGTERM or SIGHUP while the rows are written: the signal's
 * number. The run stops at the next row, removes its temporary files,
 * and then dies of the signal (a shell sees 130, 143 or 129, as without
 * the handler). */
static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

/* The default command; argv[0] is the program. Prints errors prefixed
 * "llmgen: " and returns the exit status. */
static int cmd_generate(int argc, char **argv)
{
	struct gen_opts o;
	struct err e = { 0 };
	struct gen_run *r;
	int rc = gen_parse(argc, argv, &o, &e);

	if (rc == 1)
		return 0;
	if (rc) {
		fprintf(stderr, "llmgen: %s; try 'llmgen --help'\n", e.msg);
		return rc;
	}
	if (!(rc = gen_open(&o, &r, &e))) {
		sigstop_catch(on_stop);
		rc = gen_write(r, &stop_sig, &e);
		/* A signal before the outputs were renamed into place: they
		 * are gone (gen_write removed them). One during the summary
		 * below is not heard: the corpus is complete by then. */
		if (stop_sig)
			sigstop_reraise(stop_sig);
		if (!rc)
			gen_report(r);
		gen_free(r);
	}
	if (rc)
		fprintf(stderr, "llmgen: %s%s\n", e.msg,
			rc == ERR_USAGE ? "; try 'llmgen --help'" : "");
	return rc;
}

/* A write to stdout that failed must not exit 0 (e.g. >/dev/full). A
 * command that failed has printed its error already: one message. */
static int finish(int status)
{
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		if (errno != EPIPE && status == 0)
			fprintf(stderr, "llmgen: write error: %s\n", strerror(errno));
		return status ? status : 74;
	}
	return status;
}

/* A subcommand from the table, or else the default command: generating a
 * corpus (so `llmgen --scenario all` needs no command name). */
int main(int argc, char **argv)
{
	if (argc > 1) {
		for (const struct subcmd *s = subcmds; s->name; s++)
			if (!strcmp(argv[1], s->name))
				return finish(s->run(argc - 1, argv + 1));
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			gen_usage(stdout);
			return finish(0);
		}
		if (argv[1][0] != '-') {
			fprintf(stderr, "llmgen: unknown command '%s'; try 'llmgen --help'\n", argv[1]);
			return 64;
		}
	}
	return finish(cmd_generate(argc, argv));
}
