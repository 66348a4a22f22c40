#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "../../sim/text.h"
#include "buf.h"
#include "tok.h"

/* Output token counts are exact by construction only if every word is
 * one token alone and in any sequence: check both with the real files. */
static void words_are_single_tokens(const char *name)
{
	struct tok *t = NULL;
	struct err e = { 0 };
	struct buf b = BUF_INIT;
	struct rng r;
	size_t n;
	int i;

	if (tok_open(name, &t, &e))
		fail_msg("%s", e.msg);
	for (i = 0; i < text_nwords(); i++) {
		const char *w = text_word(i);

		assert_int_equal(tok_count(t, w, strlen(w), &n, &e), 0);
		if (n != 1)
			fail_msg("%s: '%s' is %zu tokens", name, w, n);
		assert_true(w[0] == ' ');
		assert_null(strpbrk(w, "\"\\\n"));
	}
	rng_seed(&r, 5);
	for (i = 0; i < 2000; i++)
		assert_int_equal(buf_adds(&b, text_next(&r), NULL), 0);
	assert_int_equal(tok_count(t, b.p, b.len, &n, &e), 0);
	assert_int_equal(n, 2000);
	buf_free(&b);
	tok_free(t);
}

static void cl100k(void **state)
{
	(void)state;
	words_are_single_tokens("cl100k_base");
}

static void o200k(void **state)
{
	(void)state;
	words_are_single_tokens("o200k_base");
}

static void same_seed_same_words(void **state)
{
	struct rng a, b;
	int i, differ = 0;

	(void)state;
	rng_seed(&a, text_hash("abc", 3));
	rng_seed(&b, text_hash("abc", 3));
	for (i = 0; i < 100; i++)
		assert_string_equal(text_next(&a), text_next(&b));
	rng_seed(&b, text_hash("abd", 3));
	rng_seed(&a, text_hash("abc", 3));
	for (i = 0; i < 100; i++)
		differ += strcmp(text_next(&a), text_next(&b)) != 0;
	assert_true(differ > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cl100k),
		cmocka_unit_test(o200k),
		cmocka_unit_test(same_seed_same_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
