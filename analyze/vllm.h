#ifndef LLMANALYZE_VLLM_H
#define LLMANALYZE_VLLM_H
/*
 * vLLM `bench serve` result JSON (--save-result): recomputes TTFT, ITL,
 * TPOT and E2E statistics from the per-request arrays with lib/stats and
 * puts them beside the summaries vLLM wrote, one row per (metric,
 * statistic). TTFT and ITL are exact recomputations. The file has no
 * per-request end times, so E2E is ttft + sum(itls) and TPOT is
 * sum(itls) / (output_len - 1): vLLM's own E2E also counts the wait for
 * the stream's closing event, so those two rows are marked "approx".
 * Only requests whose `errors` entry is empty are counted, as vLLM does.
 * A file saved without the per-request arrays gives vLLM's summaries
 * alone ("no per-request data").
 */
#include <stdio.h>

#include "err.h"
#include "format.h"
#include "stats.h"

/* Writes the comparison for paths[0..n) to fp in fmt. Returns 0,
 * ERR_NOINPUT (cannot open), ERR_DATA (not such a file: names what is
 * missing), ERR_IO, ERR_SOFTWARE. */
int an_vllm_compare(FILE *fp, enum an_fmt fmt, const char *const *paths,
		    size_t n, struct err *e);

/* Statistics recomputed from one file, in ms (for tests and callers). */
struct an_vllm_stats {
	struct stats_summary ttft, tpot, itl, e2e;
	size_t completed;
	double in_tokens, out_tokens;
};

/* Reads path into s. Same returns as an_vllm_compare. */
int an_vllm_read(const char *path, struct an_vllm_stats *s, struct err *e);

#endif
