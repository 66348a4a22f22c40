#include "engine.h"

#include <math.h>
#include <stdlib.h>

#include "rng.h"

enum { SEQ_WAITING, SEQ_RUNNING };

struct eng_seq {
	struct eng_seq *prev, *next;
	void *user;
	long prompt;      /* prompt tokens */
	long out;         /* tokens to produce */
	long generated;   /* tokens produced so far */
	long target;      /* tokens to prefill: prompt + generated at admission */
	long done;        /* of target, tokens already computed */
	long blocks;      /* KV blocks held */
	long chunk;       /* prefill tokens planned in this step */
	long preemptions;
	int state;
	int decode;       /* decodes one token in the planned step */
	int admitted_once;
};

struct list {
	struct eng_seq *head, *tail;
	long n;
};

struct engine {
	struct profile p;
	struct eng_cb cb;
	struct rng rng;
	double sigma, mu;        /* lognormal jitter */
	struct list waiting, running;
	long total_blocks, free_blocks, watermark;
	double now_ns;
	int planned;
	double planned_ns;
	struct eng_seq *iter_next; /* commit's next sequence, kept valid by cancel */
	struct eng_seq *in_cb;     /* sequence whose callback is running */
	int in_cb_cancelled;
	long preemptions, tokens_out;
};

static void list_push_back(struct list *l, struct eng_seq *s)
{
	s->next = NULL;
	s->prev = l->tail;
	if (l->tail)
		l->tail->next = s;
	else
		l->head = s;
	l->tail = s;
	l->n++;
}

static void list_push_front(struct list *l, struct eng_seq *s)
{
	s->prev = NULL;
	s->next = l->head;
	if (l->head)
		l->head->prev = s;
	else
		l->tail = s;
	l->head = s;
	l->n++;
}

static void list_remove(struct list *l, struct eng_seq *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		l->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		l->tail = s->prev;
	s->prev = s->next = NULL;
	l->n--;
}

static long blocks_for(long tokens)
{
	return (tokens + ENG_BLOCK - 1) / ENG_BLOCK;
}

struct engine *eng_new(const struct profile *p, uint64_t seed,
		       const struct eng_cb *cb)
{
	struct engine *e = calloc(1, sizeof *e);

	if (!e)
		return NULL;
	e->p = *p;
	e->cb = *cb;
	rng_seed(&e->rng, seed);
	/* A lognormal of mean 1 whose CV is jitter_cv. */
	e->sigma = sqrt(log(1 + p->jitter_cv * p->jitter_cv));
	e->mu = -e->sigma * e->sigma / 2;
	e->total_blocks = e->free_blocks = p->kv_tokens / ENG_BLOCK;
	e->watermark = (long)ceil(0.01 * (double)e->total_blocks);
	return e;
}

static void free_list(struct list *l)
{
	struct eng_seq *s, *n;

	for (s = l->head; s; s = n) {
		n = s->next;
		free(s);
	}
}

void eng_free(struct engine *e)
{
	if (!e)
		return;
	free_list(&e->waiting);
	free_list(&e->running);
	free(e);
}

struct eng_seq *eng_add(struct engine *e, long prompt, long out, void *user)
{
	struct eng_seq *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->user = user;
	s->prompt = prompt > 0 ? prompt : 1;
	s->out = out > 0 ? out : 1;
	s->target = s->prompt;
	s->state = SEQ_WAITING;
	list_push_back(&e->waiting, s);
	return s;
}

static void release(struct engine *e, struct eng_seq *s)
{
	if (s == e->iter_next)
		e->iter_next = s->next;
	if (s->state == SEQ_RUNNING)
		list_remove(&e->running, s);
	else
		list_remove(&e->waiting, s);
	e->free_blocks += s->blocks;
	s->blocks = 0;
}

void eng_cancel(struct engine *e, struct eng_seq *s)
{
	if (s == e->in_cb) {
		/* Freed by eng_commit once the callback returns. */
		e->in_cb_cancelled = 1;
		return;
	}
	release(e, s);
	free(s);
}

/* Frees the victim's blocks and sends it back to the head of the waiting
 * queue to recompute its prompt and the tokens it had produced. */
static void preempt(struct engine *e, struct eng_seq *v)
{
	release(e, v);
	v->state = SEQ_WAITING;
	v->done = 0;
	v->chunk = 0;
	v->decode = 0;
	v->target = v->prompt + v->generated;
	v->preemptions++;
	e->preemptions++;
	list_push_front(&e->waiting, v);
}

double eng_step_ns(const struct profile *p, long n_tokens, double sum_ctx_dec,
		   double sum_attn_pairs)
{
	double tw = p->tw_ms * 1e6, lin = p->c_lin_us * 1e3 * (double)n_tokens;

	return p->t0_ms * 1e6 + sqrt(tw * tw + lin * lin) +
	       p->c_kv_ns * sum_ctx_dec + p->c_attn_ns * sum_attn_pairs;
}

int eng_plan(struct engine *e, struct eng_step *st)
{
	long beta = e->p.max_batched;
	double ctx = 0, pairs = 0;
	struct eng_seq *s, *nxt;

	*st = (struct eng_step){ 0 };
	for (s = e->running.head; s && beta > 0; s = nxt) {
		long ctx_after;

		nxt = s->next;
		if (s->done < s->target)
			continue;
		ctx_after = s->prompt + s->generated;
		while (blocks_for(ctx_after) > s->blocks) {
			struct eng_seq *v;

			if (e->free_blocks > 0) {
				e->free_blocks--;
				s->blocks++;
				continue;
			}
			v = e->running.tail;
			if (v == nxt)
				nxt = NULL;
			preempt(e, v);
			st->preempted++;
			if (v == s)
				break;
		}
		if (s->state != SEQ_RUNNING)
			continue;
		s->decode = 1;
		st->decodes++;
		ctx += (double)ctx_after;
		beta--;
	}
	for (s = e->running.head; s && beta > 0; s = s->next) {
		long k;

		if (s->done >= s->target)
			continue;
		k = s->target - s->done < beta ? s->target - s->done : beta;
		s->chunk = k;
		pairs += (double)k * ((double)s->done + (double)k / 2);
		st->prefill += k;
		beta -= k;
	}
	while ((s = e->waiting.head) && beta > 0 &&
	       e->running.n < e->p.max_num_seqs) {
		long need = blocks_for(s->target), k;

		if (e->free_blocks - need < e->watermark)
			break;
		list_remove(&e->waiting, s);
		list_push_back(&e->running, s);
		s->state = SEQ_RUNNING;
		s->blocks = need;
		e->free_blocks -= need;
		k = s->target < beta ? s->target : beta;
		s->chunk = k;
		pairs += (double)k * (double)k / 2;
		st->prefill += k;
		st->admitted++;
		beta -= k;
		if (!s->admitted_once) {
			s->admitted_once = 1;
			if (e->cb.admitted)
				e->cb.admitted(e->cb.user, s->user);
		}
	}
	st->tokens = st->decodes + st->prefill;
	if (!st->tokens)
		return 0;
	st->dur_ns = eng_step_ns(&e->p, st->tokens, ctx, pairs);
	if (e->sigma > 0)
		st->dur_ns *= rng_lognormal(&e->rng, e->mu, e->sigma);
	e->planned = 1;
	e->planned_ns = st->dur_ns;
	return 1;
}

void eng_commit(struct engine *e)
{
	struct eng_seq *s;

	if (!e->planned)
		return;
	e->planned = 0;
	e->now_ns += e->planned_ns;
	for (s = e->running.head; s; s = e->iter_next) {
		int emit, last;

		e->iter_next = s->next;
		if (s->chunk) {
			s->done += s->chunk;
			s->chunk = 0;
			if (s->done < s->target)
				continue;
			emit = 1; /* prefill done: its first (next) token */
		} else {
			emit = s->decode;
		}
		s->decode = 0;
		if (!emit)
			continue;
		s->generated++;
		e->tokens_out++;
		last = s->generated >= s->out;
		e->in_cb = s;
		e->in_cb_cancelled = 0;
		e->cb.token(e->cb.user, s->user, 1, last);
		e->in_cb = NULL;
		if (last || e->in_cb_cancelled) {
			release(e, s);
			free(s);
		}
	}
	e->iter_next = NULL;
}

double eng_now_ns(const struct engine *e)
{
	return e->now_ns;
}

void eng_counts(const struct engine *e, struct eng_counts *c)
{
	c->running = e->running.n;
	c->waiting = e->waiting.n;
	c->kv_total_blocks = e->total_blocks;
	c->kv_used_blocks = e->total_blocks - e->free_blocks;
	c->preemptions = e->preemptions;
	c->tokens_out = e->tokens_out;
}

long eng_seq_preemptions(const struct eng_seq *s)
{
	return s->preemptions;
}
