#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../analyze/group.h"
#include "../../analyze/metrics.h"
#include "../../analyze/vllm.h"

/* Three requests at max_concurrency 4 over a 2 s run: two ok (TTFT 20
 * ms then gaps of 5 and 6 ms, 3 tokens; TTFT 30 ms, 1 token) and one
 * failed. */
static const char three[] =
	"{\"date\": \"20250208-120000\", \"backend\": \"openai-chat\", \"model_id\": \"m\","
	" \"max_concurrency\": 4, \"request_rate\": \"inf\", \"burstiness\": 1.0,"
	" \"duration\": 2.0, \"ttfts\": [0.02, 0.03, 0.5],"
	" \"itls\": [[0.005, 0.006], [], []], \"input_lens\": [10, 11, 12],"
	" \"output_lens\": [3, 1, 0], \"errors\": [\"\", \"\", \"boom\"],"
	" \"mean_ttft_ms\": 25.0}";

/* Writes text to a temporary file; returns its path (caller frees and
 * unlinks). */
static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/test_analyze_vllm-XXXXXX");
	int fd;
	FILE *fp;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* an_vllm_open of a file of one result: that result in *f (NULL when
 * it fails). */
static int open1(const char *path, struct an_vllm_file **f, struct err *e)
{
	struct an_vllm_file **all;
	size_t n;
	int rc = an_vllm_open(path, &all, &n, e);

	*f = NULL;
	if (!rc) {
		assert_int_equal(n, 1);
		*f = all[0];
		free(all);
	}
	return rc;
}

static struct an_vllm_file *open_text(const char *text, char **path)
{
	struct an_vllm_file *f = NULL;
	struct err e;

	*path = write_tmp(text);
	assert_int_equal(open1(*path, &f, &e), 0);
	return f;
}

static void done(struct an_vllm_file *f, char *path)
{
	an_vllm_free(f);
	unlink(path);
	free(path);
}

static void rows(void **state)
{
	char *path;
	struct an_vllm_file *f = open_text(three, &path);
	struct tm tm = {.tm_year = 125, .tm_mon = 1, .tm_mday = 8, .tm_hour = 12};
	int64_t end = (int64_t)timegm(&tm) * 1000000000;
	struct an_rec r;
	struct err e;

	(void)state;
	assert_int_equal(an_vllm_nrows(f), 3);
	assert_int_equal(an_vllm_row(f, 0, &r, &e), 0);
	assert_int_equal(r.status, AN_OK);
	assert_string_equal(r.run_id, "vllm-20250208-120000");
	assert_string_equal(r.row_id, "0");
	assert_string_equal(r.chunk_log, "20000.000000 25000.000000 31000.000000");
	assert_near(r.ttft_ms, 20, 1e-9);
	assert_near(r.e2e_ms, 31, 1e-9);
	assert_near(r.tpot_ms, 5.5, 1e-9);
	assert_int_equal(r.e2e_approx, 1);
	assert_int_equal(r.in_tok, 10);
	assert_int_equal(r.out_tok, 3);
	assert_true(r.t_sent == AN_NO_TIME && r.t_end == AN_NO_TIME && r.t_first == AN_NO_TIME);
	assert_true(isnan(r.lag_ms));
	assert_int_equal(r.max_tok, -1);
	/* The run's span ends at its date (vLLM stamps it on saving). */
	assert_true(r.run_to == end);
	assert_true(r.run_from == end - 2000000000);

	assert_int_equal(an_vllm_row(f, 1, &r, &e), 0);
	assert_string_equal(r.chunk_log, "30000.000000");
	assert_true(isnan(r.tpot_ms)); /* one token: no TPOT */
	assert_near(r.e2e_ms, 30, 1e-9);

	assert_int_equal(an_vllm_row(f, 2, &r, &e), 0);
	assert_int_equal(r.status, AN_OTHER);
	assert_null(r.chunk_log);
	assert_true(isnan(r.ttft_ms) && isnan(r.e2e_ms));
	assert_int_equal(r.in_tok, 12);
	assert_int_equal(r.out_tok, -1);
	done(f, path);
}

static void keys(void **state)
{
	char *path;
	struct an_vllm_file *f = open_text(three, &path);

	(void)state;
	assert_string_equal(an_vllm_key(f, "source", 0), "vllm");
	assert_string_equal(an_vllm_key(f, "target", 0), "openai-chat");
	assert_string_equal(an_vllm_key(f, "model", 0), "m");
	assert_string_equal(an_vllm_key(f, "step_kind", 0), "batch");
	assert_string_equal(an_vllm_key(f, "step", 0), "4");
	assert_string_equal(an_vllm_key(f, "schedule", 0), "window");
	assert_string_equal(an_vllm_key(f, "row_id", 2), "2");
	assert_string_equal(an_vllm_key(f, "status", 2), "other");
	assert_null(an_vllm_key(f, "group", 0));
	done(f, path);

	f = open_text("{\"backend\": \"openai\", \"base_url\": \"http://h:8000\", \"request_rate\": 2.5,"
		      " \"burstiness\": 0.5, \"max_concurrency\": null, \"ttfts\": [], \"itls\": [],"
		      " \"input_lens\": [], \"output_lens\": []}", &path);
	assert_string_equal(an_vllm_key(f, "target", 0), "http://h:8000");
	assert_string_equal(an_vllm_key(f, "api", 0), "openai");
	assert_string_equal(an_vllm_key(f, "step_kind", 0), "rate");
	assert_string_equal(an_vllm_key(f, "step", 0), "2.5");
	assert_string_equal(an_vllm_key(f, "schedule", 0), "gamma");
	done(f, path);

	f = open_text("{\"request_rate\": \"inf\", \"max_concurrency\": null, \"mean_ttft_ms\": 3}", &path);
	assert_int_equal(an_vllm_nrows(f), 0); /* summaries alone */
	assert_string_equal(an_vllm_key(f, "step", 0), "inf");
	assert_null(an_vllm_key(f, "schedule", 0));
	done(f, path);
}

static void refused(void **state)
{
	static const char *const bad[] = {
		"{\"results\": []}",                       /* not vLLM's keys */
		"[1, 2]",
		"{\"ttfts\": [0.1]}",                      /* no itls */
		"{\"ttfts\": [0.1], \"itls\": [], \"input_lens\": [1], \"output_lens\": [1]}",
	};
	struct an_vllm_file *f;
	struct err e;
	char *path;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		path = write_tmp(bad[i]);
		f = (struct an_vllm_file *)1;
		assert_int_equal(open1(path, &f, &e), ERR_DATA);
		assert_null(f);
		unlink(path);
		free(path);
	}
	/* A bad entry is found when its row is read. */
	path = write_tmp("{\"ttfts\": [\"x\"], \"itls\": [[]], \"input_lens\": [1], \"output_lens\": [1]}");
	assert_int_equal(open1(path, &f, &e), 0);
	{
		struct an_rec r;

		assert_int_equal(an_vllm_row(f, 0, &r, &e), ERR_DATA);
		assert_non_null(strstr(e.msg, "request 0"));
	}
	done(f, path);
}

/* The rows in a group: the run's span is the duration, pooled ITL the
 * gaps, the approximation noted. */
/* vllm bench serve --append-result: one result a line, each a run of
 * its own named PATH:LINE; a bad one names its own line. */
static void appended(void **state)
{
	static const char one[] = "{\"date\": \"20261123-08000%d\", \"ttfts\": [0.1], \"itls\": [[0.01]], "
				  "\"input_lens\": [3], \"output_lens\": [2]}\n";
	struct an_vllm_file **all;
	struct err e;
	char text[1024], name[4200], *path;
	size_t n, i;

	(void)state;
	snprintf(text, sizeof text, one, 1);
	snprintf(text + strlen(text), sizeof text - strlen(text), one, 2);
	path = write_tmp(text);
	assert_int_equal(an_vllm_open(path, &all, &n, &e), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s:%zu", path, i + 1);
		assert_string_equal(an_vllm_name(all[i]), name);
		assert_int_equal(an_vllm_nrows(all[i]), 1);
		an_vllm_free(all[i]);
	}
	free(all);
	unlink(path);
	free(path);
	snprintf(text, sizeof text, one, 1);
	strcat(text, "{\"ttfts\": [0.1],\n  oops}\n");
	path = write_tmp(text);
	assert_int_equal(an_vllm_open(path, &all, &n, &e), ERR_DATA);
	snprintf(name, sizeof name, "%s:3:", path);
	assert_non_null(strstr(e.msg, name));
	unlink(path);
	free(path);
}

static void as_group(void **state)
{
	static const char *const names[] = {"step"};
	struct an_slo slo = {NAN, NAN, NAN};
	struct an_set *s = an_set_new(names, 1, &slo, 1);
	struct an_metrics m;
	struct an_vllm_stats st;
	struct an_rec r;
	struct err e;
	char *path, note[512];
	struct an_vllm_file *f = open_text(three, &path);
	const char *k[1];
	size_t i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < an_vllm_nrows(f); i++) {
		assert_int_equal(an_vllm_row(f, i, &r, &e), 0);
		k[0] = an_vllm_key(f, "step", i);
		assert_int_equal(an_set_add(s, k, &r, &e), 0);
	}
	an_metrics_compute(s->groups[0], 0, &m);
	assert_near(m.requests, 3, 0);
	assert_near(m.ok, 2, 0);
	assert_near(m.err[AN_OTHER], 1, 0);
	assert_near(m.duration_s, 2, 1e-9);
	assert_near(m.req_per_s, 1, 1e-9);
	assert_near(m.out_tok_per_s, 2, 1e-9);
	assert_near(m.ttft.mean, 25, 1e-9);
	assert_near(m.ttft.min, 20, 1e-9);
	assert_near(m.ttft.max, 30, 1e-9);
	assert_int_equal(m.itl.n, 2);
	assert_near(m.itl.mean, 5.5, 1e-6);
	assert_true(isnan(m.prefill_tok_per_s) && isnan(m.decode_tok_per_s));
	assert_int_equal(s->groups[0]->spans.len, 0); /* nothing for a timeline */
	assert_non_null(strstr(an_metrics_note(&m, note, sizeof note), "approximate for 2 requests"));
	an_set_free(s);

	assert_int_equal(an_vllm_stats(f, &st, &e), 0);
	assert_int_equal(st.completed, 2);
	assert_near(st.ttft.mean, 25, 1e-12);
	assert_near(st.itl.mean, 5.5, 1e-12);
	assert_int_equal(st.tpot.n, 1);
	an_vllm_stats_free(&st);
	done(f, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows),
		cmocka_unit_test(keys),
		cmocka_unit_test(refused),
		cmocka_unit_test(as_group),
		cmocka_unit_test(appended),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
