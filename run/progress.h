#ifndef LLMRUN_PROGRESS_H
#define LLMRUN_PROGRESS_H
/*
 * What a person sees while llmrun works: a progress line on stderr when it
 * is a terminal, and at the end of each step a summary computed with
 * lib/stats (the same code llmanalyze uses) from the rows just written.
 * Warmup rows are counted as sent but left out of the statistics.
 *
 * Ownership: the struct is the caller's; prog_free releases its arrays.
 */
#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "counts.h"

struct dvec {
	double *v;
	size_t n, cap;
};

struct prog {
	FILE *f;       /* stderr, or NULL for quiet */
	int tty;       /* draw the progress line */
	char label[64];
	int64_t t0, t_last_draw, t_first_sent, t_last_end; /* mono ns */
	long total;    /* requests expected, -1 unknown */
	long done;     /* rows that ended a request, warmup and cancelled included */
	struct counts out; /* the counts llmanalyze makes too (lib/counts) */
	long warmup;       /* warmup rows: not requests */
	long retried;      /* failed attempts that were retried: not requests */
	long in_tok, out_tok;
	long in_known, out_known; /* ok rows whose in_tok / out_tok are known */
	long asked, got;  /* ok rows' max_tokens and output tokens, where both known */
	long est;         /* ok rows whose output tokens are counted from chunks */
	long merged, merge_known; /* measured ok rows with ttft_merged 1; with it set */
	long by_class[RC_CANCELLED + 1];   /* failed requests by error class */
	char first_err[RC_CANCELLED + 1][320]; /* the first message of each */
	struct dvec ttft, tpot, itl, e2e; /* ms, measured requests that were ok */
	struct dvec speed; /* tokens/s after the first, (out - 1) / (e2e - ttft) */
	struct dvec lag;                  /* client_lag_ms of measured requests sent */
	long max_inflight; /* --max-concurrency of the step (0 none): lag is queueing */
	/* Steps of the wall clock during the step, the largest (ns), and the
	 * kernel stamps that waited across one (lib/clk): set by the engine. */
	long clock_steps, stamps_bounded;
	int64_t clock_step_max_ns;
	/* the step's summary, set by prog_end */
	double lag_p50_ms, lag_p99_ms;
};

/* Starts a step. f NULL makes every call a no-op except the counts. */
void prog_start(struct prog *p, FILE *f, int tty, const char *label,
		long total, int64_t now);

/* Counts a finished row. */
void prog_add(struct prog *p, const struct rec_row *row);

/* Redraws the progress line when on a terminal and 200 ms have passed. */
void prog_tick(struct prog *p, int64_t now);

/* Clears the line and prints the step's summary: counts as llmanalyze
 * makes them, throughput (requests and input, output and total tokens per
 * second over the span from the first send to the last end), TTFT, TPOT,
 * ITL and E2E latency (mean, p50, p90, p95, p99, min, max), the mean
 * output speed of a request, the errors by class with the first message
 * of each, the client's lag, and warnings when outputs were shorter than
 * asked or first tokens came merged with the next chunk. What cannot be
 * computed is "n/a", never 0. Sets lag_p50_ms and lag_p99_ms (NaN when
 * no request was sent). */
void prog_end(struct prog *p, int64_t now);

/* Client lag past which the summary warns, ms. */
#define PROG_LAG_WARN_MS 1.0
/* Outputs shorter than this share of max_tokens, on average, are flagged. */
#define PROG_SHORT_SHARE 0.9

void prog_free(struct prog *p);

#endif
