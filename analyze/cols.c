#include "cols.h"

#include <string.h>

#define M(f) offsetof(struct an_metrics, f)
#define COUNT(n, f, d) {n, M(f), 0, "", d}
#define STAT_U(name, x, prec, unit, desc)                                     \
	{name "_mean", M(x.mean), prec, unit, "mean " desc},                 \
	{name "_std", M(x.std), prec, unit, "population std of " desc},     \
	{name "_min", M(x.min), prec, unit, "min " desc},                    \
	{name "_p50", M(x.p50), prec, unit, "median " desc},                 \
	{name "_p90", M(x.p90), prec, unit, "90th percentile " desc},        \
	{name "_p95", M(x.p95), prec, unit, "95th percentile " desc},        \
	{name "_p99", M(x.p99), prec, unit, "99th percentile " desc},        \
	{name "_max", M(x.max), prec, unit, "max " desc}
#define STAT(x, desc) STAT_U(#x, x, 3, "ms", desc)

#define TRUTH(x, desc)                                                       \
	{"truth_" #x "_p50_ms", M(tr_##x.p50), 3, "ms", "median " desc},     \
	{"truth_" #x "_p99_ms", M(tr_##x.p99), 3, "ms", "99th percentile " desc}, \
	{"truth_" #x "_max_ms", M(tr_##x.max), 3, "ms", "max " desc}

const struct an_col an_cols[] = {
	COUNT("requests", requests, "requests that ended (not warmup, not a retried attempt), cancelled included"),
	COUNT("ok", ok, "requests with status ok"),
	COUNT("failed", failed, "requests with an error class other than cancelled"),
	COUNT("cancelled", cancelled, "cancelled requests (Ctrl-C), counted apart"),
	COUNT("err_http_4xx", err[AN_HTTP_4XX], "HTTP 4xx other than 429"),
	COUNT("err_http_5xx", err[AN_HTTP_5XX], "HTTP 5xx"),
	COUNT("err_rate_limited", err[AN_RATE_LIMITED], "HTTP 429"),
	COUNT("err_timeout", err[AN_TIMEOUT], "timed out"),
	COUNT("err_connect", err[AN_CONNECT], "could not connect"),
	COUNT("err_disconnect", err[AN_DISCONNECT], "connection lost mid-response"),
	COUNT("err_bad_stream", err[AN_BAD_STREAM], "malformed stream"),
	COUNT("err_other", err[AN_OTHER], "status this version does not know"),
	{"success_rate", M(success_rate), 4, "", "ok / (ok + failed)"},
	{"duration_s", M(duration_s), 3, "s", "union of each run's span, first send to last end"},
	COUNT("runs", runs, "distinct run ids in the group"),
	{"req_per_s", M(req_per_s), 3, "req/s", "ok / duration"},
	{"in_tok_per_s", M(in_tok_per_s), 2, "tok/s", "input tokens of ok requests / duration"},
	{"out_tok_per_s", M(out_tok_per_s), 2, "tok/s", "output tokens of ok requests / duration"},
	{"total_tok_per_s", M(total_tok_per_s), 2, "tok/s", "(input + output tokens) / duration"},
	{"prefill_tok_per_s", M(prefill_tok_per_s), 2, "tok/s",
	 "input tokens / (latest first token - earliest send), of ok requests"},
	{"decode_tok_per_s", M(decode_tok_per_s), 2, "tok/s",
	 "output tokens / (latest end - earliest first token), of ok requests"},
	{"out_speed_mean", M(out_speed_mean), 2, "tok/s",
	 "mean per-request (output tokens - 1) / (e2e - ttft)"},
	{"goodput_req_per_s", M(goodput_req_per_s), 3, "req/s",
	 "ok requests meeting every --slo / duration"},
	COUNT("tokens_estimated", tokens_estimated,
	      "ok requests whose token count is an estimate (source chunks)"),
	COUNT("ttft_merged", ttft_merged,
	      "ok requests whose first token came in one buffer with the next chunk (TTFT may be late by up to that gap)"),
	STAT(ttft, "time to first token"),
	STAT(tpot, "time per output token after the first"),
	STAT(itl, "gap between chunks, pooled over chunks (vLLM)"),
	STAT(itl_req, "per-request mean inter-token latency (GenAI-Perf)"),
	STAT(e2e, "end-to-end latency"),
	/* Empty unless the server reports timings (llama.cpp, Ollama). */
	STAT_U("server_prefill_tok_per_s", srv_prefill, 2, "tok/s",
	       "per-request server prefill speed, server_prompt_tokens / server_prompt_ms"),
	STAT_U("server_decode_tok_per_s", srv_decode, 2, "tok/s",
	       "per-request server decode speed, server_decode_tokens (else usage output tokens) / server_decode_ms"),
	/* The results columns prefill_tok_per_s and gen_tok_per_s, whose
	 * names the group figures above already hold. */
	STAT_U("req_prefill_tok_per_s", req_prefill, 2, "tok/s",
	       "per-request prefill speed, input tokens / TTFT"),
	STAT_U("req_gen_tok_per_s", req_gen, 2, "tok/s",
	       "per-request generation speed, (output tokens - 1) / (e2e - TTFT)"),
	{"client_lag_p50_ms", M(lag.p50), 3, "ms", "median client lag, t_sent - t_scheduled"},
	{"client_lag_p99_ms", M(lag.p99), 3, "ms", "99th percentile client lag"},
	{"client_lag_max_ms", M(lag.max), 3, "ms", "max client lag"},
	{"out_of_max", M(out_of_max), 3, "", "output tokens / max_tokens over ok requests with both"},
	/* Empty unless the results have the columns (conversation runs, or a
	 * server reporting its prefix cache). */
	{"cache_hit_rate", M(cache_hit_rate), 4, "",
	 "sum(cached_tokens) / sum(prompt tokens) over ok requests reporting cached_tokens"},
	COUNT("cache_reported", cache_reported, "ok requests reporting cached_tokens"),
	{"context_tokens_mean", M(ctx_tok.mean), 1, "tok", "mean context_tokens (prompt of the whole request)"},
	{"context_tokens_max", M(ctx_tok.max), 0, "tok", "max context_tokens"},
	/* --truth only (an_col_truth) */
	COUNT("truth_matched", tr_matched, "ok requests found in the truth log by response_id"),
	COUNT("truth_unmatched", tr_unmatched, "ok requests not found in the truth log"),
	COUNT("truth_chunk_count_diff", tr_count_diff, "matched requests whose chunk count differs from the truth"),
	COUNT("truth_held", tr_held, "chunks whose truth may be early (llmsim was not running, or TCP held the bytes): "
	      "left out of recv, ttft and chunk"),
	TRUTH(send, "arrived_ns - t_sent: llmsim's arrival stamp after the client's send stamp"),
	TRUTH(recv, "t_first_token - truth first chunk: the client's receive stamp after llmsim's send"),
	TRUTH(ttft, "client TTFT - truth TTFT (first chunk - arrived_ns)"),
	TRUTH(chunk, "every chunk: t_sent + chunk_log offset - truth chunk"),
	/* only with FILE.metrics.csv beside the results (analyze/srvmetrics.h) */
	{"srv_running_mean", M(srv_running_mean), 2, "", "server: mean vllm:num_requests_running over the scrapes in the span"},
	{"srv_running_max", M(srv_running_max), 0, "", "server: max vllm:num_requests_running"},
	{"srv_waiting_mean", M(srv_waiting_mean), 2, "", "server: mean vllm:num_requests_waiting"},
	{"srv_waiting_max", M(srv_waiting_max), 0, "", "server: max vllm:num_requests_waiting"},
	{"srv_kv_usage_mean", M(srv_kv_mean), 3, "", "server: mean KV cache usage, a fraction (vllm:kv_cache_usage_perc)"},
	{"srv_kv_usage_max", M(srv_kv_max), 3, "", "server: max KV cache usage"},
	{"srv_preemptions", M(srv_preemptions), 0, "", "server: increase of vllm:num_preemptions_total over the span"},
};

const size_t an_ncols = sizeof an_cols / sizeof an_cols[0];

int an_col_find(const char *name)
{
	size_t i;

	for (i = 0; i < an_ncols; i++)
		if (strcmp(an_cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

double an_col_value(const struct an_col *c, const struct an_metrics *m)
{
	return *(const double *)((const char *)m + c->off);
}

int an_col_lower_better(const struct an_col *c)
{
	/* Counts of what went wrong, and the server's queue. */
	static const char *const fewer[] = {
		"failed", "cancelled", "tokens_estimated", "ttft_merged",
		"truth_unmatched", "truth_chunk_count_diff", "truth_held", "srv_waiting_mean",
		"srv_waiting_max", "srv_preemptions",
	};

	if (strcmp(c->unit, "ms") == 0 || strcmp(c->unit, "s") == 0 ||
	    strncmp(c->name, "err_", 4) == 0)
		return 1;
	for (size_t i = 0; i < sizeof fewer / sizeof fewer[0]; i++)
		if (strcmp(c->name, fewer[i]) == 0)
			return 1;
	return 0;
}

int an_col_uses_tokens(const struct an_col *c)
{
	/* The server's speeds rest on its own counts, never on estimates. */
	if (strncmp(c->name, "server_", 7) == 0)
		return 0;
	return strcmp(c->unit, "tok/s") == 0 || strncmp(c->name, "tpot_", 5) == 0 ||
	       strncmp(c->name, "itl_req_", 8) == 0;
}

int an_col_truth(const struct an_col *c)
{
	return strncmp(c->name, "truth_", 6) == 0;
}
