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

#include "counts.h"
#include "record.h"

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
	long done, ok, errors, warmup;
	long retried;  /* failed attempts that were retried: not in done */
	long in_tok, out_tok;
	struct counts n; /* measured requests by outcome (lib/counts.h) */
	struct dvec ttft, tpot, itl, e2e; /* ms, measured requests that were ok */
};

/* Starts a step. f NULL makes every call a no-op except the counts. */
void prog_start(struct prog *p, FILE *f, int tty, const char *label,
		long total, int64_t now);

/* Counts a finished row. */
void prog_add(struct prog *p, const struct rec_row *row);

/* Redraws the progress line when on a terminal and 200 ms have passed. */
void prog_tick(struct prog *p, int64_t now);

/* Clears the line and prints the step's summary. */
void prog_end(struct prog *p, int64_t now);

void prog_free(struct prog *p);

#endif
