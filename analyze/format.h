#ifndef LLMANALYZE_FORMAT_H
#define LLMANALYZE_FORMAT_H
/*
 * Writes the comparison table: the grouping columns, then the chosen
 * columns (indices into an_cols), one row per group in report order.
 *   csv    RFC 4180 through libcsv's quoting; empty field for no value
 *   md     a Markdown table; an em dash for no value
 *   json   an array of objects (jansson); null for no value
 *   table  columns aligned for a terminal; "-" for no value
 * Returns 0, ERR_IO when writing fails, ERR_SOFTWARE when memory runs out.
 */
#include <stdio.h>

#include "cols.h"
#include "err.h"
#include "report.h"

/* xlsx is a workbook, not a stream: analyze/xlsx.h writes it, and
 * an_format refuses it. */
enum an_fmt { AN_FMT_CSV, AN_FMT_MD, AN_FMT_JSON, AN_FMT_TABLE, AN_FMT_XLSX };

/* Format named s, or -1. */
int an_fmt_parse(const char *s);

/* Columns shown on a terminal when none are chosen (a screen's width). */
extern const char *const an_table_default_cols[];

/* note_col: CSV and JSON end with a "note" column (the group's notes,
 * empty or null when none); Markdown and the terminal table always list
 * notes under the table, but for note_col < 0: a section after the main
 * table, whose notes were said under it. Headers carry units in md and table
 * ("ttft_p50 (ms)"). Keys hidden in r->hide are left out except in JSON,
 * where step is a number when it reads as one. */
int an_format(FILE *fp, enum an_fmt fmt, const struct an_report *r,
	      const int *cols, size_t ncols, int note_col, struct err *e);

/* Writes a grid of text cells (row-major, nrows x ncols, head gives the
 * column names) in fmt; in JSON a cell that reads fully as a number is
 * written as one, an empty cell as null. Same returns as an_format. */
int an_format_grid(FILE *fp, enum an_fmt fmt, const char *const *head,
		   size_t ncols, const char *const *cells, size_t nrows,
		   struct err *e);

/* The header of column c with its unit, "ttft_p50 (ms)" (the name alone
 * when it has no unit or ends in it, "client_lag_p99_ms"), into out (size
 * n). Returns out. */
char *an_fmt_head(const struct an_col *c, char *out, size_t n);

/* Writes v with the column's decimals into out (size n); "" for NaN.
 * Returns out. */
char *an_fmt_num(char *out, size_t n, double v, int prec);

/* Markdown text of a key or a file name (a results file's text):
 * control characters as spaces, '<' as "&lt;", '|' and '\\' escaped,
 * so it stays in its cell, line or heading. an_md_esc writes it to out
 * (size n; cut when full). */
void an_md_put(const char *s, FILE *fp);
char *an_md_esc(char *out, size_t n, const char *s);

#endif
