/*
 * llama.cpp's server: POST /completion, SSE events {"content": ...,
 * "stop": false}, the last with "stop": true, the counts and its timings
 * object; no [DONE]. Non-streaming: the same last object with the whole
 * content.
 */
#include "wire.h"

static int parse(const json_t *body, struct prompt *p, struct job *j,
		 struct err *e)
{
	const json_t *pr = json_object_get(body, "prompt");
	int ignore_eos = 0;

	j->max_tokens = -1;
	if (!json_is_string(pr))
		return err_set(e, ERR_DATA, "prompt: expected a string");
	if (wire_opt_int(body, "n_predict", &j->max_tokens, e) ||
	    wire_opt_bool(body, "stream", &j->stream, e) ||
	    wire_opt_bool(body, "ignore_eos", &ignore_eos, e))
		return ERR_DATA;
	if (j->max_tokens == 0 || j->max_tokens < -1)
		return err_set(e, ERR_DATA, "n_predict must be at least 1 (or -1)");
	j->exact = ignore_eos;
	return prompt_count_text(p, json_string_value(pr), json_string_length(pr),
				 &j->prompt_tokens, e);
}

static json_t *last(const struct wreq *r, const char *text, size_t len,
		    const char *finish)
{
	double pms = (double)r->prompt_ns / 1e6, dms = (double)r->decode_ns / 1e6;
	long pn = r->job->prompt_tokens, dn = r->generated;

	return json_pack("{s:s%,s:b,s:s,s:I,s:I,s:s,s:{s:I,s:f,s:f,s:f,s:I,s:f,s:f,s:f}}",
			 "content", text, len, "stop", 1, "model", r->c->model,
			 "tokens_predicted", (json_int_t)dn, "tokens_evaluated",
			 (json_int_t)pn, "stop_type", finish[0] == 'l' ? "limit" : "eos",
			 "timings", "prompt_n", (json_int_t)pn, "prompt_ms", pms,
			 "prompt_per_token_ms", pn ? pms / (double)pn : 0.0,
			 "prompt_per_second", pms > 0 ? 1e3 * (double)pn / pms : 0.0,
			 "predicted_n", (json_int_t)dn, "predicted_ms", dms,
			 "predicted_per_token_ms", dn > 1 ? dms / (double)(dn - 1) : 0.0,
			 "predicted_per_second", dms > 0 ? 1e3 * (double)(dn - 1) / dms : 0.0);
}

static void chunk(const struct wreq *r, const char *text, size_t len,
		  int reasoning, const char *finish, struct evbuffer *out)
{
	(void)r;
	(void)reasoning;
	(void)finish;
	wire_add_json(out, json_pack("{s:s%,s:b,s:i}", "content", text, len, "stop", 0,
				     "id_slot", 0));
}

/* The stop event follows the last text event, as llama.cpp sends it. */
static void tail(const struct wreq *r, struct evbuffer *out)
{
	wire_add_json(out, last(r, "", 0, r->finish));
}

static void body(const struct wreq *r, const char *text, size_t tlen,
		 const char *reasoning, size_t rlen, const char *finish,
		 struct evbuffer *out)
{
	(void)reasoning;
	(void)rlen;
	wire_add_json(out, last(r, text, tlen, finish));
}

const struct wire wire_llamacpp = {
	"/completion", WIRE_SSE, 1, 0, parse, NULL, chunk, tail, body, NULL,
};
