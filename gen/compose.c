#include "compose.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Bounds on the search, so a pathological tokenizer cannot loop. */
#define FIT_STEPS 16  /* moves of k by the count difference */
#define FIT_WINDOW 3  /* cut points tried on each side of the best under */
#define FIT_PADS 24   /* filler words tried after one cut */
#define FIT_OVERSHOOTS 3 /* words in a row that overshoot: next cut */
#define FIT_PAD_CUTS 4 /* cuts under the target that are padded */
#define FIT_SAME_CUT 8 /* tokens stepped past a cut already counted */

static char *english[] = { "the", "and", "of", "to", "in" };
const struct tpl_list compose_filler = { english, sizeof english / sizeof *english };

void compose_init(struct compose *c, struct tok *t)
{
	memset(c, 0, sizeof *c);
	c->t = t;
}

struct compose_seg {
	char *key; /* the paragraph's bytes */
	size_t len;
	uint64_t hash;
	uint32_t *ids;
	size_t nids;
};

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static void cache_free(struct compose_cache *k)
{
	for (size_t i = 0; i < k->cap; i++) {
		free(k->slots[i].key);
		free(k->slots[i].ids);
	}
	free(k->slots);
	memset(k, 0, sizeof *k);
}

static struct compose_seg *cache_slot(struct compose_cache *k, const char *s,
				      size_t n, uint64_t h)
{
	size_t i = (size_t)h & (k->cap - 1);

	while (k->slots[i].key &&
	       !(k->slots[i].hash == h && k->slots[i].len == n && !memcmp(k->slots[i].key, s, n)))
		i = (i + 1) & (k->cap - 1);
	return &k->slots[i];
}

static int cache_grow(struct compose_cache *k)
{
	struct compose_cache g = { 0 };

	g.cap = k->cap ? k->cap * 2 : 1024;
	if (!(g.slots = calloc(g.cap, sizeof *g.slots)))
		return -1;
	for (size_t i = 0; i < k->cap; i++)
		if (k->slots[i].key)
			*cache_slot(&g, k->slots[i].key, k->slots[i].len, k->slots[i].hash) = k->slots[i];
	g.n = k->n;
	g.bytes = k->bytes;
	free(k->slots);
	*k = g;
	return 0;
}

/* Appends the ids of paragraph s[0..n) to c->ids, from the cache or by
 * encoding it (and keeping the result while the cache has room). */
static int add_segment(struct compose *c, const char *s, size_t n, struct err *e)
{
	struct compose_cache *k = &c->cache;
	uint64_t h = fnv1a(s, n);
	struct compose_seg *sl;
	size_t from = c->ids.n;
	int rc;

	if (k->cap) {
		sl = cache_slot(k, s, n, h);
		if (sl->key) {
			if (c->ids.cap < c->ids.n + sl->nids) {
				/* tok_ids_free releases v with free(). */
				uint32_t *v = realloc(c->ids.v, (c->ids.n + sl->nids) * 2 * sizeof *v);

				if (!v)
					return err_set(e, ERR_SOFTWARE, "out of memory");
				c->ids.v = v;
				c->ids.cap = (c->ids.n + sl->nids) * 2;
			}
			memcpy(c->ids.v + c->ids.n, sl->ids, sl->nids * sizeof *sl->ids);
			c->ids.n += sl->nids;
			return 0;
		}
	}
	if ((rc = tok_encode(c->t, s, n, &c->ids, e)))
		return rc;
	if (k->bytes + n > COMPOSE_CACHE_MAX || ((k->n + 1) * 2 > k->cap && cache_grow(k)))
		return 0;
	sl = cache_slot(k, s, n, h);
	sl->key = malloc(n ? n : 1);
	sl->ids = malloc((c->ids.n - from + 1) * sizeof *sl->ids);
	if (!sl->key || !sl->ids) {
		free(sl->key);
		free(sl->ids);
		sl->key = NULL;
		sl->ids = NULL;
		return 0; /* not caching is not an error */
	}
	memcpy(sl->key, s, n);
	sl->len = n;
	sl->hash = h;
	sl->nids = c->ids.n - from;
	memcpy(sl->ids, c->ids.v + from, sl->nids * sizeof *sl->ids);
	k->n++;
	k->bytes += n + sl->nids * sizeof *sl->ids;
	return 0;
}

void compose_free(struct compose *c)
{
	cache_free(&c->cache);
	tok_ids_free(&c->ids);
	tok_ids_free(&c->tmp);
	free(c->off);
	buf_free(&c->body);
	buf_free(&c->text);
	memset(c, 0, sizeof *c);
}

size_t compose_valid_prefix(const char *s, size_t n)
{
	size_t bad;

	while (!utf8_valid(s, n, &bad))
		n = bad;
	return n;
}

static int count_text(struct compose *c, const char *s, size_t n, size_t *out,
		      struct err *e)
{
	c->evals++;
	return tok_count(c->t, s, n, out, e);
}

/* Builds prefix + body[0..cut) + pad + tail in c->text and counts it.
 * With nothing between a prefix that ends a line and the tail, the
 * tail's leading line breaks are left out: the prefix's blank line and
 * the task's would join into one token ("\n\n\n\n"), and a shared
 * prefix would no longer be the same ids in every prompt. */
static int candidate(struct compose *c, const char *prefix, size_t plen,
		     size_t cut, const char *pad, size_t padlen, const char *tail,
		     size_t tlen, size_t *count, struct err *e)
{
	int rc;

	if (!cut && !padlen && plen && (prefix[plen - 1] == '\n' || prefix[plen - 1] == '\r'))
		while (tlen && (*tail == '\n' || *tail == '\r'))
			tail++, tlen--;
	buf_reset(&c->text);
	if ((rc = buf_add(&c->text, prefix, plen, e)) ||
	    (rc = buf_add(&c->text, c->body.p, cut, e)) ||
	    (rc = buf_add(&c->text, pad, padlen, e)) ||
	    (rc = buf_add(&c->text, tail, tlen, e)))
		return rc;
	return count_text(c, c->text.p, c->text.len, count, e);
}

/* Byte length of body's first k tokens, backed off to valid UTF-8. */
static size_t cut_at(const struct compose *c, size_t k)
{
	return compose_valid_prefix(c->body.p, c->off[k]);
}

/* Decodes the body ids once, recording where each token ends. */
static int index_body(struct compose *c, struct err *e)
{
	int rc;

	if (c->offcap < c->ids.n + 1) {
		size_t *off = realloc(c->off, (c->ids.n + 1) * sizeof *off);

		if (!off)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		c->off = off;
		c->offcap = c->ids.n + 1;
	}
	buf_reset(&c->body);
	c->off[0] = 0;
	for (size_t i = 0; i < c->ids.n; i++) {
		if ((rc = tok_decode(c->t, &c->ids.v[i], 1, &c->body, e)))
			return rc;
		c->off[i + 1] = c->body.len;
	}
	return 0;
}

struct probe {
	size_t k, cut, n;
	int padded; /* filler tried after it */
};

struct search {
	struct probe seen[FIT_STEPS + 2 * FIT_WINDOW + 2];
	size_t nseen;
};

/* Counts the candidate cut after body's first k tokens; cuts that back
 * off to the same byte (inside a character) are counted once. */
static int probe(struct compose *c, struct search *s, const char *prefix,
		 size_t plen, size_t k, const char *tail, size_t tlen, size_t *n,
		 struct err *e)
{
	size_t cut = cut_at(c, k);
	int rc;

	for (size_t i = 0; i < s->nseen; i++)
		if (s->seen[i].cut == cut) {
			*n = s->seen[i].n;
			return 0;
		}
	if ((rc = candidate(c, prefix, plen, cut, "", 0, tail, tlen, n, e)))
		return rc;
	if (s->nseen < sizeof s->seen / sizeof *s->seen)
		s->seen[s->nseen++] = (struct probe){ k, cut, *n, 0 };

	return 0;
}

/* Adds filler words after body[0..cut) one at a time, dropping any that
 * overshoot, until the count is the target or the tries run out; *count
 * is the last count made (the text is in c->text when it is target). */
static int pad_cut(struct compose *c, const char *prefix, size_t plen,
		   size_t cut, const char *tail, size_t tlen,
		   const struct tpl_list *filler, size_t target, size_t *count,
		   struct err *e)
{
	struct buf pad = BUF_INIT;
	int rc = 0, over = 0;

	*count = 0;
	for (size_t i = 0; i < FIT_PADS && !rc; i++) {
		size_t keep = pad.len;

		const char *w = filler->items[i % filler->n];

		/* Words of scripts written with spaces get one; CJK does not. */
		if ((((unsigned char)*w < 0x80 && (rc = buf_add(&pad, " ", 1, e)))) ||
		    (rc = buf_adds(&pad, w, e)) ||
		    (rc = candidate(c, prefix, plen, cut, pad.p, pad.len, tail, tlen, count, e)))
			break;
		if (*count == target)
			break;
		if (*count > target) {
			/* This word overshoots: drop it, try the next one; when
			 * every word does, the cut itself is the problem. */
			pad.len = keep;
			pad.p[keep] = '\0';
			if (++over == FIT_OVERSHOOTS)
				break;
		} else {
			over = 0;
		}
	}
	buf_free(&pad);
	return rc;
}

/* The search, once c->ids holds the body's ids. */
static int fit_indexed(struct compose *c, const char *prefix, size_t plen,
		       const char *tail, size_t tlen, const struct tpl_list *filler,
		       size_t target, struct compose_result *res, struct err *e)
{
	struct search s = { .nseen = 0 };
	size_t fixed, n, k, best_under = 0, best_n;
	int rc;

	if ((rc = index_body(c, e)))
		return rc;
	if ((rc = probe(c, &s, prefix, plen, 0, tail, tlen, &fixed, e)))
		return rc;
	if (fixed > target) {
		res->tokens = fixed;
		res->why = plen ? "target below the minimum of the prefix and the instruction together"
				: "target below the template's minimum (instruction alone is longer)";
		return 0;
	}
	if (fixed == target)
		goto exact;
	best_n = fixed;
	k = target - fixed;
	for (int step = 0, dir = 0; step < FIT_STEPS; step++) {
		size_t before = s.nseen;

		if (k > c->ids.n) {
			res->need_more = 1;
			return 0;
		}
		if ((rc = probe(c, &s, prefix, plen, k, tail, tlen, &n, e)))
			return rc;
		/* A cut already counted. Where tokens are pieces of one
		 * character (r50k on Chinese), a step of one token backs off
		 * to the same byte: go on the same way until the cut moves.
		 * Stopping there left nothing under the target, and the row
		 * was cut at 0 (hundreds of tokens short). */
		for (int more = 0; s.nseen == before && dir && more < FIT_SAME_CUT; more++) {
			if (dir < 0 ? k == 0 : k >= c->ids.n)
				break;
			k = dir < 0 ? k - 1 : k + 1;
			if ((rc = probe(c, &s, prefix, plen, k, tail, tlen, &n, e)))
				return rc;
		}
		if (s.nseen == before)
			break; /* the walk has closed a loop */
		if (n == target)
			goto exact;
		if (n < target && k > best_under) {
			best_under = k;
			best_n = n;
		}
		dir = n < target ? 1 : -1;
		k = n < target ? k + (target - n) : k - (n - target > k ? k : n - target);
	}
	/* The count jumped over the target: try nearby cuts. */
	for (size_t d = 1; d <= FIT_WINDOW; d++) {
		for (int side = 0; side < 2; side++) {
			size_t before = s.nseen;

			if (side ? d > best_under : best_under + d > c->ids.n)
				continue;
			k = side ? best_under - d : best_under + d;
			if ((rc = probe(c, &s, prefix, plen, k, tail, tlen, &n, e)))
				return rc;
			if (s.nseen == before)
				continue;
			if (n == target)
				goto exact;
			if (n < target && n > best_n) {
				best_under = k;
				best_n = n;
			}
		}
	}
	/* Pad cuts under the target with filler words, the closest first. */
	if (filler && filler->n) {
		for (int round = 0; round < FIT_PAD_CUTS; round++) {
			size_t pick = (size_t)-1;

			for (size_t i = 0; i < s.nseen; i++)
				if (s.seen[i].n < target && !s.seen[i].padded &&
				    (pick == (size_t)-1 || s.seen[i].n > s.seen[pick].n))
					pick = i;
			if (pick == (size_t)-1)
				break;
			if ((rc = pad_cut(c, prefix, plen, s.seen[pick].cut, tail, tlen,
					  filler, target, &n, e)))
				return rc;
			if (n == target)
				goto exact;
			s.seen[pick].padded = 1;
		}
	}
	/* No exact text found: report the closest under the target as it
	 * is (a cut the walk saw, when the window's best is none). */
	for (size_t i = 0; i < s.nseen; i++)
		if (s.seen[i].n < target && s.seen[i].n > best_n) {
			best_under = s.seen[i].k;
			best_n = s.seen[i].n;
		}
	if ((rc = candidate(c, prefix, plen, cut_at(c, best_under), "", 0, tail, tlen, &n, e)))
		return rc;
	res->tokens = n;
	res->why = "no cut point or padding gave the exact count";
	return 0;
exact:
	res->tokens = target;
	res->exact = 1;
	return 0;
}

int compose_fit(struct compose *c, const char *prefix, size_t plen,
		const char *body, size_t blen, const char *tail, size_t tlen,
		const struct tpl_list *filler, size_t target,
		struct compose_result *res, struct err *e)
{
	int rc;

	memset(res, 0, sizeof *res);
	c->evals = 0;
	c->ids.n = 0;
	if ((rc = tok_encode(c->t, body, blen, &c->ids, e)))
		return rc;
	return fit_indexed(c, prefix, plen, tail, tlen, filler, target, res, e);
}

int compose_fit_doc(struct compose *c, const char *prefix, size_t plen,
		    const char *body, size_t blen, const char *tail, size_t tlen,
		    const struct tpl_list *filler, size_t target,
		    struct compose_result *res, struct err *e)
{
	const char *p = body, *end = body + blen;
	int rc;

	memset(res, 0, sizeof *res);
	c->evals = 0;
	c->ids.n = 0;
	while (p < end) {
		const char *q = memmem(p, (size_t)(end - p), "\n\n", 2);
		size_t n = q ? (size_t)(q + 2 - p) : (size_t)(end - p);

		if ((rc = add_segment(c, p, n, e)))
			return rc;
		p += n;
	}
	return fit_indexed(c, prefix, plen, tail, tlen, filler, target, res, e);
}
