#include "check.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../run/options.h"
#include "../../run/record.h"

static void classify(void **state)
{
	struct resp r = {0};
	char m[256];

	(void)state;
	resp_reset(&r, 0, 0);
	r.done = 1;
	assert_int_equal(rec_classify(CURLE_OK, 200, &r, 0, "", m, sizeof m), RC_OK);
	assert_string_equal(m, "");
	assert_int_equal(rec_classify(CURLE_OK, 200, &r, 1, "", m, sizeof m), RC_CANCELLED);
	assert_int_equal(rec_classify(CURLE_WRITE_ERROR, 200, &r, 0, "an event is not a JSON object", m, sizeof m), RC_BAD_STREAM);
	assert_string_equal(m, "an event is not a JSON object");
	assert_int_equal(rec_classify(CURLE_OK, 429, &r, 0, "", m, sizeof m), RC_RATE_LIMITED);
	assert_int_equal(rec_classify(CURLE_OK, 404, &r, 0, "", m, sizeof m), RC_HTTP_4XX);
	assert_int_equal(rec_classify(CURLE_OK, 503, &r, 0, "", m, sizeof m), RC_HTTP_5XX);
	assert_int_equal(rec_classify(CURLE_OPERATION_TIMEDOUT, 200, &r, 0, "", m, sizeof m), RC_TIMEOUT);
	assert_int_equal(rec_classify(CURLE_COULDNT_CONNECT, 0, &r, 0, "", m, sizeof m), RC_CONNECT);
	assert_int_equal(rec_classify(CURLE_PARTIAL_FILE, 200, &r, 0, "", m, sizeof m), RC_DISCONNECT);
	assert_int_equal(rec_classify(CURLE_RECV_ERROR, 200, &r, 0, "", m, sizeof m), RC_DISCONNECT);
	r.done = 0;
	assert_int_equal(rec_classify(CURLE_OK, 200, &r, 0, "", m, sizeof m), RC_DISCONNECT);
	snprintf(r.finish, sizeof r.finish, "stop");
	assert_int_equal(rec_classify(CURLE_OK, 200, &r, 0, "", m, sizeof m), RC_OK);
	r.finish[0] = '\0';
	r.err_class = RC_HTTP_5XX;
	snprintf(r.err, sizeof r.err, "overloaded");
	assert_int_equal(rec_classify(CURLE_OK, 200, &r, 0, "", m, sizeof m), RC_HTTP_5XX);
	assert_non_null(strstr(m, "overloaded"));
	assert_string_equal(rec_class_name(RC_DISCONNECT), "disconnect");
	resp_free(&r);
}

/* One row goes to disk complete, before the writer is closed: a killed run
 * keeps it. Empty values stay empty. */
static void row_is_flushed(void **state)
{
	char path[] = "/tmp/llmrun-rec-XXXXXX", line[4096];
	struct clk_anchor a = {.mono_ns = 1000, .wall_ns = 5000};
	struct rec_row x = {0};
	struct resp r = {0};
	struct rec *w;
	struct err e;
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rec_open(path, &a, &w, &e), 0);
	resp_reset(&r, 2000, 0);
	r.t_first_token = r.t_first_content = 3000000;
	r.t_last_token = 5000000;
	r.chunks = 2;
	r.first_merged = 1; /* the two chunks shared a stamp */
	r.server_prompt_tokens = 9; /* llama.cpp prompt_n; decode count unknown */
	x.run_id = "R"; x.target = "default"; x.model = "m"; x.api = "openai-chat";
	x.group = "g,1"; x.row_id = "7"; x.step_kind = "batch"; x.step = 4;
	x.schedule = "window"; x.attempt = 1; x.status = RC_OK; x.http_status = 200;
	x.t_scheduled = 1000; x.t_handed = 1500; x.t_sent = 2000; x.t_end = 6002000;
	x.r = &r; x.connect_ns = 250000; x.conn_reused = 0; x.max_tokens = 3;
	x.in_tokens = -1; x.out_tokens = 3; x.out_source = "usage"; x.bytes = 99;
	x.error = "";
	assert_int_equal(rec_write(w, &x, &e), 0);
	f = fopen(path, "r");
	assert_non_null(fgets(line, sizeof line, f));
	assert_non_null(strstr(line, "run_id,target,model,api,group,row_id"));
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
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
	f = fopen(path, "r");
	for (int i = 0; i < 3; i++)
		assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_non_null(strstr(line, ",3,9,,c1,2,120,64,1,,666.223,,\n"));
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
	a = opts_argv_redacted(&o);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify),
		cmocka_unit_test(row_is_flushed),
		cmocka_unit_test(options_and_redaction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
