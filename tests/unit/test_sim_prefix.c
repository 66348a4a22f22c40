#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "../../sim/engine.h"
#include "../../sim/prefix.h"

/* ---- the cache alone ---- */

static void hashes_chain_prefixes(void **state)
{
	uint32_t a[48], b[48];
	uint64_t ha[3], hb[3];

	(void)state;
	for (int i = 0; i < 48; i++)
		a[i] = b[i] = (uint32_t)(i * 7 + 1);
	b[20] = 999; /* second block differs */
	assert_int_equal(pc_hash_blocks(a, 48, ha), 3);
	assert_int_equal(pc_hash_blocks(b, 47, hb), 2); /* partial block left out */
	assert_true(ha[0] == hb[0]);
	assert_true(ha[1] != hb[1]);
	/* Block 3 of a equals block 3 of b's ids, but its prefix differs. */
	memcpy(b, a, sizeof a);
	b[0] = 5;
	pc_hash_blocks(b, 48, hb);
	assert_true(ha[2] != hb[2]);
	/* The same block at another position is another block. */
	for (int i = 0; i < 48; i++)
		a[i] = 3;
	pc_hash_blocks(a, 48, ha);
	assert_true(ha[0] != ha[1] && ha[1] != ha[2]);
}

static void lru_evicts_least_recent_idle(void **state)
{
	struct pcache *pc = pc_new(8);
	struct pc_block *b[4];

	(void)state;
	assert_non_null(pc);
	for (int i = 0; i < 4; i++)
		assert_non_null(b[i] = pc_insert(pc, (uint64_t)i + 100));
	assert_int_equal(pc_blocks(pc), 4);
	assert_int_equal(pc_idle(pc), 0);
	assert_int_equal(pc_evict(pc), 0); /* all in use */
	pc_unref(pc, b[2]);
	pc_unref(pc, b[0]);
	pc_unref(pc, b[1]);
	assert_int_equal(pc_idle(pc), 3);
	pc_ref(pc, b[0]); /* in use again: not evictable */
	assert_int_equal(pc_evict(pc), 1); /* b[2], released first */
	assert_null(pc_find(pc, 102));
	assert_non_null(pc_find(pc, 101));
	assert_int_equal(pc_evict(pc), 1); /* b[1] */
	assert_null(pc_find(pc, 101));
	assert_int_equal(pc_evict(pc), 0);
	assert_int_equal(pc_blocks(pc), 2);
	pc_free(pc);
}

/* ---- the engine with caching ---- */

struct tr {
	double first;
	int done;
	long cached;          /* at admission: the sequence is freed at its end */
	long cached_blocks;   /* the cache's blocks when its first token came */
	struct eng_seq *seq;
};

struct h {
	struct engine *e;
	long budget; /* max_batched: a step's prefill at most */
};

static void on_admit(void *user, void *su)
{
	struct tr *r = su;

	(void)user;
	r->cached = eng_seq_cached(r->seq);
}

static void on_token(void *user, void *su, int ntok, int last)
{
	struct h *h = user;
	struct tr *r = su;

	(void)ntok;
	if (!r->first) {
		struct eng_counts c;

		eng_counts(h->e, &c);
		r->cached_blocks = c.kv_cached_blocks;
		r->first = eng_now_ns(h->e);
	}
	if (last)
		r->done = 1;
}

static struct engine *engine(struct h *h, long kv_tokens, int caching)
{
	struct profile p;
	struct eng_cb cb = { on_admit, on_token, h };

	assert_int_equal(profile_get("h100", &p, NULL), 0);
	p.jitter_cv = 0;
	if (kv_tokens)
		p.kv_tokens = kv_tokens;
	h->budget = p.max_batched;
	h->e = eng_new(&p, 1, &cb);
	assert_non_null(h->e);
	assert_int_equal(eng_prefix_caching(h->e, caching), 0);
	return h->e;
}

/* Adds a request whose prompt is ids[0..n) (hashed as the server does). */
static void add(struct h *h, struct tr *r, const uint32_t *ids, long n, long out)
{
	uint64_t hs[1024];
	size_t nb = pc_hash_blocks(ids, (size_t)n, hs);

	memset(r, 0, sizeof *r);
	r->seq = eng_add(h->e, n, out, r);
	assert_non_null(r->seq);
	assert_int_equal(eng_set_blocks(h->e, r->seq, hs, (long)nb), 0);
}

static double run_until(struct h *h, struct tr *r, long *first_prefill)
{
	struct eng_step st;
	int steps = 0;

	*first_prefill = -1;
	while (!r->done && eng_plan(h->e, &st)) {
		if (*first_prefill < 0)
			*first_prefill = st.prefill;
		eng_commit(h->e);
		assert_true(++steps < 100000);
	}
	return r->first;
}

static void kv_invariant(struct h *h)
{
	struct eng_counts c;

	eng_counts(h->e, &c);
	assert_true(c.kv_used_blocks >= 0 && c.kv_used_blocks <= c.kv_total_blocks);
	assert_true(c.kv_cached_blocks <= c.kv_total_blocks);
}

static void second_request_reuses_prefix(void **state)
{
	static uint32_t ids[4000];
	struct h h;
	struct tr a, b, c;
	long pf;
	struct eng_counts k;
	double t0, ttft_a, ttft_b;

	(void)state;
	for (int i = 0; i < 4000; i++)
		ids[i] = (uint32_t)(i % 5000);
	engine(&h, 0, 1);
	add(&h, &a, ids, 4000, 2);
	t0 = eng_now_ns(h.e);
	ttft_a = run_until(&h, &a, &pf) - t0;
	assert_int_equal(a.cached, 0);
	assert_int_equal(pf, 4000 < h.budget ? 4000 : h.budget);
	/* The same prompt: all but its last block-aligned tail is cached
	 * (never the whole prompt: the last token is computed). */
	add(&h, &b, ids, 4000, 2);
	t0 = eng_now_ns(h.e);
	ttft_b = run_until(&h, &b, &pf) - t0;
	assert_int_equal(pf, 4000 - 3984);
	assert_true(ttft_b < ttft_a / 2);
	/* A prompt sharing 1,000 tokens: 62 whole blocks (992 tokens). */
	ids[1000] = 4999999;
	add(&h, &c, ids, 4000, 2);
	run_until(&h, &c, &pf);
	assert_int_equal(pf, 4000 - 992);
	eng_counts(h.e, &k);
	assert_int_equal(k.prefix_queries, 12000);
	assert_int_equal(k.prefix_hits, 3984 + 992);
	kv_invariant(&h);
	eng_free(h.e);
}

/* A prompt goes into the cache once the step's tokens are out (its own
 * first token did not wait for the cache's work: 8 ms at 120,000 tokens),
 * and before the next plan looks; a request whose first token is its last
 * is cached too. */
static void cached_after_the_first_token(void **state)
{
	static uint32_t ids[4000];
	struct h h;
	struct tr a, b;
	long pf;
	struct eng_counts k;

	(void)state;
	for (int i = 0; i < 4000; i++)
		ids[i] = (uint32_t)(i * 3 + 1);
	engine(&h, 0, 1);
	add(&h, &a, ids, 4000, 1); /* its first token is its last */
	run_until(&h, &a, &pf);
	assert_int_equal(a.cached_blocks, 0);
	eng_counts(h.e, &k);
	assert_int_equal(k.kv_cached_blocks, 250);
	ids[3999] = 7; /* the last block differs */
	add(&h, &b, ids, 4000, 3);
	run_until(&h, &b, &pf);
	assert_int_equal(pf, 4000 - 3984); /* 249 blocks found */
	assert_int_equal(b.cached_blocks, 250);
	eng_counts(h.e, &k);
	assert_int_equal(k.kv_cached_blocks, 251);
	kv_invariant(&h);
	eng_free(h.e);
}

static void off_caches_nothing(void **state)
{
	static uint32_t ids[2000];
	struct h h;
	struct tr a, b;
	long pf;

	(void)state;
	for (int i = 0; i < 2000; i++)
		ids[i] = (uint32_t)i;
	engine(&h, 0, 0);
	add(&h, &a, ids, 2000, 2);
	run_until(&h, &a, &pf);
	add(&h, &b, ids, 2000, 2);
	run_until(&h, &b, &pf);
	assert_int_equal(pf, 2000 < h.budget ? 2000 : h.budget);
	assert_int_equal(b.cached, 0);
	eng_free(h.e);
}

/* A KV cache of 64 blocks: cached blocks are evicted for new work, least
 * recently used first, and a request still finds what was not evicted. */
static void eviction_makes_room(void **state)
{
	static uint32_t x[512], y[512], z[800];
	struct h h;
	struct tr a, b, c, d, e;
	long pf;
	struct eng_counts k;

	(void)state;
	for (int i = 0; i < 512; i++) {
		x[i] = (uint32_t)i;
		y[i] = (uint32_t)(i + 100000);
	}
	for (int i = 0; i < 800; i++)
		z[i] = (uint32_t)(i + 200000);
	engine(&h, 64 * 16, 1);
	add(&h, &a, x, 512, 1); /* 32 blocks cached after it */
	run_until(&h, &a, &pf);
	add(&h, &b, y, 512, 1); /* 32 more: the cache is full */
	run_until(&h, &b, &pf);
	eng_counts(h.e, &k);
	assert_int_equal(k.kv_cached_blocks, 64);
	assert_int_equal(k.kv_used_blocks, 0); /* cached, idle: free to take */
	/* 50 blocks of new work evict x's 32 (released first) and 18 of
	 * y's: its last ones, since a sequence releases its blocks last
	 * first (as vLLM does), so that prefixes outlive their tails. */
	add(&h, &c, z, 800, 1);
	run_until(&h, &c, &pf);
	assert_int_equal(pf, 800 < h.budget ? 800 : h.budget);
	/* y again: its first 14 blocks are still cached. */
	add(&h, &e, y, 512, 1);
	run_until(&h, &e, &pf);
	assert_int_equal(e.cached, 14 * 16);
	assert_int_equal(pf, 512 - 14 * 16);
	/* x: gone. */
	add(&h, &d, x, 512, 1);
	run_until(&h, &d, &pf);
	assert_int_equal(d.cached, 0);
	assert_int_equal(pf, 512);
	kv_invariant(&h);
	eng_free(h.e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hashes_chain_prefixes),
		cmocka_unit_test(lru_evicts_least_recent_idle),
		cmocka_unit_test(second_request_reuses_prefix),
		cmocka_unit_test(cached_after_the_first_token),
		cmocka_unit_test(off_caches_nothing),
		cmocka_unit_test(eviction_makes_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
