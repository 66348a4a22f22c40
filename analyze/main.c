/*
 * llmanalyze: comparison tables, charts and an HTML report from llmrun's
 * results (docs/formats.md; column definitions in docs/metrics.md).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "charts.h"
#include "cols.h"
#include "compare_cli.h"
#include "err.h"
#include "format.h"
#include "group.h"
#include "html.h"
#include "html_meta.h"
#include "legacy.h"
#include "load.h"
#include "ofile.h"
#include "optmsg.h"
#include "report.h"
#include "stats.h"
#include "srvmetrics.h"
#include "truth.h"
#include "vllm.h"
#include "sigstop.h"
#include "utf8.h"
#include "watch.h"
#include "xlsx.h"

/* Columns a table can hold: every column of analyze/cols.c (about 130
 * now) with room to grow; all_columns stops at it. */
#define MAX_COLS 256

#define MAX_LIST 64

struct opts {
	/* Set by SIGINT, SIGTERM or SIGHUP outside --watch: stop drawing
	 * (the temporary folders are removed on the way out), exit 130. */
	const volatile sig_atomic_t *stop;
	const char *out;          /* -o; NULL: stdout */
	int fmt;                  /* -1: table on a tty, else csv */
	int cols[MAX_COLS];
	size_t ncols;             /* 0: all (or the terminal set) */
	int note_col;             /* "note" among --columns */
	int cols_given;           /* --columns given: ncols may be 0 with "note" */
	int rank;                 /* column index or -1 */
	const char *by[MAX_LIST];
	size_t nby;
	unsigned char by_optional[MAX_LIST]; /* a file may lack this key */
	int pool_runs;            /* --pool-runs: no run_id in the default keys */
	long ctx_bucket;          /* --context-bucket: width in tokens; 0 default */
	struct an_slo slo;
	int slo_set;
	const char *charts;       /* --charts DIR */
	const char *html;         /* --html FILE */
	const char *legacy;       /* --legacy-dir DIR */
	const char *corpus;       /* --corpus FILE for legacy prompts */
	const char *timeline_step;/* --timeline-step VALUE */
	const char *truth;        /* --truth FILE: llmsim's truth log */
	int vllm;                 /* --vllm: the check of vLLM files alone */
	double watch;             /* --watch S: seconds between rewrites; 0 off */
	double live;              /* this pass is a live one of --watch: the
				     report reloads itself every live s, and
				     the table and legacy files wait for the
				     final pass */
	int quiet;
};

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

static const char usage_text[] =
	"Usage: llmanalyze [OPTIONS] [RESULTS.csv|VLLM.json...]   (stdin when none)\n"
	"       llmanalyze compare [OPTIONS] BASE.csv NEW.csv   (below)\n"
	"Comparison tables, charts and an HTML report from llmrun results and\n"
	"vLLM bench serve result files (JSON, found by content: source vllm).\n"
	"\n"
	"Table:\n"
	"  -o, --output FILE       write the table to FILE (atomically); default stdout\n"
	"  -f, --format FMT        csv, md, json, table or xlsx (default: table on\n"
	"                          a terminal, csv otherwise); xlsx, a workbook\n"
	"                          with a sheet per group's requests and one of\n"
	"                          definitions, needs -o FILE.xlsx\n"
	"  -c, --columns LIST      metric columns to show, comma separated\n"
	"      --list-columns      print every column with its unit and meaning\n"
	"  -r, --rank COL          order groups by COL (latencies lowest first,\n"
	"                          the rest highest first)\n"
	"  -b, --by LIST           group by these result columns\n"
	"                          (default source,target,model,group,run_id,\n"
	"                          step_kind,schedule,step,turn; run_id, step_kind\n"
	"                          and schedule are shown only when they differ,\n"
	"                          source only with a vLLM file, turn only with\n"
	"                          conversation results); context_bucket groups by\n"
	"                          the request's prompt tokens (context length)\n"
	"      --context-bucket N  width of context_bucket in tokens (default 1024);\n"
	"                          a bucket is named by its lower bound\n"
	"      --pool-runs         pool different runs of one step into a group\n"
	"                          (run_id left out of the default grouping);\n"
	"                          durations cover only the runs' own spans\n"
	"  -s, --slo SPEC          goodput objectives in ms, e.g. ttft:500,tpot:50\n"
	"\n"
	"Charts and report:\n"
	"      --charts DIR        write PNG and SVG charts with their .gp and .dat\n"
	"      --timeline-step V   step whose requests the timeline chart shows\n"
	"                          (default: the last group with request times)\n"
	"      --html FILE         one self-contained HTML report\n"
	"      --watch S           with --html: rewrite the report every S seconds\n"
	"                          while llmrun still writes the results (the page\n"
	"                          reloads itself); ends with a final report when\n"
	"                          the runs end (their .meta.json) or on Ctrl-C\n"
	"      --truth FILE        llmsim's truth log (llmsim --truth): the client's\n"
	"                          timing error against it per group (needs each\n"
	"                          RESULTS.csv.meta.json)\n"
	"\n"
	"Other inputs and outputs:\n"
	"      --vllm              only the check of vLLM result files: our\n"
	"                          statistics beside vLLM's own summaries (without\n"
	"                          it the check follows the table in md and table\n"
	"                          formats)\n"
	"      --legacy-dir DIR    also write LLM-Inference-Testing files:\n"
	"                          output_performance_metrics_batch{N}.csv and\n"
	"                          batch_size_comparison.csv\n"
	"      --corpus FILE       corpus CSV for the prompt column of those files\n"
	"\n"
	"  -q, --quiet             no warnings\n"
	"  -h, --help              this help\n"
	"  -V, --version           print the version\n"
	"\n"
	"Exit status: 0 ok, 64 usage, 65 bad data, 66 missing input, 69 charts\n"
	"skipped (no gnuplot; tables still written), 70 internal, 74 I/O.\n";

enum { O_CHARTS = 256, O_HTML, O_VLLM, O_LEGACY, O_CORPUS, O_TIMELINE, O_LISTCOLS,
       O_POOL, O_TRUTH, O_CTXBUCKET, O_WATCH };

static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"format", required_argument, NULL, 'f'},
	{"columns", required_argument, NULL, 'c'},
	{"list-columns", no_argument, NULL, O_LISTCOLS},
	{"rank", required_argument, NULL, 'r'},
	{"by", required_argument, NULL, 'b'},
	{"pool-runs", no_argument, NULL, O_POOL},
	{"context-bucket", required_argument, NULL, O_CTXBUCKET},
	{"truth", required_argument, NULL, O_TRUTH},
	{"slo", required_argument, NULL, 's'},
	{"charts", required_argument, NULL, O_CHARTS},
	{"timeline-step", required_argument, NULL, O_TIMELINE},
	{"html", required_argument, NULL, O_HTML},
	{"watch", required_argument, NULL, O_WATCH},
	{"vllm", no_argument, NULL, O_VLLM},
	{"legacy-dir", required_argument, NULL, O_LEGACY},
	{"corpus", required_argument, NULL, O_CORPUS},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = an_usagev("llmanalyze", fmt, ap);
	va_end(ap);
	return rc;
}

static int parse_slo(char *s, struct an_slo *slo)
{
	const char *items[8];
	int n = an_split(s, items, 8), i;
	char *end;
	double v;

	if (n <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *c = strchr(items[i], ':');

		if (!c)
			return -1;
		v = strtod(c + 1, &end);
		if (*end || !(v > 0) || isinf(v))
			return -1;
		/* A second limit for one figure is a typo (the last won). */
		double *to = !strncmp(items[i], "ttft:", 5) ? &slo->ttft_ms
			   : !strncmp(items[i], "tpot:", 5) ? &slo->tpot_ms
			   : !strncmp(items[i], "e2e:", 4) ? &slo->e2e_ms : NULL;

		if (!to)
			return -1;
		if (!isnan(*to))
			return -2;
		*to = v;
	}
	return 0;
}

static void list_columns(void)
{
	size_t i;

	for (i = 0; i < an_ncols; i++)
		printf("%-20s %-6s %s\n", an_cols[i].name, an_cols[i].unit, an_cols[i].desc);
	printf("%-20s %-6s %s\n", "note", "", "client lag or short outputs noted for the group");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	const char *list[MAX_COLS], *rep;
	int c, n, i, k, at;

	memset(o, 0, sizeof *o);
	o->fmt = -1;
	o->rank = -1;
	o->slo.ttft_ms = o->slo.tpot_ms = o->slo.e2e_ms = NAN;
	opterr = 0;
	while ((c = opt_next(argc, argv, "o:f:c:r:b:s:qhV", long_opts, &at)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'f':
			if ((o->fmt = an_fmt_parse(optarg)) < 0)
				return usage_error("unknown format '%s' (csv, md, json, table, xlsx)", optarg);
			break;
		case 'c':
			n = an_split(optarg, list, MAX_COLS);
			if (n <= 0)
				return usage_error(n < 0 ? "--columns: more than %d names" : "--columns needs names", MAX_COLS);
			o->ncols = 0; /* the last --columns wins */
			o->note_col = 0;
			o->cols_given = 1;
			/* A column or key twice is a table of two alike: a typo. */
			if ((rep = an_repeated(list, (size_t)n)))
				return usage_error("--columns: '%s' given twice", rep);
			for (i = 0; i < n; i++) {
				if (strcmp(list[i], "note") == 0) {
					o->note_col = 1;
					continue;
				}
				if ((k = an_col_find(list[i])) < 0)
					return usage_error("unknown column '%s' (see --list-columns)", list[i]);
				o->cols[o->ncols++] = k;
			}
			break;
		case 'r':
			if ((o->rank = an_col_find(optarg)) < 0)
				return usage_error("unknown column '%s' (see --list-columns)", optarg);
			break;
		case 'b':
			n = an_split(optarg, o->by, MAX_LIST);
			if (n <= 0)
				return usage_error(n < 0 ? "--by: more than %d keys" : "--by needs column names", MAX_LIST);
			o->nby = (size_t)n;
			if ((rep = an_repeated(o->by, (size_t)n)))
				return usage_error("--by: '%s' given twice", rep);
			break;
		case 's': {
			char given[128]; /* parse_slo splits optarg in place */

			snprintf(given, sizeof given, "%s", optarg);
			if ((n = parse_slo(optarg, &o->slo)) == -2)
				return usage_error("--slo %s: a figure given a limit twice", given);
			if (n)
				return usage_error("bad --slo '%s' (e.g. ttft:500,tpot:50,e2e:8000)", given);
			o->slo_set = 1;
			break;
		}
		case O_TRUTH:
			o->truth = optarg;
			break;
		case O_POOL:
			o->pool_runs = 1;
			break;
		case O_CTXBUCKET: {
			char *end;

			errno = 0;
			o->ctx_bucket = strtol(optarg, &end, 10);
			if (*end || errno || o->ctx_bucket <= 0 || end == optarg)
				return usage_error("bad --context-bucket '%s' (a width in tokens, 1 or more)", optarg);
			break;
		}
		case O_CHARTS:
			o->charts = optarg;
			break;
		case O_TIMELINE:
			o->timeline_step = optarg;
			break;
		case O_HTML:
			o->html = optarg;
			break;
		case O_WATCH: {
			char *end;

			o->watch = strtod(optarg, &end);
			if (end == optarg || *end || !(o->watch >= 0.1 && o->watch <= 86400))
				return usage_error("bad --watch '%s' (seconds, 0.1 to 86400)", optarg);
			break;
		}
		case O_VLLM:
			o->vllm = 1;
			break;
		case O_LEGACY:
			o->legacy = optarg;
			break;
		case O_CORPUS:
			o->corpus = optarg;
			break;
		case O_LISTCOLS:
			list_columns();
			return -1;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputc('\n', stdout);
			fputs(cmp_usage_text, stdout);
			return -1;
		case 'V':
			printf("llmanalyze %s\n", LLMBENCH_VERSION);
			return -1;
		default: {
			struct err e = {0};

			opt_refused(argc, argv, at, "o:f:c:r:b:s:qhV", long_opts, &e);
			return usage_error("%s", e.msg);
		}
		}
	}
	{
		const char *const out[][2] = { { "-o", o->out }, { "--html", o->html },
					       { "--charts", o->charts }, { "--legacy-dir", o->legacy } };
		struct err e = {0};

		for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
			if (opt_path(out[i][0], out[i][1], &e))
				return usage_error("%s", e.msg);
	}
	if (o->watch && !o->html)
		return usage_error("--watch rewrites the report: it needs --html FILE");
	if (o->timeline_step && !o->charts && !o->html)
		return usage_error("--timeline-step picks a chart's step: it needs --charts or --html");
	if (o->ctx_bucket) {
		size_t i = 0;

		while (i < o->nby && strcmp(o->by[i], "context_bucket"))
			i++;
		if (i == o->nby)
			return usage_error("--context-bucket sets the width of the context_bucket "
					   "column: it needs --by ...,context_bucket");
	}
	if (o->fmt == AN_FMT_XLSX && (!o->out || strcmp(o->out, "-") == 0))
		return usage_error("--format xlsx writes a workbook, not a stream: give -o FILE.xlsx");
	if (o->fmt == AN_FMT_XLSX && o->vllm)
		return usage_error("--vllm writes csv, md, json or table, not xlsx");
	if (o->corpus && !o->legacy)
		return usage_error("--corpus is for --legacy-dir");
	if (o->vllm && (o->charts || o->html || o->legacy || o->nby || o->slo_set || o->truth))
		return usage_error("--vllm compares statistics only");
	if (o->pool_runs && o->nby)
		return usage_error("--pool-runs changes the default grouping; with --by, leave run_id out instead");
	if (!o->nby) {
		/* Rows of different runs, schedules or step kinds are never one
		 * group by default: a throughput over two runs' joint span means
		 * nothing unless they ran together (issue 12). Older files lack
		 * step_kind and schedule; those read as empty. */
		/* Turns of a conversation run differ by design (turn 5 carries
		 * four turns of history), so they are never pooled either;
		 * files without turns read it as empty and it is not shown
		 * (an_keys_hidden). */
		static const char *const keys[] = {"source", "target", "model", "group", "run_id",
						   "step_kind", "schedule", "step", "turn"};
		size_t i;

		for (i = 0; i < 9; i++) {
			if (o->pool_runs && strcmp(keys[i], "run_id") == 0)
				continue;
			o->by_optional[o->nby] = i == 5 || i == 6 || i == 8;
			o->by[o->nby++] = keys[i];
		}
	}
	return 0;
}

/* The step an input file's rows are in, in file order: steps run one
 * after another, so the rows of a step not ended yet are the last. */
struct step_track {
	long done;             /* steps its metadata says ended; -1: all */
	char key[320];         /* target, step kind and step of the last row */
	long steps;            /* distinct steps met */
	struct an_group **g;   /* the groups of the last step's rows */
	size_t *rows, ng, cap; /* rows of each */
};

struct sinks {
	struct step_track *track;      /* per input file, or NULL */
	struct an_set *set;
	struct an_legacy *legacy;
	int quiet;
	const struct an_truth *truth;  /* --truth, else NULL */
	const int64_t *offset;         /* per input file: mono - wall ns */
	struct an_truth_acc all;       /* every row, for the summary line */
	struct an_xreqs *xreqs;        /* -f xlsx: the requests, else NULL */
};

/* Notes row r of group g as in its file's current step. */
static int track_step(struct step_track *t, struct an_group *g, const struct an_rec *r,
		      struct err *e)
{
	char key[sizeof t->key];
	size_t i;

	snprintf(key, sizeof key, "%s\x1f%s\x1f%s", r->target ? r->target : "",
		 r->step_kind ? r->step_kind : "", r->step ? r->step : "");
	if (!t->steps || strcmp(key, t->key) != 0) {
		memcpy(t->key, key, sizeof key);
		t->steps++;
		t->ng = 0;
	}
	for (i = 0; i < t->ng && t->g[i] != g; i++)
		;
	if (i == t->ng) {
		if (t->ng == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 8;
			struct an_group **ng = realloc(t->g, cap * sizeof *ng);
			size_t *nr = ng ? realloc(t->rows, cap * sizeof *nr) : NULL;

			if (ng)
				t->g = ng;
			if (!nr)
				return err_set(e, ERR_SOFTWARE, "out of memory");
			t->rows = nr;
			t->cap = cap;
		}
		t->g[t->ng] = g;
		t->rows[t->ng++] = 0;
	}
	t->rows[i]++;
	return 0;
}

static int on_row(void *ctx, const char *const *keys, const struct an_rec *r,
		  struct err *e)
{
	struct sinks *s = ctx;
	int rc = an_set_add(s->set, keys, r, e);
	struct an_group *g;

	if (rc)
		return rc;
	if (s->track && s->track[r->file].done >= 0) {
		if (!(g = an_set_group(s->set, keys)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		if ((rc = track_step(&s->track[r->file], g, r, e)))
			return rc;
	}
	if (!rc && s->legacy)
		rc = an_legacy_add(s->legacy, r, e);
	if (!rc && s->xreqs) {
		if (!(g = an_set_group(s->set, keys)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		rc = an_xreqs_add(s->xreqs, g, r, e);
	}
	if (!rc && s->truth) {
		if (!(g = an_set_group(s->set, keys)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		if (!(rc = an_truth_add(s->truth, s->offset[r->file], r, &g->truth, e)))
			rc = an_truth_add(s->truth, s->offset[r->file], r, &s->all, e);
	}
	return rc;
}

/* A run that did not end well says so in its metadata; the table alone
 * would not (its last step's rows look like any other's). */
static void warn_partial(const char *const *paths, size_t n)
{
	char how[ERR_MSG_MAX + 64];

	for (size_t i = 0; i < n; i++)
		if (an_run_end(paths[i], how, sizeof how)) {
			utf8_unctrl(how); /* the run's error: a server's text */
			fprintf(stderr, "llmanalyze: warning: %s: its run %s\n", paths[i], how);
		}
}

static void on_warn(void *ctx, const char *msg)
{
	const struct sinks *s = ctx;

	if (!s->quiet)
		fprintf(stderr, "llmanalyze: warning: %s\n", msg);
}

static int pick_format(const struct opts *o)
{
	if (o->fmt >= 0)
		return o->fmt;
	return (!o->out && isatty(STDOUT_FILENO)) ? AN_FMT_TABLE : AN_FMT_CSV;
}

/* The stream for -o FILE (a temporary file renamed on finish_output) or
 * stdout. */
static int start_output(const struct opts *o, struct ofile **of, FILE **fp,
			struct err *e)
{
	int rc;

	*of = NULL;
	*fp = stdout;
	if (!o->out)
		return 0;
	if ((rc = ofile_open(o->out, of, e)))
		return rc;
	*fp = ofile_fp(*of);
	return 0;
}

static int finish_output(struct ofile *of, const char *path, int rc, struct err *e)
{
	/* The writers say "write failed": which output, said here. */
	if (rc == ERR_IO && !strncmp(e->msg, "write failed", 12))
		err_prefix(e, "%s", of && path ? path : "standard output");
	if (!of)
		return rc;
	if (rc) {
		ofile_abort(of);
		return rc;
	}
	return ofile_commit(of, e);
}

/* Every column (the truth comparison's only with --truth, the server's
 * only with FILE.metrics.csv) into cols; returns how many. */
static size_t all_columns(int srv, int truth, int *cols)
{
	size_t i, n = 0;

	for (i = 0; i < an_ncols && n < MAX_COLS; i++)
		if ((truth || !an_col_truth(&an_cols[i])) &&
		    (srv || strncmp(an_cols[i].name, "srv_", 4)))
			cols[n++] = (int)i;
	return n;
}

/* One line for stderr: the client's timing error over every matched row.
 * A figure the log cannot give (no arrived_ns: an older llmsim) is
 * "none". */
static void truth_summary(const struct an_truth_acc *a)
{
	static const char *const name[4] = {"send", "receive", "ttft", "chunk"};
	const struct buf *b[4] = {&a->send, &a->recv, &a->ttft, &a->chunk};
	struct stats_summary s[4];
	char v[2][4][32];
	int i;

	for (i = 0; i < 4; i++) {
		stats_summarize((double *)b[i]->p, b[i]->len / sizeof(double), &s[i]);
		if (!*an_fmt_num(v[0][i], sizeof v[0][i], s[i].p99, 3))
			strcpy(v[0][i], "none");
		if (!*an_fmt_num(v[1][i], sizeof v[1][i], s[i].max, 3))
			strcpy(v[1][i], "none");
	}
	fprintf(stderr, "llmanalyze: truth: %zu ok rows matched, %zu unmatched", a->matched, a->unmatched);
	if (a->foreign)
		fprintf(stderr, " (%zu whose id is in the log for a request that arrived outside the row's "
			"send..end: another run's?)", a->foreign);
	fputs("; p99 ms:", stderr);
	for (i = 0; i < 4; i++)
		fprintf(stderr, "%s %s %s", i ? "," : "", name[i], v[0][i]);
	fputs("; max ms:", stderr);
	for (i = 0; i < 4; i++)
		fprintf(stderr, "%s %s %s", i ? "," : "", name[i], v[1][i]);
	if (a->held)
		fprintf(stderr, "; %zu chunk%s left out, whose truth may be early (held)", a->held,
			a->held == 1 ? "" : "s");
	fputc('\n', stderr);
}

static int write_table(const struct opts *o, const struct an_report *r,
		       const struct an_load_stats *st, const struct an_srv *srv,
		       const struct an_xreqs *xq,
		       struct err *e)
{
	int fmt = pick_format(o), cols[MAX_COLS];
	size_t ncols = o->ncols, i;
	struct ofile *of;
	FILE *fp;
	int rc;

	if (o->cols_given) {
		memcpy(cols, o->cols, ncols * sizeof *cols);
	} else if (fmt == AN_FMT_TABLE) {
		for (i = 0; an_table_default_cols[i]; i++)
			cols[ncols++] = an_col_find(an_table_default_cols[i]);
		/* The terminal's screenful gains the cache hit rate when some
		 * server reported its cache (a conversation run, mostly). */
		for (i = 0; i < r->n; i++)
			if (r->m[i].cache_reported > 0) {
				cols[ncols++] = an_col_find("cache_hit_rate");
				break;
			}
	} else {
		/* Markdown gives the truth and the server's figures sections
		 * of their own (below), not columns of the main table too. */
		ncols = all_columns(srv != NULL && fmt != AN_FMT_MD, o->truth && fmt != AN_FMT_MD, cols);
	}
	/* A workbook: the table's cells (as in CSV) and the requests. Its
	 * temporary file exists while it is made: the signals are caught
	 * then, as for the charts (analyze). */
	if (fmt == AN_FMT_XLSX) {
		int rc;

		if (o->stop)
			sigstop_catch(on_stop);
		rc = an_xlsx_write(o->out, r, cols, ncols, o->cols_given ? o->note_col : 1, xq,
				   o->stop, e);
		if (o->stop)
			sigstop_default();
		return rc;
	}
	if ((rc = start_output(o, &of, &fp, e)))
		return rc;
	/* Every column when none are chosen includes the notes. */
	rc = an_format(fp, (enum an_fmt)fmt, r, cols, ncols, o->cols_given ? o->note_col : 1, e);
	/* On a terminal or in Markdown the truth comparison is a section of
	 * its own (CSV and JSON have its columns in the one table). */
	if (!rc && o->truth && !o->cols_given && (fmt == AN_FMT_MD || fmt == AN_FMT_TABLE)) {
		for (i = ncols = 0; i < an_ncols; i++)
			if (an_col_truth(&an_cols[i]))
				cols[ncols++] = (int)i;
		fputs(fmt == AN_FMT_MD ? "\n### Timing against llmsim's truth log\n\n"
				       : "\ntiming against llmsim's truth log:\n", fp);
		rc = an_format(fp, (enum an_fmt)fmt, r, cols, ncols, -1, e);
	}
	/* So are the server's figures, from FILE.metrics.csv (llmrun --scrape). */
	if (!rc && srv && !o->cols_given && (fmt == AN_FMT_MD || fmt == AN_FMT_TABLE)) {
		for (i = ncols = 0; i < an_ncols; i++)
			if (!strncmp(an_cols[i].name, "srv_", 4))
				cols[ncols++] = (int)i;
		fputs(fmt == AN_FMT_MD ? "\n### Server metrics (FILE.metrics.csv)\n\n"
				       : "\nserver metrics (FILE.metrics.csv):\n", fp);
		rc = an_format(fp, (enum an_fmt)fmt, r, cols, ncols, -1, e);
	}
	/* So is the check of vLLM files' own summaries (CSV and JSON: one
	 * table per output; --vllm writes the check alone). */
	if (!rc && st->nvllm && (fmt == AN_FMT_MD || fmt == AN_FMT_TABLE)) {
		fputs(fmt == AN_FMT_MD ? "\n### vLLM's own summaries beside ours\n\n"
				       : "\nvLLM's own summaries beside ours:\n", fp);
		rc = an_vllm_compare(fp, (enum an_fmt)fmt, st->vllm, st->nvllm, e);
	}
	return finish_output(of, o->out, rc, e);
}

static int run_vllm(const struct opts *o, char **paths, int n, struct err *e)
{
	struct an_vllm_file **files = NULL, **some, **more;
	struct ofile *of = NULL;
	size_t nf = 0, k, j;
	FILE *fp;
	int rc = 0, i;

	/* A file may hold several results (--append-result): each its own. */
	for (i = 0; i < n && !rc; i++) {
		if ((rc = an_vllm_open(paths[i], &some, &k, e)))
			break;
		if (!(more = realloc(files, (nf + k + 1) * sizeof *files))) {
			for (j = 0; j < k; j++)
				an_vllm_free(some[j]);
			free(some);
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
			break;
		}
		files = more;
		for (j = 0; j < k; j++)
			files[nf++] = some[j];
		free(some);
	}
	if (!rc && !(rc = start_output(o, &of, &fp, e)))
		rc = finish_output(of, o->out, an_vllm_compare(fp, (enum an_fmt)pick_format(o), files, nf, e), e);
	for (k = 0; k < nf; k++)
		an_vllm_free(files[k]);
	free(files);
	return rc;
}

/* Whether a group's step is want. */
static int has_step(const struct an_report *r, const char *want)
{
	for (size_t g = 0; r->step_key >= 0 && g < r->set->ngroups; g++)
		if (strcmp(r->set->groups[g]->key[r->step_key], want) == 0)
			return 1;
	return 0;
}

/* One analysis of the inputs: the table, charts, report. *rows receives
 * the rows read. */
static int analyze(const struct opts *o, const char *const *paths, size_t n,
		   size_t *rows, struct err *e)
{
	/* A live pass (--watch) says nothing of the row being written (a
	 * "cut-off last row" every pass, while nothing was killed). */
	struct sinks sk = {NULL, NULL, NULL, o->quiet || o->live, NULL, NULL,
			   {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, 0, 0, 0, 0, 0}, NULL};
	struct an_truth *truth = NULL;
	int64_t *offset = NULL;
	struct an_load_opts lo = {o->by, o->nby, o->by_optional, on_row, &sk, on_warn,
				  o->ctx_bucket};
	struct an_load_stats st;
	struct an_report rep = {0};
	struct an_chart_files cf = {0};
	struct an_srv *srv = NULL;
	int rc, charts_rc = 0;

	sk.set = an_set_new(o->by, o->nby, &o->slo, o->charts || o->html);
	if (!sk.set)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	memset(&st, 0, sizeof st);
	rc = 0;
	if (o->truth) {
		size_t i;

		/* Results times are wall clock, the log's monotonic: each file's
		 * .meta.json anchor joins them. */
		if (!(offset = calloc(n, sizeof *offset)))
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
		for (i = 0; !rc && i < n; i++)
			if (strcmp(paths[i], "-") == 0)
				rc = err_set(e, ERR_NOINPUT, "--truth needs results files (their .meta.json), not standard input");
			else
				rc = an_truth_anchor(paths[i], &offset[i], e);
		if (!rc) {
			size_t cut;

			rc = an_truth_load(o->truth, &truth, &cut, e);
			if (!rc && cut && !o->quiet && !o->live)
				fprintf(stderr, "llmanalyze: warning: %s:%zu: a cut-off last line (as a killed "
					"llmsim leaves): skipped\n", o->truth, cut);
		}
		sk.truth = truth;
		sk.offset = offset;
	}
	if (!rc && pick_format(o) == AN_FMT_XLSX && !(sk.xreqs = an_xreqs_new()))
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	if (rc)
		;
	else if (o->legacy && !(sk.legacy = an_legacy_new()))
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	else if (!(sk.track = calloc(n ? n : 1, sizeof *sk.track)))
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	if (!rc) {
		/* A run with no end marker (going, or killed): its step not
		 * ended yet is marked partial, and is no peak. */
		for (size_t i = 0; i < n; i++)
			sk.track[i].done = strcmp(paths[i], "-") ? an_run_steps_done(paths[i]) : -1;
		rc = an_load(paths, n, &lo, &st, e);
	}
	for (size_t i = 0; !rc && i < n; i++)
		if (sk.track[i].done >= 0 && sk.track[i].steps > sk.track[i].done)
			for (size_t k = 0; k < sk.track[i].ng; k++)
				sk.track[i].g[k]->partial += sk.track[i].rows[k];
	if (!rc && !o->quiet && !o->live)
		warn_partial(paths, n);
	if (!rc && truth && !o->quiet && !o->live)
		truth_summary(&sk.all);
	/* No row finds its request: the wrong log (ids that are in it, but
	 * for requests at other times), or none of this run's at all. */
	if (!rc && truth && !sk.all.matched && sk.all.foreign)
		rc = err_set(e, ERR_DATA, "%s: none of the %zu ok rows whose id is in it arrived between its send and "
			     "its end: the log of another run?", o->truth, sk.all.foreign);
	else if (!rc && truth && !sk.all.matched && sk.all.unmatched)
		rc = err_set(e, ERR_DATA, "%s: none of the %zu ok rows has its id in it: the log of another "
			     "llmsim (or a server that sends no response ids)?", o->truth, sk.all.unmatched);
	*rows = st.rows;
	if (!rc && sk.set->ngroups == 0)
		rc = err_set(e, ERR_DATA, "no result rows to analyze (all warmup or none%s)",
			     st.nvllm ? "; a vLLM file without per-request data has its summaries "
					"alone: llmanalyze --vllm" : "");
	if (!rc)
		rc = an_report_build(sk.set, o->slo_set, o->rank, &rep, e);
	/* Before the first output is written (the chart would find it
	 * missing after the table). */
	if (!rc && o->timeline_step && (o->charts || o->html) && !has_step(&rep, o->timeline_step))
		rc = err_set(e, ERR_USAGE, "--timeline-step %s: no such step", o->timeline_step);
	if (!rc && !(rc = an_srv_load(paths, n, &srv, e)))
		an_srv_fill(srv, &rep);
	if (!rc && !o->live)
		rc = write_table(o, &rep, &st, srv, sk.xreqs, e);
	if (!rc && sk.legacy && !o->live) {
		size_t unmatched = 0;

		rc = an_legacy_write(sk.legacy, o->legacy, o->corpus, &unmatched, e);
		if (!rc && unmatched && !o->quiet)
			fprintf(stderr, "llmanalyze: warning: --corpus %s has no id of %zu result row%s: "
				"their prompt is empty in the legacy files\n", o->corpus, unmatched,
				unmatched == 1 ? "" : "s");
	}
	/* Killed by a signal, a run left its temporary folders (the charts')
	 * in $TMPDIR: caught while they exist, the stage stops and removes
	 * them. Not before: a read blocked on a pipe would go on. */
	if (o->stop && (o->charts || o->html))
		sigstop_catch(on_stop);
	if (!rc && (o->charts || o->html)) {
		struct an_chart_opts co = {o->charts, o->timeline_step, o->quiet, srv, o->stop};

		charts_rc = an_charts_write(&rep, &co, &cf, e);
		if (charts_rc == ERR_UNAVAILABLE) {
			fprintf(stderr, "llmanalyze: charts skipped: %s\n", e->msg);
			err_clear(e);
		} else if (charts_rc) {
			rc = charts_rc;
		} else if (cf.skipped.len && !o->quiet && o->charts) {
			fprintf(stderr, "llmanalyze: warning: not drawn, nothing to plot (see %s/gnuplot.log): %s\n",
				cf.dir, cf.skipped.p);
		} else if (cf.skipped.len && !o->quiet) {
			/* The report's charts: their folder is a temporary one,
			 * gone before the user could read its log. */
			fprintf(stderr, "llmanalyze: warning: not drawn, nothing to plot (--charts DIR keeps "
				"gnuplot's log): %s\n", cf.skipped.p);
		}
	}
	if (!rc && o->html) {
		int all[MAX_COLS];
		size_t nall = all_columns(srv != NULL, o->truth != NULL, all);

		/* --columns chooses the report's columns as it does the table's. */
		struct an_html_opts ho = {o->cols_given ? o->cols : all, o->cols_given ? o->ncols : nall,
					  o->cols_given, o->live};

		if (o->stop && *o->stop)
			rc = err_set(e, ERR_SOFTWARE, "interrupted");
		else
			rc = an_html_write(o->html, &rep, &ho, &st, &cf, (const char *const *)paths, n, e);
	}
	an_chart_files_free(&cf);
	if (o->stop && (o->charts || o->html))
		sigstop_default();
	an_srv_free(srv);
	an_report_free(&rep);
	an_load_stats_free(&st);
	for (size_t i = 0; sk.track && i < n; i++) {
		free(sk.track[i].g);
		free(sk.track[i].rows);
	}
	free(sk.track);
	an_legacy_free(sk.legacy);
	an_xreqs_free(sk.xreqs);
	an_set_free(sk.set);
	an_truth_acc_free(&sk.all);
	an_truth_free(truth);
	free(offset);
	if (!rc && charts_rc == ERR_UNAVAILABLE)
		return ERR_UNAVAILABLE;
	return rc;
}

/* Every output checked before the first is written: a run refused for
 * its third output leaves no first one behind; none may be an input (it
 * would be overwritten); the legacy files' corpus is read first too. */
static int preflight(const struct opts *o, char *const *in, int nin, struct err *e)
{
	/* What --charts and --legacy-dir write into their folders. */
	static const char *const charts[] = {"*.dat", "*.gp", "*.png", "*.svg", NULL};
	static const char *const legacy[] = {"batch_size_comparison.csv",
					     "output_performance_metrics_batch*.csv", NULL};
	/* Every file named: the inputs (results files), the others read,
	 * then the two outputs; NULL paths never clash. */
	struct named { const char *path, *what; int results; } *f;
	int nread = nin + 2, rc = 0, i;

	if (!(f = malloc((size_t)(nin + 4) * sizeof *f)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	for (i = 0; i < nin; i++)
		f[i] = (struct named){in[i], "an input", 1};
	f[nin] = (struct named){o->corpus, "the --corpus file", 0};
	f[nin + 1] = (struct named){o->truth, "the --truth file", 0};
	f[nin + 2] = (struct named){o->out, "the -o file", 0};
	f[nin + 3] = (struct named){o->html, "the --html file", 0};
	for (int k = 0; k < 2 && !rc; k++)
		for (i = 0; i < nread && !rc; i++)
			rc = an_clobbers(k ? "--html" : "-o", f[nread + k].path, f[i].path, f[i].what,
					 f[i].results, e);
	if (!rc && o->out && o->html && ofile_same(o->out, o->html))
		rc = err_set(e, ERR_USAGE, "-o and --html name one file, %s: one would replace the other",
			     o->out);
	for (i = 0; i < nin + 4 && !rc; i++) {
		rc = an_dir_clobbers("--charts", o->charts, charts, f[i].path, f[i].what, e);
		if (!rc)
			rc = an_dir_clobbers("--legacy-dir", o->legacy, legacy, f[i].path, f[i].what, e);
	}
	free(f);
	if (!rc && o->out)
		rc = ofile_check(o->out, e);
	if (!rc && o->html)
		rc = ofile_check(o->html, e);
	if (!rc && o->charts)
		rc = ofile_check_dir(o->charts, e);
	if (!rc && o->legacy)
		rc = ofile_check_dir(o->legacy, e);
	if (!rc && o->legacy && o->corpus)
		rc = an_legacy_check_corpus(o->corpus, e);
	return rc;
}


/* --watch: analyzes every o->watch seconds, each report a live one that
 * reloads itself, until the runs end (each input's metadata has its end
 * marker; runs that had ended before the watch began, and inputs without
 * metadata: unchanged for WATCH_IDLE intervals) or
 * a signal comes; then once more, a final report without reload, the
 * table and the other outputs. Before the first row the page says it
 * waits. Returns the final analysis' status. */
static int watch(struct opts *o, const char *const *paths, size_t n, struct err *e)
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
			rc = analyze(o, paths, n, &rows, e);
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
	struct opts o;
	struct err e = {0};
	int rc, n;
	size_t i, rows;

	for (i = 0; argc > 1 && i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	rc = parse_opts(argc, argv, &o);
	if (rc < 0)
		rc = 0;
	else if (rc == 0) {
		n = argc - optind;
		/* Caught only while charts or a workbook are made (analyze,
		 * write_table); --watch catches them for its whole run. */
		if (!o.watch)
			o.stop = &stop_flag;
		if ((rc = preflight(&o, argv + optind, n, &e))) {
			;
		} else if (o.vllm) {
			if (n == 0)
				return usage_error("--vllm needs result files");
			rc = run_vllm(&o, argv + optind, n, &e);
		} else if (o.watch && (n == 0 || has_stdin(argv + optind, n))) {
			return usage_error("--watch needs results files, not standard input");
		} else if (o.watch) {
			size_t m = an_srv_drop_inputs((const char **)argv + optind, (size_t)n);

			rc = watch(&o, (const char *const *)argv + optind, m, &e);
		} else if (n == 0) {
			rc = analyze(&o, stdin_path, 1, &rows, &e);
		} else {
			size_t m = an_srv_drop_inputs((const char **)argv + optind, (size_t)n);

			rc = analyze(&o, (const char *const *)argv + optind, m, &rows, &e);
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
