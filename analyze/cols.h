#ifndef LLMANALYZE_COLS_H
#define LLMANALYZE_COLS_H
/*
 * The columns of the comparison table: name, where the value sits in
 * struct an_metrics, how many decimals to print, unit and a one-line
 * definition (the full ones with formulas are in docs/metrics.md). The
 * grouping columns come first and are not in this table.
 */
#include <stddef.h>

#include "metrics.h"

struct an_col {
	const char *name;
	size_t off;        /* offset of the double in struct an_metrics */
	int prec;          /* decimals printed */
	const char *unit;  /* "ms", "tok/s", "req/s", "s", "" */
	const char *desc;
};

extern const struct an_col an_cols[];
extern const size_t an_ncols;

/* Index of the column named name, or -1. */
int an_col_find(const char *name);

/* The value of column c in m. */
double an_col_value(const struct an_col *c, const struct an_metrics *m);

/* Whether the column rests on token counts (throughputs in tokens, TPOT,
 * per-request ITL): such figures are marked where counts were estimated. */
int an_col_uses_tokens(const struct an_col *c);

/* Whether lower is better (latencies): --rank sorts those ascending. */
int an_col_lower_better(const struct an_col *c);

/* Whether the column compares with llmsim's truth log: in the default
 * column list only with --truth. */
int an_col_truth(const struct an_col *c);

#endif
