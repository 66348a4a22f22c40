#include "tok_bpe.h"

#include <stdlib.h>
#include <string.h>

#define DEAD UINT32_MAX

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0x100000001B3ull), w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 29;
	return h;
}

/* Slots for n entries: a power of two above 2n, at most 2^31 (the
 * arithmetic is 64-bit: 2n + 1 overflowed 32 bits for n >= 2^31, and
 * doubling past 2^31 wrapped s to 0 and never ended). Callers keep n at
 * most 2^30. */
static uint32_t table_size(uint32_t n)
{
	uint64_t s = 1024;

	while (s < (uint64_t)n * 2 + 1 && s < (uint64_t)1 << 31)
		s *= 2;
	return (uint32_t)s;
}

int bpe_vocab_init(struct bpe_vocab *v, uint32_t n, struct err *e)
{
	uint32_t s = table_size(n);

	memset(v, 0, sizeof *v);
	v->ntok = n;
	v->mask = s - 1;
	v->tok = calloc(n ? n : 1, sizeof *v->tok);
	v->slot = calloc(s, sizeof *v->slot);
	if (!v->tok || !v->slot) {
		bpe_vocab_free(v);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	return 0;
}

/* A slot holds the upper half of the key's hash beside id + 1, so most
 * probes that miss are settled without touching the token's bytes. */
static uint64_t *vocab_slot(const struct bpe_vocab *v, const void *bytes, size_t len)
{
	uint64_t h = hash_bytes(bytes, len);
	uint32_t i = (uint32_t)h & v->mask, tag = (uint32_t)(h >> 32);

	for (;;) {
		uint64_t s = v->slot[i], t;

		if (!(uint32_t)s)
			return &v->slot[i];
		if ((uint32_t)(s >> 32) == tag) {
			t = v->tok[(uint32_t)s - 1];
			if ((t & 0xFFFFFF) == len && !memcmp(v->pool + (t >> 24), bytes, len))
				return &v->slot[i];
		}
		i = (i + 1) & v->mask;
	}
}

int bpe_vocab_add(struct bpe_vocab *v, const void *bytes, size_t len,
		  uint32_t id, struct err *e)
{
	uint64_t *s;

	if (id >= v->ntok || v->tok[id] || len == 0 || len >= 0xFFFFFF)
		return 1;
	s = vocab_slot(v, bytes, len);
	if (*s)
		return 1;
	if (v->pool_len + len > v->pool_cap) {
		size_t cap = v->pool_cap ? v->pool_cap * 2 : 1 << 20;
		uint8_t *p;

		while (cap < v->pool_len + len)
			cap *= 2;
		p = realloc(v->pool, cap);
		if (!p)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		v->pool = p;
		v->pool_cap = cap;
	}
	memcpy(v->pool + v->pool_len, bytes, len);
	v->tok[id] = (uint64_t)v->pool_len << 24 | len;
	v->pool_len += len;
	*s = (hash_bytes(bytes, len) >> 32) << 32 | (id + 1);
	v->count++;
	if (len > v->maxlen)
		v->maxlen = (uint32_t)len;
	return 0;
}

uint32_t bpe_vocab_find(const struct bpe_vocab *v, const void *bytes, size_t len)
{
	uint64_t s;

	if (len > v->maxlen || len == 0)
		return BPE_NONE;
	s = *vocab_slot(v, bytes, len);
	return (uint32_t)s ? (uint32_t)s - 1 : BPE_NONE;
}

const uint8_t *bpe_vocab_bytes(const struct bpe_vocab *v, uint32_t id, size_t *len)
{
	if (id >= v->ntok || !v->tok[id])
		return NULL;
	*len = v->tok[id] & 0xFFFFFF;
	return v->pool + (v->tok[id] >> 24);
}

void bpe_vocab_free(struct bpe_vocab *v)
{
	free(v->pool);
	free(v->tok);
	free(v->slot);
	memset(v, 0, sizeof *v);
}

static uint32_t pair_hash(uint64_t k)
{
	k *= 0x9E3779B97F4A7C15ull;
	return (uint32_t)(k >> 32);
}

int bpe_pairs_init(struct bpe_pairs *p, uint32_t n, struct err *e)
{
	uint32_t s = table_size(n);

	p->mask = s - 1;
	p->slot = malloc(sizeof *p->slot * s);
	if (!p->slot)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	for (uint32_t i = 0; i < s; i++)
		p->slot[i].key = UINT64_MAX;
	return 0;
}

int bpe_pairs_add(struct bpe_pairs *p, uint32_t left, uint32_t right,
		  uint32_t rank, uint32_t merged)
{
	uint64_t k = (uint64_t)left << 32 | right;
	uint32_t i = pair_hash(k) & p->mask;

	while (p->slot[i].key != UINT64_MAX) {
		if (p->slot[i].key == k)
			return 1;
		i = (i + 1) & p->mask;
	}
	p->slot[i].key = k;
	p->slot[i].rank = rank;
	p->slot[i].merged = merged;
	return 0;
}

uint32_t bpe_pairs_find(const struct bpe_pairs *p, uint32_t left,
			uint32_t right, uint32_t *merged)
{
	uint64_t k = (uint64_t)left << 32 | right;
	uint32_t i = pair_hash(k) & p->mask;

	while (p->slot[i].key != UINT64_MAX) {
		if (p->slot[i].key == k) {
			*merged = p->slot[i].merged;
			return p->slot[i].rank;
		}
		i = (i + 1) & p->mask;
	}
	return BPE_NONE;
}

void bpe_pairs_free(struct bpe_pairs *p)
{
	free(p->slot);
	p->slot = NULL;
}

int bpe_push(uint32_t **v, size_t *n, size_t *cap, uint32_t id, struct err *e)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		uint32_t *p = realloc(*v, c * sizeof *p);

		if (!p)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = id;
	return 0;
}

/*
 * A candidate merge of the part starting at a with the next one, which
 * ends at c. key = rank << 32 | a orders by rank, then leftmost. Part
 * boundaries only ever vanish, so the candidate is still the same pair
 * when a is alive and the part after a's next part starts at c.
 */
struct bpe_cand {
	uint64_t key;
	uint32_t c, merged;
};

static int cand_less(const struct bpe_cand *x, const struct bpe_cand *y)
{
	return x->key < y->key;
}
static void heap_push(struct bpe_cand *h, size_t *n, struct bpe_cand c)
{
	size_t i = (*n)++;

	while (i) {
		size_t up = (i - 1) / 2;

		if (!cand_less(&c, &h[up]))
			break;
		h[i] = h[up];
		i = up;
	}
	h[i] = c;
}

static struct bpe_cand heap_pop(struct bpe_cand *h, size_t *n)
{
	struct bpe_cand top = h[0], last = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, m;

		if (l >= *n)
			break;
		m = l + 1 < *n && cand_less(&h[l + 1], &h[l]) ? l + 1 : l;
		if (!cand_less(&h[m], &last))
			break;
		h[i] = h[m];
		i = m;
	}
	if (*n)
		h[i] = last;
	return top;
}

static int work_reserve(struct bpe_work *w, size_t n, struct err *e)
{
	size_t cap, hcap;

	if (n + 1 <= w->cap && 3 * n + 4 <= w->hcap)
		return 0;
	cap = w->cap ? w->cap : 256;
	while (cap < n + 1)
		cap *= 2;
	hcap = 3 * cap + 4;
	free(w->next);
	free(w->prev);
	free(w->id);
	free(w->heap);
	w->next = malloc(cap * sizeof *w->next);
	w->prev = malloc(cap * sizeof *w->prev);
	w->id = malloc(cap * sizeof *w->id);
	w->heap = malloc(hcap * sizeof *w->heap);
	if (!w->next || !w->prev || !w->id || !w->heap) {
		bpe_work_free(w);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	w->cap = cap;
	w->hcap = hcap;
	return 0;
}

void bpe_work_free(struct bpe_work *w)
{
	free(w->next);
	free(w->prev);
	free(w->id);
	free(w->heap);
	memset(w, 0, sizeof *w);
}

static void consider(struct bpe_work *w, size_t *hn, const uint8_t *piece,
		     uint32_t a, uint32_t b, uint32_t c, bpe_rank_fn rank,
		     const void *ctx)
{
	struct bpe_cand k = {0, c, 0};
	uint32_t r = rank(ctx, piece, a, b, c, w->id[a], w->id[b], &k.merged);

	if (r != BPE_NONE) {
		k.key = (uint64_t)r << 32 | a;
		heap_push(w->heap, hn, k);
	}
}

int bpe_merge(struct bpe_work *w, const uint8_t *piece, size_t n,
	      const uint32_t byte_id[256], bpe_rank_fn rank, const void *ctx,
	      uint32_t **out, size_t *out_n, size_t *out_cap, struct err *e)
{
	size_t hn = 0;
	uint32_t n32 = (uint32_t)n;
	int rc;

	if (n == 0)
		return 0;
	if (n == 1)
		return bpe_push(out, out_n, out_cap, byte_id[piece[0]], e);
	if ((rc = work_reserve(w, n, e)))
		return rc;
	for (uint32_t i = 0; i < n32; i++) {
		w->next[i] = i + 1;
		w->prev[i] = i ? i - 1 : DEAD;
		w->id[i] = byte_id[piece[i]];
	}
	for (uint32_t i = 0; i + 1 < n32; i++)
		consider(w, &hn, piece, i, i + 1, i + 2, rank, ctx);
	while (hn) {
		struct bpe_cand k = heap_pop(w->heap, &hn);
		uint32_t a = (uint32_t)k.key, b = w->next[a], c = k.c;

		/* Stale when either part changed since it was pushed (a dead
		 * part's next is DEAD, which is never below c). */
		if (b >= c || w->next[b] != c)
			continue;
		w->next[a] = c;
		w->next[b] = DEAD;
		w->id[a] = k.merged;
		if (c < n32)
			w->prev[c] = a;
		if (w->prev[a] != DEAD)
			consider(w, &hn, piece, w->prev[a], a, c, rank, ctx);
		if (c < n32)
			consider(w, &hn, piece, a, c, w->next[c], rank, ctx);
	}
	for (uint32_t i = 0; i < n32; i = w->next[i])
		if ((rc = bpe_push(out, out_n, out_cap, w->id[i], e)))
			return rc;
	return 0;
}
