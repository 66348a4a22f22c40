/*
 * Hugging Face TGI: POST /generate_stream (SSE "data:" without a space,
 * one token object per event, the last carrying generated_text and
 * details, no [DONE]) and POST /generate (one JSON body).
 */
#include "wire.h"

static int parse(const json_t *body, struct prompt *p, struct job *j,
		 struct err *e, int stream)
{
	const json_t *in = json_object_get(body, "inputs"),
		*par = json_object_get(body, "parameters");

	j->max_tokens = -1;
	j->stream = stream;
	if (!json_is_string(in))
		return err_set(e, ERR_DATA, "inputs: expected a string");
	if (par && !json_is_null(par)) {
		if (!json_is_object(par))
			return err_set(e, ERR_DATA, "parameters: expected an object");
		/* ignore_eos is llmsim's extension: TGI has none, and tests need
		 * exact lengths. */
		if (wire_opt_lengths(par, "max_new_tokens", NULL, j, e))
			return ERR_DATA;
	}
	return prompt_count_text(p, json_string_value(in), json_string_length(in),
				 &j->prompt_tokens, e);
}

static int parse_stream(const json_t *body, struct prompt *p, struct job *j,
			struct err *e)
{
	return parse(body, p, j, e, 1);
}

static int parse_plain(const json_t *body, struct prompt *p, struct job *j,
		       struct err *e)
{
	return parse(body, p, j, e, 0);
}

static const char *reason(const char *finish)
{
	return finish[0] == 'l' ? "length" : "eos_token";
}

static json_t *details(const struct wreq *r, const char *finish)
{
	return json_pack("{s:s,s:I,s:n}", "finish_reason", reason(finish),
			 "generated_tokens", (json_int_t)r->generated, "seed");
}

static void chunk(const struct wreq *r, const char *text, size_t len,
		  int reasoning, const char *finish, struct evbuffer *out)
{
	(void)reasoning;
	wire_add_json(out, json_pack("{s:I,s:{s:i,s:s%,s:f,s:b},s:o,s:o}",
				     "index", (json_int_t)r->generated, "token", "id", 0,
				     "text", text, len, "logprob", 0.0, "special", 0,
				     "generated_text",
				     finish ? json_stringn(r->text, r->text_len) : json_null(),
				     "details", finish ? details(r, finish) : json_null()));
}

static void body(const struct wreq *r, const char *text, size_t tlen,
		 const char *reasoning, size_t rlen, const char *finish,
		 struct evbuffer *out)
{
	(void)reasoning;
	(void)rlen;
	wire_add_json(out, json_pack("{s:s%,s:o}", "generated_text", text, tlen,
				     "details", details(r, finish)));
}

/* TGI's error body and stream event: {"error": "...", "error_type": "..."}. */
static void error(int code, const char *type, const char *msg, struct evbuffer *out)
{
	(void)type;
	wire_add_json(out, json_pack("{s:s,s:s}", "error", msg, "error_type",
				     code == 429 ? "overloaded" : code == 400 ? "validation"
					       : "generation"));
}

const struct wire wire_tgi_stream = {
	"/generate_stream", WIRE_SSE, 0, 0, parse_stream, NULL, chunk, NULL, body, error,
};

const struct wire wire_tgi = {
	"/generate", WIRE_SSE, 0, 0, parse_plain, NULL, chunk, NULL, body, error,
};
