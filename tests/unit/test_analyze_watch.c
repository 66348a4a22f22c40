#include "check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../analyze/watch.h"

static void put(const char *path, const char *mode, const char *text)
{
	FILE *fp = fopen(path, mode);

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_watch_XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[384];

	(void)state;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	return rmdir(dir);
}

/* Appending a row, as llmrun does, changes the fingerprint; so does a
 * file appearing. Nothing changed, nothing changes. */
static void fingerprint_follows_growth(void **state)
{
	char a[128], b[128];
	const char *paths[2] = {a, b};
	uint64_t f0, f1, f2;

	(void)state;
	snprintf(a, sizeof a, "%s/a.csv", dir);
	snprintf(b, sizeof b, "%s/b.csv", dir);
	put(a, "w", "h\n");
	assert_string_equal(an_watch_missing(paths, 2), b);
	f0 = an_watch_fingerprint(paths, 2);
	put(b, "w", "h\n");
	assert_null(an_watch_missing(paths, 2));
	f1 = an_watch_fingerprint(paths, 2);
	assert_true(f0 != f1);
	assert_true(an_watch_fingerprint(paths, 2) == f1);
	put(a, "a", "1\n");
	f2 = an_watch_fingerprint(paths, 2);
	assert_true(f2 != f1);
}

/* The end is told by llmrun's end marker in FILE.meta.json. */
static void ended_by_meta(void **state)
{
	char a[128], am[160], b[128];
	const char *paths[2] = {a, b};

	(void)state;
	snprintf(a, sizeof a, "%s/r.csv", dir);
	snprintf(am, sizeof am, "%s/r.csv.meta.json", dir);
	snprintf(b, sizeof b, "%s/other.csv", dir);
	put(a, "w", "h\n");
	put(b, "w", "h\n");
	assert_int_equal(an_watch_ended(paths, 1), -1); /* no metadata */
	put(am, "w", "{\"tool\": \"llmrun\"}\n");
	assert_int_equal(an_watch_ended(paths, 1), 0);  /* running */
	assert_int_equal(an_watch_ended(paths, 2), 0);  /* one running wins */
	put(am, "w", "{\"tool\": \"llmrun\", \"end_wall_ns\": 1}\n");
	assert_int_equal(an_watch_ended(paths, 1), 1);
	assert_int_equal(an_watch_ended(paths, 2), -1); /* the other has none */
}

static void sleep_cut_short(void **state)
{
	volatile sig_atomic_t stop = 1;

	(void)state;
	/* Set already: returns at once rather than in an hour. */
	an_watch_sleep(3600, &stop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fingerprint_follows_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(ended_by_meta, setup, teardown),
		cmocka_unit_test(sleep_cut_short),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
