#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../run/corpus.h"

/* A scratch file holding s; its path is in path (the caller unlinks). */
static void file(char *path, const char *s)
{
	int fd;

	strcpy(path, "/tmp/test_run_corpus.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

/* A file holding s is refused with ERR_DATA and a message holding msg. */
static void refused_n(const char *s, size_t n, const char *msg)
{
	char path[64];
	struct corpus c;
	struct err e;
	int fd;

	strcpy(path, "/tmp/test_run_corpus.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	close(fd);
	assert_int_equal(corpus_load_lines(path, 0, 1, &c, &e), ERR_DATA);
	unlink(path);
	assert_non_null(strstr(e.msg, msg));
	assert_int_equal(c.n, 0);
}
#define refused(lit, msg) refused_n(lit, sizeof lit - 1, msg)

static void prompts(void **state)
{
	const char *p[] = {"one", "two, three"};
	const char *bad[] = {"one", ""};
	struct corpus c;
	struct err e;

	(void)state;
	assert_int_equal(corpus_from_prompts(p, 2, &c, &e), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.rows[1].id, "2");
	assert_string_equal(c.rows[1].prompt, "two, three");
	assert_int_equal(c.rows[1].prompt_len, 10);
	assert_int_equal(c.rows[0].input_tokens, -1);
	assert_int_equal(c.rows[0].output_tokens, -1);
	assert_string_equal(c.rows[0].group, "");
	corpus_free(&c);
	assert_int_equal(corpus_from_prompts(bad, 2, &c, &e), ERR_USAGE);
	assert_non_null(strstr(e.msg, "--prompt 2: empty"));
	assert_int_equal(c.n, 0);
}

static void lines(void **state)
{
	char path[64];
	struct corpus c;
	struct err e;

	(void)state;
	file(path, "first\r\nsecond\nthird");
	assert_int_equal(corpus_load_lines(path, 0, 1, &c, &e), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.rows[0].prompt, "first");
	assert_string_equal(c.rows[2].prompt, "third");
	assert_string_equal(c.rows[2].id, "3");
	corpus_free(&c);
	/* Shard 1 of 2: lines 2 (index 1) only; ids stay line numbers. */
	assert_int_equal(corpus_load_lines(path, 1, 2, &c, &e), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.rows[0].id, "2");
	corpus_free(&c);
	unlink(path);

	refused("a\n\nb\n", ":2: empty line");
	refused("a\r\n\r\n", ":2: empty line");
	refused("", "no prompts");
	refused("ok\n\xff\xfe\n", ":2: invalid UTF-8");
	refused("ok\nx\0y\n", ":2: a NUL byte");
	assert_int_equal(corpus_load_lines("/nonexistent/p.txt", 0, 1, &c, &e), ERR_NOINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prompts),
		cmocka_unit_test(lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
