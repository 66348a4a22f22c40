#ifndef LLMANALYZE_LOAD_H
#define LLMANALYZE_LOAD_H
/*
 * Reads results CSVs (docs/formats.md) row by row and hands each
 * non-warmup row to a callback, so nothing but what the callback keeps is
 * held in memory. An input whose first non-space byte is '{' is read as
 * a vLLM result file instead (analyze/vllm.h): one row per request,
 * grouping values as an_vllm_key gives them; the file is kept in the
 * stats for the check of its summaries.
 *
 * - A results CSV has no "source" column: as a grouping column it reads
 *   "llmrun" (a vLLM file's rows read "vllm").
 * - "context_bucket" is a grouping column of no file: each row's prompt
 *   tokens (context_tokens, else input_tokens) rounded down to a
 *   multiple of ctx_bucket, written as that lower bound; empty without a
 *   count.
 * - Conversation columns (conversation_id, turn, context_tokens,
 *   cached_tokens) are read when present; a turn of 0, or more cached
 *   than context tokens, is ERR_DATA.
 *
 * - Several files are read in turn; a run_id may span files (shards of
 *   one study share it), but two files starting with the same row (run
 *   id, row id, send time) are the same results given twice: refused.
 * - A malformed row (field count, a non-numeric number, an unknown
 *   status) stops the load with ERR_DATA naming file:line.
 * - A last row cut short (no line end: what a killed llmrun leaves) is
 *   skipped and reported through the warn callback.
 *
 * Ownership: everything passed in is borrowed; strings given to the
 * callback are valid only during the call.
 */
#include <stddef.h>

#include "err.h"
#include "rec.h"

#define AN_KEY_CTX_BUCKET "context_bucket"
#define AN_CTX_BUCKET 1024 /* default width of context_bucket, tokens */

struct an_vllm_file;

/* Called per row; keys[i] is the value of keynames[i]. Returns 0 or an
 * error code with e filled (the loader puts file:line in front). A failed
 * attempt that was retried is not passed on: its send becomes the
 * first_attempt of the row that ended its request. */
typedef int (*an_row_fn)(void *ctx, const char *const *keys,
			 const struct an_rec *r, struct err *e);

struct an_load_opts {
	const char *const *keynames; /* grouping columns (must exist) */
	size_t nkeys;
	const unsigned char *optional; /* optional[i]: a file may lack key i
					  (its value is then empty); NULL: none */
	an_row_fn row;
	void *ctx;
	void (*warn)(void *ctx, const char *msg);
	long ctx_bucket; /* width of context_bucket in tokens; 0: AN_CTX_BUCKET */
};

struct an_load_stats {
	size_t files, rows, warmup, truncated;
	size_t retried; /* failed attempts followed by a retry: not counted */
	char **run_ids;              /* distinct run ids, in order met */
	size_t nrun_ids;
	struct an_vllm_file **vllm;  /* vLLM result files read, in input order */
	size_t nvllm;
};

/* Loads paths[0..n) ("-" is stdin). Returns 0, ERR_NOINPUT, ERR_DATA,
 * ERR_IO or ERR_SOFTWARE. st is filled even on failure; release it with
 * an_load_stats_free. */
int an_load(const char *const *paths, size_t n, const struct an_load_opts *o,
	    struct an_load_stats *st, struct err *e);
void an_load_stats_free(struct an_load_stats *st);

#endif
