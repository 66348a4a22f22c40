/* NFC as Hugging Face tokenizers applies it (lib/tok_nfc.h): the ids of
 * Qwen3 for texts whose NFC differs between HF's Unicode 9 tables and
 * utf8proc's, from the official tokenizers (Rust, 0.23.2, added tokens
 * removed, no special tokens), and the normalized bytes themselves. */
#include <stdlib.h>
#include <string.h>
#include "check.h"

#include "tok.h"
#include "tok_nfc.h"

static const char *nfc(const char *s, struct buf *b)
{
	struct err e = {0};

	buf_reset(b);
	if (tok_nfc(s, strlen(s), b, &e))
		fail_msg("tok_nfc: %s", e.msg);
	return b->p ? b->p : "";
}

static void bytes(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	/* Unicode's NFC where Unicode 9 knew every code point. */
	assert_string_equal(nfc("e\xcc\x81", &b), "\xc3\xa9");                 /* e U+0301: é */
	assert_string_equal(nfc("a\xcc\x81\xcc\x96", &b), "\xc3\xa1\xcc\x96"); /* á then U+0316 */
	assert_string_equal(nfc("\xe1\x84\x80\xe1\x85\xa1", &b), "\xea\xb0\x80"); /* Hangul L V: 가 */
	assert_string_equal(nfc("plain ascii", &b), "plain ascii");
	/* A mark Unicode 10+ gave a class (U+1AC3, 220) is HF's class 0: it
	 * is not moved before U+1DEA (230), and it blocks U+0301 from
	 * composing with the a before it. */
	assert_string_equal(nfc("a\xe1\xb7\xaa\xe1\xab\x83", &b), "a\xe1\xb7\xaa\xe1\xab\x83");
	assert_string_equal(nfc("a\xe1\xab\x83\xcc\x81", &b), "a\xe1\xab\x83\xcc\x81");
	/* U+11935 U+11930 stays two (Unicode 13's U+11938 to utf8proc). */
	assert_string_equal(nfc("\xf0\x91\xa4\xb5\xf0\x91\xa4\xb0", &b), "\xf0\x91\xa4\xb5\xf0\x91\xa4\xb0");
	buf_free(&b);
}

/* A long run of marks in reverse order comes out in canonical order
 * (utf8proc_map swapped neighbours: quadratic). */
static void long_runs(void **state)
{
	enum { PAIRS = 50000 };
	struct buf b = BUF_INIT;
	char *s = malloc(1 + PAIRS * 4 + 1);
	size_t n = 0;

	(void)state;
	assert_non_null(s);
	s[n++] = 'a';
	for (int i = 0; i < PAIRS; i++) {
		memcpy(s + n, "\xcc\x81\xcc\x96", 4); /* U+0301 (230), U+0316 (220) */
		n += 4;
	}
	s[n] = '\0';
	nfc(s, &b);
	/* a U+0301 composes to á (the first 230 has no 220 before it that
	 * blocks: 220s come first after ordering, and a 220 does not block a
	 * 230); then 50,000 U+0316 and 49,999 U+0301. */
	assert_int_equal(b.len, 2 + (PAIRS * 2) + (PAIRS - 1) * 2);
	assert_memory_equal(b.p, "\xc3\xa1", 2);
	for (size_t i = 2; i < 2 + PAIRS * 2; i += 2)
		assert_memory_equal(b.p + i, "\xcc\x96", 2);
	for (size_t i = 2 + PAIRS * 2; i < b.len; i += 2)
		assert_memory_equal(b.p + i, "\xcc\x81", 2);
	free(s);
	buf_free(&b);
}

static void official_ids(void **state)
{
	static const struct {
		const char *text;
		uint32_t ids[12];
		size_t n;
	} v[] = {
		{ "a\xe1\xb7\xaa\xe1\xab\x83", { 64, 157, 115, 103, 157, 104, 225 }, 7 },
		{ "\xf0\x91\xa4\xb5\xf0\x91\xa4\xb0", { 128240, 97, 113, 128240, 97, 108 }, 6 },
		{ "\xd8\xa8\xe0\xa3\x93\xd9\x8e", { 21360, 156, 96, 241, 27910 }, 5 },
		{ "\xe0\xb0\x95\xe0\xb1\x8d\xe0\xb0\xbc", { 150430, 52798, 235, 31305, 120 }, 5 },
		{ "e\xcc\x81\xe1\xb7\xb6\xcc\x96", { 963, 157, 115, 114, 136, 244 }, 6 },
		{ "a\xf0\x9e\x93\xaf\xf0\x9e\x93\xae", { 64, 172, 252, 241, 107, 172, 252, 241, 106 }, 9 },
	};
	struct err e = {0};
	struct tok *t;

	(void)state;
	if (tok_open("qwen3", &t, &e))
		fail_msg("qwen3: %s", e.msg);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct tok_ids ids = {0};

		assert_int_equal(tok_encode(t, v[i].text, strlen(v[i].text), &ids, &e), 0);
		if (ids.n != v[i].n || memcmp(ids.v, v[i].ids, ids.n * sizeof *ids.v))
			fail_msg("case %zu: %zu ids, the first %u (want %zu, %u)", i, ids.n,
				 ids.n ? ids.v[0] : 0, v[i].n, v[i].ids[0]);
		tok_ids_free(&ids);
	}
	tok_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bytes),
		cmocka_unit_test(long_runs),
		cmocka_unit_test(official_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
