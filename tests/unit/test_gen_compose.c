#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../gen/compose.h"
#include "utf8.h"

/* Text with multi-byte sequences everywhere, so cuts land inside them. */
static const char *const bodies[] = {
	"The key-value cache grows with the length of the prompt, and for long "
	"contexts it can exceed the size of the model itself. ",
	"键值缓存会随着输入和输出长度增长，在长上下文场景下甚至可能超过模型本身的大小。",
	"Émigré café naïve — “quotes” and emoji 🚀🔥👩‍💻 mixed with 日本語のテキスト, "
	"numbers 1234567 and   runs of    spaces\n\n\tand tabs. ",
};

static struct tok *open_tok(const char *name)
{
	struct tok *t = NULL;
	struct err e = { 0 };

	if (tok_open(name, &t, &e))
		fail_msg("%s (LLMBENCH_TOKENIZERS=%s)", e.msg,
			 getenv("LLMBENCH_TOKENIZERS") ? getenv("LLMBENCH_TOKENIZERS") : "");
	return t;
}

static void make_body(struct buf *b, size_t reps)
{
	buf_reset(b);
	for (size_t i = 0; i < reps; i++)
		assert_int_equal(buf_adds(b, bodies[i % 3], NULL), 0);
}

/* Every target from small to large fits exactly, and an independent count
 * of the text agrees. */
static void fits_exact_targets(const char *tokname)
{
	static const size_t targets[] = { 1, 2, 3, 5, 8, 13, 31, 64, 100, 257, 512, 1000, 2048 };
	static const char *const tails[] = { "", "\n\nSummarize the text above in one sentence." };
	static const char *const prefixes[] = { "", "Ticket 00042.\n\n" };
	struct tok *t = open_tok(tokname);
	struct compose c;
	struct buf body = BUF_INIT;
	struct err e = { 0 };
	char *words[] = { "also", "note" };
	struct tpl_list filler = { words, 2 };

	compose_init(&c, t);
	make_body(&body, 120);
	for (size_t p = 0; p < 2; p++)
		for (size_t ti = 0; ti < 2; ti++)
			for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
				struct compose_result r;
				size_t n;

				assert_int_equal(compose_fit(&c, prefixes[p], strlen(prefixes[p]),
							     body.p, body.len, tails[ti],
							     strlen(tails[ti]), &filler, targets[i],
							     &r, &e), 0);
				assert_false(r.need_more);
				assert_true(utf8_valid(c.text.p, c.text.len, NULL));
				assert_int_equal(tok_count(t, c.text.p, c.text.len, &n, &e), 0);
				assert_int_equal(n, r.tokens);
				if (!r.exact) {
					/* Only a target below the fixed part may miss. */
					assert_non_null(r.why);
					if (!strstr(r.why, "minimum"))
						fail_msg("%s: target %zu got %zu (%s)", tokname,
							 targets[i], r.tokens, r.why);
					assert_true(r.tokens > targets[i]);
					continue;
				}
				assert_int_equal(n, targets[i]);
				/* The whole prefix and tail are kept. */
				assert_memory_equal(c.text.p, prefixes[p], strlen(prefixes[p]));
				assert_string_equal(c.text.p + c.text.len - strlen(tails[ti]), tails[ti]);
			}
	buf_free(&body);
	compose_free(&c);
	tok_free(t);
}

static void fits_cl100k(void **state)
{
	(void)state;
	fits_exact_targets("cl100k_base");
}

static void fits_qwen3(void **state)
{
	(void)state;
	fits_exact_targets("qwen3");
}

/* Every target in a range, on text full of multi-token characters. */
static void sweep(const char *tokname)
{
	struct tok *t = open_tok(tokname);
	struct compose c;
	struct buf body = BUF_INIT;
	struct err e = { 0 };
	char *words[] = { "also", "indeed", "note" };
	struct tpl_list filler = { words, 3 };
	const char *tail = "\n\nWhich section describes the biggest risk?";

	compose_init(&c, t);
	make_body(&body, 40);
	for (size_t target = 20; target <= 700; target++) {
		struct compose_result r;
		size_t n;

		assert_int_equal(compose_fit(&c, "", 0, body.p, body.len, tail, strlen(tail),
					     &filler, target, &r, &e), 0);
		assert_int_equal(tok_count(t, c.text.p, c.text.len, &n, &e), 0);
		if (!r.exact || n != target)
			fail_msg("%s: target %zu: got %zu (%s)", tokname, target, n, r.why);
	}
	buf_free(&body);
	compose_free(&c);
	tok_free(t);
}

static void sweeps_cl100k_and_llama3(void **state)
{
	(void)state;
	sweep("cl100k_base");
	sweep("llama3");
}

/* A body of paragraphs: ids assembled from cached paragraph encodings
 * still give exact texts, the cache is used, and a second fit of the same
 * body gives the same text. */
static void doc_fits_use_the_cache(void **state)
{
	struct tok *t = open_tok("cl100k_base");
	struct compose c;
	struct buf body = BUF_INIT, first = BUF_INIT;
	struct err e = { 0 };
	char *words[] = { "also", "note" };
	struct tpl_list filler = { words, 2 };
	const char *tail = "\n\nGive the document above a title.";

	(void)state;
	compose_init(&c, t);
	for (int i = 0; i < 30; i++) {
		assert_int_equal(buf_adds(&body, bodies[i % 3], NULL), 0);
		assert_int_equal(buf_adds(&body, "\n\n", NULL), 0);
	}
	for (size_t target = 16; target <= 900; target += 7) {
		struct compose_result r;
		size_t n;

		assert_int_equal(compose_fit_doc(&c, "Ref 7. ", 7, body.p, body.len, tail,
						 strlen(tail), &filler, target, &r, &e), 0);
		assert_int_equal(tok_count(t, c.text.p, c.text.len, &n, &e), 0);
		if (!r.exact || n != target)
			fail_msg("target %zu: got %zu (%s)", target, n, r.why);
		if (target == 506) {
			buf_reset(&first);
			assert_int_equal(buf_add(&first, c.text.p, c.text.len, NULL), 0);
		}
	}
	/* Three distinct paragraphs, the third holding a blank line itself. */
	assert_int_equal(c.cache.n, 4);
	{
		struct compose_result r;

		assert_int_equal(compose_fit_doc(&c, "Ref 7. ", 7, body.p, body.len, tail,
						 strlen(tail), &filler, 506, &r, &e), 0);
		assert_int_equal(c.text.len, first.len);
		assert_memory_equal(c.text.p, first.p, first.len);
	}
	buf_free(&first);
	buf_free(&body);
	compose_free(&c);
	tok_free(t);
}

static void reports_short_body_and_small_target(void **state)
{
	struct tok *t = open_tok("cl100k_base");
	struct compose c;
	struct compose_result r;
	struct err e = { 0 };
	const char *tail = "\n\nClassify the sentiment of the text above.";
	size_t fixed;

	(void)state;
	compose_init(&c, t);
	assert_int_equal(compose_fit(&c, "", 0, "short body", 10, "", 0, NULL, 500, &r, &e), 0);
	assert_true(r.need_more);
	assert_int_equal(tok_count(t, tail, strlen(tail), &fixed, &e), 0);
	assert_int_equal(compose_fit(&c, "", 0, bodies[0], strlen(bodies[0]), tail,
				     strlen(tail), NULL, fixed - 1, &r, &e), 0);
	assert_false(r.exact);
	assert_non_null(strstr(r.why, "minimum"));
	assert_int_equal(r.tokens, fixed);
	compose_free(&c);
	tok_free(t);
}

static void valid_prefix_backs_off_partial_sequences(void **state)
{
	const char *s = "a\xe4\xbd\xa0\xe5\xa5"; /* "a你" + 2 bytes of 好 */

	(void)state;
	assert_int_equal(compose_valid_prefix(s, 6), 4);
	assert_int_equal(compose_valid_prefix(s, 3), 1);
	assert_int_equal(compose_valid_prefix(s, 4), 4);
	assert_int_equal(compose_valid_prefix(s, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fits_cl100k),
		cmocka_unit_test(fits_qwen3),
		cmocka_unit_test(sweeps_cl100k_and_llama3),
		cmocka_unit_test(doc_fits_use_the_cache),
		cmocka_unit_test(reports_short_body_and_small_target),
		cmocka_unit_test(valid_prefix_backs_off_partial_sequences),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
