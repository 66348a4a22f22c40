#ifndef LLMANALYZE_VLLM_H
#define LLMANALYZE_VLLM_H
/*
 * vLLM `bench serve` result JSON (--save-result; docs/formats.md, "vLLM
 * result files"), read two ways:
 *
 * - As a run: one result row per request (an_vllm_row), so vLLM's runs
 *   sit in the comparison table, charts and report beside llmrun's. The
 *   row has TTFT, a chunk_log built from `itls` (the first chunk at the
 *   TTFT, then each gap), input and output lengths, and status ok or
 *   other (vLLM keeps an error text, not a class). The file has no send
 *   or end time per request: only the run's span (`duration`) is known,
 *   so throughputs are over it and timelines have nothing to draw.
 *   E2E is ttft + sum(itls) and TPOT sum(itls) / (output_len - 1):
 *   vLLM's own E2E also counts the wait for the stream's closing event,
 *   so those rows carry e2e_approx.
 * - As a check: TTFT, ITL, TPOT and E2E statistics recomputed from those
 *   rows with lib/stats beside the summaries vLLM wrote, one row per
 *   (metric, statistic); TTFT and ITL "exact", TPOT and E2E "approx".
 *   Only requests whose `errors` entry is empty count, as in vLLM. A file
 *   saved without the per-request arrays has no rows and gives vLLM's
 *   summaries alone ("no per-request data").
 *
 * Ownership: an_vllm_open returns a file freed by an_vllm_free; strings
 * in rows and keys are borrowed from it, valid until the next
 * an_vllm_row call (chunk_log, row_id) or an_vllm_free (the rest).
 */
#include <stdio.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "format.h"
#include "rec.h"
#include "stats.h"

struct an_vllm_file;


/* Reads path ("-" is stdin): its results, one, or several appended one a
 * line (vllm bench serve --append-result; each then named PATH:LINE).
 * Returns 0 with *out an array of *n (the caller frees each with
 * an_vllm_free, then the array), ERR_NOINPUT (cannot open), ERR_DATA (bad
 * JSON as path:line:column, not a vLLM file, its arrays disagree: names
 * what; larger than AN_VLLM_MAX), ERR_IO, ERR_SOFTWARE. */
int an_vllm_open(const char *path, struct an_vllm_file ***out, size_t *n, struct err *e);

/* The same from fp to its end (left open; name is used in messages). */
int an_vllm_open_fp(FILE *fp, const char *name, struct an_vllm_file ***out, size_t *n,
		    struct err *e);

/* The largest file read (bytes): a detailed run of many thousand
 * requests with their generated texts is tens of MB. */
#define AN_VLLM_MAX ((size_t)1 << 30)
void an_vllm_free(struct an_vllm_file *f);

/* The file's name as given; its requests (0: summaries alone). */
const char *an_vllm_name(const struct an_vllm_file *f);
size_t an_vllm_nrows(const struct an_vllm_file *f);

/* Fills r with request i (i < an_vllm_nrows); r->file is left 0 for the
 * caller. Returns 0 or ERR_DATA ("request I: ..."; the caller adds the
 * file), ERR_SOFTWARE. */
int an_vllm_row(struct an_vllm_file *f, size_t i, struct an_rec *r, struct err *e);

/* The value of grouping column name for request i, as a results CSV
 * would have it: source "vllm"; target the file's base_url, else its
 * backend; model its model_id; api its backend; run_id "vllm-" and its
 * date; step_kind batch (max_concurrency set) or rate; step the
 * max_concurrency, else request_rate ("inf" for no limit); schedule
 * window, poisson (burstiness 1) or gamma; row_id i. NULL (empty) for
 * any other column. */
const char *an_vllm_key(struct an_vllm_file *f, const char *name, size_t i);

/* Writes the check for files[0..n) to fp in fmt. Returns 0, ERR_IO,
 * ERR_DATA, ERR_SOFTWARE. */
int an_vllm_compare(FILE *fp, enum an_fmt fmt, struct an_vllm_file *const *files,
		    size_t n, struct err *e);

/* Statistics recomputed from one file, in ms (for tests and callers). */
struct an_vllm_stats {
	struct stats_summary ttft, tpot, itl, e2e;
	struct buf sorted[4];  /* the samples of ttft, tpot, itl, e2e (ms),
				  sorted: any other percentile */
	size_t completed;
	double in_tokens, out_tokens;
};

/* Recomputes f's statistics into s, which an_vllm_stats_free releases
 * (also after a failure). Same returns as an_vllm_row. */
int an_vllm_stats(struct an_vllm_file *f, struct an_vllm_stats *s, struct err *e);
void an_vllm_stats_free(struct an_vllm_stats *s);

#endif
