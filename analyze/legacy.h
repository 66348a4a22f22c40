#ifndef LLMANALYZE_LEGACY_H
#define LLMANALYZE_LEGACY_H
/*
 * Output in the layout of LLM-Inference-Testing, the Python tool many
 * users come from: per batch size N, output_performance_metrics_batchN.csv
 * with exactly the columns
 *   prompt,input_tokens,output_tokens,ttft,tpot,latency,tps,rps,status
 * (times in ms; tpot = (latency - ttft) / output_tokens as that tool had
 * it; tps = output_tokens / latency s; rps = 1 / latency s, per request;
 * status "success" when ok, else our class), and batch_size_comparison.csv
 * with batch_size, sample_size (ok requests), the mean, std (pandas':
 * n - 1), min and max of each metric over the ok requests of each batch
 * size, then ours: requests.
 *
 * Rows are grouped by step only (one scenario per analysis, as that tool
 * ran). The prompt text is not in results: it is joined from the corpus
 * on row_id = id when a corpus is given, else left empty.
 *
 * Ownership: an_legacy_new returns a collector freed by an_legacy_free.
 */
#include "err.h"
#include "rec.h"

struct an_legacy;

struct an_legacy *an_legacy_new(void);
void an_legacy_free(struct an_legacy *l);

/* Keeps what the files need of one non-warmup row. Returns 0 or
 * ERR_SOFTWARE. */
int an_legacy_add(struct an_legacy *l, const struct an_rec *r, struct err *e);

/* Reads corpus as an_legacy_write will, before any output is written:
 * 0, or ERR_NOINPUT / ERR_DATA naming it. */
int an_legacy_check_corpus(const char *corpus, struct err *e);

/* Writes the files into dir (created when missing), each atomically.
 * corpus may be NULL; *unmatched gets the rows whose row_id it lacks
 * (their prompt is empty). Returns 0, ERR_NOINPUT / ERR_DATA (corpus),
 * ERR_IO. */
int an_legacy_write(struct an_legacy *l, const char *dir, const char *corpus,
		    size_t *unmatched, struct err *e);

#endif
