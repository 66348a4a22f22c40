#include "progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "counts.h"

static void push(struct dvec *d, double x)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		double *v = realloc(d->v, cap * sizeof *v);

		if (!v)
			return; /* the summary then covers fewer rows; rows are intact */
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = x;
}

void prog_start(struct prog *p, FILE *f, int tty, const char *label,
		long total, int64_t now)
{
	prog_free(p);
	p->f = f;
	p->tty = tty && f;
	snprintf(p->label, sizeof p->label, "%s", label);
	p->t0 = p->t_last_draw = now;
	p->total = total;
}

void prog_add(struct prog *p, const struct rec_row *x)
{
	const struct resp *r = x->r;

	counts_add(&p->out, x->warmup, x->retried,
		   x->status == RC_OK ? COUNTS_OK
		   : x->status == RC_CANCELLED ? COUNTS_CANCELLED : COUNTS_FAILED);
	/* The step's span, as llmanalyze's: from the first send to the
	 * last end of every request that is not warmup or cancelled, failed
	 * attempts that were retried included (the time a retry waited is
	 * the step's). */
	if (!x->warmup && x->status != RC_CANCELLED && x->t_sent && x->t_end) {
		if (!p->t_first_sent || x->t_sent < p->t_first_sent)
			p->t_first_sent = x->t_sent;
		if (x->t_end > p->t_last_end)
			p->t_last_end = x->t_end;
	}
	/* A retried attempt is not a request's end; its retry's row is. */
	if (x->retried) {
		p->retried++;
		return;
	}
	p->done++;
	if (x->warmup)
		p->warmup++;
	if (x->warmup || x->status == RC_CANCELLED)
		return;
	if (x->t_sent && x->t_scheduled)
		push(&p->lag, (double)(x->t_sent - x->t_scheduled) / 1e6);
	if (x->status != RC_OK) {
		if (!p->by_class[x->status]++)
			snprintf(p->first_err[x->status], sizeof p->first_err[x->status],
				 "%s", x->error ? x->error : "");
		return;
	}
	if (x->in_tokens >= 0) {
		p->in_tok += x->in_tokens;
		p->in_known++;
	}
	if (x->out_tokens >= 0) {
		p->out_tok += x->out_tokens;
		p->out_known++;
	}
	if (x->max_tokens > 0 && x->out_tokens >= 0) {
		p->asked += x->max_tokens;
		p->got += x->out_tokens;
	}
	if (x->out_source && strcmp(x->out_source, "chunks") == 0)
		p->est++;
	if (r->first_merged >= 0) {
		p->merge_known++;
		p->merged += r->first_merged;
	}
	/* -q prints no summary: no samples, which take 8 bytes a chunk and
	 * 32 a request for as long as the step runs. */
	if (!p->f)
		return;
	if (r->t_first_token)
		push(&p->ttft, (double)(r->t_first_token - x->t_sent) / 1e6);
	push(&p->e2e, (double)(x->t_end - x->t_sent) / 1e6);
	if (x->out_tokens >= 2 && r->t_first_token) {
		push(&p->tpot, (double)(x->t_end - r->t_first_token) / 1e6 /
				       (double)(x->out_tokens - 1));
		/* The generation speed users of the multi-model scripts know:
		 * undefined when the last byte came with the first. */
		if (x->t_end > r->t_first_token)
			push(&p->speed, (double)(x->out_tokens - 1) /
						((double)(x->t_end - r->t_first_token) / 1e9));
	}
	if (r->chunk_log.p) {
		/* Pooled gaps between successive text chunks. */
		const char *s = r->chunk_log.p;
		char *end;
		long long prev = -1, us;

		while (*s) {
			us = strtoll(s, &end, 10);
			if (end == s)
				break;
			if (prev >= 0)
				push(&p->itl, (double)(us - prev) / 1e3);
			prev = us;
			s = end + strcspn(end, " ");
			if (*s == ' ')
				s++;
		}
	}
}

void prog_tick(struct prog *p, int64_t now)
{
	double el = (double)(now - p->t0) / 1e9;

	if (!p->tty || now - p->t_last_draw < 200000000)
		return;
	p->t_last_draw = now;
	/* One line, whole: the scraper's thread writes its messages to the
	 * same stream (say_scrape), which would land inside it. */
	flockfile(p->f);
	fprintf(p->f, "\r\033[K%s: %ld", p->label, p->done);
	if (p->total > 0)
		fprintf(p->f, "/%ld", p->total);
	fprintf(p->f, "  %.1f req/s  %.0f out tok/s  %ld errors", p->done / el,
		p->out_tok / el, p->out.failed);
	if (p->total > 0 && p->done > 0 && p->done < p->total)
		fprintf(p->f, "  ETA %.0fs", el * (double)(p->total - p->done) / p->done);
	fflush(p->f);
	funlockfile(p->f);
}

static void line(FILE *f, const char *name, struct dvec *d)
{
	struct stats_summary s;

	if (!d->n) {
		fprintf(f, "  %-5s %9s\n", name, "n/a");
		return;
	}
	stats_summarize(d->v, d->n, &s);
	fprintf(f, "  %-5s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n", name, s.mean,
		s.p50, s.p90, s.p95, s.p99, s.min, s.max);
}

/* " name %.0f" per second over span, or " name n/a" when unknown. */
static void per_s(FILE *f, const char *name, long n, int known, double span)
{
	if (known && !isnan(span))
		fprintf(f, " %s %.0f", name, (double)n / span);
	else
		fprintf(f, " %s n/a", name);
}

/* The errors of the step by class, with the first message of each. */
static void errors(const struct prog *p)
{
	for (int c = RC_HTTP_4XX; c < RC_CANCELLED; c++)
		if (p->by_class[c])
			fprintf(p->f, "  %ld %s: %s\n", p->by_class[c],
				rec_class_name((enum rclass)c), p->first_err[c]);
}

void prog_end(struct prog *p, int64_t now)
{
	double span, rate = counts_success_rate(&p->out);
	struct stats_summary lag;
	int in_all, out_all; /* every ok request's count is known */

	(void)now;
	p->lag_p50_ms = p->lag_p99_ms = NAN;
	if (p->lag.n) {
		stats_summarize(p->lag.v, p->lag.n, &lag);
		p->lag_p50_ms = lag.p50;
		p->lag_p99_ms = lag.p99;
	}
	if (!p->f)
		return;
	if (p->tty)
		fputs("\r\033[K", p->f);
	/* A step that never started (its preconnect failed, or llmrun was
	 * stopped before it): the error says so, not a summary of nothing. */
	if (!p->out.requests && !p->warmup && !p->t_first_sent)
		return;
	span = p->t_last_end > p->t_first_sent
		       ? (double)(p->t_last_end - p->t_first_sent) / 1e9
		       : NAN;
	/* The counts of docs/metrics.md, as llmanalyze makes them. */
	fprintf(p->f, "llmrun: %s: %zu requests, %zu ok, %zu failed, %zu cancelled",
		p->label, p->out.requests, p->out.ok, p->out.failed, p->out.cancelled);
	if (!isnan(rate))
		fprintf(p->f, " (success %.1f%%)", 100.0 * rate);
	if (p->warmup)
		fprintf(p->f, ", %ld warmup", p->warmup);
	if (!isnan(span))
		fprintf(p->f, "; %.2f req/s", p->out.ok / span);
	else
		fprintf(p->f, "; req/s n/a");
	if (p->retried)
		fprintf(p->f, "; %ld failed attempts retried", p->retried);
	fputc('\n', p->f);
	errors(p);
	/* Tokens per second of the ok requests: a count unknown for some of
	 * them would understate the rate, so any gap makes it n/a. */
	in_all = p->in_known > 0 && p->in_known == (long)p->out.ok;
	out_all = p->out_known > 0 && p->out_known == (long)p->out.ok;
	fputs("  tok/s", p->f);
	per_s(p->f, "in", p->in_tok, in_all, span);
	per_s(p->f, "out", p->out_tok, out_all, span);
	per_s(p->f, "total", p->in_tok + p->out_tok, in_all && out_all, span);
	if (p->speed.n)
		fprintf(p->f, "; per request out %.1f tok/s (mean of %zu)\n",
			stats_mean(p->speed.v, p->speed.n), p->speed.n);
	else
		fputs("; per request out n/a\n", p->f);
	fprintf(p->f, "  %-5s %9s %9s %9s %9s %9s %9s %9s\n", "ms", "mean", "p50", "p90",
		"p95", "p99", "min", "max");
	line(p->f, "ttft", &p->ttft);
	line(p->f, "tpot", &p->tpot);
	line(p->f, "itl", &p->itl);
	line(p->f, "e2e", &p->e2e);
	if (!isnan(p->lag_p99_ms))
		fprintf(p->f, "  client lag p50 %.3f ms, p99 %.3f ms\n", p->lag_p50_ms,
			p->lag_p99_ms);
	if (p->lag_p99_ms > PROG_LAG_WARN_MS && p->max_inflight)
		fprintf(p->f, "llmrun: note: %s: requests waited for one of the %ld slots of "
			"--max-concurrency, %.1f ms at p99 (client_lag_ms: client queueing); "
			"TTFT and E2E start at the send and leave it out, throughput "
			"includes it\n", p->label, p->max_inflight, p->lag_p99_ms);
	else if (p->lag_p99_ms > PROG_LAG_WARN_MS)
		fprintf(p->f, "llmrun: warning: %s: llmrun fell behind by %.1f ms at p99 "
			"(client_lag_ms); TTFT and E2E start at the send and leave it out, "
			"throughput includes it. On a busy machine a core of its own "
			"(taskset -c N), a higher priority (chrt -f 5, nice -n -10) or "
			"shards on more cores (--shard I/N) help\n", p->label, p->lag_p99_ms);
	if (p->asked > 0 && (double)p->got < PROG_SHORT_SHARE * (double)p->asked)
		fprintf(p->f, "llmrun: warning: %s: outputs averaged %.0f%% of max_tokens: "
			"the server stopped early; --ignore-eos or --min-tokens make it "
			"generate the corpus's lengths\n", p->label,
			100.0 * (double)p->got / (double)p->asked);
	/* The kernel keeps one stamp for bytes that wait together
	 * (tcp_try_coalesce): docs/llmrun.md, "Merged first tokens". */
	if (p->merged)
		fprintf(p->f, "llmrun: warning: %s: %ld of %ld first tokens came in one "
			"buffer with the next chunk (ttft_merged): llmrun read them late, "
			"or the server sent both at once; their TTFT may be late by up to "
			"the gap to the second chunk\n", p->label, p->merged, p->merge_known);
	if (p->clock_steps)
		fprintf(p->f, "llmrun: note: %s: the wall clock was stepped %ld times "
			"(largest %.3f ms); %ld kernel stamps that may have waited across "
			"a step were taken as late as they could be: late by up to the "
			"step, never early (docs/llmrun.md, \"Steps of the wall clock\")\n",
			p->label, p->clock_steps, (double)p->clock_step_max_ns / 1e6,
			p->stamps_bounded);
	if (p->est)
		fprintf(p->f, "llmrun: warning: %s: %ld ok requests had no usage: output "
			"tokens counted from chunks, an estimate (-t counts them exactly)\n",
			p->label, p->est);
}

void prog_free(struct prog *p)
{
	free(p->ttft.v);
	free(p->tpot.v);
	free(p->itl.v);
	free(p->e2e.v);
	free(p->speed.v);
	free(p->lag.v);
	memset(p, 0, sizeof *p);
}
