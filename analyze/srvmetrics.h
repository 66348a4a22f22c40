#ifndef LLMANALYZE_SRVMETRICS_H
#define LLMANALYZE_SRVMETRICS_H
/*
 * The server's side of a run: FILE.metrics.csv beside each results file
 * (llmrun --scrape; docs/formats.md), reduced to per-group figures (the
 * srv_* columns of analyze/cols.c) over
 * the group's time spans: running and waiting requests and KV cache usage
 * (mean and max over the scrapes inside the spans) and preemptions (the
 * counter's increase from the last scrape before a span to the last one
 * inside it; a counter that goes down restarted, and counts from 0).
 *
 * Names are vLLM's: vllm:num_requests_running, vllm:num_requests_waiting,
 * vllm:kv_cache_usage_perc (else vllm:gpu_cache_usage_perc, a fraction
 * 0..1), vllm:num_preemptions_total. Samples of one scrape under several
 * label sets (engines, models) are summed, KV usage averaged.
 *
 * Ownership: an_srv_load's value is freed by an_srv_free.
 */
#include <stdio.h>

#include "err.h"
#include "group.h"
#include "report.h"

struct an_srv;

/* The figures of one group; NaN when no scrape falls in its spans. */
struct an_srv_fig {
	double running_mean, running_max, waiting_mean, waiting_max;
	double kv_mean, kv_max; /* fraction 0..1 */
	double preemptions;
};

/* Reads PATH.metrics.csv for each of the n results paths that has one
 * ("-" has none). *out is NULL when no path has one. Returns 0, or
 * ERR_DATA (a malformed file: file:line), ERR_IO, ERR_SOFTWARE. */
int an_srv_load(const char *const *paths, size_t n, struct an_srv **out,
		struct err *e);
void an_srv_free(struct an_srv *s);

/* Takes out of paths (order kept) each "X.metrics.csv" whose X is among
 * them too: a glob such as results-*.csv names both, and the metrics file
 * is read beside its results anyway. Returns the new count. */
size_t an_srv_drop_inputs(const char **paths, size_t n);

/* g's figures over the spans of its runs. */
void an_srv_group(const struct an_srv *s, const struct an_group *g,
		  struct an_srv_fig *f);

/* The chart "server" in dir: server.dat (seconds since the first send,
 * then running, waiting, KV usage in %, preemptions since the scrape
 * before, each scrape; "NaN" when the scrape lacks one), client.dat (the
 * client's requests in flight at 500 even times) and server.gp: two
 * panels on one time axis, the lower one with the client's output
 * tokens/s from tokens_over_time.dat (charts.c writes it first).
 * Needs the groups' spans (kept for charts). Returns 0, ERR_IO,
 * ERR_SOFTWARE. */
int an_srv_chart(const struct an_srv *s, const struct an_report *r,
		 const char *dir, struct err *e);

/* Sets the srv_* figures of every group of r (struct an_metrics) from s;
 * NaN for all when s is NULL. */
void an_srv_fill(const struct an_srv *s, struct an_report *r);

#endif
