/*
 * Triton's generate extension (TensorRT-LLM's backend behind it):
 * POST /v2/models/{model}/generate_stream, SSE "data: " events
 * {"model_name", "model_version", "text_output"} carrying the text each
 * adds, no end marker (the stream ends with the body); and
 * POST /v2/models/{model}/generate, one such object with the whole text.
 * The model is the path's, checked by the server.
 */
#include "wire.h"

static int parse(const json_t *body, struct prompt *p, struct job *j,
		 struct err *e, int stream)
{
	const json_t *in = json_object_get(body, "text_input");

	j->max_tokens = -1;
	if (!json_is_string(in))
		return err_set(e, ERR_DATA, "text_input: expected a string");
	/* ignore_eos is llmsim's extension; TensorRT-LLM's way to exact
	 * lengths is min_length (as vLLM's and SGLang's benchmarks use it). */
	if (wire_opt_lengths(body, "max_tokens", "min_length", j, e))
		return ERR_DATA;
	j->stream = stream;
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

static json_t *event(const struct wreq *r, const char *text, size_t len)
{
	return json_pack("{s:s,s:s,s:s%}", "model_name", r->c->model, "model_version",
			 "1", "text_output", text, len);
}

static void chunk(const struct wreq *r, const char *text, size_t len,
		  int reasoning, const char *finish, struct evbuffer *out)
{
	(void)reasoning;
	(void)finish;
	wire_add_json(out, event(r, text, len));
}

static void body(const struct wreq *r, const char *text, size_t tlen,
		 const char *reasoning, size_t rlen, const char *finish,
		 struct evbuffer *out)
{
	(void)reasoning;
	(void)rlen;
	(void)finish;
	wire_add_json(out, event(r, text, tlen));
}

const struct wire wire_triton_stream = {
	"/v2/models/" WIRE_MODEL_MARK "/generate_stream", WIRE_SSE, 1, 0, parse_stream,
	NULL, chunk, NULL, body, NULL,
};

const struct wire wire_triton = {
	"/v2/models/" WIRE_MODEL_MARK "/generate", WIRE_SSE, 1, 0, parse_plain, NULL,
	chunk, NULL, body, NULL,
};
