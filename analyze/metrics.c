#include "metrics.h"

#include <math.h>
#include <string.h>

static double span_s(int64_t from, int64_t to)
{
	if (from == INT64_MAX || to == INT64_MIN || to <= from)
		return NAN;
	return (double)(to - from) / 1e9;
}

static void summarize(struct buf *b, struct stats_summary *s)
{
	stats_summarize((double *)b->p, b->len / sizeof(double), s);
}

void an_metrics_compute(struct an_group *g, int slo_set, struct an_metrics *m)
{
	double d, pre, dec;
	int i;

	memset(m, 0, sizeof *m);
	m->requests = (double)g->requests;
	m->ok = (double)g->ok;
	m->cancelled = (double)g->status[AN_CANCELLED];
	for (i = 0; i < AN_NSTATUS; i++)
		m->err[i] = (double)g->status[i];
	m->err[AN_OK] = NAN;
	m->success_rate = g->requests ? m->ok / m->requests : NAN;
	d = span_s(g->first_sent, g->last_end);
	m->duration_s = d;
	m->req_per_s = m->ok / d;
	m->in_tok_per_s = g->in_tok / d;
	m->out_tok_per_s = g->out_tok / d;
	m->total_tok_per_s = (g->in_tok + g->out_tok) / d;
	pre = span_s(g->first_sent, g->last_first);
	dec = span_s(g->first_first, g->last_end_ok);
	m->prefill_tok_per_s = g->ok ? g->in_tok / pre : NAN;
	m->decode_tok_per_s = g->ok ? g->out_tok / dec : NAN;
	m->out_speed_mean = stats_mean((const double *)g->speed.p,
				       g->speed.len / sizeof(double));
	m->goodput_req_per_s = slo_set ? (double)g->good / d : NAN;
	m->tokens_estimated = (double)g->est;
	summarize(&g->ttft, &m->ttft);
	summarize(&g->tpot, &m->tpot);
	summarize(&g->e2e, &m->e2e);
	summarize(&g->itl_req, &m->itl_req);
	stats_summarize_f((float *)g->itl.p, g->itl.len / sizeof(float), &m->itl);
}
