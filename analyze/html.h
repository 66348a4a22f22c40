#ifndef LLMANALYZE_HTML_H
#define LLMANALYZE_HTML_H
/*
 * The HTML report: one self-contained file (no scripts, styles or images
 * fetched from anywhere): run metadata, the comparison table, the SVG
 * charts inline, and the definition of every column.
 */
#include "charts.h"
#include "err.h"
#include "load.h"
#include "report.h"

/* Writes path atomically; the table shows the metric columns cols[0..ncols)
 * (indices into an_cols). cf may hold no charts (gnuplot missing): the
 * report then says charts were skipped. Returns 0, ERR_IO, ERR_SOFTWARE. */
int an_html_write(const char *path, const struct an_report *r,
		  const int *cols, size_t ncols,
		  const struct an_load_stats *st, const struct an_chart_files *cf,
		  const char *const *inputs, size_t ninputs, struct err *e);

#endif
