#ifndef LLMANALYZE_HTML_H
#define LLMANALYZE_HTML_H
/*
 * The HTML report: one self-contained file (no scripts, styles or images
 * fetched from anywhere), in the order people read it: one line on what
 * was run, the headline figures per series (analyze/headline.h), the key
 * charts at full width and the others in a grid (SVG inline), the
 * comparison table (a readable set of columns, every other one behind a
 * toggle made of a checkbox and CSS), the definitions, and last the run
 * details as key/value text (analyze/html_meta.h).
 */
#include "charts.h"
#include "err.h"
#include "load.h"
#include "report.h"


struct an_html_opts {
	const int *cols;      /* the table's metric columns (indices into an_cols) */
	size_t ncols;
	int chosen;           /* --columns: every one shown, no toggle */
	double refresh_s;     /* > 0: a live copy (--watch) that reloads itself
				 every refresh_s seconds (rounded up) */
};

/* Writes path atomically (temporary file and rename, so a browser never
 * reads half a page). cf may hold no charts (gnuplot missing): the
 * report then says charts were skipped. Returns 0, ERR_IO, ERR_SOFTWARE. */
int an_html_write(const char *path, const struct an_report *r, const struct an_html_opts *o,
		  const struct an_load_stats *st, const struct an_chart_files *cf,
		  const char *const *inputs, size_t ninputs, struct err *e);

/* A live page with no figures yet (--watch before the first row): says
 * msg and reloads itself every refresh_s seconds; with refresh_s 0, the
 * page of a watch that ended so, without reload. Same returns. */
int an_html_write_waiting(const char *path, double refresh_s, const char *msg, struct err *e);

#endif
