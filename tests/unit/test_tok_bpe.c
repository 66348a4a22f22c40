#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "tok_bpe.h"

struct fixture {
	struct bpe_vocab v;
	uint32_t byte_id[256];
};

/* Tokens: the bytes a b c (ids 0 1 2), then the listed merged tokens. */
static void build(struct fixture *f, const char *const *extra, size_t n)
{
	assert_int_equal(bpe_vocab_init(&f->v, 3 + (uint32_t)n, NULL), 0);
	for (int i = 0; i < 3; i++) {
		char c = (char)('a' + i);

		assert_int_equal(bpe_vocab_add(&f->v, &c, 1, (uint32_t)i, NULL), 0);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(bpe_vocab_add(&f->v, extra[i], strlen(extra[i]), 3 + (uint32_t)i, NULL), 0);
	for (int b = 0; b < 256; b++)
		f->byte_id[b] = b >= 'a' && b <= 'c' ? (uint32_t)(b - 'a') : 0;
}

static uint32_t rank_bytes(const void *ctx, const uint8_t *piece, size_t a,
			   size_t b, size_t c, uint32_t l, uint32_t r, uint32_t *m)
{
	(void)b;
	(void)l;
	(void)r;
	*m = bpe_vocab_find(ctx, piece + a, c - a);
	return *m;
}

static size_t merge(struct fixture *f, const char *s, uint32_t **ids)
{
	struct bpe_work w = {0};
	size_t n = 0, cap = 0;

	*ids = NULL;
	assert_int_equal(bpe_merge(&w, (const uint8_t *)s, strlen(s), f->byte_id,
				   rank_bytes, &f->v, ids, &n, &cap, NULL), 0);
	bpe_work_free(&w);
	return n;
}

static void lowest_rank_first(void **state)
{
	static const char *const extra[] = {"bc", "ab", "abc"}; /* 3 4 5 */
	struct fixture f;
	uint32_t *ids;

	(void)state;
	build(&f, extra, 2);
	/* bc (3) merges before ab (4), leaving a + bc. */
	assert_int_equal(merge(&f, "abc", &ids), 2);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 3);
	free(ids);
	bpe_vocab_free(&f.v);
	/* With abc a token, a + bc merges on. */
	build(&f, extra, 3);
	assert_int_equal(merge(&f, "abcab", &ids), 2);
	assert_int_equal(ids[0], 5);
	assert_int_equal(ids[1], 4);
	free(ids);
	assert_int_equal(bpe_vocab_find(&f.v, "abc", 3), 5);
	assert_int_equal(bpe_vocab_find(&f.v, "abcd", 4), BPE_NONE);
	assert_int_equal(bpe_vocab_add(&f.v, "ab", 2, 6, NULL), 1);
	bpe_vocab_free(&f.v);
}

static void leftmost_on_ties(void **state)
{
	static const char *const extra[] = {"aa"};
	struct fixture f;
	uint32_t *ids;

	(void)state;
	build(&f, extra, 1);
	assert_int_equal(merge(&f, "aaa", &ids), 2);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 0);
	free(ids);
	bpe_vocab_free(&f.v);
}

/* A megabyte of one letter is one piece: it must merge fully and fast. */
static void long_run(void **state)
{
	static const char *const extra[] = {"aa", "aaaa", "aaaaaaaa"};
	size_t n = 1 << 20;
	char *s = malloc(n + 1);
	struct fixture f;
	uint32_t *ids;

	(void)state;
	memset(s, 'a', n);
	s[n] = '\0';
	build(&f, extra, 3);
	assert_int_equal(merge(&f, s, &ids), n / 8);
	assert_int_equal(ids[0], 5);
	assert_int_equal(ids[n / 8 - 1], 5);
	free(ids);
	free(s);
	bpe_vocab_free(&f.v);
}

static void pairs(void **state)
{
	struct bpe_pairs p = {0};
	uint32_t m = 0;

	(void)state;
	assert_int_equal(bpe_pairs_init(&p, 4, NULL), 0);
	assert_int_equal(bpe_pairs_add(&p, 1, 2, 0, 10), 0);
	assert_int_equal(bpe_pairs_add(&p, 2, 1, 1, 11), 0);
	assert_int_equal(bpe_pairs_add(&p, 1, 2, 5, 12), 1);
	assert_int_equal(bpe_pairs_find(&p, 1, 2, &m), 0);
	assert_int_equal(m, 10);
	assert_int_equal(bpe_pairs_find(&p, 2, 1, &m), 1);
	assert_int_equal(m, 11);
	assert_int_equal(bpe_pairs_find(&p, 2, 2, &m), BPE_NONE);
	bpe_pairs_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lowest_rank_first),
		cmocka_unit_test(leftmost_on_ties),
		cmocka_unit_test(long_run),
		cmocka_unit_test(pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
