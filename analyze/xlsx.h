#ifndef LLMANALYZE_XLSX_H
#define LLMANALYZE_XLSX_H
/*
 * The comparison table as an Excel workbook (libxlsxwriter), for those who
 * take results into a spreadsheet: a "comparison" sheet with the cells of
 * the CSV table (numbers as numbers, rounded as the CSV prints them, units
 * in the headers), one sheet per group with its requests, and a
 * "definitions" sheet naming each column's unit and meaning. A missing
 * value is an empty cell, never 0.
 *
 * The requests are not kept by the groups: an_xreqs collects what the
 * sheets show while rows stream in.
 *
 * Ownership: an_xreqs_new returns a collection released by an_xreqs_free;
 * everything else is borrowed.
 */
#include <signal.h>
#include <stddef.h>

#include "err.h"
#include "group.h"
#include "rec.h"
#include "report.h"

/* Rows one sheet holds below its header (Excel's limit is 1,048,576). */
#define AN_XLSX_MAX_ROWS 1048575

struct an_xreqs;

/* An empty collection, or NULL when memory runs out. */
struct an_xreqs *an_xreqs_new(void);
void an_xreqs_free(struct an_xreqs *x);

/* Keeps what a request sheet shows of r, a row of group g (strings are
 * copied). Returns 0 or ERR_SOFTWARE when memory runs out. */
int an_xreqs_add(struct an_xreqs *x, const struct an_group *g,
		 const struct an_rec *r, struct err *e);

/*
 * Writes the workbook to path through a temporary file renamed into place
 * (lib/ofile). cols (ncols indices into an_cols) and note_col choose the
 * comparison sheet's columns as for the CSV table; its shown keys are the
 * CSV's. x holds the requests (NULL: no request sheets). Returns 0;
 * ERR_DATA when a group has more requests than a sheet holds; ERR_IO when
 * the workbook cannot be written (the message names path); ERR_SOFTWARE
 * when memory runs out, or when *stop was set (a signal) before the
 * workbook was copied into place (its temporary file is removed; stop
 * NULL: never).
 */
int an_xlsx_write(const char *path, const struct an_report *r, const int *cols,
		  size_t ncols, int note_col, const struct an_xreqs *x,
		  const volatile sig_atomic_t *stop, struct err *e);

#endif
