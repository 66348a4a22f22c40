/* Conversations in the engine: when each turn of a session is sent, what
 * its body holds, and what its row says (docs/llmrun.md,
 * "Conversations"). The sessions' state itself is session.c's. */
#include "engine_int.h"
#include "http.h"
#include "session.h"

#include <string.h>

/* May another turn go out now? --requests and --duration count turns. */
static int turn_allowed(const struct eng *g, int64_t now)
{
	const struct eng_step *s = g->s;

	if (s->requests && g->issued >= s->requests + s->warmup)
		return 0;
	return !(s->duration_ns && now - g->t_start >= s->duration_ns);
}

/* May another conversation start now? */
static int start_allowed(const struct eng *g, int64_t now)
{
	const struct eng_step *s = g->s;

	if (!turn_allowed(g, now))
		return 0;
	if (s->times)
		return g->next_time < s->ntimes;
	return !s->conversations || g->conv_started < s->conversations;
}

/* Open loop under --max-concurrency: no room for another request. */
static int full(const struct eng *g)
{
	return g->s->max_inflight && g->inflight >= g->s->max_inflight;
}

/* Sends v's current turn, due at due; ends v when no request could be
 * made. Returns 0, or -1 then. */
static int issue(struct eng *g, struct sess_conv *v, int64_t due)
{
	struct sess *ss = g->cx.sess;
	int rc;

	g->conv_next = v;
	rc = req_issue(g, due, sess_row(ss, v));
	g->conv_next = NULL;
	if (rc)
		sess_end(ss, v);
	return rc;
}

void esess_top_up(struct eng *g)
{
	const struct eng_step *s = g->s;
	struct sess *ss = g->cx.sess;
	int64_t now = clk_mono_ns(), due, next = 0;
	struct sess_conv *v;
	int failed = 0; /* a turn or conversation could not be made */

	if (!g->sending)
		return;
	/* Turns whose think time is over go first: their conversations
	 * already hold a slot. */
	while (!full(g) && turn_allowed(g, now) && (v = sess_due(ss, now, &due)))
		if ((failed = issue(g, v, due)))
			break;
	if (s->times) {
		while (start_allowed(g, now) && !full(g) &&
		       g->t_start + s->times[g->next_time] <= now) {
			if ((failed = !(v = sess_start(ss)) ||
				      issue(g, v, g->t_start + s->times[g->next_time])))
				break;
			g->next_time++;
			g->conv_started++;
		}
		if (start_allowed(g, now))
			next = g->t_start + s->times[g->next_time];
	} else {
		while ((long)sess_live(ss) < s->batch && start_allowed(g, now)) {
			if ((failed = !(v = sess_start(ss)) ||
				      issue(g, v, sess_slot_due(ss, g->t_start))))
				break;
			g->conv_started++;
		}
	}
	/* Out of memory with nothing going on: nothing would ever end. */
	if (!turn_allowed(g, now) || (!start_allowed(g, now) && !sess_live(ss)) ||
	    (failed && !sess_live(ss) && !g->inflight)) {
		g->sending = 0;
		eng_send_at(g, 0);
		return;
	}
	due = sess_next_due(ss);
	if (!due || (next && next < due))
		due = next;
	/* At the --max-concurrency cap, the next end sends what is due. */
	eng_send_at(g, full(g) ? 0 : due);
}

char *esess_body(struct eng *g, struct req *q)
{
	size_t n;
	const struct api_msg *h = sess_history(q->conv, &n);

	return http_body_turn(g->cx.o, g->cx.t, sess_row(g->cx.sess, q->conv), h, n,
			      &q->max_tokens);
}

/* The prompt tokens of q's whole request counted by the tokenizer: the
 * system prompt, the history and the turn's prompt (not the server's chat
 * template, which only it knows); -1 when they cannot be counted. */
static long count_context(struct eng *g, const struct req *q)
{
	const char *sys = g->cx.o->system;
	const struct api_msg *h;
	size_t n, c, total = 0;
	struct err e;

	if (!g->cx.count || !q->conv)
		return -1;
	h = sess_history(q->conv, &n);
	if (sys && g->cx.count(g->cx.tok, sys, strlen(sys), &c, &e) == 0)
		total += c;
	else if (sys)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (g->cx.count(g->cx.tok, h[i].text, h[i].len, &c, &e))
			return -1;
		total += c;
	}
	if (g->cx.count(g->cx.tok, q->row->prompt, q->row->prompt_len, &c, &e))
		return -1;
	return (long)(total + c);
}

void esess_row(struct eng *g, const struct req *q, struct rec_row *x)
{
	if (!q->row->conv)
		return;
	x->conv = q->row->conv;
	x->turn = q->row->turn;
	x->context_tokens = q->r.in_tokens >= 0 ? q->r.in_tokens : count_context(g, q);
}

void esess_done(struct eng *g, struct req *q, int ok, int64_t t_end)
{
	struct sess *ss = g->cx.sess;
	struct sess_conv *v = q->conv;
	struct err e;

	if (!v)
		return;
	q->conv = NULL;
	/* A failed turn ends its conversation: the next would carry a
	 * history no client had. So does the end of sending. */
	if (ok && g->sending && !*g->cx.stop &&
	    sess_next(ss, v, q->r.text.p ? q->r.text.p : "", q->r.text.len, t_end, &e) == 1)
		return;
	sess_slot_free(ss, t_end);
	sess_end(ss, v);
}
