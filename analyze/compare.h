#ifndef LLMANALYZE_COMPARE_H
#define LLMANALYZE_COMPARE_H
/*
 * llmanalyze compare: the change of each chosen metric between two
 * results files, group by group, with a bootstrap confidence interval,
 * and a gate that fails on a significant regression beyond a threshold
 * (method: docs/compare.md).
 *
 * Groups are matched by their key values (the --by columns; by default
 * model, group, step_kind, schedule and step: not target or run_id, which
 * differ between a baseline and a candidate by nature). A key of
 * by_optional that a file lacks (every value empty: an older file without
 * step_kind) matches any value of the other file's group when exactly one
 * group matches so. A group in one file only is listed in
 * cmp_result.only, never dropped.
 *
 * Ownership: cmp_run fills a cmp_result that the caller releases with
 * cmp_result_free; everything passed in is borrowed.
 */
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Where a metric's samples come from. */
enum cmp_src { CMP_TTFT, CMP_TPOT, CMP_E2E, CMP_OUT_TOK_PER_S, CMP_REQ_PER_S };

struct cmp_metric {
	const char *name;   /* as in llmanalyze's columns: ttft_p99, req_per_s */
	enum cmp_src src;
	double p;           /* percentile 0..100, or -1 for the mean */
	const char *unit;
	int worse;          /* +1: higher is worse (latency), -1: lower is */
	int prec;           /* decimals shown */
};

extern const struct cmp_metric cmp_metrics[];
/* The metrics compared when none are chosen, NULL-terminated. */
extern const char *const cmp_default_metrics[];

/* Index of the metric named s, or -1. */
int cmp_metric_find(const char *s);

/* One --fail-on item: fail when metric's change is beyond limit with
 * 95% confidence. limit is signed in the direction of a regression:
 * +0.10 with relative for "+10%", -0.05 for "-5%", +20 without relative
 * for "+20" (the metric's unit, e.g. ms). */
struct cmp_rule {
	int metric;
	double limit;
	int relative;
};

/* Parses SPEC "metric:+10%,metric:-5%,metric:+20" into rules[0..max).
 * The sign may be left out (the metric's regression direction is
 * taken); a sign against that direction is refused, as a gate that could
 * never fire. Returns 0 with *n set, or ERR_USAGE with a message naming
 * the bad item. */
int cmp_spec_parse(const char *spec, struct cmp_rule *rules, size_t max,
		   size_t *n, struct err *e);

/* Writes rule as SPEC text ("ttft_p99:+10%") into out (size n). */
char *cmp_rule_str(const struct cmp_rule *rule, char *out, size_t n);

struct cmp_opts {
	const char *const *by;         /* grouping columns */
	size_t nby;
	const unsigned char *by_optional; /* a file may lack key i; NULL: none */
	const int *metrics;            /* indices into cmp_metrics */
	size_t nmetrics;
	const struct cmp_rule *rules;  /* --fail-on */
	size_t nrules;
	int one_target;                /* a group of one file holding rows of
					  two targets is refused (the default
					  keys leave target out) */
	int one_run;                   /* the same for two runs */
	size_t resamples;              /* bootstrap replicates, e.g. 2000 */
	uint64_t seed;                 /* of the replicates */
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
};

/* One metric of one group. Values in the metric's unit; rel and its
 * bounds are fractions (0.1 = +10%). NaN when not available: a side
 * without samples, or too few for an interval (then sig is 0). */
struct cmp_cell {
	int metric;
	double base, cand;             /* the figures llmanalyze reports */
	double diff, diff_lo, diff_hi; /* cand - base, 95% interval */
	double rel, rel_lo, rel_hi;    /* cand / base - 1, 95% interval */
	size_t n_base, n_cand;         /* samples: requests, or time windows */
	int sig;                       /* +1 / -1: interval above / below 0 */
	int rule;                      /* index of its --fail-on rule or -1 */
	int fail;                      /* 1: the rule's regression is significant */
	int unjudged;                  /* 1: a rule, but no interval to judge by */
	int thin;                      /* 1: NEW too few samples for an interval
					  where BASE had enough */
	int lost;                      /* 1: unjudged and thin: the gate fails
					  (a candidate that lost its requests) */
};

struct cmp_row {
	char **key;                    /* nkeys values */
	size_t ok_base, ok_cand;       /* ok requests */
	struct cmp_cell *cells;        /* one per chosen metric */
};

/* The gate fails on a judged regression (nfail), on a gated figure that
 * NEW has too few ok requests to judge, having failed some, where BASE
 * had enough (nlost), and on a group of BASE that NEW lacks and the gate
 * could judge (nmissing): a candidate that failed its requests, or never
 * ran a step, does not pass. */
#define CMP_GATE_FAILED(r) ((r)->nfail + (r)->nlost + (r)->nmissing > 0)

/* A group found in one file only. */
struct cmp_only {
	char **key;
	int in_cand;                   /* 0: in BASE only, 1: in NEW only */
	int gated;                     /* in BASE only, with a gated figure
					  it could judge: the gate fails */
	size_t requests;
};

struct cmp_result {
	size_t nkeys;
	char **keynames;
	struct cmp_row *rows;          /* groups in both, sorted by key */
	size_t nrows;
	size_t ncells;                 /* cells per row (= chosen metrics) */
	struct cmp_only *only;
	size_t nonly;
	size_t nfail;                  /* cells with fail set */
	size_t nunjudged;              /* cells with unjudged set */
	size_t nlost;                  /* cells with lost set */
	size_t nmissing;               /* groups in BASE only with a gated
					  figure that has an interval */
	size_t resamples;
};

/* Reads both results files and compares them. Returns 0, or the loader's
 * ERR_NOINPUT / ERR_DATA / ERR_IO, or ERR_SOFTWARE; ERR_DATA also when a
 * file has no result rows. res is valid (maybe partly filled) after any
 * return and must be freed. */
int cmp_run(const char *base, const char *cand, const struct cmp_opts *o,
	    struct cmp_result *res, struct err *e);
void cmp_result_free(struct cmp_result *res);

#endif
