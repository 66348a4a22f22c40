#ifndef LLMRUN_META_H
#define LLMRUN_META_H
/*
 * The run's metadata (docs/formats.md, FILE.meta.json): where it goes,
 * what it says of the run before the first row (the command, the targets,
 * the steps, the clock anchor), each step's outcome beside it, and the
 * end marker written when the run ends. record.c writes it with the first
 * row; meta_end writes it again at the end.
 *
 * Ownership: arguments are borrowed; meta_new and meta_path_new return
 * what the caller releases (json_decref; free).
 */
#include <jansson.h>

#include "clk.h"
#include "err.h"
#include "options.h"
#include "progress.h"
#include "session.h"
#include "steps.h"

/* Where the metadata goes: --meta, else -o's name with ".meta.json"; NULL
 * when -o is a stream (no metadata is written) or out of memory. */
char *meta_path_new(const struct opts *o);

/*
 * The metadata at the start of a run: run_id, the wall clock's time of
 * anchor a, the steps of ss, tok the tokenizer's name (NULL for none),
 * and sess's conversations (NULL for single turns). NULL when out of
 * memory.
 */
json_t *meta_new(const struct opts *o, const char *run_id,
		 const struct clk_anchor *a, const struct stepset *ss,
		 const char *tok, const struct sess *sess);

/* Adds the outcome of the step named label, from its progress p, to the
 * metadata's results (beside the steps' definitions). */
void meta_step_result(json_t *meta, const char *label, const struct prog *p);

/*
 * Adds the end marker to meta (the wall time, whether interrupted, the
 * exit status: rc, else 130 when interrupted, else 0; and msg, the
 * error's message, when rc) and writes it to path. 0, or
 * rec_meta_write's error with e filled: ERR_IO, ERR_NOINPUT (its folder
 * is gone), ERR_SOFTWARE (out of memory).
 */
int meta_end(json_t *meta, const char *path, int interrupted, int rc,
	     const char *msg, struct err *e);

#endif
