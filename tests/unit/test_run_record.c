#include "check.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../run/options.h"
#include "../../run/record.h"
#include "../../run/secrets.h"

static void classify(void **state)
{
	struct resp r = {0};
	char m[256];

	(void)state;
	resp_reset(&r, 0, 0);
	r.done = 1;
	/* An end marker alone is no answer. */
	assert_int_equal(rec_classify(CURLE_OK, NULL, 200, &r, 0, "", m, sizeof m), RC_BAD_STREAM);
	assert_non_null(strstr(m, "no output"));
	r.out_tokens = 0;
	assert_int_equal(rec_classify(CURLE_OK, NULL, 200, &r, 0, "", m, sizeof m), RC_BAD_STREAM);
	r.chunks = 1;
	assert_int_equal(rec_classify(CURLE_OK, NULL, 200, &r, 0, "", m, sizeof m), RC_OK);
	assert_string_equal(m, "");
	r.chunks = 0;
	r.out_tokens = 3; /* usage alone: the text was not streamed (--no-stream) */
	assert_int_equal(rec_classify(CURLE_OK, NULL, 200, &r, 0, "", m, sizeof m), RC_OK);
	assert_int_equal(rec_classify(CURLE_OK, NULL, 200, &r, 1, "", m, sizeof m), RC_CANCELLED);
	assert_int_equal(rec_classify(CURLE_WRITE_ERROR, NULL, 200, &r, 0, "an event is not a JSON object", m, sizeof m), RC_BAD_STREAM);
	assert_string_equal(m, "an event is not a JSON object");
	assert_int_equal(rec_classify(CURLE_OK, NULL, 429, &r, 0, "", m, sizeof m), RC_RATE_LIMITED);
	assert_int_equal(rec_classify(CURLE_OK, NULL, 404, &r, 0, "", m, sizeof m), RC_HTTP_4XX);
	assert_int_equal(rec_classify(CURLE_OK, NULL, 503, &r, 0, "", m, sizeof m), RC_HTTP_5XX);
	assert_int_equal(rec_classify(CURLE_OPERATION_TIMEDOUT, NULL, 200, &r, 0, "", m, sizeof m), RC_TIMEOUT);
	assert_int_equal(rec_classify(CURLE_COULDNT_CONNECT, NULL, 0, &r, 0, "", m, sizeof m), RC_CONNECT);
	assert_int_equal(rec_classify(CURLE_PARTIAL_FILE, NULL, 200, &r, 0, "", m, sizeof m), RC_DISCONNECT);
	assert_int_equal(rec_classify(CURLE_RECV_ERROR, NULL, 200, &r, 0, "", m, sizeof m), RC_DISCONNECT);
	/* libcurl's own detail of a TLS failure comes through, with the hint
	 * for a certificate it could not verify. */
	assert_int_equal(rec_classify(CURLE_PEER_FAILED_VERIFICATION,
				      "SSL certificate problem: self-signed certificate\n",
				      0, &r, 0, "", m, sizeof m), RC_CONNECT);
	assert_non_null(strstr(m, ": SSL certificate problem: self-signed certificate ("));
	assert_non_null(strstr(m, "--insecure"));
	assert_int_equal(rec_classify(CURLE_RECV_ERROR, "Connection reset by peer", 200, &r, 0, "", m, sizeof m), RC_DISCONNECT);
	assert_non_null(strstr(m, ": Connection reset by peer"));
	r.done = 0;
	assert_int_equal(rec_classify(CURLE_OK, NULL, 200, &r, 0, "", m, sizeof m), RC_DISCONNECT);
	snprintf(r.finish, sizeof r.finish, "stop");
	assert_int_equal(rec_classify(CURLE_OK, NULL, 200, &r, 0, "", m, sizeof m), RC_OK);
	r.finish[0] = '\0';
	r.err_class = RC_HTTP_5XX;
	snprintf(r.err, sizeof r.err, "overloaded");
	assert_int_equal(rec_classify(CURLE_OK, NULL, 200, &r, 0, "", m, sizeof m), RC_HTTP_5XX);
	assert_non_null(strstr(m, "overloaded"));
	assert_string_equal(rec_class_name(RC_DISCONNECT), "disconnect");
	resp_free(&r);
}

/* A results writer on a new temporary file, its name in path. */
static struct rec *open_tmp(char *path, const struct clk_anchor *a)
{
	struct rec *w;
	struct err e;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rec_open(path, NULL, NULL, a, &w, &e), 0);
	return w;
}

/* Line n (from 1) of path, as the writer left it on disk. */
static void read_line(const char *path, int n, char *line, int size)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	for (int i = 0; i < n; i++)
		assert_non_null(fgets(line, size, f));
	fclose(f);
}

/* The row's identity columns (run_id .. status), and r as its response. */
static void row_base(struct rec_row *x, struct resp *r)
{
	x->run_id = "R"; x->target = "default"; x->model = "m";
	x->api = "openai-chat"; x->group = "g,1"; x->row_id = "7";
	x->step_kind = "batch"; x->step = 4; x->schedule = "window";
	x->attempt = 1; x->status = RC_OK; x->http_status = 200;
	x->r = r;
	x->error = "";
}

/* One row goes to disk complete, before the writer is closed: a killed run
 * keeps it. Empty values stay empty. */
static void row_is_flushed(void **state)
{
	char path[] = "/tmp/llmrun-rec-XXXXXX", line[4096];
	struct clk_anchor a = {.mono_ns = 1000, .wall_ns = 5000};
	struct rec_row x = {0};
	struct resp r = {0};
	struct rec *w = open_tmp(path, &a);
	struct err e;

	(void)state;
	resp_reset(&r, 2000, 0);
	r.t_first_token = r.t_first_content = 3000000;
	r.t_last_token = 5000000;
	r.chunks = 2;
	r.first_merged = 1; /* the two chunks shared a stamp */
	r.server_prompt_tokens = 9; /* llama.cpp prompt_n; decode count unknown */
	row_base(&x, &r);
	x.t_scheduled = 1000; x.t_handed = 1500; x.t_sent = 2000; x.t_end = 6002000;
	x.connect_ns = 250000; x.conn_reused = 0; x.max_tokens = 3;
	x.in_tokens = -1; x.out_tokens = 3; x.out_source = "usage"; x.bytes = 99;
	assert_int_equal(rec_write(w, &x, &e), 0);
	read_line(path, 1, line, sizeof line);
	assert_non_null(strstr(line, "run_id,target,model,api,group,row_id"));
	read_line(path, 2, line, sizeof line);
	/* wall = mono + 4000; ttft 2.998 ms; e2e 6 ms; tpot (6 - 2.998) / 2;
	 * client lag 0.001 ms; connect 0.25 ms on a new connection; no
	 * conversation; ttft_merged 1; generation speed (3 - 1) / 3.002 ms =
	 * 666.223 tok/s, no prefill speed without an input count */
	assert_string_equal(line,
		"R,default,m,openai-chat,\"g,1\",7,batch,4,window,0,1,0,0,,ok,200,5000,6000,"
		"3004000,3004000,5004000,6006000,2.998,2.998,6.000,1.501,0.001,,,3,usage,,,2,99,,,"
		"5500,0.250,0,0,3,9,,,,,,1,,666.223,,\n");
	/* A conversation's turn: conversation_id, turn, context_tokens and
	 * cached_tokens after server_decode_tokens, before the speeds. */
	x.conv = "c1";
	x.turn = 2;
	x.context_tokens = 120;
	r.cached_tokens = 64;
	assert_int_equal(rec_write(w, &x, &e), 0);
	read_line(path, 3, line, sizeof line);
	assert_non_null(strstr(line, ",3,9,,c1,2,120,64,1,,666.223,,\n"));
	assert_int_equal(rec_close(w, 1, &e), 0);
	unlink(path);
	resp_free(&r);
}

/* Numbers are formatted without printf: durations round to the
 * microsecond with halves away from zero (where "%.3f" of a double would
 * go by the half's binary neighbour: 2.9985 ms prints 2.998 there), a
 * negative one keeps its sign and a tiny one none, and stamps and spans
 * of a day and more keep every digit. */
static void numbers_by_hand(void **state)
{
	char path[] = "/tmp/llmrun-rec-XXXXXX", line[4096];
	struct clk_anchor a = {.mono_ns = 0, .wall_ns = 1780000000123456789LL};
	struct rec_row x = {0};
	struct resp r = {0};
	struct rec *w = open_tmp(path, &a);
	struct err e;

	(void)state;
	resp_reset(&r, 2000, 0);
	r.t_first_token = r.t_first_content = 2000 + 2998500;
	r.chunks = 1234567890;
	row_base(&x, &r);
	x.t_scheduled = 3500; x.t_handed = 3000; x.t_sent = 2000;
	x.t_end = 2000 + 123456789012345LL;
	x.connect_ns = 499; x.conn_reused = 0; x.max_tokens = 4;
	x.in_tokens = 0; x.out_tokens = 4; x.bytes = 0;
	assert_int_equal(rec_write(w, &x, &e), 0);
	read_line(path, 2, line, sizeof line);
	/* t_scheduled .. t_end: wall = mono + the anchor; ttft 2.9985 ms up;
	 * e2e 123456789.012345 ms; tpot e2e less ttft over 3, 41152262.004615
	 * ms; client lag -0.0015 ms; in_tokens 0; chunks; connect 0.499 us */
	assert_non_null(strstr(line, ",1780000000123460289,1780000000123458789,"
		"1780000000126457289,1780000000126457289,,1780123456912471134,"
		"2.999,2.999,123456789.012,41152262.005,-0.002,0,"));
	assert_non_null(strstr(line, ",1234567890,0,,,1780000000123459789,0.000,0,0,4,"));
	x.t_scheduled = 2400; /* 0.0004 ms early: no "-0.000" */
	assert_int_equal(rec_write(w, &x, &e), 0);
	read_line(path, 3, line, sizeof line);
	assert_non_null(strstr(line, ",41152262.005,0.000,0,"));
	assert_int_equal(rec_close(w, 1, &e), 0);
	unlink(path);
	resp_free(&r);
}

static void options_and_redaction(void **state)
{
	char *argv[] = {"llmrun", "--url", "http://h:1", "-H", "Authorization: Bearer sk-x",
			"--header=X-Api-Key: k2", "-HX-Trace: 1", "--batch-sizes", "1..4",
			"--schedule", "waves", "c.csv", NULL};
	char *bad[] = {"llmrun", "--url", "u", "--schedule", "poisson", "c.csv", NULL};
	struct opts o;
	struct err e;
	json_t *a;
	char *s;

	(void)state;
	unsetenv("OPENAI_API_KEY");
	assert_int_equal(opts_parse(12, argv, &o, &e), 0);
	assert_int_equal(o.nbatches, 3);
	assert_int_equal(o.schedule, SCHED_WAVES);
	assert_null(o.api_key);
	a = secret_argv_redacted(&o);
	s = json_dumps(a, JSON_COMPACT);
	assert_null(strstr(s, "sk-x"));
	assert_null(strstr(s, "k2"));
	assert_non_null(strstr(s, "X-Trace: 1"));
	assert_non_null(strstr(s, "Authorization: [redacted]"));
	free(s);
	json_decref(a);
	opts_free(&o);
	assert_int_equal(opts_parse(6, bad, &o, &e), ERR_USAGE);
	opts_free(&o);
}

/* What getopt also takes, an abbreviated --header or -H among other
 * flags, and a vendor's key header are redacted too; a message that
 * repeats the key or a secret header's value shows neither. */
static void redaction_of_any_form(void **state)
{
	char *argv[] = {"llmrun", "--url", "http://h:1", "--hea", "Authorization: Bearer sk-abbrev",
			"-qHX-Goog-Api-Key: goog-key", "-H", "X-Trace: 1", "c.csv", NULL};
	char *crlf[] = {"llmrun", "--url", "http://h:1", "-H", "X-A: 1\r\nX-B: 2", "c.csv", NULL};
	char msg[64];
	struct opts o;
	struct err e;
	json_t *a;
	char *s;

	(void)state;
	setenv("OPENAI_API_KEY", "sk-env-key", 1);
	if (opts_parse(9, argv, &o, &e))
		fail_msg("%s", e.msg);
	a = secret_argv_redacted(&o);
	s = json_dumps(a, JSON_COMPACT);
	assert_null(strstr(s, "sk-abbrev"));
	assert_null(strstr(s, "goog-key"));
	assert_non_null(strstr(s, "X-Trace: 1"));
	free(s);
	json_decref(a);
	snprintf(msg, sizeof msg, "bad: sk-env-key, Bearer sk-abbrev; goog-key");
	secret_scrub(&o, msg, sizeof msg);
	assert_string_equal(msg, "bad: [redacted], Bearer [redacted]; [redacted]");
	/* Growing past the room cuts the end, never leaves the secret. */
	snprintf(msg, 20, "k: sk-env-key");
	secret_scrub(&o, msg, 20);
	assert_string_equal(msg, "k: [redacted]");
	snprintf(msg, 12, "sk-env-key");
	secret_scrub(&o, msg, 12);
	assert_null(strstr(msg, "sk-env"));
	opts_free(&o);
	setenv("OPENAI_API_KEY", "sk-a\r\nX-Injected: yes", 1);
	assert_int_equal(opts_parse(9, argv, &o, &e), ERR_USAGE);
	assert_non_null(strstr(e.msg, "line break"));
	opts_free(&o);
	unsetenv("OPENAI_API_KEY");
	assert_int_equal(opts_parse(6, crlf, &o, &e), ERR_USAGE);
	opts_free(&o);
}

/* URLs as shown in metadata, notes and errors: credentials hidden, the
 * rest (the query's other parameters, a fragment) as given. */
static void urls_shown(void **state)
{
	static const char *const cases[][2] = {
		{"http://h:1", "http://h:1"},
		{"http://u:p@h:1/v1?api-version=1&api-key=S&x=2#f",
		 "http://[redacted]@h:1/v1?api-version=1&api-key=[redacted]&x=2#f"},
		{"https://h/v1?sv=2020&SIG=abc%2F&sp=r", "https://h/v1?sv=2020&SIG=[redacted]&sp=r"},
		{"http://h/a@b?key", "http://h/a@b?key"},
		{"http://h/?&&access_token=x&Password=&y", "http://h/?&&access_token=[redacted]&Password=[redacted]&y"},
		{"http://h/#token=x", "http://h/#token=x"},
		{"http://a@b:c@h/", "http://[redacted]@h/"},
		{"ftp-ish", "ftp-ish"},
	};
	char *argv[] = {"llmrun", "--url=http://u:pw@h/v1?key=K1", "--url",
			"HTTP://x:y@h/v1?auth=K2", "--scrape", "http://h/metrics?token=K3", "-o", "r.csv", "c.csv", NULL};
	struct opts o;
	struct err e;
	json_t *a;
	char *s;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = secret_url_shown(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
	unsetenv("OPENAI_API_KEY");
	if (opts_parse(9, argv, &o, &e))
		fail_msg("%s", e.msg);
	a = secret_argv_redacted(&o);
	s = json_dumps(a, JSON_COMPACT);
	assert_string_equal(s, "[\"llmrun\",\"--url=http://[redacted]@h/v1?key=[redacted]\",\"--url\","
			       "\"HTTP://[redacted]@h/v1?auth=[redacted]\",\"--scrape\","
			       "\"http://h/metrics?token=[redacted]\",\"-o\",\"r.csv\",\"c.csv\"]");
	free(s);
	json_decref(a);
	opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify),
		cmocka_unit_test(row_is_flushed),
		cmocka_unit_test(numbers_by_hand),
		cmocka_unit_test(options_and_redaction),
		cmocka_unit_test(redaction_of_any_form),
		cmocka_unit_test(urls_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
