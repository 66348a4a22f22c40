#include "check.h"

#include <stdio.h>
#include <string.h>

#include "../../analyze/cols.h"
#include "../../analyze/group.h"
#include "../../analyze/metrics.h"
#include "../../analyze/report.h"

#define T0 1700000000000000000LL
#define MS 1000000LL

static struct an_rec rec(enum an_status st, int64_t sent, int64_t first,
			 int64_t last, int64_t end, long in, long out,
			 const char *log)
{
	struct an_rec r = {0};

	r.run_id = "r";
	r.status = st;
	r.t_sent = sent == AN_NO_TIME ? sent : T0 + sent * MS;
	r.t_first = first == AN_NO_TIME ? first : T0 + first * MS;
	r.t_last = last == AN_NO_TIME ? last : T0 + last * MS;
	r.t_end = end == AN_NO_TIME ? end : T0 + end * MS;
	r.ttft_ms = r.tpot_ms = r.e2e_ms = NAN;
	r.in_tok = in;
	r.out_tok = out;
	r.chunk_log = log;
	r.turn = r.ctx_tok = r.cached_tok = -1;
	an_rec_complete(&r);
	return r;
}

/*
 * The worked example of docs/metrics.md, one group (times in ms from T0):
 *   r1 ok      sent 0,  first 100, last 400, end 410, in 10, out 4,
 *              chunks at +100 +200 +300 +400 ms   gaps 100 100 100
 *   r2 ok      sent 10, first 150, last 350, end 360, in 20, out 4
 *              (estimated), chunks at +140 +200 +340 gaps 60 140
 *   r3 http_5xx sent 20, end 30
 *   r4 cancelled
 */
static void add_example(struct an_set *s, const char *key)
{
	const char *keys[] = {key};
	struct an_rec r[4];
	struct err e;
	int i;

	r[0] = rec(AN_OK, 0, 100, 400, 410, 10, 4, "100000:1 200000:1 300000:1 400000:1");
	r[1] = rec(AN_OK, 10, 150, 350, 360, 20, 4, "140000:1 200000:2 340000:1");
	r[1].out_est = 1;
	r[2] = rec(AN_HTTP_5XX, 20, AN_NO_TIME, AN_NO_TIME, 30, -1, -1, NULL);
	r[3] = rec(AN_CANCELLED, 25, AN_NO_TIME, AN_NO_TIME, AN_NO_TIME, -1, -1, NULL);
	for (i = 0; i < 4; i++)
		assert_int_equal(an_set_add(s, keys, &r[i], &e), 0);
}

static struct an_set *example_set(struct an_slo slo)
{
	const char *names[] = {"step"};
	struct an_set *s = an_set_new(names, 1, &slo, 0);

	assert_non_null(s);
	add_example(s, "2");
	return s;
}

static const struct an_slo no_slo = {NAN, NAN, NAN};

static void counts_and_spans(void **state)
{
	struct an_set *s = example_set(no_slo);
	struct an_metrics m;

	(void)state;
	assert_int_equal(s->ngroups, 1);
	an_metrics_compute(s->groups[0], 0, &m);
	/* lib/counts.h: the cancelled request counts, in neither ok nor failed */
	assert_near(m.requests, 4, 0);
	assert_near(m.ok, 2, 0);
	assert_near(m.failed, 1, 0);
	assert_near(m.cancelled, 1, 0);
	assert_near(m.err[AN_HTTP_5XX], 1, 0);
	assert_near(m.err[AN_TIMEOUT], 0, 0);
	assert_near(m.success_rate, 2.0 / 3, 1e-12);
	/* span: first send 0 to last end 410 ms */
	assert_near(m.duration_s, 0.410, 1e-12);
	assert_near(m.req_per_s, 2 / 0.410, 1e-9);
	assert_near(m.in_tok_per_s, 30 / 0.410, 1e-9);
	assert_near(m.out_tok_per_s, 8 / 0.410, 1e-9);
	assert_near(m.total_tok_per_s, 38 / 0.410, 1e-9);
	/* prefill: 30 tokens / (latest first token 150 - first send 0) */
	assert_near(m.prefill_tok_per_s, 200, 1e-9);
	/* decode: 8 tokens / (latest ok end 410 - earliest first token 100) */
	assert_near(m.decode_tok_per_s, 8 / 0.310, 1e-9);
	/* speeds: 3 / 0.310 and 3 / 0.210 tokens/s */
	assert_near(m.out_speed_mean, (3 / 0.310 + 3 / 0.210) / 2, 1e-9);
	assert_near(m.tokens_estimated, 1, 0);
	assert_true(isnan(m.goodput_req_per_s));
	an_set_free(s);
}

static void latency_stats(void **state)
{
	struct an_set *s = example_set(no_slo);
	struct an_metrics m;

	(void)state;
	an_metrics_compute(s->groups[0], 0, &m);
	/* TTFT 100, 140 */
	assert_int_equal(m.ttft.n, 2);
	assert_near(m.ttft.mean, 120, 1e-9);
	assert_near(m.ttft.std, 20, 1e-9);
	assert_near(m.ttft.p90, 136, 1e-9);
	assert_near(m.ttft.p99, 139.6, 1e-9);
	/* E2E 410, 350 */
	assert_near(m.e2e.mean, 380, 1e-9);
	assert_near(m.e2e.min, 350, 1e-9);
	/* TPOT (410 - 100) / 3, (350 - 140) / 3 */
	assert_near(m.tpot.max, 310.0 / 3, 1e-9);
	assert_near(m.tpot.min, 70, 1e-9);
	an_set_free(s);
}

/* vLLM pools every chunk gap; GenAI-Perf averages per request. */
static void itl_both_conventions(void **state)
{
	struct an_set *s = example_set(no_slo);
	struct an_metrics m;

	(void)state;
	an_metrics_compute(s->groups[0], 0, &m);
	/* pooled gaps 100 100 100 60 140 */
	assert_int_equal(m.itl.n, 5);
	assert_near(m.itl.mean, 100, 1e-4);
	assert_near(m.itl.std, sqrt(640.0), 1e-4);
	assert_near(m.itl.p50, 100, 1e-4);
	assert_near(m.itl.p90, 124, 1e-4); /* h = 3.6 */
	assert_near(m.itl.p99, 138.4, 1e-4);
	assert_near(m.itl.min, 60, 1e-4);
	/* per request: (400 - 100) / 3 = 100, (340 - 140) / 3 */
	assert_int_equal(m.itl_req.n, 2);
	assert_near(m.itl_req.mean, (100 + 200.0 / 3) / 2, 1e-9);
	assert_near(m.itl_req.max, 100, 1e-9);
	an_set_free(s);
}

static void goodput(void **state)
{
	struct an_slo ttft = {120, NAN, NAN}, tpot = {NAN, 80, NAN};
	struct an_slo both = {120, 80, NAN}, e2e = {NAN, NAN, 400};
	struct an_set *s;
	struct an_metrics m;

	(void)state;
	s = example_set(ttft); /* only r1 (100 ms) */
	an_metrics_compute(s->groups[0], 1, &m);
	assert_near(m.goodput_req_per_s, 1 / 0.410, 1e-9);
	an_set_free(s);
	s = example_set(tpot); /* only r2 (70 ms) */
	an_metrics_compute(s->groups[0], 1, &m);
	assert_near(m.goodput_req_per_s, 1 / 0.410, 1e-9);
	an_set_free(s);
	s = example_set(both);
	an_metrics_compute(s->groups[0], 1, &m);
	assert_near(m.goodput_req_per_s, 0, 0);
	an_set_free(s);
	s = example_set(e2e); /* r2 (350 ms) */
	an_metrics_compute(s->groups[0], 1, &m);
	assert_near(m.goodput_req_per_s, 1 / 0.410, 1e-9);
	an_set_free(s);
}

static void chunk_log_parsing(void **state)
{
	double f, l;
	size_t n;
	struct err e;

	(void)state;
	assert_int_equal(an_chunk_log("5 7:2  12", NULL, NULL, &f, &l, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_near(f, 5, 0);
	assert_near(l, 12, 0);
	assert_int_equal(an_chunk_log("", NULL, NULL, &f, &l, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(an_chunk_log("5 x", NULL, NULL, &f, &l, &n, &e), ERR_DATA);
	assert_int_equal(an_chunk_log("5:", NULL, NULL, &f, &l, &n, &e), ERR_DATA);
	assert_int_equal(an_chunk_log("5;3", NULL, NULL, &f, &l, &n, &e), ERR_DATA);
}

/* Groups sort numerically by step, and --rank orders by a column. */
static void ordering_and_rank(void **state)
{
	const char *names[] = {"step"};
	struct an_set *s = an_set_new(names, 1, &no_slo, 0);
	struct an_report r;
	struct err e;
	const char *keys[1];
	struct an_rec x;

	(void)state;
	keys[0] = "10";
	x = rec(AN_OK, 0, 50, 90, 100, 1, 2, NULL);
	assert_int_equal(an_set_add(s, keys, &x, &e), 0);
	keys[0] = "2";
	x = rec(AN_OK, 0, 20, 90, 100, 1, 2, NULL);
	assert_int_equal(an_set_add(s, keys, &x, &e), 0);
	keys[0] = "1";
	x = rec(AN_OK, 0, 30, 90, 100, 1, 2, NULL);
	assert_int_equal(an_set_add(s, keys, &x, &e), 0);
	assert_int_equal(an_report_build(s, 0, -1, &r, &e), 0);
	assert_string_equal(s->groups[r.order[0]]->key[0], "1");
	assert_string_equal(s->groups[r.order[1]]->key[0], "2");
	assert_string_equal(s->groups[r.order[2]]->key[0], "10");
	an_report_free(&r);
	/* ttft: lower first */
	assert_int_equal(an_report_build(s, 0, an_col_find("ttft_p50"), &r, &e), 0);
	assert_string_equal(s->groups[r.order[0]]->key[0], "2");
	assert_string_equal(s->groups[r.order[2]]->key[0], "10");
	an_report_free(&r);
	/* speed: higher first; 1 token / 50 ms = 20 tok/s (step 10), then
	 * 1 / 70 ms (step 1), then 1 / 80 ms (step 2) */
	assert_int_equal(an_report_build(s, 0, an_col_find("out_speed_mean"), &r, &e), 0);
	assert_string_equal(s->groups[r.order[0]]->key[0], "10");
	assert_string_equal(s->groups[r.order[1]]->key[0], "1");
	assert_string_equal(s->groups[r.order[2]]->key[0], "2");
	an_report_free(&r);
	an_set_free(s);
}

/* The order rows arrive in changes nothing: shards merged in any order. */
static void order_independent(void **state)
{
	const char *names[] = {"step"};
	struct an_set *a = an_set_new(names, 1, &no_slo, 0);
	struct an_set *b = an_set_new(names, 1, &no_slo, 0);
	struct an_rec r[3];
	struct an_metrics ma, mb;
	const char *keys[] = {"4"};
	struct err e;
	int i;

	(void)state;
	r[0] = rec(AN_OK, 0, 30, 70, 80, 5, 3, "30000 50000 70000");
	r[1] = rec(AN_OK, 5, 45, 95, 100, 7, 2, "40000 90000");
	r[2] = rec(AN_TIMEOUT, 6, AN_NO_TIME, AN_NO_TIME, 200, -1, -1, NULL);
	for (i = 0; i < 3; i++)
		assert_int_equal(an_set_add(a, keys, &r[i], &e), 0);
	for (i = 2; i >= 0; i--)
		assert_int_equal(an_set_add(b, keys, &r[i], &e), 0);
	an_metrics_compute(a->groups[0], 0, &ma);
	an_metrics_compute(b->groups[0], 0, &mb);
	for (i = 0; i < (int)an_ncols; i++) {
		double x = an_col_value(&an_cols[i], &ma), y = an_col_value(&an_cols[i], &mb);

		if (!(isnan(x) && isnan(y)))
			assert_near(x, y, 1e-12);
	}
	assert_near(ma.duration_s, 0.2, 1e-12);
	an_set_free(a);
	an_set_free(b);
}

/* Runs pooled in one group: the duration is the union of their own spans.
 * Run a [0, 100] and run b [50, 150] overlap (merged: 150 ms); run c
 * [1000, 1100] comes after a gap that counts for nothing: 250 ms in all. */
static void pooled_runs_union_of_spans(void **state)
{
	const char *names[] = {"step"}, *keys[] = {"8"};
	struct an_set *s = an_set_new(names, 1, &no_slo, 0);
	struct an_rec r[3];
	struct an_metrics m;
	struct err e;
	int i;

	(void)state;
	r[0] = rec(AN_OK, 0, 10, 90, 100, 10, 4, NULL);
	r[1] = rec(AN_OK, 50, 60, 140, 150, 10, 4, NULL);
	r[2] = rec(AN_OK, 1000, 1010, 1090, 1100, 10, 4, NULL);
	r[0].run_id = "a";
	r[1].run_id = "b";
	r[2].run_id = "c";
	for (i = 0; i < 3; i++)
		assert_int_equal(an_set_add(s, keys, &r[i], &e), 0);
	an_metrics_compute(s->groups[0], 0, &m);
	assert_near(m.runs, 3, 0);
	assert_near(m.duration_s, 0.250, 1e-12);
	assert_near(m.req_per_s, 3 / 0.250, 1e-9);
	/* first-to-last figures across a gap: none */
	assert_true(isnan(m.prefill_tok_per_s));
	assert_true(isnan(m.decode_tok_per_s));
	an_set_free(s);
}

/* Client lag from the rows (t_sent - t_scheduled) and the notes. */
static void lag_and_short_notes(void **state)
{
	const char *names[] = {"step"}, *keys[] = {"1"};
	struct an_set *s = an_set_new(names, 1, &no_slo, 0);
	struct an_rec r;
	struct an_metrics m;
	struct err e;
	char note[512];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		r = rec(AN_OK, i * 100, i * 100 + 10, i * 100 + 40, i * 100 + 50, 10, 45, NULL);
		r.lag_ms = i == 3 ? 5.0 : 0.1;
		r.max_tok = 100;
		assert_int_equal(an_set_add(s, keys, &r, &e), 0);
	}
	an_metrics_compute(s->groups[0], 0, &m);
	assert_near(m.lag.p50, 0.1, 1e-12);
	assert_near(m.lag.max, 5.0, 0);
	assert_near(m.lag.p99, 0.1 + 0.97 * 4.9, 1e-9); /* h = 2.97 */
	assert_near(m.out_of_max, 0.45, 1e-12);
	an_metrics_note(&m, note, sizeof note);
	assert_string_equal(note, "sends 4.9 ms late at p99 (client_lag_ms: llmrun fell behind, or requests queued "
				  "for a max_concurrency slot); throughput includes it but not TTFT or E2E; "
				  "ok requests got 45% of max_tokens on average: outputs ended early "
				  "(see llmrun --ignore-eos / --min-tokens)");
	an_set_free(s);
}

/* ttft_merged: counted over ok rows that know it, and noted. */
static void merged_first_tokens(void **state)
{
	const char *names[] = {"step"}, *keys[] = {"1"};
	struct an_set *s = an_set_new(names, 1, &no_slo, 0);
	struct an_rec r;
	struct an_metrics m;
	struct err e;
	char note[AN_NOTE_MAX];
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		r = rec(i == 4 ? AN_HTTP_5XX : AN_OK, i * 100, i * 100 + 10, i * 100 + 40,
			i * 100 + 50, 10, 4, NULL);
		r.ttft_merged = i == 0 ? -1 : i == 1 || i == 4; /* unknown, 1, 0, 0, failed */
		assert_int_equal(an_set_add(s, keys, &r, &e), 0);
	}
	an_metrics_compute(s->groups[0], 0, &m);
	assert_near(m.ttft_merged, 1, 0);
	assert_near(m.ttft_merge_known, 3, 0);
	assert_near(an_col_value(&an_cols[an_col_find("ttft_merged")], &m), 1, 0);
	an_metrics_note(&m, note, sizeof note);
	assert_string_equal(note, "1 of 3 first tokens came in one buffer with the next chunk (ttft_merged): "
				  "the client read late, or the server sent both at once; their TTFT may be late "
				  "by up to that gap");
	an_set_free(s);
}

/* A row as llmrun writes it for a llama.cpp reply: the server's timings
 * and counts beside usage. */
static struct an_rec with_server(struct an_rec r, long ptok, double pms, long dtok, double dms)
{
	r.srv_prompt_tok = ptok;
	r.srv_prompt_ms = pms;
	r.srv_decode_tok = dtok;
	r.srv_decode_ms = dms;
	return r;
}

/* Server speeds per ok request: prompt_n / prompt_ms (usage's count is no
 * stand-in: it counts the prompt cache's hits), predicted_n / predicted_ms
 * (usage's output count when the server gave none, never an estimate). */
static void server_speeds(void **state)
{
	const char *names[] = {"step"}, *keys[] = {"1"};
	struct an_set *s = an_set_new(names, 1, &no_slo, 0);
	struct an_rec r[5];
	struct an_metrics m;
	struct err e;
	char note[512];
	int i;

	(void)state;
	r[0] = with_server(rec(AN_OK, 0, 10, 90, 100, 100, 20, NULL), 100, 50, 20, 80);  /* 2000, 250 */
	r[1] = with_server(rec(AN_OK, 0, 10, 90, 100, 100, 20, NULL), 10, 5, 20, 40);    /* 2000 (cached), 500 */
	r[2] = with_server(rec(AN_OK, 0, 10, 90, 100, 100, 30, NULL), -1, 5, -1, 100);   /* -, 300 (usage) */
	r[3] = with_server(rec(AN_OK, 0, 10, 90, 100, 100, 30, NULL), 40, 10, -1, 100);  /* 4000, - (estimate) */
	r[3].out_est = 1;
	r[4] = with_server(rec(AN_OK, 0, 10, 90, 100, 100, 30, NULL), -1, NAN, -1, NAN); /* no timings */
	for (i = 0; i < 5; i++)
		assert_int_equal(an_set_add(s, keys, &r[i], &e), 0);
	an_metrics_compute(s->groups[0], 0, &m);
	assert_int_equal(m.srv_prefill.n, 3);
	assert_near(m.srv_prefill.min, 2000, 1e-9);
	assert_near(m.srv_prefill.p50, 2000, 1e-9);
	assert_near(m.srv_prefill.max, 4000, 1e-9);
	assert_near(m.srv_prefill.mean, 8000.0 / 3, 1e-9);
	assert_int_equal(m.srv_decode.n, 3);
	assert_near(m.srv_decode.min, 250, 1e-9);
	assert_near(m.srv_decode.p50, 300, 1e-9);
	assert_near(m.srv_decode.max, 500, 1e-9);
	/* The columns: tok/s, not marked as resting on estimates. */
	i = an_col_find("server_decode_tok_per_s_p50");
	assert_true(i >= 0);
	assert_string_equal(an_cols[i].unit, "tok/s");
	assert_false(an_col_uses_tokens(&an_cols[i]));
	assert_near(an_col_value(&an_cols[i], &m), 300, 1e-9);
	assert_true(an_col_find("server_prefill_tok_per_s_p99") >= 0);
	/* The row whose tokens were counted from events gets a note. */
	assert_near(m.tokens_estimated, 1, 0);
	an_metrics_note(&m, note, sizeof note);
	assert_string_equal(note, "1 ok requests had no usage from the server: their output tokens were "
				  "counted from stream events, an estimate (see tokens_estimated; "
				  "llmrun -t counts them exactly)");
	an_set_free(s);

	/* No row with timings (llmsim, vLLM): empty, never 0. */
	s = example_set(no_slo);
	an_metrics_compute(s->groups[0], 0, &m);
	assert_int_equal(m.srv_prefill.n, 0);
	assert_true(isnan(m.srv_prefill.p50));
	assert_true(isnan(m.srv_decode.mean));
	an_set_free(s);
}

/* Per-request speeds from the row's own fields (so files written before
 * the results had the columns give them too): input / TTFT and
 * (output - 1) / (E2E - TTFT), ok rows only; a row without the count or
 * the time gives none, never 0. */
static void request_speeds(void **state)
{
	const char *names[] = {"step"}, *keys[] = {"1"};
	struct an_set *s;
	struct an_rec r[3];
	struct an_metrics m;
	struct err e;
	int i;

	(void)state;
	s = example_set(no_slo);
	r[0] = rec(AN_OK, 0, 50, 60, 60, -1, 1, NULL);          /* no count, one token */
	r[1] = rec(AN_OK, 0, AN_NO_TIME, AN_NO_TIME, 70, 30, 5, NULL); /* no stream */
	r[2] = rec(AN_OK, 0, 0, 0, 0, 30, 1, NULL);             /* a zero TTFT */
	for (i = 0; i < 3; i++)
		assert_int_equal(an_set_add(s, (const char *[]){"2"}, &r[i], &e), 0);
	an_metrics_compute(s->groups[0], 0, &m);
	/* r1: 10 / 0.1 s, 3 / 0.31 s; r2: 20 / 0.14 s, 3 / 0.21 s */
	assert_int_equal(m.req_prefill.n, 2);
	assert_near(m.req_prefill.min, 100, 1e-9);
	assert_near(m.req_prefill.max, 20 / 0.14, 1e-9);
	assert_near(m.req_prefill.mean, (100 + 20 / 0.14) / 2, 1e-9);
	assert_int_equal(m.req_gen.n, 2);
	assert_near(m.req_gen.min, 3 / 0.31, 1e-9);
	assert_near(m.req_gen.max, 3 / 0.21, 1e-9);
	assert_near(m.req_gen.p50, (3 / 0.31 + 3 / 0.21) / 2, 1e-9);
	assert_near(m.req_gen.mean, m.out_speed_mean, 1e-9);
	i = an_col_find("req_gen_tok_per_s_p90");
	assert_true(i >= 0);
	assert_string_equal(an_cols[i].unit, "tok/s");
	assert_near(an_col_value(&an_cols[i], &m), m.req_gen.p90, 0);
	for (i = 0; i < 6; i++) {
		static const char *const sfx[] = {"mean", "p50", "p90", "p99", "min", "max"};
		char name[64];

		snprintf(name, sizeof name, "req_prefill_tok_per_s_%s", sfx[i]);
		assert_true(an_col_find(name) >= 0);
	}
	an_set_free(s);

	/* No row with a count: empty, never 0. */
	s = an_set_new(names, 1, &no_slo, 0);
	r[0] = rec(AN_OK, 0, 50, 60, 60, -1, 1, NULL);
	assert_int_equal(an_set_add(s, keys, &r[0], &e), 0);
	an_metrics_compute(s->groups[0], 0, &m);
	assert_int_equal(m.req_prefill.n, 0);
	assert_true(isnan(m.req_prefill.p50));
	assert_true(isnan(m.req_gen.mean));
	an_set_free(s);
}

/* A failed row carries the corpus's token count (no template tokens, not
 * the server's) and may carry timings: no token sum, throughput, share
 * of max_tokens or server speed may take them in. The failed rows sit
 * inside the ok row's span, so the duration is the same with or without
 * them and every figure below must come out as for the ok row alone. */
static void failed_rows_tokens_unused(void **state)
{
	const char *names[] = {"step"}, *keys[] = {"1"};
	struct an_set *s = an_set_new(names, 1, &no_slo, 0);
	struct an_rec r[3];
	struct an_metrics m;
	struct err e;
	int i;

	(void)state;
	r[0] = with_server(rec(AN_OK, 0, 100, 400, 500, 10, 4, NULL), 10, 20, 4, 40);
	r[0].max_tok = 4;
	r[1] = with_server(rec(AN_DISCONNECT, 10, AN_NO_TIME, AN_NO_TIME, 200, 100000, -1, NULL),
			   -1, NAN, -1, NAN);
	r[1].max_tok = 1000;
	/* a stream cut after the final event: counts and timings came */
	r[2] = with_server(rec(AN_BAD_STREAM, 20, 150, 300, 310, 50000, 70000, NULL), 50000, 1, 70000, 1);
	r[2].max_tok = 70000;
	for (i = 0; i < 3; i++)
		assert_int_equal(an_set_add(s, keys, &r[i], &e), 0);
	an_metrics_compute(s->groups[0], 0, &m);
	assert_near(m.ok, 1, 0);
	assert_near(m.failed, 2, 0);
	assert_near(m.duration_s, 0.5, 1e-12);
	assert_near(m.in_tok_per_s, 10 / 0.5, 1e-9);
	assert_near(m.out_tok_per_s, 4 / 0.5, 1e-9);
	assert_near(m.total_tok_per_s, 14 / 0.5, 1e-9);
	assert_near(m.prefill_tok_per_s, 10 / 0.1, 1e-9);
	assert_near(m.decode_tok_per_s, 4 / 0.4, 1e-9);
	assert_near(m.out_speed_mean, 3 / 0.4, 1e-9);
	assert_near(m.out_of_max, 1, 0);
	assert_int_equal(m.srv_prefill.n, 1);
	assert_near(m.srv_prefill.max, 500, 1e-9);
	assert_int_equal(m.srv_decode.n, 1);
	assert_near(m.srv_decode.max, 100, 1e-9);
	assert_int_equal(m.req_prefill.n, 1);
	assert_near(m.req_prefill.max, 10 / 0.1, 1e-9);
	assert_int_equal(m.req_gen.n, 1);
	assert_near(m.req_gen.max, 3 / 0.4, 1e-9);
	an_set_free(s);
}

/* The prefill span runs from the ok requests' own sends: a request that
 * failed before them, or the earlier attempt of a retried one, delivered
 * no input tokens (until 2026-12-07 either started the span, as in
 * duration_s, and lowered the figure). */
static void prefill_span_of_ok_requests(void **state)
{
	const char *names[] = {"step"}, *keys[] = {"1"};
	struct an_set *s = an_set_new(names, 1, &no_slo, 0);
	struct an_rec r[4];
	struct an_metrics m;
	struct err e;
	int i;

	(void)state;
	r[0] = rec(AN_HTTP_5XX, 0, AN_NO_TIME, AN_NO_TIME, 5, -1, -1, NULL);
	r[1] = rec(AN_OK, 50, 150, 400, 500, 10, 4, NULL);
	r[2] = rec(AN_OK, 100, 200, 400, 450, 30, 4, NULL);
	r[2].first_attempt = T0 + 20 * MS; /* its retried first attempt */
	/* an empty answer: no first token, so no prefill end; its send and
	 * its tokens stay out of the prefill figure alike */
	r[3] = rec(AN_OK, 10, AN_NO_TIME, AN_NO_TIME, 300, 1000, 0, NULL);
	for (i = 0; i < 4; i++)
		assert_int_equal(an_set_add(s, keys, &r[i], &e), 0);
	an_metrics_compute(s->groups[0], 0, &m);
	/* the step's span still starts with the failed request */
	assert_near(m.duration_s, 0.5, 1e-12);
	/* 40 tokens / (latest first token 200 - earliest ok send 50) */
	assert_near(m.prefill_tok_per_s, 40 / 0.150, 1e-9);
	assert_near(m.decode_tok_per_s, 8 / 0.350, 1e-9);
	an_set_free(s);
}

static struct an_rec with_context(struct an_rec r, long ctx, long cached)
{
	r.ctx_tok = ctx;
	r.cached_tok = cached;
	return r;
}

static void prompt_tokens(void **state)
{
	struct an_rec r = rec(AN_OK, 0, 10, 20, 30, 40, 2, NULL);

	(void)state;
	assert_int_equal(an_rec_prompt_tokens(&r), 40);      /* single turn: input_tokens */
	r.ctx_tok = 400;
	assert_int_equal(an_rec_prompt_tokens(&r), 400);     /* the whole request */
	r = rec(AN_HTTP_5XX, 0, AN_NO_TIME, AN_NO_TIME, 30, 40, -1, NULL);
	assert_int_equal(an_rec_prompt_tokens(&r), -1);      /* a corpus count */
	r.ctx_tok = 400;
	assert_int_equal(an_rec_prompt_tokens(&r), 400);
}

/*
 * Cache hit rate = sum(cached) / sum(prompt tokens) over ok rows that
 * report cached_tokens:
 *   ok  context 100, cached 0
 *   ok  context 300, cached 150
 *   ok  no context, input 200, cached 50  (single turn: input_tokens)
 *   ok  context 500, cached unknown       (counts neither way)
 *   5xx context 900, cached 900           (failed: not counted)
 * = (0 + 150 + 50) / (100 + 300 + 200) = 1/3, over 3 rows.
 */
static void cache_hit_rate(void **state)
{
	const char *names[] = {"turn"}, *keys[] = {"2"};
	struct an_set *s = an_set_new(names, 1, &no_slo, 1);
	const struct an_ctx_pt *pt;
	struct an_rec r[5];
	struct an_metrics m;
	struct err e;
	int i;

	(void)state;
	r[0] = with_context(rec(AN_OK, 0, 10, 20, 30, -1, 2, NULL), 100, 0);
	r[1] = with_context(rec(AN_OK, 0, 20, 30, 40, -1, 2, NULL), 300, 150);
	r[2] = with_context(rec(AN_OK, 0, 30, 40, 50, 200, 2, NULL), -1, 50);
	r[3] = with_context(rec(AN_OK, 0, 40, 50, 60, -1, 2, NULL), 500, -1);
	r[4] = with_context(rec(AN_HTTP_5XX, 0, AN_NO_TIME, AN_NO_TIME, 60, -1, -1, NULL), 900, 900);
	for (i = 0; i < 5; i++)
		assert_int_equal(an_set_add(s, keys, &r[i], &e), 0);
	an_metrics_compute(s->groups[0], 0, &m);
	assert_near(m.cache_hit_rate, 1.0 / 3.0, 1e-12);
	assert_near(m.cache_reported, 3, 0);
	/* context_tokens of ok rows only: 100, 300, 500 */
	assert_int_equal(m.ctx_tok.n, 3);
	assert_near(m.ctx_tok.mean, 300, 1e-12);
	assert_near(m.ctx_tok.max, 500, 0);
	/* The chart's points: ok rows with a TTFT and a prompt count. */
	pt = (const struct an_ctx_pt *)s->groups[0]->ctx_pts.p;
	assert_int_equal(s->groups[0]->ctx_pts.len / sizeof *pt, 4);
	assert_near(pt[1].ctx_tok, 300, 0);
	assert_near(pt[1].ttft_ms, 20, 1e-6);
	assert_int_equal(pt[0].hit, 0);
	assert_int_equal(pt[1].hit, 1);
	assert_int_equal(pt[2].hit, 1);
	assert_int_equal(pt[3].hit, 0); /* not reported */
	assert_int_equal(s->groups[0]->ctx_rows, 5);
	an_set_free(s);
}

static void cache_nothing_reported(void **state)
{
	const char *names[] = {"step"}, *keys[] = {"1"};
	struct an_set *s = an_set_new(names, 1, &no_slo, 0);
	struct an_rec r = rec(AN_OK, 0, 10, 20, 30, 100, 2, NULL);
	struct an_metrics m;
	struct err e;

	(void)state;
	assert_int_equal(an_set_add(s, keys, &r, &e), 0);
	an_metrics_compute(s->groups[0], 0, &m);
	assert_true(isnan(m.cache_hit_rate)); /* empty, never 0 */
	assert_near(m.cache_reported, 0, 0);
	assert_int_equal(m.ctx_tok.n, 0);
	assert_int_equal(s->groups[0]->ctx_pts.len, 0); /* no charts wanted */
	assert_int_equal(s->groups[0]->ctx_rows, 0);
	an_set_free(s);
}

/* turn is shown once a group has one; results without turns hide it. */
static void turn_hidden_when_empty(void **state)
{
	const char *names[] = {"step", "turn"}, *k1[] = {"1", ""}, *k2[] = {"2", ""},
		   *k3[] = {"2", "3"};
	struct an_set *s = an_set_new(names, 2, &no_slo, 0);
	struct an_rec r = rec(AN_OK, 0, 10, 20, 30, 100, 2, NULL);
	unsigned char hide[2];
	struct err e;

	(void)state;
	assert_int_equal(an_set_add(s, k1, &r, &e), 0);
	assert_int_equal(an_set_add(s, k2, &r, &e), 0);
	an_keys_hidden(s, hide);
	assert_int_equal(hide[0], 0);
	assert_int_equal(hide[1], 1);
	assert_int_equal(an_set_add(s, k3, &r, &e), 0);
	an_keys_hidden(s, hide);
	assert_int_equal(hide[1], 0);
	an_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_and_spans),
		cmocka_unit_test(latency_stats),
		cmocka_unit_test(itl_both_conventions),
		cmocka_unit_test(goodput),
		cmocka_unit_test(chunk_log_parsing),
		cmocka_unit_test(ordering_and_rank),
		cmocka_unit_test(order_independent),
		cmocka_unit_test(pooled_runs_union_of_spans),
		cmocka_unit_test(lag_and_short_notes),
		cmocka_unit_test(merged_first_tokens),
		cmocka_unit_test(server_speeds),
		cmocka_unit_test(failed_rows_tokens_unused),
		cmocka_unit_test(prefill_span_of_ok_requests),
		cmocka_unit_test(prompt_tokens),
		cmocka_unit_test(cache_hit_rate),
		cmocka_unit_test(cache_nothing_reported),
		cmocka_unit_test(turn_hidden_when_empty),
		cmocka_unit_test(request_speeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
