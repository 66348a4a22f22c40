/*
 * Ollama: POST /api/generate and /api/chat, NDJSON (streaming unless
 * "stream": false), durations in ns, prompt_eval_count and eval_count on
 * the last object.
 */
#include "wire.h"

#include <time.h>

static int parse_common(const json_t *body, struct job *j, struct err *e)
{
	const json_t *m = json_object_get(body, "model"),
		*opt = json_object_get(body, "options");
	int ignore_eos = 0;

	if (!json_is_string(m))
		return err_set(e, ERR_DATA, "model: expected a string");
	j->model = json_string_value(m);
	j->max_tokens = -1;
	j->stream = 1;
	if (wire_opt_bool(body, "stream", &j->stream, e))
		return ERR_DATA;
	if (opt && !json_is_null(opt)) {
		if (!json_is_object(opt))
			return err_set(e, ERR_DATA, "options: expected an object");
		/* ignore_eos is llmsim's extension, for exact lengths. */
		if (wire_opt_int(opt, "num_predict", &j->max_tokens, e) ||
		    wire_opt_bool(opt, "ignore_eos", &ignore_eos, e))
			return ERR_DATA;
		if (j->max_tokens == 0 || j->max_tokens < -1)
			return err_set(e, ERR_DATA, "num_predict must be at least 1 (or -1)");
	}
	j->exact = ignore_eos;
	return 0;
}

static int parse_generate(const json_t *body, struct prompt *p, struct job *j,
			  struct err *e)
{
	const json_t *pr = json_object_get(body, "prompt");

	if (parse_common(body, j, e))
		return ERR_DATA;
	if (!json_is_string(pr))
		return err_set(e, ERR_DATA, "prompt: expected a string");
	return prompt_count_text(p, json_string_value(pr), json_string_length(pr),
				 &j->prompt_tokens, e);
}

static int parse_chat(const json_t *body, struct prompt *p, struct job *j,
		      struct err *e)
{
	if (parse_common(body, j, e))
		return ERR_DATA;
	return prompt_count_chat(p, json_object_get(body, "messages"),
				 &j->prompt_tokens, e);
}

static json_t *obj(const struct wreq *r)
{
	char ts[32];
	time_t t = (time_t)r->created;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s,s:s}", "model", r->c->model, "created_at", ts);
}

static void text_field(json_t *o, int chat, const char *text, size_t len)
{
	if (chat)
		json_object_set_new(o, "message", json_pack("{s:s,s:s%}", "role",
							    "assistant", "content",
							    text, len));
	else
		json_object_set_new(o, "response", json_stringn(text, len));
}

static void finish(const struct wreq *r, json_t *o, const char *reason)
{
	json_object_set_new(o, "done", json_true());
	json_object_set_new(o, "done_reason", json_string(reason[0] == 'l' ? "length" : "stop"));
	json_object_set_new(o, "total_duration", json_integer(r->total_ns));
	json_object_set_new(o, "load_duration", json_integer(0));
	json_object_set_new(o, "prompt_eval_count", json_integer(r->job->prompt_tokens));
	json_object_set_new(o, "prompt_eval_duration", json_integer(r->prompt_ns));
	json_object_set_new(o, "eval_count", json_integer(r->generated));
	json_object_set_new(o, "eval_duration", json_integer(r->decode_ns));
}

static void chunk_any(const struct wreq *r, const char *text, size_t len,
		      struct evbuffer *out, int chat)
{
	json_t *o = obj(r);

	text_field(o, chat, text, len);
	json_object_set_new(o, "done", json_false());
	wire_add_json(out, o);
}

static void gen_chunk(const struct wreq *r, const char *text, size_t len,
		      int reasoning, const char *fin, struct evbuffer *out)
{
	(void)reasoning;
	(void)fin;
	chunk_any(r, text, len, out, 0);
}

static void chat_chunk(const struct wreq *r, const char *text, size_t len,
		       int reasoning, const char *fin, struct evbuffer *out)
{
	(void)reasoning;
	(void)fin;
	chunk_any(r, text, len, out, 1);
}

static void tail_any(const struct wreq *r, struct evbuffer *out, int chat)
{
	json_t *o = obj(r);

	text_field(o, chat, "", 0);
	finish(r, o, r->finish);
	wire_add_json(out, o);
}

static void gen_tail(const struct wreq *r, struct evbuffer *out)
{
	tail_any(r, out, 0);
}

static void chat_tail(const struct wreq *r, struct evbuffer *out)
{
	tail_any(r, out, 1);
}

static void body_any(const struct wreq *r, const char *text, size_t tlen,
		     const char *fin, struct evbuffer *out, int chat)
{
	json_t *o = obj(r);

	text_field(o, chat, text, tlen);
	finish(r, o, fin);
	wire_add_json(out, o);
}

static void gen_body(const struct wreq *r, const char *text, size_t tlen,
		     const char *reasoning, size_t rlen, const char *fin,
		     struct evbuffer *out)
{
	(void)reasoning;
	(void)rlen;
	body_any(r, text, tlen, fin, out, 0);
}

static void chat_body(const struct wreq *r, const char *text, size_t tlen,
		      const char *reasoning, size_t rlen, const char *fin,
		      struct evbuffer *out)
{
	(void)reasoning;
	(void)rlen;
	body_any(r, text, tlen, fin, out, 1);
}

/* Ollama's error body and stream line: {"error": "..."}. */
static void error(int code, const char *type, const char *msg, struct evbuffer *out)
{
	(void)code;
	(void)type;
	wire_add_json(out, json_pack("{s:s}", "error", msg));
}

const struct wire wire_ollama_generate = {
	"/api/generate", WIRE_NDJSON, 0, 0, parse_generate, NULL, gen_chunk,
	gen_tail, gen_body, error,
};

const struct wire wire_ollama_chat = {
	"/api/chat", WIRE_NDJSON, 0, 0, parse_chat, NULL, chat_chunk, chat_tail,
	chat_body, error,
};
