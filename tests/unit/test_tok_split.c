#include "check.h"

#include <string.h>

#include "tok_split.h"

static void rewrite(const char *in, char *out, size_t cap)
{
	struct err e = {0};

	if (tok_split_rewrite(in, out, cap, &e))
		fail_msg("rewrite of %s: %s", in, e.msg);
}

static void rewrites_classes(void **state)
{
	char out[8192];
	struct err e = {0};

	(void)state;
	rewrite("\\p{L}+", out, sizeof out);
	assert_true(!strncmp(out, "[\\p{L}\\x{1C89}-\\x{1C8A}", 23));
	assert_true(strstr(out, "\\x{31350}-\\x{323AF}]+") != NULL);
	rewrite("[^\\r\\n\\p{N}]", out, sizeof out);
	assert_true(!strncmp(out, "[^\\r\\n\\p{N}\\x{10D40}-\\x{10D49}", 29));
	/* Lt gained nothing: left alone. */
	rewrite("\\p{Lt}", out, sizeof out);
	assert_string_equal(out, "\\p{Lt}");
	rewrite("\\s+(?!\\S)", out, sizeof out);
	assert_true(strstr(out, "180E") == NULL && strstr(out, "\\x{3000}]+(?![^") != NULL);
	rewrite("[]\\p{Zs}]", out, sizeof out);
	assert_string_equal(out, "[]\\p{Zs}]");
	assert_int_equal(tok_split_rewrite("[^\\S]", out, sizeof out, &e), ERR_DATA);
	assert_int_equal(tok_split_rewrite("\\p{L}", out, 8, &e), ERR_DATA);
}

/* Matches pattern in text from 0; returns the match length or -1. */
static long first_match(const char *pattern, const char *text)
{
	struct tok_split *s;
	struct err e = {0};
	size_t a, b;
	int rc;

	if (tok_split_new(pattern, &s, &e))
		fail_msg("%s: %s", pattern, e.msg);
	rc = tok_split_next(s, text, strlen(text), 0, &a, &b, &e);
	tok_split_free(s);
	return rc == 1 && a == 0 ? (long)(b - a) : -1;
}

static void unicode_16_and_white_space(void **state)
{
	(void)state;
	/* U+1C89 CYRILLIC CAPITAL LETTER TJE (Unicode 16) is a letter. */
	assert_int_equal(first_match("\\p{L}+", "a\xe1\xb2\x89" "b"), 5);
	assert_int_equal(first_match("[^\\s\\p{L}]+", "\xe1\xb2\x89"), -1);
	/* U+180E MONGOLIAN VOWEL SEPARATOR is not White_Space. */
	assert_int_equal(first_match("\\s+", "\xe1\xa0\x8e"), -1);
	assert_int_equal(first_match("\\S+", "\xe1\xa0\x8e "), 3);
	assert_int_equal(first_match("\\s+", "\xc2\xa0\xe3\x80\x80\t"), 6);
	assert_int_equal(tok_split_new("[a-", &(struct tok_split *){0}, &(struct err){0}), ERR_DATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rewrites_classes),
		cmocka_unit_test(unicode_16_and_white_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
