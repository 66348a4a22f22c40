#ifndef LLMANALYZE_GROUP_H
#define LLMANALYZE_GROUP_H
/*
 * Groups of result rows and what each accumulates while rows stream in:
 * counts, token sums, time spans, and the per-request samples the
 * statistics need (TTFT, TPOT, E2E, per-request ITL and output speed as
 * doubles; pooled chunk gaps as floats, the largest array by far).
 *
 * A group is identified by the values of the grouping columns (by default
 * target, model, group, step). Ownership: an_set_new returns a set freed
 * by an_set_free; groups, their keys and samples belong to the set.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "counts.h"
#include "err.h"
#include "rec.h"
#include "truth.h"

/* Service level objectives for goodput, in ms; NaN when not set. */
struct an_slo {
	double ttft_ms, tpot_ms, e2e_ms;
};

/* One request on a timeline (kept only when charts are wanted). */
struct an_span {
	int64_t sent, first, end; /* epoch ns; first may be AN_NO_TIME */
	int32_t out_tok;          /* -1 when unknown */
	int32_t ok;
};

/* One ok request's TTFT against its context length (kept only when
 * charts are wanted): the chart of TTFT by context, hit or not. */
struct an_ctx_pt {
	float ctx_tok;  /* prompt tokens of the whole request */
	float ttft_ms;
	int32_t hit;    /* 1: cached_tokens > 0; 0: 0 or not reported */
};

/* The span of one run's rows within a group: durations are taken over
 * the union of these, so pooled runs never count the gap between them. */
struct an_run_span {
	char *run_id;
	char *target;                 /* "" when the rows name none: a run of
					 several targets (llmrun --targets)
					 runs them one after another, so each
					 has a span of its own */
	int64_t first_sent, last_end; /* epoch ns, non-cancelled rows */
	int unplaced;                 /* rec.h: never pooled */
};

struct an_group {
	char **key;                /* nkeys values of the grouping columns */
	struct counts n;           /* requests, ok, failed, cancelled (lib/counts.h) */
	size_t requests;           /* n.requests: every request that ended */
	size_t ok;                 /* subset of requests with status ok */
	size_t status[AN_NSTATUS]; /* rows by status (cancelled included) */
	size_t good;               /* ok rows meeting every SLO */
	size_t slo_unknown;        /* ok rows without a figure an SLO needs
				      (no TTFT without streaming) */
	size_t est;                /* ok rows with a token count estimated */
	size_t merged, merge_known; /* ok rows with ttft_merged 1; with it known */
	size_t approx;             /* ok rows whose E2E is TTFT + chunk gaps
				      (vLLM files: rec.h e2e_approx) */
	size_t partial;            /* rows of a step that had not ended
				      when read (set by llmanalyze's main) */
	double in_tok, out_tok;    /* sums over ok rows with a count */
	int64_t first_sent;        /* earliest t_sent of non-cancelled rows */
	int64_t last_end;          /* latest t_end of non-cancelled rows */
	size_t conv_rows;          /* rows that are a turn of a conversation
				      (its steps count conversations) */
	uint64_t files;            /* bit i: a row came from input file i
				      (i < 64; 0: not known) */
	struct an_run_span *runs;  /* per run id, in order met */
	size_t nruns;
	struct an_run_span *step_runs; /* for a part of a step (one turn, one
				      context bucket): its step's runs, whose
				      union its throughputs divide by, so
				      the parts add up to the step; NULL
				      otherwise (an_set_step_spans) */
	size_t nstep_runs;
	char *target, *target2;    /* the first target met and the first
				      other one (NULL: none): a group of
				      two targets pooled them */
	struct buf lag;            /* doubles: client lag (ms), non-cancelled rows */
	double max_tok, max_out;   /* sums of max_tokens and output tokens over
				      ok rows that have both */
	int64_t first_sent_ok;     /* earliest t_sent of ok rows with a
				      first token (prefill_tok_per_s's start) */
	double in_tok_first;       /* input tokens of those rows (its sum) */
	int64_t first_first;       /* earliest first token of ok rows */
	int64_t last_first;        /* latest first token of ok rows */
	int64_t last_end_ok;       /* latest t_end of ok rows */
	struct buf ttft, tpot, e2e; /* doubles (ms), ok rows */
	struct buf itl_req;        /* doubles: per-request mean gap (ms) */
	struct buf speed;          /* doubles: output tokens/s per request */
	struct buf prefill;        /* doubles: input tokens/s per request (/ TTFT) */
	struct buf srv_prefill;    /* doubles: server prefill tokens/s per request */
	struct buf srv_decode;     /* doubles: server decode tokens/s per request */
	struct buf itl;            /* floats: every chunk gap (ms), pooled */
	struct buf spans;          /* struct an_span, when keep_spans */
	/* Prefix cache, over ok rows that report cached_tokens and have a
	 * prompt count (docs/metrics.md, cache_hit_rate): */
	size_t cache_n;            /* such rows */
	double cached_tok;         /* sum of their cached_tokens */
	double cache_prompt_tok;   /* sum of their prompt tokens */
	struct buf ctx;            /* doubles: context_tokens of ok rows */
	struct buf ctx_pts;        /* struct an_ctx_pt, when keep_spans, ok
				      rows with a TTFT and a prompt count */
	size_t ctx_rows;           /* rows (any status) with context_tokens or
				      cached_tokens: the results have sessions
				      or a cache to chart */
	struct an_truth_acc truth; /* against llmsim's truth log (--truth) */
};

struct an_set {
	size_t nkeys;
	char **keynames;           /* grouping column names */
	struct an_slo slo;
	int keep_spans;            /* keep a span per request for charts */
	int no_gaps;               /* pool no chunk gaps (itl_* stay empty):
				      set by callers that never report ITL */
	struct an_group **groups;  /* in order of first appearance */
	size_t ngroups, capgroups;
	size_t *table;             /* hash table of group index + 1; 0 empty */
	size_t tablesize;
};

/* A new set grouping by the nkeys column names in keynames (copied).
 * Returns NULL when memory runs out. */
struct an_set *an_set_new(const char *const *keynames, size_t nkeys,
			  const struct an_slo *slo, int keep_spans);
void an_set_free(struct an_set *s);

/* Adds one non-warmup row whose grouping values are keys[0..nkeys)
 * (borrowed; NULL is taken as empty). Returns 0, ERR_SOFTWARE when memory
 * runs out, ERR_DATA for a malformed chunk_log (message without place: the
 * caller adds file:line). */
int an_set_add(struct an_set *s, const char *const *keys,
	       const struct an_rec *r, struct err *e);

/* The group of keys (created when new), or NULL when memory runs out. */
struct an_group *an_set_group(struct an_set *s, const char *const *keys);

/* When the groups are parts of steps (turn or context_bucket among the
 * keys), gathers for each the runs of its step: every group whose other
 * keys are the same. Call once all rows are in. Returns 0 or
 * ERR_SOFTWARE. */
int an_set_step_spans(struct an_set *s, struct err *e);

/* The runs whose union a group's throughputs divide by: its step's for a
 * part of a step, else its own. Sets *n. */
struct an_run_span *an_group_spans(const struct an_group *g, size_t *n);

/* Whether key name is a number by nature (step, turn, context_bucket)
 * and val reads as a finite one: then *x holds it. Such keys are numbers
 * in JSON and xlsx; "inf" (vLLM's unlimited rate) stays text. */
int an_key_number(const char *name, const char *val, double *x);

/* Sorts the groups by their keys, each column compared as numbers when
 * both values are numbers (so step 2 comes before step 10), else as text. */
void an_set_sort(struct an_set *s);

/* Parses chunk_log and calls gap(ms, ctx) for each gap between successive
 * chunks; stores the first and last offsets (µs) and chunk count. Returns
 * 0 or ERR_DATA. An empty or NULL log has 0 chunks. */
int an_chunk_log(const char *log, void (*gap)(double ms, void *ctx), void *ctx,
		 double *first_us, double *last_us, size_t *nchunks,
		 struct err *e);

#endif
