#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double span_s(int64_t from, int64_t to)
{
	if (from == INT64_MAX || to == INT64_MIN || to <= from)
		return NAN;
	return (double)(to - from) / 1e9;
}

static int cmp_run(const void *pa, const void *pb)
{
	const struct an_run_span *a = pa, *b = pb;

	return (a->first_sent > b->first_sent) - (a->first_sent < b->first_sent);
}

/* Seconds covered by the union of the runs' spans: overlapping spans are
 * merged and the gaps between them left out, so runs pooled with
 * --pool-runs never count the time between them. The runs are the
 * group's own, or its step's for a part of a step (an_group_spans). Sets
 * *pieces to the number of disjoint spans. Sorts those runs. */
static double union_s(struct an_group *g, size_t *pieces)
{
	int64_t lo = 0, hi = 0, total = 0;
	size_t i, n = 0, nruns;
	struct an_run_span *runs = an_group_spans(g, &nruns);

	if (nruns > 1) /* runs is NULL when there are none */
		qsort(runs, nruns, sizeof *runs, cmp_run);
	for (i = 0; i < nruns; i++) {
		const struct an_run_span *r = &runs[i];

		if (r->first_sent == INT64_MAX || r->last_end <= r->first_sent)
			continue;
		if (n && r->first_sent <= hi) {
			if (r->last_end > hi)
				hi = r->last_end;
			continue;
		}
		if (n)
			total += hi - lo;
		lo = r->first_sent;
		hi = r->last_end;
		n++;
	}
	if (n)
		total += hi - lo;
	*pieces = n;
	return n ? (double)total / 1e9 : NAN;
}

char *an_metrics_note(const struct an_metrics *m, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	/* First: the rest of the row is not the step's figures. */
	if (m->partial > 0)
		len += (size_t)snprintf(out, n, "partial: %.0f requests of a step that had not ended when "
					"the results were read (its run still going, or killed): not the "
					"step's figures", m->partial);
	if (len < n && m->lag.n && m->lag.p99 > AN_LAG_NOTE_MS)
		len += (size_t)snprintf(out + len, n - len, "%ssends %.1f ms late at p99 (client_lag_ms: llmrun fell behind, "
					"or requests queued for a max_concurrency slot); throughput includes it "
					"but not TTFT or E2E", len ? "; " : "", m->lag.p99);
	if (len < n && m->out_of_max < AN_SHORT_NOTE)
		len += (size_t)snprintf(out + len, n - len, "%sok requests got %.0f%% of max_tokens on average: "
					"outputs ended early (see llmrun --ignore-eos / --min-tokens)",
					len ? "; " : "", 100.0 * m->out_of_max);
	/* A vLLM file has no end times: E2E and what rests on it are its
	 * TTFT plus chunk gaps, short of vLLM's own by the closing event. */
	if (len < n && m->e2e_approx > 0)
		len += (size_t)snprintf(out + len, n - len, "%sE2E, TPOT and output speed approximate for %.0f requests "
			 "(vLLM file: TTFT + sum of chunk gaps)", len ? "; " : "", m->e2e_approx);
	/* The results mark such rows output_tokens_source=chunks; llmrun's
	 * summary says the same at the end of the step. */
	if (len < n && m->tokens_estimated > 0)
		len += (size_t)snprintf(out + len, n - len, "%s%.0f ok requests had no usage from the server: their "
			 "output tokens were counted from stream events, an estimate "
			 "(see tokens_estimated; llmrun -t counts them exactly)",
			 len ? "; " : "", m->tokens_estimated);
	/* A sweep that sends its prompts again in later steps finds the
	 * server's prefix cache warm there (llmrun replays the corpus). */
	if (len < n && m->cache_first_step)
		len += (size_t)snprintf(out + len, n - len, "%sprefix cache hits %.2f against %.2f at step %s: "
			 "prompts sent in earlier steps were found in the server's cache, so TTFT "
			 "here is low against that step's (a corpus with a row for every request "
			 "of the sweep, or the server's prefix caching off, avoids it)",
			 len ? "; " : "", m->cache_hit_rate, m->cache_first, m->cache_first_step);
	/* The kernel keeps one stamp for bytes that wait together: such a
	 * first token is stamped when the second chunk arrived. */
	if (len < n && m->ttft_merged > 0)
		snprintf(out + len, n - len, "%s%.0f of %.0f first tokens came in one buffer with "
			 "the next chunk (ttft_merged): the client read late, or the server sent "
			 "both at once; their TTFT may be late by up to that gap",
			 len ? "; " : "", m->ttft_merged, m->ttft_merge_known);
	return out;
}

static void summarize(struct buf *b, struct stats_summary *s)
{
	stats_summarize((double *)b->p, b->len / sizeof(double), s);
}

void an_metrics_compute(struct an_group *g, int slo_set, struct an_metrics *m)
{
	double d, pre, dec;
	size_t pieces;
	int i;

	memset(m, 0, sizeof *m);
	m->requests = (double)g->n.requests;
	m->ok = (double)g->n.ok;
	m->failed = (double)g->n.failed;
	m->cancelled = (double)g->n.cancelled;
	/* Runs, not spans: a run of several targets has a span for each. */
	m->runs = 0;
	for (size_t r = 0; r < g->nruns; r++) {
		size_t j;

		for (j = 0; j < r && strcmp(g->runs[j].run_id, g->runs[r].run_id) != 0; j++)
			;
		m->runs += j == r;
	}
	for (i = 0; i < AN_NSTATUS; i++)
		m->err[i] = (double)g->status[i];
	m->err[AN_OK] = NAN;
	m->success_rate = counts_success_rate(&g->n);
	d = union_s(g, &pieces);
	m->duration_s = d;
	m->req_per_s = m->ok / d;
	m->in_tok_per_s = g->in_tok / d;
	m->out_tok_per_s = g->out_tok / d;
	m->total_tok_per_s = (g->in_tok + g->out_tok) / d;
	pre = span_s(g->first_sent_ok, g->last_first);
	dec = span_s(g->first_first, g->last_end_ok);
	/* Prefill and decode spans are first-to-last over the group: across
	 * a gap between pooled runs they would mean nothing, so none then. */
	m->prefill_tok_per_s = g->ok && pieces == 1 ? g->in_tok_first / pre : NAN;
	m->decode_tok_per_s = g->ok && pieces == 1 ? g->out_tok / dec : NAN;
	m->out_speed_mean = stats_mean((const double *)g->speed.p,
				       g->speed.len / sizeof(double));
	/* Requests the objectives cannot judge (no TTFT without streaming)
	 * leave the goodput unknown: empty, not 0. */
	m->goodput_req_per_s = slo_set && !g->slo_unknown ? (double)g->good / d : NAN;
	m->tokens_estimated = (double)g->est;
	m->e2e_approx = (double)g->approx;
	m->ttft_merged = (double)g->merged;
	m->partial = (double)g->partial;
	m->ttft_merge_known = (double)g->merge_known;
	summarize(&g->ttft, &m->ttft);
	summarize(&g->tpot, &m->tpot);
	summarize(&g->e2e, &m->e2e);
	summarize(&g->itl_req, &m->itl_req);
	summarize(&g->lag, &m->lag);
	summarize(&g->srv_prefill, &m->srv_prefill);
	summarize(&g->srv_decode, &m->srv_decode);
	summarize(&g->prefill, &m->req_prefill);
	summarize(&g->speed, &m->req_gen); /* after out_speed_mean: it sorts */
	summarize(&g->truth.send, &m->tr_send);
	summarize(&g->truth.recv, &m->tr_recv);
	summarize(&g->truth.ttft, &m->tr_ttft);
	summarize(&g->truth.chunk, &m->tr_chunk);
	m->tr_matched = (double)g->truth.matched;
	m->tr_unmatched = (double)g->truth.unmatched;
	m->tr_count_diff = (double)g->truth.count_diff;
	m->tr_held = (double)g->truth.held;
	m->out_of_max = g->max_tok > 0 ? g->max_out / g->max_tok : NAN;
	m->cache_reported = (double)g->cache_n;
	m->cache_hit_rate = g->cache_prompt_tok > 0 ? g->cached_tok / g->cache_prompt_tok : NAN;
	summarize(&g->ctx, &m->ctx_tok);
	stats_summarize_f((float *)g->itl.p, g->itl.len / sizeof(float), &m->itl);
}
