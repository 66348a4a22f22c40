#include "check.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include <math.h>
#include <string.h>

#include "../../run/api.h"

/* Feeds one event (JSON text) to a dialect at time now. */
static int feed(const struct api *a, struct resp *r, const char *js, int64_t now,
		int whole)
{
	static jsmntok_t tok[512];
	jsmn_parser p;
	struct jdoc d;
	struct err e;
	int n;

	jsmn_init(&p);
	n = jsmn_parse(&p, js, strlen(js), tok, 512);
	assert_true(n > 0);
	d.js = js;
	d.t = tok;
	d.n = n;
	if (api_error_object(r, &d))
		return 1;
	return whole ? a->whole(r, &d, now, &e) : a->event(r, &d, now, &e);
}

static void openai_chat_stream(void **state)
{
	const struct api *a = api_find("openai-chat");
	struct resp r = {0};

	(void)state;
	resp_reset(&r, 1000000, 1);
	feed(a, &r, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}", 2000000, 0);
	assert_int_equal(r.t_first_token, 0); /* the role-only chunk is not a token */
	assert_string_equal(r.response_id, "chatcmpl-1");
	feed(a, &r, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"reasoning_content\":\"think\"}}]}", 3000000, 0);
	assert_int_equal(r.t_first_token, 3000000);
	assert_int_equal(r.t_first_content, 0);
	assert_int_equal(r.first_merged, -1); /* no second text chunk yet */
	feed(a, &r, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"Hi \\\"there\\\"\"}}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}", 5000000, 0);
	assert_int_equal(r.t_first_content, 5000000);
	assert_int_equal(r.first_merged, 0); /* stamped apart */
	feed(a, &r, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"!\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":5}}", 6500000, 0);
	feed(a, &r, "{\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":5,\"completion_tokens_details\":{\"reasoning_tokens\":1}}}", 7000000, 0);
	assert_int_equal(r.t_last_token, 6500000);
	assert_int_equal(r.chunks, 3);
	assert_int_equal(r.in_tokens, 7);
	assert_int_equal(r.out_tokens, 5);
	assert_int_equal(r.reasoning_tokens, 1);
	assert_string_equal(r.finish, "stop");
	/* offsets in us from t_sent; tokens from the per-chunk usage, where
	 * it is per chunk: the first usage (3) also counts the reasoning
	 * chunk before it, so neither gets a count. */
	assert_string_equal(r.chunk_log.p, "2000 4000 5500:2");
	assert_string_equal(r.text.p, "thinkHi \"there\"!");
	resp_free(&r);
}

/* A first token stamped as the second chunk was (one read, or one kernel
 * buffer) is flagged; the role-only chunk before it does not count, nor
 * do chunks after the second. */
static void first_merged(void **state)
{
	const struct api *a = api_find("openai-chat");
	struct resp r = {0};

	(void)state;
	resp_reset(&r, 1000000, 0);
	feed(a, &r, "{\"id\":\"c\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}", 2000000, 0);
	feed(a, &r, "{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", 4000000, 0);
	feed(a, &r, "{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"b\"}}]}", 4000000, 0);
	assert_int_equal(r.first_merged, 1);
	feed(a, &r, "{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"c\"}}]}", 5000000, 0);
	assert_int_equal(r.first_merged, 1);
	/* the role chunk shares the first token's stamp: no merge of tokens */
	resp_reset(&r, 1000000, 0);
	feed(a, &r, "{\"id\":\"c\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}", 4000000, 0);
	feed(a, &r, "{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", 4000000, 0);
	feed(a, &r, "{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"b\"}}]}", 4000001, 0);
	feed(a, &r, "{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"c\"}}]}", 4000001, 0);
	assert_int_equal(r.first_merged, 0);
	resp_free(&r);
}

static void openai_chat_whole_and_completions(void **state)
{
	struct resp r = {0};

	(void)state;
	resp_reset(&r, 0, 0);
	feed(api_find("openai-chat"), &r,
	     "{\"id\":\"x\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"abc\"},\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":9}}",
	     42, 1);
	assert_true(r.done);
	assert_int_equal(r.t_first_token, 42);
	assert_int_equal(r.out_tokens, 9);
	assert_string_equal(r.finish, "length");
	resp_reset(&r, 0, 0);
	feed(api_find("openai-completions"), &r,
	     "{\"id\":\"cmpl-2\",\"choices\":[{\"text\":\"xy\",\"index\":0,\"finish_reason\":null}]}", 10, 0);
	assert_int_equal(r.chunks, 1);
	assert_string_equal(r.response_id, "cmpl-2");
	resp_free(&r);
}

static void tgi(void **state)
{
	const struct api *a = api_find("tgi");
	struct resp r = {0};

	(void)state;
	resp_reset(&r, 0, 0);
	feed(a, &r, "{\"index\":1,\"token\":{\"id\":5,\"text\":\"He\",\"logprob\":-0.1,\"special\":false},\"generated_text\":null,\"details\":null}", 1000, 0);
	feed(a, &r, "{\"index\":2,\"token\":{\"id\":2,\"text\":\"</s>\",\"logprob\":0,\"special\":true},\"generated_text\":\"He\",\"details\":{\"finish_reason\":\"eos_token\",\"generated_tokens\":2}}", 2000, 0);
	assert_int_equal(r.chunks, 1);
	assert_true(r.done);
	assert_int_equal(r.out_tokens, 2);
	assert_string_equal(r.finish, "eos_token");
	assert_string_equal(r.chunk_log.p, "1:1");
	resp_free(&r);
}

/* llama.cpp's OpenAI endpoints: no role-only chunk, and the last event
 * carries finish_reason, usage and timings together. */
static void openai_timings(void **state)
{
	const struct api *a = api_find("openai-chat");
	struct resp r = {0};

	(void)state;
	resp_reset(&r, 0, 0);
	feed(a, &r, "{\"id\":\"chatcmpl-x\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", 5, 0);
	assert_true(isnan(r.server_prompt_ms));
	feed(a, &r, "{\"id\":\"chatcmpl-x\",\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}],"
		    "\"usage\":{\"completion_tokens\":20,\"prompt_tokens\":16},"
		    "\"timings\":{\"prompt_n\":9,\"prompt_ms\":3.25,\"predicted_n\":20,\"predicted_ms\":41.5}}", 9, 0);
	assert_near(r.server_prompt_ms, 3.25, 1e-9);
	assert_near(r.server_decode_ms, 41.5, 1e-9);
	/* prompt_n leaves out the prompt cache's hits: kept apart from usage. */
	assert_int_equal(r.server_prompt_tokens, 9);
	assert_int_equal(r.server_decode_tokens, 20);
	assert_int_equal(r.in_tokens, 16);
	assert_int_equal(r.out_tokens, 20);
	assert_string_equal(r.finish, "length");
	resp_reset(&r, 0, 0);
	feed(api_find("openai-completions"), &r,
	     "{\"id\":\"chatcmpl-y\",\"choices\":[{\"text\":\"\",\"finish_reason\":\"length\"}],"
	     "\"timings\":{\"prompt_ms\":1.5,\"predicted_ms\":7}}", 9, 0);
	assert_near(r.server_prompt_ms, 1.5, 1e-9);
	assert_near(r.server_decode_ms, 7, 1e-9);
	assert_int_equal(r.server_prompt_tokens, -1);
	assert_int_equal(r.server_decode_tokens, -1);
	/* Timings a server got wrong are not recorded: a negative one made
	 * llmanalyze refuse the whole file, 1e999 wrote "inf". */
	resp_reset(&r, 0, 0);
	feed(api_find("openai-completions"), &r,
	     "{\"id\":\"chatcmpl-z\",\"choices\":[{\"text\":\"\",\"finish_reason\":\"length\"}],"
	     "\"timings\":{\"prompt_ms\":-5,\"predicted_ms\":1e999}}", 9, 0);
	assert_true(isnan(r.server_prompt_ms));
	assert_true(isnan(r.server_decode_ms));
	resp_free(&r);
}

/* A stream without end fails at the cap (here lowered to 64 bytes)
 * rather than take the client's memory. */
static void text_and_log_capped(void **state)
{
	const struct api *a = api_find("openai-chat");
	const char *ev = "{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"0123456789\"}}]}";
	struct resp r = {0};
	int rc = 0, i;

	(void)state;
	resp_reset(&r, 0, 1);
	assert_int_equal(r.text.max, RESP_MAX);
	r.text.max = 64;
	for (i = 0; i < 100 && !rc; i++)
		rc = feed(a, &r, ev, 1000 * (i + 1), 0);
	assert_int_not_equal(rc, 0);
	assert_int_equal(i, 7);  /* 6 chunks of 10 bytes fit */
	assert_true(r.text.len <= 64);
	resp_reset(&r, 0, 0);
	r.chunk_log.max = 30;
	for (i = 0, rc = 0; i < 100 && !rc; i++)
		rc = feed(a, &r, ev, 1000 * (i + 1), 0);
	assert_int_not_equal(rc, 0);
	assert_true(r.chunk_log.len <= 30);
	resp_free(&r);
}

static void llamacpp_and_ollama(void **state)
{
	struct resp r = {0};

	(void)state;
	resp_reset(&r, 0, 0);
	feed(api_find("llamacpp"), &r, "{\"content\":\"a\",\"stop\":false}", 5, 0);
	assert_false(r.done);
	feed(api_find("llamacpp"), &r,
	     "{\"content\":\"\",\"stop\":true,\"tokens_predicted\":12,\"tokens_evaluated\":30,\"stopped_limit\":true,\"timings\":{\"prompt_ms\":12.5,\"predicted_ms\":80.25}}", 9, 0);
	assert_true(r.done);
	assert_int_equal(r.in_tokens, 30);
	assert_int_equal(r.out_tokens, 12);
	assert_near(r.server_prompt_ms, 12.5, 1e-9);
	assert_near(r.server_decode_ms, 80.25, 1e-9);
	assert_string_equal(r.finish, "length");
	resp_reset(&r, 0, 0);
	feed(api_find("ollama"), &r, "{\"model\":\"m\",\"response\":\"x\",\"done\":false}", 3, 0);
	feed(api_find("ollama"), &r,
	     "{\"model\":\"m\",\"response\":\"\",\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":4,\"eval_count\":6,\"prompt_eval_duration\":2000000,\"eval_duration\":30000000}", 8, 0);
	assert_true(r.done);
	assert_int_equal(r.chunks, 1);
	assert_int_equal(r.out_tokens, 6);
	assert_near(r.server_prompt_ms, 2, 1e-9);
	assert_near(r.server_decode_ms, 30, 1e-9);
	assert_int_equal(r.server_prompt_tokens, 4);
	assert_int_equal(r.server_decode_tokens, 6);
	assert_string_equal(r.finish, "stop");
	resp_free(&r);
}

static void error_objects(void **state)
{
	const struct api *a = api_find("openai-chat");
	struct resp r = {0};

	(void)state;
	resp_reset(&r, 0, 0);
	assert_int_equal(feed(a, &r, "{\"error\":{\"message\":\"slow down\",\"code\":429}}", 1, 0), 1);
	assert_int_equal(r.err_class, RC_RATE_LIMITED);
	assert_string_equal(r.err, "slow down");
	/* A server's escape sequences (retitle, clear) reach no terminal. */
	resp_reset(&r, 0, 0);
	assert_int_equal(feed(a, &r, "{\"error\":{\"message\":\"E\\u001b]0;x\\u0007\\u001b[2J\\nB\",\"code\":500}}", 1, 0), 1);
	assert_string_equal(r.err, "E ]0;x  [2J B");
	resp_reset(&r, 0, 0);
	assert_int_equal(feed(a, &r, "{\"object\":\"error\",\"message\":\"bad model\",\"type\":\"NotFoundError\",\"code\":404}", 1, 0), 1);
	assert_int_equal(r.err_class, RC_HTTP_4XX);
	resp_reset(&r, 0, 0);
	assert_int_equal(feed(a, &r, "{\"error\":\"Input validation error\",\"error_type\":\"validation\"}", 1, 0), 1);
	assert_int_equal(r.err_class, RC_HTTP_5XX);
	resp_reset(&r, 0, 0);
	assert_int_equal(feed(a, &r, "{\"id\":\"c\",\"error\":null,\"choices\":[]}", 1, 0), 0);
	assert_int_equal(r.err_class, RC_OK);
	resp_free(&r);
}

/* A failure's words when there is no error object: one line, printable,
 * cut on a character's first byte. */
static void error_text(void **state)
{
	static jsmntok_t tok[16];
	char body[400];
	struct resp r = {0};
	struct jdoc d = {"{\"detail\":\"max_new_tokens must be <= 1024\"}", tok, 0};
	jsmn_parser p;
	size_t i;

	(void)state;
	resp_reset(&r, 0, 0);
	api_error_text(&r, NULL, "\n  Internal Server Error:\r\nCUDA\terror\n",
		       strlen("\n  Internal Server Error:\r\nCUDA\terror\n"));
	assert_string_equal(r.err, "Internal Server Error:  CUDA error");
	resp_reset(&r, 0, 0);
	jsmn_init(&p);
	d.n = jsmn_parse(&p, d.js, strlen(d.js), tok, 16);
	api_error_text(&r, &d, d.js, strlen(d.js));
	assert_string_equal(r.err, "max_new_tokens must be <= 1024");
	/* 200 two-byte characters: cut within r->err's size, never inside one. */
	for (i = 0; i < 200; i++)
		memcpy(body + 2 * i, "\xc3\xa9", 2);
	resp_reset(&r, 0, 0);
	api_error_text(&r, NULL, body, 400);
	assert_true(strlen(r.err) < sizeof r.err && strlen(r.err) % 2 == 0 && strlen(r.err) > 0);
	/* The same through FastAPI's detail (jd_copy cut it mid-character). */
	{
		static char js[600];
		int k = snprintf(js, sizeof js, "{\"detail\":\"");

		for (i = 0; i < 200; i++)
			k += snprintf(js + k, sizeof js - (size_t)k, "\xc3\xa9");
		snprintf(js + k, sizeof js - (size_t)k, "\"}");
		d.js = js;
		jsmn_init(&p);
		d.n = jsmn_parse(&p, d.js, strlen(d.js), tok, 16);
		resp_reset(&r, 0, 0);
		api_error_text(&r, &d, d.js, strlen(d.js));
		assert_true(strlen(r.err) > 0 && strlen(r.err) % 2 == 0);
	}
	/* An error event of llama.cpp: its code says the class. */
	resp_reset(&r, 0, 0);
	d.js = "{\"code\":400,\"message\":\"the request exceeds the available context size\"}";
	jsmn_init(&p);
	d.n = jsmn_parse(&p, d.js, strlen(d.js), tok, 16);
	api_error_event(&r, &d, d.js, strlen(d.js));
	assert_int_equal(r.err_class, RC_HTTP_4XX);
	assert_string_equal(r.err, "the request exceeds the available context size");
	resp_reset(&r, 0, 0);
	api_error_event(&r, NULL, "worker died", 11);
	assert_int_equal(r.err_class, RC_HTTP_5XX);
	assert_string_equal(r.err, "worker died");
	resp_free(&r);
}

static void bodies(void **state)
{
	struct api_req q = {.model = "m", .prompt = "p", .system = "s",
			    .max_tokens = 16, .min_tokens = -1, .stream = 1,
			    .continuous_usage = 1, .temperature = 0.5, .top_p = NAN};
	json_t *b;
	char *s;

	(void)state;
	b = api_find("openai-chat")->body(&q);
	s = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"max_tokens\":16,\"messages\":[{\"content\":\"s\",\"role\":\"system\"},"
			       "{\"content\":\"p\",\"role\":\"user\"}],\"model\":\"m\",\"stream\":true,"
			       "\"stream_options\":{\"continuous_usage_stats\":true,\"include_usage\":true},"
			       "\"temperature\":0.5}");
	free(s);
	json_decref(b);
	/* --min-tokens, --ignore-eos and --top-p go in as vLLM reads them. */
	q.min_tokens = 4;
	q.ignore_eos = 1;
	q.top_p = 0.75;
	b = api_find("openai-completions")->body(&q);
	assert_int_equal(json_integer_value(json_object_get(b, "min_tokens")), 4);
	assert_true(json_is_true(json_object_get(b, "ignore_eos")));
	assert_true(json_real_value(json_object_get(b, "top_p")) == 0.75);
	json_decref(b);
	q.min_tokens = -1;
	q.ignore_eos = 0;
	q.top_p = NAN;
	q.stream = 0;
	q.system = NULL;
	b = api_find("ollama")->body(&q);
	s = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"model\":\"m\",\"options\":{\"num_predict\":16,\"temperature\":0.5},"
			       "\"prompt\":\"p\",\"stream\":false}");
	free(s);
	json_decref(b);
	b = api_find("tgi")->body(&q);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "parameters"),
							    "max_new_tokens")), 16);
	json_decref(b);
	assert_null(api_find("nope"));
	/* vLLM's and SGLang's benchmark names for OpenAI-compatible servers. */
	assert_ptr_equal(api_find("vllm"), &api_openai_completions);
	assert_ptr_equal(api_find("openai"), &api_openai_completions);
	assert_ptr_equal(api_find("lmdeploy"), &api_openai_completions);
	assert_ptr_equal(api_find("scalellm"), &api_openai_completions);
	assert_ptr_equal(api_find("vllm-chat"), &api_openai_chat);
	assert_ptr_equal(api_find("lmdeploy-chat"), &api_openai_chat);
	assert_ptr_equal(api_find("openai-chat"), &api_openai_chat);
	assert_null(api_find("VLLM"));
}

/* Triton: text_output is what each event adds; no end marker, no counts. */
static void triton(void **state)
{
	const struct api *a = api_find("triton");
	struct resp r = {0};

	(void)state;
	resp_reset(&r, 1000000, 1);
	feed(a, &r, "{\"model_name\":\"ensemble\",\"model_version\":\"1\",\"text_output\":\"He\"}", 3000000, 0);
	feed(a, &r, "{\"model_name\":\"ensemble\",\"model_version\":\"1\",\"text_output\":\"\"}", 4000000, 0);
	feed(a, &r, "{\"model_name\":\"ensemble\",\"model_version\":\"1\",\"text_output\":\"llo\\n\"}", 5000000, 0);
	assert_int_equal(r.chunks, 2);
	assert_false(r.done);
	assert_true(r.open_end); /* the body's clean end ends the answer */
	assert_int_equal(r.out_tokens, -1);
	assert_int_equal(r.in_tokens, -1);
	assert_string_equal(r.chunk_log.p, "2000 4000");
	assert_string_equal(r.text.p, "Hello\n");
	resp_reset(&r, 0, 1);
	feed(a, &r, "{\"model_name\":\"ensemble\",\"text_output\":\"all of it\"}", 9, 1);
	assert_true(r.done);
	assert_string_equal(r.text.p, "all of it");
	resp_free(&r);
}

/* SGLang: cumulative text cut into deltas, each stamped when it came,
 * with the tokens meta_info says it added. */
static void sglang(void **state)
{
	const struct api *a = api_find("sglang");
	struct resp r = {0};

	(void)state;
	resp_reset(&r, 0, 1);
	feed(a, &r, "{\"text\":\"A\",\"meta_info\":{\"id\":\"abc\",\"finish_reason\":null,\"prompt_tokens\":7,\"completion_tokens\":1}}", 1000, 0);
	/* A token whose text is held back makes no chunk... */
	feed(a, &r, "{\"text\":\"A\",\"meta_info\":{\"id\":\"abc\",\"finish_reason\":null,\"prompt_tokens\":7,\"completion_tokens\":2}}", 2000, 0);
	/* ...and counts with the chunk that brings it. */
	feed(a, &r, "{\"text\":\"A \\\"b\\\"\",\"meta_info\":{\"id\":\"abc\",\"finish_reason\":null,\"prompt_tokens\":7,\"completion_tokens\":3}}", 3000, 0);
	feed(a, &r, "{\"text\":\"A \\\"b\\\" c\",\"meta_info\":{\"id\":\"abc\",\"finish_reason\":{\"type\":\"length\",\"length\":4},\"prompt_tokens\":7,\"completion_tokens\":4}}", 4000, 0);
	assert_int_equal(r.chunks, 3);
	assert_string_equal(r.chunk_log.p, "1:1 3:2 4:1");
	assert_string_equal(r.text.p, "A \"b\" c");
	assert_int_equal(r.in_tokens, 7);
	assert_int_equal(r.out_tokens, 4);
	assert_string_equal(r.finish, "length");
	assert_string_equal(r.response_id, "abc");
	/* Text that shrinks cannot be cut into deltas: an error. */
	assert_int_not_equal(feed(a, &r, "{\"text\":\"A\",\"meta_info\":{}}", 5000, 0), 0);
	/* Without counts, chunks carry none. */
	resp_reset(&r, 0, 0);
	feed(a, &r, "{\"text\":\"xy\"}", 1000, 0);
	assert_string_equal(r.chunk_log.p, "1");
	assert_int_equal(r.out_tokens, -1);
	resp_reset(&r, 0, 1);
	feed(a, &r, "{\"text\":\"whole\",\"meta_info\":{\"finish_reason\":{\"type\":\"stop\",\"matched\":2},\"prompt_tokens\":3,\"completion_tokens\":5}}", 9, 1);
	assert_true(r.done);
	assert_int_equal(r.out_tokens, 5);
	assert_string_equal(r.finish, "stop");
	assert_string_equal(r.text.p, "whole");
	resp_free(&r);
}

/* MII: the gateway's JSON string holding the list, or the list itself. */
static void mii(void **state)
{
	const struct api *a = api_find("mii");
	struct resp r = {0};

	(void)state;
	assert_true(a->plain_only);
	resp_reset(&r, 0, 1);
	assert_int_equal(feed(a, &r, "\"[{\\\"generated_text\\\": \\\" a \\\\\\\"q\\\\\\\"\\\", \\\"prompt_length\\\": 5, \\\"generated_length\\\": 3, \\\"finish_reason\\\": \\\"length\\\"}]\"", 9, 1), 0);
	assert_true(r.done);
	assert_int_equal(r.in_tokens, 5);
	assert_int_equal(r.out_tokens, 3);
	assert_string_equal(r.finish, "length");
	assert_string_equal(r.text.p, " a \"q\"");
	resp_reset(&r, 0, 1);
	assert_int_equal(feed(a, &r, "[{\"generated_text\":\"x\",\"prompt_length\":1,\"generated_length\":1,\"finish_reason\":\"stop\"}]", 9, 1), 0);
	assert_string_equal(r.text.p, "x");
	assert_string_equal(r.finish, "stop");
	resp_reset(&r, 0, 1);
	assert_int_not_equal(feed(a, &r, "\"not json\"", 9, 1), 0);
	assert_int_not_equal(feed(a, &r, "[]", 9, 1), 0);
	/* A list of a million and more numbers in the string: refused, not
	 * half a GiB of tokens for it. */
	{
		static const char head[] = "\"[{\\\"generated_text\\\":\\\"x\\\"},";
		size_t n = API_TOK_MAX, k = sizeof head - 1;
		char *big = malloc(k + 2 * n + 2);

		assert_non_null(big);
		memcpy(big, head, k);
		for (size_t i = 0; i < n; i++) {
			big[k++] = '0';
			big[k++] = ',';
		}
		big[k - 1] = ']';
		big[k++] = '"';
		big[k] = '\0';
		resp_reset(&r, 0, 1);
		assert_int_not_equal(feed(a, &r, big, 9, 1), 0);
		free(big);
	}
	resp_free(&r);
}

static void engine_bodies(void **state)
{
	struct api_req q = {.model = "m", .prompt = "p", .system = NULL,
			    .max_tokens = 16, .min_tokens = -1, .ignore_eos = 1,
			    .stream = 1, .temperature = NAN, .top_p = NAN};
	json_t *b;
	char *s;

	(void)state;
	b = api_find("triton")->body(&q);
	s = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"max_tokens\":16,\"min_length\":16,\"stream\":true,\"text_input\":\"p\"}");
	free(s);
	json_decref(b);
	b = api_find("sglang")->body(&q);
	s = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"sampling_params\":{\"ignore_eos\":true,\"max_new_tokens\":16},"
			       "\"stream\":true,\"text\":\"p\"}");
	free(s);
	json_decref(b);
	q.min_tokens = 2;
	q.stream = 0;
	b = api_find("mii")->body(&q);
	s = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"ignore_eos\":true,\"max_new_tokens\":16,\"min_new_tokens\":2,"
			       "\"prompts\":[\"p\"]}");
	free(s);
	json_decref(b);
	assert_ptr_equal(api_find("tensorrt-llm"), &api_triton);
	assert_ptr_equal(api_find("trt"), &api_triton);
	assert_ptr_equal(api_find("sglang-native"), &api_sglang);
	assert_ptr_equal(api_find("deepspeed-mii"), &api_mii);
}

/* Paths that name the model: bound per target, recognized in URLs. */
static void model_paths(void **state)
{
	struct api *b;
	size_t len = 0;

	(void)state;
	assert_false(api_names_model(&api_tgi));
	assert_true(api_names_model(&api_triton));
	b = api_bind(&api_triton, "org/My model");
	assert_non_null(b);
	assert_string_equal(b->path_stream, "/v2/models/org%2FMy%20model/generate_stream");
	assert_string_equal(b->path_plain, "/v2/models/org%2FMy%20model/generate");
	assert_string_equal(b->name, "triton");
	free(b);
	b = api_bind(&api_mii, "dep-1");
	assert_string_equal(b->path_plain, "/mii/dep-1");
	free(b);
	assert_ptr_equal(api_by_path("http://h:8000/v2/models/ens/generate_stream", &len), &api_triton);
	assert_int_equal(len, strlen("/v2/models/ens/generate_stream"));
	assert_ptr_equal(api_by_path("http://h/v2/models/ens/generate/?x=1", &len), &api_triton);
	assert_int_equal(len, strlen("/v2/models/ens/generate/?x=1"));
	assert_ptr_equal(api_by_path("http://h/mii/dep", &len), &api_mii);
	/* An empty model segment is no Triton path (only TGI's ending). */
	assert_ptr_equal(api_by_path("http://h/v2/models//generate", &len), &api_tgi);
	assert_null(api_by_path("http://h/mii/", &len));
	/* /generate is TGI's first: the run's --api decides (targets.c). */
	assert_ptr_equal(api_by_path("http://h/generate", &len), &api_tgi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(openai_chat_stream),
		cmocka_unit_test(first_merged),
		cmocka_unit_test(openai_chat_whole_and_completions),
		cmocka_unit_test(tgi),
		cmocka_unit_test(openai_timings),
		cmocka_unit_test(text_and_log_capped),
		cmocka_unit_test(llamacpp_and_ollama),
		cmocka_unit_test(error_objects),
		cmocka_unit_test(error_text),
		cmocka_unit_test(bodies),
		cmocka_unit_test(triton),
		cmocka_unit_test(sglang),
		cmocka_unit_test(mii),
		cmocka_unit_test(engine_bodies),
		cmocka_unit_test(model_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
