#ifndef LLMANALYZE_METRICS_H
#define LLMANALYZE_METRICS_H
/*
 * The figures of one group (definitions and formulas: docs/metrics.md).
 * Every field is a double so formatters can treat the row as a table of
 * numbers; counts are whole. NaN means "no value" (written empty).
 * Latencies are ms, throughputs per second over the group's span.
 */
#include "group.h"
#include "stats.h"

struct an_metrics {
	double requests, ok, failed, cancelled; /* lib/counts.h */
	double err[AN_NSTATUS];          /* by status; err[AN_OK] unused */
	double success_rate;             /* ok / (ok + failed) */
	double duration_s;               /* union of the runs' spans (send to end) */
	double runs;                     /* distinct run ids in the group */
	double req_per_s, in_tok_per_s, out_tok_per_s, total_tok_per_s;
	double prefill_tok_per_s;        /* in tokens / (last first token - first send) */
	double decode_tok_per_s;         /* out tokens / (last end - first first token) */
	double out_speed_mean;           /* mean over requests of tokens/s */
	double goodput_req_per_s;        /* ok requests meeting every SLO / duration */
	double tokens_estimated;         /* ok rows with an estimated token count */
	double e2e_approx;               /* ok rows whose E2E is TTFT + chunk gaps (vLLM files) */
	double ttft_merged;              /* ok rows whose first token shared the next chunk's stamp */
	double ttft_merge_known;         /* ok rows where that is known (two chunks or more) */
	double partial;                  /* rows of a step not ended when read */
	struct stats_summary ttft, tpot, itl, itl_req, e2e;
	struct stats_summary lag;        /* client lag, t_sent - t_scheduled (ms) */
	/* Per-request speeds by the server's own timings (tok/s), ok rows: */
	struct stats_summary srv_prefill, srv_decode;
	/* Per-request speeds measured by the client (tok/s), ok rows:
	 * input / TTFT, (output - 1) / (E2E - TTFT). */
	struct stats_summary req_prefill, req_gen;
	double out_of_max;               /* output tokens / max_tokens, ok rows with both */
	/* Prefix cache: sum(cached_tokens) / sum(prompt tokens) over ok rows
	 * that report cached_tokens (NaN when none does), and those rows: */
	double cache_hit_rate, cache_reported;
	struct stats_summary ctx_tok;    /* context_tokens of ok rows (tokens) */
	/* Against llmsim's truth log (--truth; analyze/truth.h), ms: */
	struct stats_summary tr_send, tr_recv, tr_ttft, tr_chunk;
	double tr_matched, tr_unmatched, tr_count_diff, tr_held;
	/* From FILE.metrics.csv (analyze/srvmetrics.h, an_srv_fill): */
	double srv_running_mean, srv_running_max, srv_waiting_mean, srv_waiting_max;
	double srv_kv_mean, srv_kv_max, srv_preemptions;
	/* Set by an_report_build when this step's cache_hit_rate is
	 * AN_CACHE_RISE or more above its series' first step's: that rate
	 * and step (the step key, owned by the set); else NaN and NULL. */
	double cache_first;
	const char *cache_first_step;
};

/* Thresholds of the notes (docs/metrics.md, "Notes"). */
/* Room for every note an_metrics_note can write at once. */
#define AN_NOTE_MAX 1536
#define AN_LAG_NOTE_MS 1.0       /* client lag p99 above this is noted */
#define AN_SHORT_NOTE 0.9        /* out_of_max below this is noted */
#define AN_CACHE_RISE 0.2        /* cache hits above the first step's by this are noted */

/* Writes the group's notes ("" when none; sentences joined by "; ") into
 * out (size n). Returns out. */
char *an_metrics_note(const struct an_metrics *m, char *out, size_t n);

/* Computes g's figures. Sorts g's sample arrays in place (idempotent).
 * slo_set says whether any SLO was given (else goodput is NaN). */
void an_metrics_compute(struct an_group *g, int slo_set, struct an_metrics *m);

#endif
