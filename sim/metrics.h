#ifndef LLMSIM_METRICS_H
#define LLMSIM_METRICS_H
/*
 * GET /metrics: the server's state in the Prometheus text format 0.0.4
 * under vLLM's names, types and histogram buckets, each sample labelled
 * model_name, so a client that scrapes vLLM scrapes llmsim unchanged.
 *
 * Gauges come from the engine when the page is rendered (eng_counts):
 *   vllm:num_requests_running, vllm:num_requests_waiting (preempted
 *   sequences wait again, as in vLLM), vllm:gpu_cache_usage_perc and
 *   vllm:kv_cache_usage_perc (KV blocks in use / all, a fraction 0..1
 *   whatever the name says, as vLLM's).
 * Counters: vllm:num_preemptions_total (the engine's), and from the token
 * hook vllm:prompt_tokens_total (a request's prompt, counted when its
 * first token comes, as vLLM V1 counts it) and
 * vllm:generation_tokens_total (every token produced); with
 * --prefix-caching on (the default), vllm:prefix_cache_queries_total and
 * vllm:prefix_cache_hits_total, in prompt tokens looked up and found.
 * Histograms, in seconds on the server's monotonic clock (real time, not
 * the engine's simulated clock, so --time-scale shows as a client sees it):
 *   vllm:time_to_first_token_seconds   arrival to first token
 *   vllm:time_per_output_token_seconds each interval between a request's
 *                                      consecutive tokens (vLLM V1's ITL)
 *   vllm:e2e_request_latency_seconds   arrival to last token, for requests
 *                                      that produced all their tokens
 * With the cache off the two are not served: a zero would claim a cache
 * that never hits.
 *
 * Ownership: met_new's value is freed by met_free; strings are copied.
 */
#include <stdint.h>

#include "buf.h"
#include "engine.h"
#include "err.h"

struct met;

/* A request's times as the metrics see them; zero it when the request
 * arrives. */
struct met_req {
	int64_t last_ns; /* monotonic ns of its latest token, 0 before the first */
};

/* Returns the metrics of the served model name (copied), or NULL when out
 * of memory. */
struct met *met_new(const char *model);
void met_free(struct met *m);

/* Called once per engine token callback: ntok tokens of request r came at
 * now_ns (monotonic); start_ns is when it arrived; prompt its prompt
 * tokens; last non-zero when the request has all its tokens. */
void met_token(struct met *m, struct met_req *r, int64_t start_ns,
	       int64_t now_ns, long prompt, int ntok, int last);

/* In place of met_token when a fault cuts the stream where this token
 * was due (a disconnect, an error event): the token is never sent, so it
 * is neither counted nor timed; the prompt still is, once. */
void met_cut(struct met *m, struct met_req *r, long prompt);

/* Appends the whole page to out, with the gauges from k. Returns 0, or
 * the buffer's error (ERR_DATA past its cap, ERR_SOFTWARE). */
int met_render(const struct met *m, const struct eng_counts *k,
	       struct buf *out, struct err *e);

/* The Content-Type of the page. */
#define MET_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
