#ifndef LLMANALYZE_ANALYSIS_H
#define LLMANALYZE_ANALYSIS_H
/*
 * One analysis of llmrun's results, in phases: the rows read into groups
 * (and into what reads them beside: llmsim's truth log, the workbook's
 * requests, the legacy files), checked, the groups' figures built, then
 * every output asked for: the table, the legacy files, the charts, the
 * HTML report. --watch runs one each interval, a live one writing the
 * report alone. Arguments are borrowed; nothing is kept between calls.
 */
#include <stddef.h>

#include "err.h"
#include "opts.h"

/* Analyzes paths[0..n) ("-": standard input) as o asks; *rows receives
 * the rows read. Warnings go to stderr, none with o->quiet (a live pass
 * says fewer). Returns 0; ERR_UNAVAILABLE when the charts were skipped
 * (no gnuplot: said on stderr, the other outputs written); else, with e
 * filled: ERR_DATA (bad input, no row to analyze, a truth log of another
 * run), ERR_NOINPUT, ERR_USAGE (--timeline-step names no step), ERR_IO,
 * or ERR_SOFTWARE (memory, or a signal while drawing under o->stop:
 * "interrupted"). */
int an_analyze(const struct an_opts *o, const char *const *paths, size_t n,
	       size_t *rows, struct err *e);

#endif
