#include "session.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"

struct sess_conv {
	size_t conv;           /* its index among the shard's conversations */
	size_t first;          /* corpus row of turn 1 */
	size_t nturns;
	size_t k;              /* current turn, from 0 */
	struct api_msg *hist;  /* earlier turns; assistant texts owned */
	size_t nhist, cap;
	int64_t due;           /* while queued */
	struct sess_conv *next_q;            /* the queue, by due time */
	struct sess_conv *prev, *next;       /* the live list */
};

struct sess {
	const struct corpus *c;
	size_t *first, *nturns; /* per conversation of the shard */
	size_t *busy;           /* per conversation: its live copies */
	size_t copies;          /* conversations started while live already */
	uint64_t seed;
	size_t n, turns;
	size_t cursor;          /* the next conversation to start */
	size_t live;
	struct sess_conv *queue;
	struct sess_conv *lives;
	struct sess_think think;
	struct rng rng;
	int64_t *freed;         /* sess_slot_free's times, a ring */
	size_t fcap, fhead, nfreed;
};

struct start {
	const char *id;
	long line;
};

static int by_id_line(const void *a, const void *b)
{
	const struct start *x = a, *y = b;
	int d = strcmp(x->id, y->id);

	return d ? d : (x->line > y->line) - (x->line < y->line);
}

/* The conversation starts of c, checked; *ns their count. */
static int check(const struct corpus *c, struct start **out, size_t *ns,
		 struct err *e)
{
	const char *name = c->name ? c->name : "corpus";
	struct start *st = malloc((c->n ? c->n : 1) * sizeof *st);
	size_t n = 0;
	long dup = 0;
	const char *dupid = NULL;

	if (!st)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	for (size_t i = 0; i < c->n; i++) {
		const struct corpus_row *r = &c->rows[i], *p = i ? r - 1 : NULL;
		int rc = 0;

		if (!r->conv || !*r->conv)
			rc = err_set(e, ERR_DATA, "%s:%ld: empty conversation_id", name, r->line);
		else if (r->turn == 0)
			rc = err_set(e, ERR_DATA, "%s:%ld: conversation %s: turn 0 (turns "
				     "count from 1)", name, r->line, r->conv);
		else if (r->turn < 0)
			rc = err_set(e, ERR_DATA, "%s:%ld: conversation %s: no turn number "
				     "(a 'turn' column, 1..n)", name, r->line, r->conv);
		else if (r->turn == 1)
			st[n++] = (struct start){r->conv, r->line};
		else if (!p || strcmp(p->conv, r->conv) != 0)
			rc = err_set(e, ERR_DATA, "%s:%ld: conversation %s: turn %ld does not "
				     "follow its turn %ld on the row before (a conversation's "
				     "turns are consecutive rows, 1..n in order)", name, r->line,
				     r->conv, r->turn, r->turn - 1);
		else if (r->turn != p->turn + 1)
			rc = err_set(e, ERR_DATA, "%s:%ld: conversation %s: turn %ld after "
				     "turn %ld (turns go 1..n in order)", name, r->line, r->conv,
				     r->turn, p->turn);
		if (!rc && !r->prompt_len)
			rc = err_set(e, ERR_DATA, "%s:%ld: conversation %s, turn %ld: empty "
				     "prompt", name, r->line, r->conv, r->turn);
		if (rc) {
			free(st);
			return rc;
		}
	}
	/* An id that starts two conversations: the first reuse in the file. */
	{
		struct start *sorted = malloc((n ? n : 1) * sizeof *sorted);

		if (!sorted) {
			free(st);
			return err_set(e, ERR_SOFTWARE, "out of memory");
		}
		memcpy(sorted, st, n * sizeof *st);
		qsort(sorted, n, sizeof *sorted, by_id_line);
		for (size_t i = 1; i < n; i++)
			if (strcmp(sorted[i].id, sorted[i - 1].id) == 0 &&
			    strcmp(sorted[i].id, i > 1 ? sorted[i - 2].id : "") != 0 &&
			    (!dup || sorted[i].line < dup)) {
				dup = sorted[i].line;
				dupid = sorted[i].id;
			}
		if (dup) {
			long first = 0;

			for (size_t i = 0; i < n && !first; i++)
				if (strcmp(sorted[i].id, dupid) == 0)
					first = sorted[i].line;
			err_set(e, ERR_DATA, "%s:%ld: conversation %s again (it began on "
				"line %ld; an id names one conversation)", name, dup, dupid, first);
		}
		free(sorted);
		if (dup) {
			free(st);
			return ERR_DATA;
		}
	}
	*out = st;
	*ns = n;
	return 0;
}

int sess_new(const struct corpus *c, long shard_i, long shard_n,
	     const struct sess_think *think, uint64_t seed, struct sess **out,
	     struct err *e)
{
	struct sess *s;
	struct start *st = NULL;
	size_t ns = 0, row = 0;
	int rc;

	if ((rc = check(c, &st, &ns, e)))
		return rc;
	free(st);
	if (!(s = calloc(1, sizeof *s)) ||
	    !(s->first = malloc((ns ? ns : 1) * sizeof *s->first)) ||
	    !(s->nturns = malloc((ns ? ns : 1) * sizeof *s->nturns)) ||
	    !(s->busy = calloc(ns ? ns : 1, sizeof *s->busy))) {
		sess_free(s);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	s->c = c;
	s->think = *think;
	s->seed = seed;
	/* Apart from the arrival times' and the retries' streams. */
	rng_seed(&s->rng, seed ^ 0x7468696e6bULL);
	for (size_t k = 0; k < ns; k++) {
		size_t n = 1;

		while (row + n < c->n && c->rows[row + n].turn != 1)
			n++;
		if ((long)(k % (size_t)shard_n) == shard_i) {
			s->first[s->n] = row;
			s->nturns[s->n++] = n;
			s->turns += n;
		}
		row += n;
	}
	if (!s->n) {
		sess_free(s);
		return err_set(e, ERR_DATA, "%s: no conversations%s",
			       c->name ? c->name : "corpus",
			       shard_n > 1 ? " in this shard" : "");
	}
	*out = s;
	return 0;
}

void sess_free(struct sess *s)
{
	if (!s)
		return;
	sess_end_all(s);
	free(s->first);
	free(s->nturns);
	free(s->busy);
	free(s->freed);
	free(s);
}

size_t sess_conversations(const struct sess *s)
{
	return s->n;
}

size_t sess_turns(const struct sess *s)
{
	return s->turns;
}

size_t sess_live(const struct sess *s)
{
	return s->live;
}

void sess_rewind(struct sess *s)
{
	sess_end_all(s);
	s->cursor = 0;
	s->copies = 0;
	rng_seed(&s->rng, s->seed ^ 0x7468696e6bULL);
}

size_t sess_copies(const struct sess *s)
{
	return s->copies;
}

struct sess_conv *sess_start(struct sess *s)
{
	struct sess_conv *v = calloc(1, sizeof *v);
	size_t k = s->cursor % s->n, i;

	if (!v)
		return NULL;
	/* The next one not live: a second copy of a live conversation would
	 * share its rows (nothing tells them apart) and find its history in
	 * the server's cache. Only when every one is live, the next anyway. */
	for (i = 0; i < s->n && s->busy[(s->cursor + i) % s->n]; i++)
		;
	if (i < s->n)
		k = (s->cursor + i) % s->n;
	else
		s->copies++;
	s->cursor = k + 1;
	s->busy[k]++;
	v->conv = k;
	v->first = s->first[k];
	v->nturns = s->nturns[k];
	v->next = s->lives;
	if (s->lives)
		s->lives->prev = v;
	s->lives = v;
	s->live++;
	return v;
}

const struct corpus_row *sess_row(const struct sess *s, const struct sess_conv *v)
{
	return &s->c->rows[v->first + v->k];
}

const struct api_msg *sess_history(const struct sess_conv *v, size_t *n)
{
	*n = v->nhist;
	return v->hist;
}

/* Seconds to wait before row r's turn. */
static double think_s(struct sess *s, const struct corpus_row *r)
{
	if (!isnan(r->think_s))
		return r->think_s;
	if (s->think.max_s > s->think.min_s)
		return s->think.min_s + (s->think.max_s - s->think.min_s) * rng_uniform(&s->rng);
	return s->think.min_s;
}

static void enqueue(struct sess *s, struct sess_conv *v)
{
	struct sess_conv **p;

	for (p = &s->queue; *p && (*p)->due <= v->due; p = &(*p)->next_q)
		;
	v->next_q = *p;
	*p = v;
}

int sess_next(struct sess *s, struct sess_conv *v, const char *reply,
	      size_t len, int64_t end_ns, struct err *e)
{
	const struct corpus_row *r = &s->c->rows[v->first + v->k];
	char *copy;

	if (v->k + 1 >= v->nturns)
		return 0;
	if (v->nhist + 2 > v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct api_msg *h = realloc(v->hist, cap * sizeof *h);

		if (!h)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		v->hist = h;
		v->cap = cap;
	}
	if (!(copy = malloc(len + 1)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (len)
		memcpy(copy, reply, len);
	copy[len] = '\0';
	v->hist[v->nhist++] = (struct api_msg){"user", r->prompt, r->prompt_len};
	v->hist[v->nhist++] = (struct api_msg){"assistant", copy, len};
	v->k++;
	v->due = end_ns + (int64_t)llround(think_s(s, r + 1) * CLK_NS_PER_S);
	enqueue(s, v);
	return 1;
}

struct sess_conv *sess_due(struct sess *s, int64_t now, int64_t *due)
{
	struct sess_conv *v = s->queue;

	if (!v || v->due > now)
		return NULL;
	s->queue = v->next_q;
	v->next_q = NULL;
	*due = v->due;
	return v;
}

int64_t sess_next_due(const struct sess *s)
{
	return s->queue ? s->queue->due : 0;
}

void sess_slot_free(struct sess *s, int64_t t)
{
	if (s->nfreed == s->fcap) {
		size_t cap = s->fcap ? s->fcap * 2 : 16;
		int64_t *f = malloc(cap * sizeof *f);

		if (!f)
			return; /* the slot's next start counts from the step's start */
		for (size_t i = 0; i < s->nfreed; i++)
			f[i] = s->freed[(s->fhead + i) % s->fcap];
		free(s->freed);
		s->freed = f;
		s->fcap = cap;
		s->fhead = 0;
	}
	s->freed[(s->fhead + s->nfreed++) % s->fcap] = t;
}

int64_t sess_slot_due(struct sess *s, int64_t dflt)
{
	int64_t t;

	if (!s->nfreed)
		return dflt;
	t = s->freed[s->fhead];
	s->fhead = (s->fhead + 1) % s->fcap;
	s->nfreed--;
	return t;
}

void sess_end(struct sess *s, struct sess_conv *v)
{
	struct sess_conv **p;

	/* A conversation ended while queued (the step's end) leaves it. */
	for (p = &s->queue; *p; p = &(*p)->next_q)
		if (*p == v) {
			*p = v->next_q;
			break;
		}
	if (v->prev)
		v->prev->next = v->next;
	else
		s->lives = v->next;
	if (v->next)
		v->next->prev = v->prev;
	s->live--;
	if (s->busy[v->conv])
		s->busy[v->conv]--;
	for (size_t i = 1; i < v->nhist; i += 2)
		free((char *)v->hist[i].text);
	free(v->hist);
	free(v);
}

void sess_end_all(struct sess *s)
{
	while (s->lives)
		sess_end(s, s->lives);
	s->queue = NULL;
	s->nfreed = 0;
}
