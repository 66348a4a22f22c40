#ifndef LLMANALYZE_HTML_META_H
#define LLMANALYZE_HTML_META_H
/*
 * The report's text from the run's own records: HTML escaping, the run's
 * FILE.meta.json (docs/formats.md) found beside a results file, and the
 * "Run details" section that writes it as key/value text, never as JSON
 * (times as UTC, the command as a shell line, lists of objects as
 * tables). Nothing here fails: a metadata file that cannot be read is
 * left out.
 */
#include <stdio.h>

#include <jansson.h>

#include "load.h"
#include "report.h"

/* Writes s escaped for HTML text and attribute values. */
void an_html_esc(FILE *fp, const char *s);

/* The metadata beside input: input.meta.json, else input without ".csv"
 * plus ".meta.json"; NULL when none is readable as an object (or input
 * is "-"). found (size n) receives the path read. The caller owns the
 * result (json_decref). */
json_t *an_html_meta_load(const char *input, char *found, size_t n);

/* How the run of input ended, when not well (its metadata's interrupted,
 * error and exit_status, or no end_wall_ns): "was interrupted (Ctrl-C):
 * its last step is partial", "failed (exit 69): ...", "has no end marker
 * (killed, or still going): ..." into text (size n), returning 1; 0 when
 * it ended well or has no metadata. */
int an_run_end(const char *input, char *text, size_t n);

/* The steps input's run has ended, by its llmrun metadata (it has
 * "steps"; an entry in "results" is written when a step ends) when the
 * run has no end marker and was not interrupted: killed, or still going.
 * -1 otherwise (every step in the file ended, or no metadata tells). */
long an_run_steps_done(const char *input);

/* The "Run details" section: when and by what the report was made, the
 * inputs, run ids, row counts, the grouping, then each input's metadata. */
void an_html_run_details(FILE *fp, const struct an_report *r, const struct an_load_stats *st,
			 const char *const *inputs, size_t n);

#endif
