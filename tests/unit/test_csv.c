/*
 * lib/csv tests.
 *
 * Data-driven cases: tests/data/csv/NAME.csv is read as it is and
 * NAME.json says what the reader must make of it:
 *   "open_error": message csv_open_fp must fail with (no header), or
 *   "header": the column names, and
 *   "events": what successive csv_next calls give, in order: a record
 *     (an array of fields, or {"record": [...], "line": N, "truncated": B})
 *     or an error ({"error": message, "truncated": B, "sticky": B}).
 *     After the events csv_next must return 0, or, when the last error is
 *     sticky, fail again with the same message.
 *   "max_field": the cap set before the records are read.
 * Messages name the file by its base name.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include "check.h"

#include <jansson.h>

#include "csv.h"
#include "rng.h"

#define DATADIR "tests/data/csv"

static void check_record(struct csv_reader *r, json_t *fields,
			 const char *where)
{
	size_t i, len;
	json_t *v;

	if (csv_ncols(r) != json_array_size(fields))
		fail_msg("%s: %zu columns, expected %zu", where, csv_ncols(r),
			 json_array_size(fields));
	json_array_foreach(fields, i, v) {
		const char *got = csv_field(r, i, &len);
		const char *want = json_string_value(v);

		assert_non_null(got);
		if (len != json_string_length(v) || memcmp(got, want, len) != 0)
			fail_msg("%s: field %zu is \"%s\" (%zu bytes), expected \"%s\"",
				 where, i, got, len, want);
		assert_int_equal(got[len], '\0');
	}
	assert_null(csv_field(r, json_array_size(fields), NULL));
}

static void run_case(const char *name, size_t read_size)
{
	char path[512], where[600];
	json_error_t je;
	json_t *exp, *ev, *v;
	struct csv_reader *r;
	struct err e = {0};
	FILE *fp;
	size_t i;
	int rc, sticky = 0;

	snprintf(path, sizeof path, DATADIR "/%s.json", name);
	exp = json_load_file(path, 0, &je);
	if (!exp)
		fail_msg("%s:%d: %s", path, je.line, je.text);
	snprintf(path, sizeof path, DATADIR "/%s.csv", name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	snprintf(path, sizeof path, "%s.csv", name);
	rc = csv_open_fp_sized(fp, path, read_size, &r, &e);
	if ((v = json_object_get(exp, "open_error"))) {
		if (rc != ERR_DATA || strcmp(e.msg, json_string_value(v)) != 0)
			fail_msg("%s: open gave %d \"%s\", expected \"%s\"", name,
				 rc, e.msg, json_string_value(v));
		assert_null(r);
		fclose(fp);
		json_decref(exp);
		return;
	}
	if (rc)
		fail_msg("%s: open failed: %s", name, e.msg);
	if ((v = json_object_get(exp, "max_field")))
		csv_set_max_field(r, (size_t)json_integer_value(v));
	json_array_foreach(json_object_get(exp, "header"), i, v) {
		assert_string_equal(csv_colname(r, i), json_string_value(v));
		assert_int_equal(csv_col(r, json_string_value(v)), (int)i);
	}
	assert_int_equal(csv_ncols(r),
			 json_array_size(json_object_get(exp, "header")));
	json_array_foreach(json_object_get(exp, "events"), i, ev) {
		json_t *err = json_object_get(ev, "error");
		json_t *fields = json_is_array(ev) ? ev : json_object_get(ev, "record");

		snprintf(where, sizeof where, "%s (read size %zu) event %zu",
			 name, read_size, i);
		err_clear(&e);
		rc = csv_next(r, &e);
		if (err) {
			if (rc != -1 || e.code != ERR_DATA ||
			    strcmp(e.msg, json_string_value(err)) != 0)
				fail_msg("%s: got %d %d \"%s\", expected error \"%s\"",
					 where, rc, e.code, e.msg,
					 json_string_value(err));
			sticky = json_is_true(json_object_get(ev, "sticky"));
		} else {
			if (rc != 1)
				fail_msg("%s: got %d \"%s\", expected a record",
					 where, rc, e.msg);
			check_record(r, fields, where);
			if ((v = json_object_get(ev, "line")) &&
			    csv_line(r) != json_integer_value(v))
				fail_msg("%s: line %ld, expected %lld", where,
					 csv_line(r),
					 (long long)json_integer_value(v));
			sticky = 0;
		}
		if ((v = json_object_get(ev, "truncated")) &&
		    csv_truncated(r) != json_is_true(v))
			fail_msg("%s: truncated is %d", where, csv_truncated(r));
	}
	snprintf(where, sizeof where, "%s (read size %zu) after the events",
		 name, read_size);
	if (sticky) {
		char msg[ERR_MSG_MAX];

		memcpy(msg, e.msg, sizeof msg);
		assert_int_equal(csv_next(r, &e), -1);
		assert_string_equal(e.msg, msg);
	} else if ((rc = csv_next(r, &e)) != 0) {
		fail_msg("%s: got %d \"%s\", expected the end", where, rc,
			 rc < 0 ? e.msg : "");
	}
	csv_close(r);
	fclose(fp);
	json_decref(exp);
}

static void data_cases(void **state)
{
	static const size_t sizes[] = {CSV_READ_SIZE, 1, 2, 3, 5, 7};
	DIR *d = opendir(DATADIR);
	struct dirent *de;
	size_t k;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[256];

		if (len < 5 || len >= sizeof name ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		/* Tiny read sizes put a read boundary between every two
		 * bytes (a CRLF, a BOM, a doubled quote cut in two). */
		for (k = 0; k < sizeof sizes / sizeof *sizes; k++)
			run_case(name, sizes[k]);
		n++;
	}
	closedir(d);
	assert_true(n >= 20);
}

/* A fresh folder under $TMPDIR; removed by rmtmp. */
static char *mktmp(void)
{
	const char *base = getenv("TMPDIR");
	char *p = malloc(512);

	assert_non_null(p);
	snprintf(p, 512, "%s/test_csv.XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(p));
	return p;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void rmtmp(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[1024];

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
	free(dir);
}

/* A file size limit stands in for a full disk: writes past it fail
 * (EFBIG) instead of raising SIGXFSZ. */
static void fsize_limit(rlim_t max, struct rlimit *old)
{
	struct rlimit lim;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = *old;
	lim.rlim_cur = max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

static void fsize_unlimit(const struct rlimit *old)
{
	assert_int_equal(setrlimit(RLIMIT_FSIZE, old), 0);
	signal(SIGXFSZ, SIG_DFL);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *s = malloc(1 << 20);

	assert_non_null(fp);
	assert_non_null(s);
	*n = fread(s, 1, (1 << 20) - 1, fp);
	s[*n] = '\0';
	fclose(fp);
	return s;
}

static void header_lookup(void **state)
{
	struct csv_reader *r;
	struct err e;

	(void)state;
	assert_int_equal(csv_open(DATADIR "/quoted_header.csv", &r, &e), 0);
	assert_int_equal(csv_ncols(r), 2);
	assert_int_equal(csv_col(r, "a,b"), 0);
	assert_int_equal(csv_col(r, "c"), 1);
	assert_int_equal(csv_col(r, "a"), -1);
	assert_int_equal(csv_col(r, ""), -1);
	assert_null(csv_colname(r, 2));
	assert_string_equal(csv_name(r), DATADIR "/quoted_header.csv");
	assert_int_equal(csv_next(r, &e), 1);
	assert_int_equal(csv_line(r), 2);
	assert_int_equal(csv_next(r, &e), 0);
	csv_close(r);
}

static void open_errors(void **state)
{
	struct csv_reader *r;
	struct err e;

	(void)state;
	assert_int_equal(csv_open(DATADIR "/no-such-file.csv", &r, &e),
			 ERR_NOINPUT);
	assert_null(r);
	assert_non_null(strstr(e.msg, "no-such-file.csv: cannot open"));
	assert_int_equal(csv_open(DATADIR, &r, &e), ERR_NOINPUT);
	assert_non_null(strstr(e.msg, "is a folder"));
	assert_int_equal(csv_open(DATADIR "/empty.csv", &r, &e), ERR_DATA);
	assert_string_equal(e.msg, DATADIR "/empty.csv: empty file (no header)");
}

/* Random fields drawn from the bytes that matter to CSV. */
static void random_field(struct rng *g, char *out, size_t *len)
{
	static const char *const atoms[] = {
		"a", "Z", "0", " ", "\t", ",", "\"", "\r", "\n", "\r\n",
		"\"\"", "\xEF\xBB\xBF", "\xE4\xBD\xA0", "\xF0\x9F\x98\x80", "x y",
	};
	size_t n = rng_below(g, 8), i, k = 0;

	for (i = 0; i < n; i++) {
		const char *a = atoms[rng_below(g, sizeof atoms / sizeof *atoms)];

		memcpy(out + k, a, strlen(a));
		k += strlen(a);
	}
	out[k] = '\0';
	*len = k;
}

static void round_trip_mode(enum csv_mode mode)
{
	enum { ROWS = 2000, COLS = 4 };
	char *dir = mktmp(), path[600];
	static char want[ROWS][COLS][64];
	const char *row[COLS];
	struct csv_writer *w;
	struct csv_reader *r;
	struct rng g;
	struct err e;
	size_t i, j, len;

	snprintf(path, sizeof path, "%s/rt.csv", dir);
	rng_seed(&g, 20261123 + (uint64_t)mode);
	assert_int_equal(csv_writer_open(path, mode, &w, &e), 0);
	for (j = 0; j < COLS; j++) {
		random_field(&g, want[0][j], &len);
		if (j == 0 && len == 0)
			strcpy(want[0][j], "h");
		want[0][j][0] = (char)('A' + j); /* names must differ */
		row[j] = want[0][j];
	}
	assert_int_equal(csv_write_row(w, row, COLS, &e), 0);
	for (i = 1; i < ROWS; i++) {
		for (j = 0; j < COLS; j++) {
			random_field(&g, want[i][j], &len);
			assert_int_equal(csv_write_field(w, want[i][j], len, &e), 0);
		}
		assert_int_equal(csv_end_row(w, &e), 0);
	}
	assert_int_equal(csv_writer_close(w, 1, &e), 0);

	assert_int_equal(csv_open(path, &r, &e), 0);
	for (j = 0; j < COLS; j++)
		assert_string_equal(csv_colname(r, j), want[0][j]);
	for (i = 1; i < ROWS; i++) {
		if (csv_next(r, &e) != 1)
			fail_msg("row %zu: %s", i, e.msg);
		for (j = 0; j < COLS; j++)
			assert_string_equal(csv_field(r, j, NULL), want[i][j]);
	}
	assert_int_equal(csv_next(r, &e), 0);
	assert_int_equal(csv_truncated(r), 0);
	csv_close(r);
	rmtmp(dir);
}

static void round_trip(void **state)
{
	(void)state;
	round_trip_mode(CSV_ATOMIC);
	round_trip_mode(CSV_DIRECT);
}

static void one_column_rows(void **state)
{
	enum { N = 5 };
	static const char *const fields[N] = {"prompt", "", "x", "", " "};
	char *dir = mktmp(), path[600];
	struct csv_writer *w;
	struct csv_reader *r;
	struct err e;
	size_t i;

	(void)state;
	snprintf(path, sizeof path, "%s/one.csv", dir);
	assert_int_equal(csv_writer_open(path, CSV_ATOMIC, &w, &e), 0);
	for (i = 0; i < N; i++)
		assert_int_equal(csv_write_row(w, &fields[i], 1, &e), 0);
	assert_int_equal(csv_writer_close(w, 1, &e), 0);
	assert_int_equal(csv_open(path, &r, &e), 0);
	for (i = 1; i < N; i++) {
		assert_int_equal(csv_next(r, &e), 1);
		assert_string_equal(csv_field(r, 0, NULL), fields[i]);
	}
	assert_int_equal(csv_next(r, &e), 0);
	csv_close(r);
	rmtmp(dir);
}

/* Fields are quoted only when they must be: simple rows stay awk-able. */
static void writer_quotes_only_when_needed(void **state)
{
	static const char *const row1[] = {
		"plain", "two words", "a,b", "say \"hi\"", " lead", "trail\t",
		"", NULL, "l1\nl2", "cr\r", "\xE4\xBD\xA0\xE5\xA5\xBD",
	};
	static const char *const row2[] = {"\xEF\xBB\xBFx", "\xEF\xBB\xBFy"};
	char *dir = mktmp(), path[600], *got;
	struct csv_writer *w;
	struct err e;
	size_t n;

	(void)state;
	snprintf(path, sizeof path, "%s/q.csv", dir);
	assert_int_equal(csv_writer_open(path, CSV_ATOMIC, &w, &e), 0);
	assert_int_equal(csv_write_row(w, row2, 2, &e), 0);
	assert_int_equal(csv_write_row(w, row1, 11, &e), 0);
	assert_int_equal(csv_write_field(w, "a\0b", 3, &e), ERR_DATA);
	assert_non_null(strstr(e.msg, "NUL byte in field 1"));
	assert_int_equal(csv_writer_close(w, 1, &e), 0);
	got = slurp(path, &n);
	assert_string_equal(got,
			    "\"\xEF\xBB\xBFx\",\xEF\xBB\xBFy\n"
			    "plain,two words,\"a,b\",\"say \"\"hi\"\"\",\" lead\","
			    "\"trail\t\",,,\"l1\nl2\",\"cr\r\",\xE4\xBD\xA0\xE5\xA5\xBD\n");
	free(got);
	rmtmp(dir);
}

static void atomic_abort_leaves_nothing(void **state)
{
	static const char *const row[] = {"a", "b"};
	char *dir = mktmp(), path[600];
	struct csv_writer *w;
	struct err e;
	struct stat st;

	(void)state;
	snprintf(path, sizeof path, "%s/out.csv", dir);
	assert_int_equal(csv_writer_open(path, CSV_ATOMIC, &w, &e), 0);
	assert_int_equal(csv_write_row(w, row, 2, &e), 0);
	assert_int_equal(count_entries(dir), 1); /* the temporary file */
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(csv_writer_close(w, 0, &e), 0);
	assert_int_equal(count_entries(dir), 0);

	/* A row begun and not ended is not committed. */
	assert_int_equal(csv_writer_open(path, CSV_ATOMIC, &w, &e), 0);
	assert_int_equal(csv_write_field(w, "a", 1, &e), 0);
	assert_int_equal(csv_writer_close(w, 1, &e), ERR_SOFTWARE);
	assert_int_equal(count_entries(dir), 0);
	rmtmp(dir);
}

static void atomic_commit_renames(void **state)
{
	static const char *const row[] = {"a", "b"};
	char *dir = mktmp(), path[600], *got;
	struct csv_writer *w;
	struct err e;
	struct stat st;
	mode_t mask;
	size_t n;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof path, "%s/out.csv", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("old\n", fp);
	fclose(fp);
	assert_int_equal(csv_writer_open(path, CSV_ATOMIC, &w, &e), 0);
	assert_int_equal(csv_write_row(w, row, 2, &e), 0);
	got = slurp(path, &n);
	assert_string_equal(got, "old\n"); /* untouched until commit */
	free(got);
	assert_int_equal(csv_writer_close(w, 1, &e), 0);
	got = slurp(path, &n);
	assert_string_equal(got, "a,b\n");
	free(got);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(stat(path, &st), 0);
	mask = umask(0);
	umask(mask);
	assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
	rmtmp(dir);
}

static void direct_rows_visible_before_close(void **state)
{
	static const char *const r1[] = {"id", "text"};
	static const char *const r2[] = {"1", "x,y"};
	char *dir = mktmp(), path[600], *got;
	struct csv_writer *w;
	struct err e;
	size_t n;

	(void)state;
	snprintf(path, sizeof path, "%s/direct.csv", dir);
	assert_int_equal(csv_writer_open(path, CSV_DIRECT, &w, &e), 0);
	assert_int_equal(csv_write_row(w, r1, 2, &e), 0);
	got = slurp(path, &n);
	assert_string_equal(got, "id,text\n");
	free(got);
	assert_int_equal(csv_write_row(w, r2, 2, &e), 0);
	got = slurp(path, &n);
	assert_string_equal(got, "id,text\n1,\"x,y\"\n");
	free(got);
	/* Abort cannot take back rows already on disk. */
	assert_int_equal(csv_writer_close(w, 0, &e), 0);
	got = slurp(path, &n);
	assert_string_equal(got, "id,text\n1,\"x,y\"\n");
	free(got);
	rmtmp(dir);
}

static void writer_open_errors(void **state)
{
	struct csv_writer *w;
	struct err e;

	(void)state;
	assert_int_equal(csv_writer_open("no-such-dir/x.csv", CSV_ATOMIC, &w, &e),
			 ERR_NOINPUT);
	assert_null(w);
	assert_non_null(strstr(e.msg, "no-such-dir/x.csv"));
	assert_int_equal(csv_writer_open("no-such-dir/x.csv", CSV_DIRECT, &w, &e),
			 ERR_NOINPUT);
}

/* A full disk, simulated with a file size limit: the error surfaces as
 * ERR_IO at the latest on commit, and nothing is left behind. */
static void writer_full_disk(void **state)
{
	char *dir = mktmp(), path[600], big[4096];
	struct rlimit old;
	struct csv_writer *w;
	struct err e;
	int i, rc = 0;

	(void)state;
	memset(big, 'x', sizeof big);
	snprintf(path, sizeof path, "%s/full.csv", dir);
	fsize_limit(10000, &old);
	assert_int_equal(csv_writer_open(path, CSV_ATOMIC, &w, &e), 0);
	for (i = 0; i < 10 && !rc; i++) {
		rc = csv_write_field(w, big, sizeof big, &e);
		if (!rc)
			rc = csv_end_row(w, &e);
	}
	if (!rc)
		rc = csv_writer_close(w, 1, &e);
	else
		csv_writer_close(w, 0, NULL);
	fsize_unlimit(&old);
	assert_int_equal(rc, ERR_IO);
	assert_non_null(strstr(e.msg, "full.csv: write failed"));
	assert_int_equal(count_entries(dir), 0);
	rmtmp(dir);
}

/* A flushing writer stopped by a full disk midway through a row cuts the
 * file back to its last whole row, quoted fields counted right; a staged
 * one published keeps its rows under its name. */
static void flushing_writer_full_disk_keeps_whole_rows(void **state)
{
	static const char *const row[] = {"a \"quoted\", field", "", "plain"};
	char *dir = mktmp(), path[600], big[700];
	enum csv_mode modes[] = {CSV_DIRECT, CSV_STAGED};
	struct rlimit old;
	struct csv_writer *w;
	struct stat st;
	struct err e;
	int rc = 0, rows;

	(void)state;
	memset(big, 'y', sizeof big);
	for (size_t m = 0; m < 2; m++) {
		snprintf(path, sizeof path, "%s/r%zu.csv", dir, m);
		fsize_limit(4000, &old);
		assert_int_equal(csv_writer_open(path, modes[m], &w, &e), 0);
		rc = 0;
		for (rows = 0; rows < 100 && !rc; rows++) {
			rc = csv_write_row(w, row, 3, &e);
			if (!rc && rows == 0)
				rc = csv_writer_publish(w, &e);
			if (!rc)
				rc = csv_write_field(w, big, sizeof big, &e);
			if (!rc)
				rc = csv_end_row(w, &e);
		}
		csv_writer_close(w, 0, NULL);
		fsize_unlimit(&old);
		assert_int_equal(rc, ERR_IO);
		/* rows of 29 and 701 bytes, alternating: whole ones only */
		assert_int_equal(stat(path, &st), 0);
		assert_true(st.st_size > 0);
		assert_int_equal(st.st_size % (29 + 701) == 0 || st.st_size % (29 + 701) == 29, 1);
	}
	rmtmp(dir);
}

/* Fills the file limit to fail a write, then lifts it before the close:
 * what stdio still held of the failed row must not reach the file (it
 * would land past the cut, after a hole of NULs), and later rows are
 * refused. */
static void failed_write_leaves_no_tail(void **state)
{
	static const char *const row[] = {"a,b", "c"};
	char *dir = mktmp(), path[600], big[3000], *got;
	struct rlimit old;
	struct csv_writer *w;
	struct err e;
	size_t n;
	int rc = 0, rows;

	(void)state;
	memset(big, 'z', sizeof big);
	snprintf(path, sizeof path, "%s/t.csv", dir);
	fsize_limit(5000, &old);
	assert_int_equal(csv_writer_open(path, CSV_STAGED, &w, &e), 0);
	for (rows = 0; rows < 10 && !rc; rows++) {
		rc = csv_write_row(w, row, 2, &e);
		if (!rc && rows == 0)
			rc = csv_writer_publish(w, &e);
		if (!rc)
			rc = csv_write_field(w, big, sizeof big, &e);
		if (!rc)
			rc = csv_end_row(w, &e);
	}
	assert_int_equal(rc, ERR_IO);
	fsize_unlimit(&old);
	assert_int_equal(csv_write_row(w, row, 2, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "t.csv: write failed"));
	csv_writer_close(w, 0, NULL);
	got = slurp(path, &n);
	/* rows of 8 and 3,001 bytes: whole pairs, or one more short row */
	assert_true(n > 0 && (n % 3009 == 0 || n % 3009 == 8));
	assert_null(memchr(got, '\0', n));
	free(got);
	rmtmp(dir);
}

/* A writer closed without commit keeps its whole rows only: not a row
 * begun (DIRECT, published STAGED), nor a group not marked. */
static void abort_keeps_whole_rows_only(void **state)
{
	static const char *const row[] = {"x", "y"};
	enum csv_mode modes[] = {CSV_DIRECT, CSV_STAGED, CSV_STAGED};
	char *dir = mktmp(), path[600], *got;
	struct csv_writer *w;
	struct err e;
	size_t n;

	(void)state;
	for (int m = 0; m < 3; m++) {
		snprintf(path, sizeof path, "%s/a%d.csv", dir, m);
		assert_int_equal(csv_writer_open(path, modes[m], &w, &e), 0);
		if (m == 2)
			assert_int_equal(csv_writer_group(w, 1024, &e), 0);
		assert_int_equal(csv_write_row(w, row, 2, &e), 0);
		assert_int_equal(csv_writer_mark(w, &e), 0);
		assert_int_equal(csv_writer_publish(w, &e), 0);
		if (m == 2)
			assert_int_equal(csv_write_row(w, row, 2, &e), 0);
		assert_int_equal(csv_write_field(w, "half", 4, &e), 0);
		csv_writer_close(w, 0, NULL);
		got = slurp(path, &n);
		assert_string_equal(got, "x,y\n");
		free(got);
	}
	rmtmp(dir);
}

/* Rows in groups: each group leaves in one write at csv_writer_mark, and a
 * failed write cuts the file back to the last group's end, whatever
 * stdio had already written of the next one. */
static void grouped_writer_keeps_whole_groups(void **state)
{
	static const char *const row[] = {"1700000000000", "vllm:num_requests_running",
					  "model_name=\"m\",le=\"1.0\"", "3"};
	char *dir = mktmp(), path[600], *got;
	struct rlimit old;
	struct csv_writer *w;
	struct csv_reader *r;
	struct err e;
	size_t n, line, groups = 0;
	long rows = 0;
	int rc = 0;

	(void)state;
	snprintf(path, sizeof path, "%s/g.csv", dir);
	assert_int_equal(csv_writer_open(path, CSV_STAGED, &w, &e), 0);
	assert_int_equal(csv_writer_group(w, 256, &e), 0);
	/* only before the first row */
	assert_int_equal(csv_write_row(w, row, 4, &e), 0);
	assert_int_equal(csv_writer_group(w, 4096, &e), ERR_SOFTWARE);
	assert_int_equal(csv_writer_mark(w, &e), 0);
	assert_int_equal(csv_writer_publish(w, &e), 0);
	line = 0;
	got = slurp(path, &n);
	line = n;
	free(got);
	assert_true(line > 0);
	/* rows held until the mark */
	assert_int_equal(csv_write_row(w, row, 4, &e), 0);
	got = slurp(path, &n);
	assert_int_equal(n, line);
	free(got);
	assert_int_equal(csv_writer_mark(w, &e), 0);
	got = slurp(path, &n);
	assert_int_equal(n, 2 * line);
	free(got);
	/* groups of 7 rows (more than the buffer holds, so stdio writes
	 * part of a group before the mark) until the limit stops one */
	fsize_limit(2 * line + 7 * line * 3 + 7 * line / 2, &old);
	for (groups = 0; groups < 100 && !rc; groups++) {
		for (int i = 0; i < 7 && !rc; i++)
			rc = csv_write_row(w, row, 4, &e);
		if (!rc)
			rc = csv_writer_mark(w, &e);
	}
	fsize_unlimit(&old);
	assert_int_equal(rc, ERR_IO);
	assert_int_equal(groups, 4);
	assert_int_equal(csv_writer_mark(w, &e), ERR_IO);
	assert_int_equal(csv_writer_close(w, 1, &e), ERR_IO);
	got = slurp(path, &n);
	assert_int_equal(n, 2 * line + 3 * 7 * line);
	free(got);
	assert_int_equal(csv_open(path, &r, &e), 0);
	while ((rc = csv_next(r, &e)) == 1)
		rows++;
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 1 + 3 * 7);
	csv_close(r);
	rmtmp(dir);
}

/* "-" is stdout in both modes: run in a child whose stdout is a file. */
static void writer_to_stdout(void **state)
{
	static const char *const row[] = {"a b", "c,d"};
	char *dir = mktmp(), path[600], *got;
	enum csv_mode mode;
	size_t n;

	(void)state;
	snprintf(path, sizeof path, "%s/stdout.csv", dir);
	for (mode = CSV_ATOMIC; mode <= CSV_DIRECT; mode++) {
		pid_t pid = fork();
		int st;

		assert_true(pid >= 0);
		if (pid == 0) {
			struct csv_writer *w;
			struct err e;
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || dup2(fd, 1) < 0 ||
			    csv_writer_open("-", mode, &w, &e) ||
			    csv_write_row(w, row, 2, &e))
				_exit(100);
			_exit(csv_writer_close(w, 1, &e));
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
		got = slurp(path, &n);
		assert_string_equal(got, "a b,\"c,d\"\n");
		free(got);
	}
	rmtmp(dir);
}

static long vm_hwm_kb(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	assert_non_null(fp);
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/* Peak memory while reading a ~50 MB file must not grow with the file.
 * Writing "5" to clear_refs resets the peak, so earlier tests do not
 * hide what this one uses. */
static void streams_large_file(void **state)
{
	enum { ROWS = 100000 };
	char *dir = mktmp(), path[600], text[512];
	struct csv_writer *w;
	struct csv_reader *r;
	struct err e;
	long before, after, rows = 0;
	size_t i, len;
	int rc;
	FILE *fp;
	struct stat st;

	(void)state;
	snprintf(path, sizeof path, "%s/big.csv", dir);
	assert_int_equal(csv_writer_open(path, CSV_ATOMIC, &w, &e), 0);
	assert_int_equal(csv_write_field(w, "id", 2, &e), 0);
	assert_int_equal(csv_write_field(w, "prompt", 6, &e), 0);
	assert_int_equal(csv_end_row(w, &e), 0);
	memset(text, 'w', sizeof text);
	memcpy(text + 100, "\"quoted\",\nnew line", 18);
	for (i = 0; i < ROWS; i++) {
		char id[32];

		len = (size_t)snprintf(id, sizeof id, "%zu", i);
		assert_int_equal(csv_write_field(w, id, len, &e), 0);
		assert_int_equal(csv_write_field(w, text, sizeof text, &e), 0);
		assert_int_equal(csv_end_row(w, &e), 0);
	}
	assert_int_equal(csv_writer_close(w, 1, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 50 * 1000 * 1000);

	fp = fopen("/proc/self/clear_refs", "w");
	if (fp) {
		fputs("5", fp);
		fclose(fp);
	}
	before = vm_hwm_kb();
	assert_int_equal(csv_open(path, &r, &e), 0);
	while ((rc = csv_next(r, &e)) == 1) {
		const char *f = csv_field(r, 1, &len);

		assert_int_equal(len, sizeof text);
		assert_int_equal(f[100], '"');
		if (strtol(csv_field(r, 0, NULL), NULL, 10) != rows)
			fail_msg("row %ld out of order", rows);
		rows++;
	}
	if (rc != 0)
		fail_msg("%s", e.msg);
	csv_close(r);
	after = vm_hwm_kb();
	assert_int_equal(rows, ROWS);
	if (after - before > 16 * 1024)
		fail_msg("peak memory grew by %ld kB reading a %lld-byte file",
			 after - before, (long long)st.st_size);
	rmtmp(dir);
}

/* A field far over the cap fails without holding the field: the reader
 * stops at the cap. */
static void long_field_stops_at_cap(void **state)
{
	char *dir = mktmp(), path[600], block[65536];
	struct csv_reader *r;
	struct err e;
	FILE *fp;
	int i;

	(void)state;
	snprintf(path, sizeof path, "%s/long.csv", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("a,b\n1,\"", fp);
	memset(block, 'y', sizeof block);
	for (i = 0; i < 64; i++) /* 4 MB */
		fwrite(block, 1, sizeof block, fp);
	fputs("\"\n", fp);
	fclose(fp);
	assert_int_equal(csv_open(path, &r, &e), 0);
	csv_set_max_field(r, 1 << 20);
	err_clear(&e);
	assert_int_equal(csv_next(r, &e), -1);
	assert_int_equal(e.code, ERR_DATA);
	assert_non_null(strstr(e.msg, "long.csv:2:1048580: field longer than 1048576 bytes"));
	csv_close(r);
	rmtmp(dir);
}

/* A writer on a borrowed stream quotes as the path writers do (a lone
 * empty field, edge spaces, commas) and leaves the stream open. */
static void writer_on_a_stream(void **state)
{
	char *mem = NULL;
	size_t memlen = 0;
	FILE *fp = open_memstream(&mem, &memlen);
	struct csv_writer *w;
	struct err e;
	const char *row1[] = {"a", " b", "c,d"};
	const char *row2[] = {""};

	(void)state;
	assert_non_null(fp);
	assert_int_equal(csv_writer_open_fp(fp, "mem", &w, &e), 0);
	assert_int_equal(csv_write_row(w, row1, 3, &e), 0);
	assert_int_equal(csv_write_row(w, row2, 1, &e), 0);
	assert_int_equal(csv_writer_close(w, 1, &e), 0);
	assert_int_equal(fputs("end\n", fp) >= 0, 1); /* still open */
	assert_int_equal(fclose(fp), 0);               /* the owner flushes */
	assert_string_equal(mem, "a,\" b\",\"c,d\"\n\"\"\nend\n");
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(streams_large_file),
		cmocka_unit_test(data_cases),
		cmocka_unit_test(header_lookup),
		cmocka_unit_test(open_errors),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(one_column_rows),
		cmocka_unit_test(writer_quotes_only_when_needed),
		cmocka_unit_test(atomic_abort_leaves_nothing),
		cmocka_unit_test(atomic_commit_renames),
		cmocka_unit_test(direct_rows_visible_before_close),
		cmocka_unit_test(writer_open_errors),
		cmocka_unit_test(writer_full_disk),
		cmocka_unit_test(flushing_writer_full_disk_keeps_whole_rows),
		cmocka_unit_test(failed_write_leaves_no_tail),
		cmocka_unit_test(abort_keeps_whole_rows_only),
		cmocka_unit_test(grouped_writer_keeps_whole_groups),
		cmocka_unit_test(writer_to_stdout),
		cmocka_unit_test(long_field_stops_at_cap),
		cmocka_unit_test(writer_on_a_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
