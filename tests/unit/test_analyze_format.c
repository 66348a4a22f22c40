#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "../../analyze/cols.h"
#include "../../analyze/format.h"
#include "../../analyze/group.h"
#include "../../analyze/report.h"

/* One group keyed "a,b" / "x|y" with one ok request: TTFT 20 ms, E2E 50
 * ms, 3 output tokens (an estimate when est); TPOT (50 - 20) / 2 = 15;
 * 3 tokens over 50 ms = 60 tok/s. */
static struct an_set *one_group_est(int est)
{
	static const char *const names[] = {"target", "step"};
	const char *keys[] = {"a,\"b\"", "x|y"};
	struct an_slo slo = {NAN, NAN, NAN};
	struct an_set *s = an_set_new(names, 2, &slo, 0);
	struct an_rec r = {0};
	struct err e;

	assert_non_null(s);
	r.run_id = "r";
	r.status = AN_OK;
	r.t_sent = 1000000000;
	r.t_first = r.t_sent + 20000000;
	r.t_last = r.t_sent + 45000000;
	r.t_end = r.t_sent + 50000000;
	r.ttft_ms = r.tpot_ms = r.e2e_ms = NAN;
	r.in_tok = 7;
	r.out_tok = 3;
	r.out_est = est;
	an_rec_complete(&r);
	assert_int_equal(an_set_add(s, keys, &r, &e), 0);
	return s;
}

static char *render_est(enum an_fmt fmt, const char *const *names, size_t n, int est)
{
	struct an_set *s = one_group_est(est);
	struct an_report r;
	struct err e;
	int cols[8];
	char *out = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&out, &len);

	for (i = 0; i < n; i++)
		cols[i] = an_col_find(names[i]);
	assert_int_equal(an_report_build(s, 0, -1, &r, &e), 0);
	assert_int_equal(an_format(fp, fmt, &r, cols, n, 0, &e), 0);
	fclose(fp);
	an_report_free(&r);
	an_set_free(s);
	return out;
}

static char *render(enum an_fmt fmt, const char *const *names, size_t n)
{
	return render_est(fmt, names, n, 0);
}

static const char *const picks[] = {"ok", "tpot_p50", "goodput_req_per_s"};

static void csv_quotes_and_empties(void **state)
{
	char *t = render(AN_FMT_CSV, picks, 3);

	(void)state;
	assert_string_equal(t, "target,step,ok,tpot_p50,goodput_req_per_s\n"
			       "\"a,\"\"b\"\"\",x|y,1,15.000,\n");
	free(t);
}

static void markdown_escapes_bars(void **state)
{
	char *t = render(AN_FMT_MD, picks, 3);

	(void)state;
	/* Units in the header; an em dash, not 0 or "-", for no value. */
	assert_string_equal(t, "| target | step | ok | tpot_p50 (ms) | goodput_req_per_s (req/s) |\n"
			       "|---|---|--:|--:|--:|\n"
			       "| a,\"b\" | x\\|y | 1 | 15.000 | \xe2\x80\x94 |\n");
	free(t);
}

static void json_types(void **state)
{
	char *t = render(AN_FMT_JSON, picks, 3);

	(void)state;
	assert_non_null(strstr(t, "\"target\": \"a,\\\"b\\\"\""));
	assert_non_null(strstr(t, "\"ok\": 1,"));
	assert_non_null(strstr(t, "\"tpot_p50\": 15.0"));
	assert_non_null(strstr(t, "\"goodput_req_per_s\": null"));
	free(t);
}

static void table_aligns(void **state)
{
	char *t = render(AN_FMT_TABLE, picks, 3);

	(void)state;
	assert_string_equal(t, "target  step  ok  tpot_p50 (ms)  goodput_req_per_s (req/s)\n"
			       "a,\"b\"   x|y    1         15.000                          -\n");
	free(t);
}

/* Figures resting on estimated token counts are marked on screen, not in
 * CSV (which has tokens_estimated for programs). */
static void estimates_marked(void **state)
{
	static const char *const c[] = {"ttft_p50", "tpot_p50", "out_tok_per_s"};
	char *t = render_est(AN_FMT_TABLE, c, 3, 1);

	(void)state;
	assert_non_null(strstr(t, " 20.000 "));
	assert_non_null(strstr(t, " 15.000* "));
	assert_non_null(strstr(t, "60.00*\n"));
	assert_non_null(strstr(t, "\n* rests partly on token counts estimated"));
	free(t);
	t = render_est(AN_FMT_MD, c, 3, 1);
	assert_non_null(strstr(t, "| 15.000* |"));
	assert_non_null(strstr(t, "* rests partly"));
	free(t);
	t = render_est(AN_FMT_CSV, c, 3, 1);
	assert_null(strchr(t, '*'));
	free(t);
	t = render_est(AN_FMT_TABLE, c, 3, 0);
	assert_null(strchr(t, '*'));
	free(t);
}

static void grid(void **state)
{
	static const char *const head[] = {"k", "v"};
	static const char *const cells[] = {"x", "1.5", "y", ""};
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	struct err e;

	(void)state;
	assert_int_equal(an_format_grid(fp, AN_FMT_JSON, head, 2, cells, 2, &e), 0);
	fclose(fp);
	assert_non_null(strstr(out, "\"v\": 1.5"));
	assert_non_null(strstr(out, "\"v\": null"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_quotes_and_empties),
		cmocka_unit_test(markdown_escapes_bars),
		cmocka_unit_test(json_types),
		cmocka_unit_test(table_aligns),
		cmocka_unit_test(estimates_marked),
		cmocka_unit_test(grid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
