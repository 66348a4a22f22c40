/*
 * lib/prom tests.
 *
 * Data-driven cases: tests/data/prom/NAME.prom is parsed and each sample
 * printed as "TYPE NAME {LABELS} VALUE[ @TS]" (LABELS by prom_labels_str,
 * VALUE as %.17g); the lines must equal NAME.want. tests/data/prom/bad.list
 * holds texts that must fail: "INPUT<TAB>MESSAGE", INPUT with C escapes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

#include "buf.h"
#include "prom.h"
#include "slurp.h"

#define DATADIR "tests/data/prom"

static int print(void *user, const struct prom_sample *s, struct err *e)
{
	char l[4096];

	if (prom_labels_str(s, l, sizeof l) < 0)
		return err_set(e, ERR_DATA, "labels too long");
	buf_printf(user, NULL, "%s %s {%s} %.17g", prom_type_name(s->type), s->name,
		   l, s->value);
	if (s->has_ts)
		buf_printf(user, NULL, " @%lld", (long long)s->ts_ms);
	return buf_adds(user, "\n", NULL);
}

static void data_cases(void **state)
{
	DIR *d = opendir(DATADIR);
	struct dirent *de;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[512];
		size_t len = strlen(de->d_name);
		struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
		struct err e = {0};

		if (len < 6 || strcmp(de->d_name + len - 5, ".prom"))
			continue;
		snprintf(path, sizeof path, DATADIR "/%s", de->d_name);
		assert_int_equal(slurp_file(path, 0, &in, &e), 0);
		snprintf(path, sizeof path, DATADIR "/%.*s.want", (int)len - 5, de->d_name);
		assert_int_equal(slurp_file(path, 0, &want, &e), 0);
		if (prom_parse(in.p, in.len, print, &got, &e))
			fail_msg("%s: %s", de->d_name, e.msg);
		if (strcmp(got.p ? got.p : "", want.p))
			fail_msg("%s: got\n%s\nwanted\n%s", de->d_name, got.p, want.p);
		buf_free(&in);
		buf_free(&want);
		buf_free(&got);
		n++;
	}
	closedir(d);
	assert_true(n >= 3);
}

static int count(void *user, const struct prom_sample *s, struct err *e)
{
	(void)s;
	(void)e;
	(*(int *)user)++;
	return 0;
}

static void unescape(const char *s, char *out)
{
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*out++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : *s;
		} else {
			*out++ = *s;
		}
	}
	*out = 0;
}

static void bad_cases(void **state)
{
	FILE *f = fopen(DATADIR "/bad.list", "r");
	char line[1024], in[1024];
	int n = 0;

	(void)state;
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f)); /* the header */
	while (fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t');
		struct err e = {0};
		int k = 0;

		line[strcspn(line, "\n")] = 0;
		assert_non_null(tab);
		*tab = 0;
		unescape(line, in);
		if (prom_parse(in, strlen(in), count, &k, &e) != ERR_DATA)
			fail_msg("'%s' parsed", line);
		if (strcmp(e.msg, tab + 1))
			fail_msg("'%s': \"%s\", expected \"%s\"", line, e.msg, tab + 1);
		n++;
	}
	fclose(f);
	assert_true(n >= 20);
}

static int stop_at_two(void *user, const struct prom_sample *s, struct err *e)
{
	(void)s;
	if (++*(int *)user == 2)
		return err_set(e, ERR_IO, "stop");
	return 0;
}

/* The callback's error stops the parse; a NUL is an error; blank input
 * has no samples; labels that do not fit are -1. */
static void edges(void **state)
{
	char t[] = "a 1\nb 2\nc 3\n", z[] = "a 1\n\0b 2\n", blank[] = "\n\n  \n";
	char l[] = "x{name=\"a long value\"} 1\n";
	struct err e = {0};
	int k = 0;

	(void)state;
	assert_int_equal(prom_parse(t, strlen(t), stop_at_two, &k, &e), ERR_IO);
	assert_int_equal(k, 2);
	assert_int_equal(prom_parse(z, sizeof z - 1, count, &k, &e), ERR_DATA);
	k = 0;
	assert_int_equal(prom_parse(blank, strlen(blank), count, &k, &e), 0);
	assert_int_equal(k, 0);
	assert_int_equal(prom_parse(t, 0, count, &k, &e), 0);
	assert_int_equal(prom_parse(l, strlen(l), count, &k, &e), 0);
}

static int tiny(void *user, const struct prom_sample *s, struct err *e)
{
	char out[8];

	(void)e;
	*(long *)user = prom_labels_str(s, out, sizeof out);
	return 0;
}

static void labels_cap(void **state)
{
	char l[] = "x{a=\"1234\"} 1\n", m[] = "x{a=\"123\"} 1\n";
	struct err e = {0};
	long r = 0;

	(void)state;
	assert_int_equal(prom_parse(l, strlen(l), tiny, &r, &e), 0);
	assert_int_equal(r, -1); /* a="1234" and its NUL: 9 bytes */
	assert_int_equal(prom_parse(m, strlen(m), tiny, &r, &e), 0);
	assert_int_equal(r, 7); /* 8 bytes with the NUL: an exact fit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_cases),
		cmocka_unit_test(bad_cases),
		cmocka_unit_test(edges),
		cmocka_unit_test(labels_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
