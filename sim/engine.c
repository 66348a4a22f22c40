#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prefix.h"
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
	long blocks;      /* KV blocks held privately */
	uint64_t *bh;     /* hashes of the prompt's full blocks (prefix caching) */
	long nbh;
	struct pc_block **shared; /* the prompt's first nshared blocks, cached */
	long nshared;
	long cached;      /* prompt tokens found cached at first admission */
	long chunk;       /* prefill tokens planned in this step */
	long preemptions;
	int state;
	int decode;       /* decodes one token in the planned step */
	int admitted_once;
	int unpublished;  /* prefill done, its blocks not yet in the cache */
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
	long total_blocks, free_blocks, watermark; /* free: neither held nor cached */
	struct pcache *pc;       /* NULL: prefix caching off */
	long prefix_queries, prefix_hits; /* prompt tokens looked up, found */
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

static long watermark_of(long blocks)
{
	return (long)ceil(0.01 * (double)blocks);
}

long eng_admissible(long kv_tokens)
{
	long blocks = kv_tokens / ENG_BLOCK;

	return (blocks - watermark_of(blocks)) * ENG_BLOCK;
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
	e->watermark = watermark_of(e->total_blocks);
	return e;
}

static void seq_free(struct eng_seq *s)
{
	free(s->bh);
	free(s->shared);
	free(s);
}

static void free_list(struct list *l)
{
	struct eng_seq *s, *n;

	for (s = l->head; s; s = n) {
		n = s->next;
		seq_free(s);
	}
}

void eng_free(struct engine *e)
{
	if (!e)
		return;
	free_list(&e->waiting);
	free_list(&e->running);
	pc_free(e->pc);
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

int eng_prefix_caching(struct engine *e, int on)
{
	if (!on || e->pc)
		return 0;
	return (e->pc = pc_new(e->total_blocks)) ? 0 : -1;
}

int eng_set_blocks(struct engine *e, struct eng_seq *s, const uint64_t *hashes,
		   long n)
{
	if (!e->pc || n <= 0)
		return 0;
	if (!(s->bh = malloc((size_t)n * sizeof *s->bh)) ||
	    !(s->shared = calloc((size_t)n, sizeof *s->shared))) {
		free(s->bh);
		s->bh = NULL;
		return -1;
	}
	memcpy(s->bh, hashes, (size_t)n * sizeof *s->bh);
	s->nbh = n;
	return 0;
}

/* Blocks for new KV: free ones, else cached ones no sequence uses (least
 * recently used first). Returns 1 when n were taken, 0 when not enough. */
static int take_blocks(struct engine *e, long n)
{
	while (e->free_blocks < n && e->pc && pc_evict(e->pc))
		e->free_blocks++;
	if (e->free_blocks < n)
		return 0;
	e->free_blocks -= n;
	return 1;
}

/* Blocks a sequence could take now, evicting what may be evicted. */
static long available(const struct engine *e)
{
	return e->free_blocks + (e->pc ? pc_idle(e->pc) : 0);
}

/* How many of s's first prompt blocks are cached (whole blocks, and
 * never the whole prompt: its last token is always computed, as in
 * vLLM), and how many of those no sequence uses now. */
static long cached_prefix(const struct engine *e, const struct eng_seq *s,
			  long *idle)
{
	long max = (s->prompt - 1) / ENG_BLOCK, k;

	*idle = 0;
	if (!e->pc)
		return 0;
	if (max > s->nbh)
		max = s->nbh;
	for (k = 0; k < max; k++) {
		const struct pc_block *b = pc_find(e->pc, s->bh[k]);

		if (!b)
			break;
		*idle += b->ref == 0;
	}
	return k;
}

/* Once its prompt is computed, s's full prompt blocks join the cache:
 * each becomes a cached block it holds a reference to, or, when another
 * sequence cached the same block meanwhile, s uses that one and frees
 * its own copy. */
static void publish(struct engine *e, struct eng_seq *s)
{
	long full = s->prompt / ENG_BLOCK;

	if (full > s->nbh)
		full = s->nbh;
	while (s->nshared < full && s->blocks > 0) {
		struct pc_block *b = pc_find(e->pc, s->bh[s->nshared]);

		if (b)
			pc_ref(e->pc, b);
		else if (!(b = pc_insert(e->pc, s->bh[s->nshared])))
			return; /* out of memory: the block stays private */
		else
			e->free_blocks--; /* the new cached block takes a free one */
		s->shared[s->nshared++] = b;
		s->blocks--;
		e->free_blocks++;
	}
}

static void release(struct engine *e, struct eng_seq *s)
{
	if (s->unpublished) {
		s->unpublished = 0;
		publish(e, s);
	}
	if (s == e->iter_next)
		e->iter_next = s->next;
	if (s->state == SEQ_RUNNING)
		list_remove(&e->running, s);
	else
		list_remove(&e->waiting, s);
	e->free_blocks += s->blocks;
	s->blocks = 0;
	while (s->nshared > 0)
		pc_unref(e->pc, s->shared[--s->nshared]);
}

void eng_cancel(struct engine *e, struct eng_seq *s)
{
	if (s == e->in_cb) {
		/* Freed by eng_commit once the callback returns. */
		e->in_cb_cancelled = 1;
		return;
	}
	release(e, s);
	seq_free(s);
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
		while (blocks_for(ctx_after) > s->blocks + s->nshared) {
			struct eng_seq *v;

			if (take_blocks(e, 1)) {
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
		long idle, hit = cached_prefix(e, s, &idle), need, k;

		/* The hit blocks no one uses count as available, but this
		 * sequence is about to use them. */
		need = blocks_for(s->target) - hit;
		if (available(e) - idle - need < e->watermark)
			break;
		list_remove(&e->waiting, s);
		list_push_back(&e->running, s);
		s->state = SEQ_RUNNING;
		for (s->nshared = 0; s->nshared < hit; s->nshared++) {
			s->shared[s->nshared] = pc_find(e->pc, s->bh[s->nshared]);
			pc_ref(e->pc, s->shared[s->nshared]);
		}
		take_blocks(e, need); /* cannot fail: checked above */
		s->blocks = need;
		s->done = hit * ENG_BLOCK;
		k = s->target - s->done < beta ? s->target - s->done : beta;
		s->chunk = k;
		pairs += (double)k * ((double)s->done + (double)k / 2);
		st->prefill += k;
		st->admitted++;
		beta -= k;
		if (!s->admitted_once) {
			s->admitted_once = 1;
			s->cached = s->done;
			e->prefix_queries += s->prompt;
			e->prefix_hits += s->done;
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
	int unpublished = 0;

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
			s->unpublished = e->pc != NULL; /* after the tokens: below */
			unpublished |= s->unpublished;
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
			release(e, s); /* publishes first */
			seq_free(s);
		}
	}
	e->iter_next = NULL;
	/* Prompts whose prefill ended go into the prefix cache once every
	 * token of the step is out (the next plan is the first to look):
	 * before, the first tokens waited for it, 8 ms at 120,000 tokens. */
	for (s = unpublished ? e->running.head : NULL; s; s = s->next) {
		if (s->unpublished) {
			s->unpublished = 0;
			publish(e, s);
		}
	}
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
	c->kv_used_blocks = e->total_blocks - available(e);
	c->kv_cached_blocks = e->pc ? pc_blocks(e->pc) : 0;
	c->prefix_queries = e->prefix_queries;
	c->prefix_hits = e->prefix_hits;
	c->prefix_caching = e->pc != NULL;
	c->preemptions = e->preemptions;
	c->tokens_out = e->tokens_out;
}

long eng_seq_preemptions(const struct eng_seq *s)
{
	return s->preemptions;
}

long eng_seq_cached(const struct eng_seq *s)
{
	return s->cached;
}
