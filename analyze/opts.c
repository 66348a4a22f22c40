/*
 * llmanalyze's options: the table getopt_long reads, the --help text
 * (with compare's part), the checks of each value and of the options
 * together, and of the files they name before any is written.
 */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cols.h"
#include "compare_cli.h"
#include "format.h"
#include "legacy.h"
#include "ofile.h"
#include "optmsg.h"

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

static const char short_opts[] = "o:f:c:r:b:s:qhV";

int an_opts_usage(const char *fmt, ...)
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


/* -c LIST: the columns shown, in order; "note" among them. */
static int set_columns(char *arg, struct an_opts *o)
{
	const char *list[AN_MAX_COLS], *rep;
	int n, i, k;

	n = an_split(arg, list, AN_MAX_COLS);
	if (n <= 0)
		return an_opts_usage(n < 0 ? "--columns: more than %d names" : "--columns needs names", AN_MAX_COLS);
	o->ncols = 0; /* the last --columns wins */
	o->note_col = 0;
	o->cols_given = 1;
	/* A column or key twice is a table of two alike: a typo. */
	if ((rep = an_repeated(list, (size_t)n)))
		return an_opts_usage("--columns: '%s' given twice", rep);
	for (i = 0; i < n; i++) {
		if (strcmp(list[i], "note") == 0) {
			o->note_col = 1;
			continue;
		}
		if ((k = an_col_find(list[i])) < 0)
			return an_opts_usage("unknown column '%s' (see --list-columns)", list[i]);
		o->cols[o->ncols++] = k;
	}
	return 0;
}

/* One option opt_next returned (c; at as it left it) into o. Returns 0
 * to go on, -1 when it printed what was asked (--help), or ERR_USAGE. */
static int take_option(int c, int at, int argc, char **argv, struct an_opts *o)
{
	const char *rep;
	int n;

	switch (c) {
	case 'o':
		o->out = optarg;
		break;
	case 'f':
		if ((o->fmt = an_fmt_parse(optarg)) < 0)
			return an_opts_usage("unknown format '%s' (csv, md, json, table, xlsx)", optarg);
		break;
	case 'c':
		return set_columns(optarg, o);
	case 'r':
		if ((o->rank = an_col_find(optarg)) < 0)
			return an_opts_usage("unknown column '%s' (see --list-columns)", optarg);
		break;
	case 'b':
		n = an_split(optarg, o->by, AN_MAX_LIST);
		if (n <= 0)
			return an_opts_usage(n < 0 ? "--by: more than %d keys" : "--by needs column names", AN_MAX_LIST);
		o->nby = (size_t)n;
		if ((rep = an_repeated(o->by, (size_t)n)))
			return an_opts_usage("--by: '%s' given twice", rep);
		break;
	case 's': {
		char given[128]; /* parse_slo splits optarg in place */

		snprintf(given, sizeof given, "%s", optarg);
		if ((n = parse_slo(optarg, &o->slo)) == -2)
			return an_opts_usage("--slo %s: a figure given a limit twice", given);
		if (n)
			return an_opts_usage("bad --slo '%s' (e.g. ttft:500,tpot:50,e2e:8000)", given);
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
			return an_opts_usage("bad --context-bucket '%s' (a width in tokens, 1 or more)", optarg);
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
			return an_opts_usage("bad --watch '%s' (seconds, 0.1 to 86400)", optarg);
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

		opt_refused(argc, argv, at, short_opts, long_opts, &e);
		return an_opts_usage("%s", e.msg);
	}
	}
	return 0;
}

/* The options together, once all are read: 0 or ERR_USAGE. */
static int check_opts(const struct an_opts *o)
{
	const char *const out[][2] = { { "-o", o->out }, { "--html", o->html },
				       { "--charts", o->charts }, { "--legacy-dir", o->legacy } };
	struct err e = {0};

	for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
		if (opt_path(out[i][0], out[i][1], &e))
			return an_opts_usage("%s", e.msg);
	if (o->watch && !o->html)
		return an_opts_usage("--watch rewrites the report: it needs --html FILE");
	if (o->timeline_step && !o->charts && !o->html)
		return an_opts_usage("--timeline-step picks a chart's step: it needs --charts or --html");
	if (o->ctx_bucket) {
		size_t i = 0;

		while (i < o->nby && strcmp(o->by[i], "context_bucket"))
			i++;
		if (i == o->nby)
			return an_opts_usage("--context-bucket sets the width of the context_bucket "
					     "column: it needs --by ...,context_bucket");
	}
	if (o->fmt == AN_FMT_XLSX && (!o->out || strcmp(o->out, "-") == 0))
		return an_opts_usage("--format xlsx writes a workbook, not a stream: give -o FILE.xlsx");
	if (o->fmt == AN_FMT_XLSX && o->vllm)
		return an_opts_usage("--vllm writes csv, md, json or table, not xlsx");
	if (o->corpus && !o->legacy)
		return an_opts_usage("--corpus is for --legacy-dir");
	if (o->vllm && (o->charts || o->html || o->legacy || o->nby || o->slo_set || o->truth))
		return an_opts_usage("--vllm compares statistics only");
	if (o->pool_runs && o->nby)
		return an_opts_usage("--pool-runs changes the default grouping; with --by, leave run_id out instead");
	return 0;
}

/* The keys groups are made by when --by is not given. */
static void default_keys(struct an_opts *o)
{
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

int an_opts_parse(int argc, char **argv, struct an_opts *o)
{
	int c, at, rc;

	memset(o, 0, sizeof *o);
	o->fmt = -1;
	o->rank = -1;
	o->slo.ttft_ms = o->slo.tpot_ms = o->slo.e2e_ms = NAN;
	opterr = 0;
	while ((c = opt_next(argc, argv, short_opts, long_opts, &at)) != -1)
		if ((rc = take_option(c, at, argc, argv, o)))
			return rc;
	if ((rc = check_opts(o)))
		return rc;
	if (!o->nby)
		default_keys(o);
	return 0;
}

/* Every output checked before the first is written: a run refused for
 * its third output leaves no first one behind; none may be an input (it
 * would be overwritten); the legacy files' corpus is read first too. */
int an_opts_preflight(const struct an_opts *o, char *const *in, int nin, struct err *e)
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
