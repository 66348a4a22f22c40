/*
 * SGLang's native POST /generate: {"text", "sampling_params":
 * {"max_new_tokens", "min_new_tokens", "ignore_eos", ...}, "stream"}.
 * Streamed, every SSE "data: " event carries the whole text so far and
 * meta_info (prompt_tokens, completion_tokens so far, finish_reason null
 * or {"type": "length"|"stop", ...}); "data: [DONE]" ends it. The body of
 * a plain request is the last such object. TGI's /generate shares the
 * path: the server tells them apart by "text" (TGI's has "inputs").
 */
#include "wire.h"

static int parse(const json_t *body, struct prompt *p, struct job *j,
		 struct err *e)
{
	const json_t *in = json_object_get(body, "text"),
		*sp = json_object_get(body, "sampling_params");

	j->max_tokens = -1;
	if (!json_is_string(in))
		return err_set(e, ERR_DATA, "text: expected a string");
	if (wire_opt_bool(body, "stream", &j->stream, e))
		return ERR_DATA;
	if (sp && !json_is_null(sp)) {
		if (!json_is_object(sp))
			return err_set(e, ERR_DATA, "sampling_params: expected an object");
		if (wire_opt_lengths(sp, "max_new_tokens", "min_new_tokens", j, e))
			return ERR_DATA;
	}
	return prompt_count_text(p, json_string_value(in), json_string_length(in),
				 &j->prompt_tokens, e);
}

static json_t *meta(const struct wreq *r, const char *finish)
{
	json_t *fr = finish ? json_pack("{s:s}", "type", finish[0] == 'l' ? "length" : "stop")
			    : json_null();

	if (finish && finish[0] == 'l')
		json_object_set_new(fr, "length", json_integer(r->generated));
	else if (finish)
		json_object_set_new(fr, "matched", json_null());
	return json_pack("{s:s,s:o,s:I,s:I,s:I}", "id", r->id, "finish_reason", fr,
			 "prompt_tokens", (json_int_t)r->job->prompt_tokens,
			 "completion_tokens", (json_int_t)r->generated, "cached_tokens",
			 (json_int_t)r->cached);
}

static void chunk(const struct wreq *r, const char *text, size_t len,
		  int reasoning, const char *finish, struct evbuffer *out)
{
	(void)text;
	(void)len;
	(void)reasoning;
	wire_add_json(out, json_pack("{s:s%,s:o,s:i}", "text", r->text ? r->text : "",
				     r->text_len, "meta_info", meta(r, finish), "index", 0));
}

static void body(const struct wreq *r, const char *text, size_t tlen,
		 const char *reasoning, size_t rlen, const char *finish,
		 struct evbuffer *out)
{
	(void)reasoning;
	(void)rlen;
	wire_add_json(out, json_pack("{s:s%,s:o,s:i}", "text", text, tlen, "meta_info",
				     meta(r, finish), "index", 0));
}

const struct wire wire_sglang = {
	"/generate", WIRE_SSE, 1, 1, parse, NULL, chunk, NULL, body, NULL,
};
