#include "compare_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "compare.h"
#include "compare_out.h"
#include "err.h"
#include "ofile.h"
#include "optmsg.h"

#define CMP_MAX_LIST 32

const char cmp_usage_text[] =
	"Regression gate: llmanalyze compare [OPTIONS] BASE.csv NEW.csv\n"
	"  Per group in both files, each metric's change (new - base, and %) with\n"
	"  a 95% bootstrap confidence interval; groups in one file are listed.\n"
	"  -f, --format FMT        md (default: a pull-request comment), json, csv\n"
	"  -o, --output FILE       write to FILE (atomically); default stdout\n"
	"  -m, --metrics LIST      metrics compared (default ttft_p50,ttft_p99,\n"
	"                          ttft_mean,tpot_p50,tpot_p99,e2e_p50,e2e_p99,\n"
	"                          out_tok_per_s,req_per_s); any of ttft, tpot, e2e\n"
	"                          with _mean _p50 _p90 _p95 _p99, out_tok_per_s,\n"
	"                          req_per_s\n"
	"  -b, --by LIST           match groups on these columns (default model,\n"
	"                          group,step_kind,schedule,step,turn); with\n"
	"                          these a group of two targets or two runs in\n"
	"                          one file is refused (65)\n"
	"      --pool-runs         pool the runs of one step in a file (their\n"
	"                          spans' union is the duration)\n"
	"      --fail-on SPEC      exit 1 when a regression beyond a limit is\n"
	"                          significant, e.g. ttft_p99:+10%,tpot_p50:+5%,\n"
	"                          out_tok_per_s:-5% (a limit without % is in the\n"
	"                          metric's unit; several add up); it also\n"
	"                          fails on a group of BASE missing from NEW\n"
	"                          that it could judge, and on a gated figure\n"
	"                          NEW has too few ok requests to judge, some\n"
	"                          failed, where BASE has enough\n"
	"      --resamples N       bootstrap replicates (default 2000)\n"
	"      --seed N            seed of the replicates (default 1)\n"
	"  -q, --quiet             no warnings\n"
	"  Exit status: 0 no gate failed, 1 a gate failed, 64 usage, 65 bad data\n"
	"  or no group in both files, 66 missing input, 70 internal, 74 I/O.\n";

static const struct option cmp_opts_long[] = {
	{"format", required_argument, NULL, 'f'},
	{"output", required_argument, NULL, 'o'},
	{"metrics", required_argument, NULL, 'm'},
	{"by", required_argument, NULL, 'b'},
	{"fail-on", required_argument, NULL, 'F'},
	{"resamples", required_argument, NULL, 'R'},
	{"seed", required_argument, NULL, 'S'},
	{"pool-runs", no_argument, NULL, 'P'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct cmp_conf {
	enum cmp_fmt fmt;
	const char *out;
	const char *by[CMP_MAX_LIST];
	unsigned char by_optional[CMP_MAX_LIST];
	size_t nby;
	int metrics[CMP_MAX_LIST * 2];
	size_t nmetrics;
	struct cmp_rule rules[CMP_MAX_LIST];
	size_t nrules;
	char fail_on[4096];  /* every --fail-on, joined by commas */
	size_t resamples;
	unsigned long long seed;
	int quiet;
	int default_by;  /* the keys were not given: one target, one run */
	int pool_runs;   /* --pool-runs */
};

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = an_usagev("llmanalyze compare", fmt, ap);
	va_end(ap);
	return rc;
}

static int add_metric(struct cmp_conf *c, int m)
{
	size_t i;

	for (i = 0; i < c->nmetrics; i++)
		if (c->metrics[i] == m)
			return 0;
	c->metrics[c->nmetrics++] = m;
	return 0;
}

static int parse_number(const char *s, unsigned long long lo, unsigned long long hi,
			unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *end || errno || *out < lo || *out > hi ? -1 : 0;
}

static int parse(int argc, char **argv, struct cmp_conf *c)
{
	const char *list[CMP_MAX_LIST];
	unsigned long long v;
	struct err e = {0};
	size_t i;
	int ch, n, m, at;

	memset(c, 0, sizeof *c);
	c->resamples = 2000;
	c->seed = 1;
	optind = 1;
	opterr = 0;
	while ((ch = opt_next(argc, argv, "f:o:m:b:qh", cmp_opts_long, &at)) != -1) {
		switch (ch) {
		case 'f':
			if (!strcmp(optarg, "md"))
				c->fmt = CMP_FMT_MD;
			else if (!strcmp(optarg, "json"))
				c->fmt = CMP_FMT_JSON;
			else if (!strcmp(optarg, "csv"))
				c->fmt = CMP_FMT_CSV;
			else
				return usage("unknown format '%s' (md, json, csv)", optarg);
			break;
		case 'o': {
			struct err e = {0};

			if (opt_path("-o", optarg, &e))
				return usage("%s", e.msg);
			c->out = optarg;
			break;
		}
		case 'm':
			if ((n = an_split(optarg, list, CMP_MAX_LIST)) <= 0)
				return usage("--metrics needs 1 to %d names", CMP_MAX_LIST);
			c->nmetrics = 0;
			for (i = 0; i < (size_t)n; i++) {
				if ((m = cmp_metric_find(list[i])) < 0)
					return usage("unknown metric '%s' (see llmanalyze --help)", list[i]);
				add_metric(c, m);
			}
			break;
		case 'b':
			if ((n = an_split(optarg, c->by, CMP_MAX_LIST)) <= 0)
				return usage("--by needs 1 to %d column names", CMP_MAX_LIST);
			c->nby = (size_t)n;
			memset(c->by_optional, 0, sizeof c->by_optional);
			break;
		case 'F': {
			/* Several --fail-on add up (a metric twice is still refused). */
			size_t len = strlen(c->fail_on);

			if (len + strlen(optarg) + 2 > sizeof c->fail_on)
				return usage("--fail-on: too many items");
			snprintf(c->fail_on + len, sizeof c->fail_on - len, "%s%s", len ? "," : "", optarg);
			if (cmp_spec_parse(c->fail_on, c->rules, CMP_MAX_LIST, &c->nrules, &e))
				return usage("%s", e.msg);
			break;
		}
		case 'R':
			if (parse_number(optarg, 100, 1000000, &v))
				return usage("--resamples needs a whole number from 100 to 1000000, not '%s'", optarg);
			c->resamples = (size_t)v;
			break;
		case 'P':
			c->pool_runs = 1;
			break;
		case 'S':
			if (parse_number(optarg, 0, UINT64_MAX, &v))
				return usage("--seed needs a whole number, not '%s'", optarg);
			c->seed = v;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'h':
			fputs(cmp_usage_text, stdout);
			return -1;
		default: {
			struct err e = {0};

			opt_refused(argc, argv, at, "f:o:m:b:qh", cmp_opts_long, &e);
			return usage("%s", e.msg);
		}
		}
	}
	if (argc - optind != 2)
		return usage("needs two results files, BASE.csv and NEW.csv (got %d)", argc - optind);
	if (c->pool_runs && c->nby)
		return usage("--pool-runs is for the default keys; with --by, leave run_id out instead");
	if (!c->nmetrics)
		for (i = 0; cmp_default_metrics[i]; i++)
			add_metric(c, cmp_metric_find(cmp_default_metrics[i]));
	/* A gate's metric is always shown: a verdict needs its figures. */
	for (i = 0; i < c->nrules; i++)
		add_metric(c, c->rules[i].metric);
	if (!c->nby) {
		/* Not target or run_id: a baseline and a candidate differ in
		 * them by nature (another build on another port, another run);
		 * so a file holding two of either is refused (one_run). Turns
		 * differ by design, as in the table. Older files lack
		 * step_kind, schedule and turn. */
		static const char *const keys[] = {"model", "group", "step_kind", "schedule", "step", "turn"};

		for (i = 0; i < 6; i++) {
			c->by_optional[i] = i == 2 || i == 3 || i == 5;
			c->by[c->nby++] = keys[i];
		}
		c->default_by = 1;
	}
	return 0;
}

static void on_warn(void *ctx, const char *msg)
{
	if (!*(const int *)ctx)
		fprintf(stderr, "llmanalyze compare: warning: %s\n", msg);
}

int cmp_main(int argc, char **argv)
{
	struct cmp_conf c;
	struct cmp_result res;
	struct err e = {0};
	struct ofile *of = NULL;
	FILE *fp = stdout;
	int rc = parse(argc, argv, &c);

	if (rc < 0) { /* --help */
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "llmanalyze compare: writing standard output failed\n");
			return ERR_IO;
		}
		return 0;
	}
	if (rc)
		return rc;
	{
		struct cmp_opts o = {c.by, c.nby, c.by_optional, c.metrics, c.nmetrics, c.rules,
				     c.nrules, c.default_by, c.default_by && !c.pool_runs, c.resamples, c.seed, on_warn, &c.quiet};
		struct cmp_head h = {argv[optind], argv[optind + 1], c.rules, c.nrules, c.seed};

		for (int i = 0; !rc && i < 2; i++)
			rc = an_clobbers("-o", c.out, argv[optind + i], "an input", 1, &e);
		if (rc) {
			fprintf(stderr, "llmanalyze compare: %s\n", e.msg);
			return rc;
		}
		rc = cmp_run(argv[optind], argv[optind + 1], &o, &res, &e);
		if (!rc && c.out)
			rc = ofile_open(c.out, &of, &e);
		if (!rc) {
			fp = of ? ofile_fp(of) : stdout;
			rc = cmp_write(fp, c.fmt, &h, &res, &e);
			if (of)
				rc = rc ? (ofile_abort(of), rc) : ofile_commit(of, &e);
		}
	}
	if (!rc && !c.quiet && res.nonly)
		fprintf(stderr, "llmanalyze compare: warning: %zu group%s in one file only, not compared (listed in the output)\n",
			res.nonly, res.nonly == 1 ? "" : "s");
	if (!rc && !c.quiet && res.nunjudged > res.nlost)
		fprintf(stderr, "llmanalyze compare: warning: %zu gated figure%s had no interval (too few requests) and could not fail\n",
			res.nunjudged - res.nlost, res.nunjudged - res.nlost == 1 ? "" : "s");
	if (!rc && !c.quiet && res.nlost)
		fprintf(stderr, "llmanalyze compare: %zu gated figure%s could not be judged: new has too few ok requests where base has enough (the gate fails)\n",
			res.nlost, res.nlost == 1 ? "" : "s");
	if (!rc && !c.quiet && res.nmissing)
		fprintf(stderr, "llmanalyze compare: %zu group%s of base missing from new (the gate fails)\n",
			res.nmissing, res.nmissing == 1 ? "" : "s");
	if (!rc && res.nrows == 0)
		rc = err_set(&e, ERR_DATA, "no group is in both files (groups match on --by columns)");
	if (rc)
		fprintf(stderr, "llmanalyze compare: %s\n", e.msg);
	else if (CMP_GATE_FAILED(&res))
		rc = 1;
	cmp_result_free(&res);
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		if (!rc || rc == 1)
			fprintf(stderr, "llmanalyze compare: writing standard output failed\n");
		return rc && rc != 1 ? rc : ERR_IO;
	}
	return rc;
}
