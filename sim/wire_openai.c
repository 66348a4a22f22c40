/*
 * OpenAI chat completions and completions, as vLLM sends them: chat opens
 * with a role-only chunk, the last text chunk carries finish_reason, an
 * optional usage chunk has "choices": [], and "data: [DONE]" ends.
 */
#include "wire.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The fields chat and completions share. */
static int parse_common(const json_t *body, struct job *j, struct err *e)
{
	const json_t *m = json_object_get(body, "model"), *so;
	int ignore_eos = 0;

	if (m && !json_is_string(m))
		return err_set(e, ERR_DATA, "model: expected a string");
	j->model = m ? json_string_value(m) : NULL;
	j->max_tokens = LONG_MIN; /* not given; -1 from a client is refused */
	if (wire_opt_int(body, "max_tokens", &j->max_tokens, e) ||
	    wire_opt_int(body, "max_completion_tokens", &j->max_tokens, e) ||
	    wire_opt_int(body, "min_tokens", &j->min_tokens, e) ||
	    wire_opt_bool(body, "stream", &j->stream, e) ||
	    wire_opt_bool(body, "ignore_eos", &ignore_eos, e))
		return ERR_DATA;
	if (j->max_tokens == LONG_MIN)
		j->max_tokens = -1;
	else if (j->max_tokens < 1)
		return err_set(e, ERR_DATA, "max_tokens must be at least 1, got %ld",
			       j->max_tokens);
	if (j->min_tokens < 0)
		return err_set(e, ERR_DATA, "min_tokens must be at least 0");
	j->exact = ignore_eos;
	so = json_object_get(body, "stream_options");
	if (so && !json_is_null(so)) {
		if (!json_is_object(so))
			return err_set(e, ERR_DATA, "stream_options: expected an object");
		if (wire_opt_bool(so, "include_usage", &j->include_usage, e) ||
		    wire_opt_bool(so, "continuous_usage_stats", &j->continuous_usage, e))
			return ERR_DATA;
	}
	return 0;
}

static int parse_chat(const json_t *body, struct prompt *p, struct job *j,
		      struct err *e)
{
	if (parse_common(body, j, e))
		return ERR_DATA;
	if (!json_object_get(body, "messages"))
		return err_set(e, ERR_DATA, "messages: field required");
	return prompt_count_chat(p, json_object_get(body, "messages"),
				 &j->prompt_tokens, e);
}

static int parse_completions(const json_t *body, struct prompt *p,
			     struct job *j, struct err *e)
{
	const json_t *pr = json_object_get(body, "prompt");
	size_t i;
	const json_t *x;

	if (parse_common(body, j, e))
		return ERR_DATA;
	if (json_is_string(pr))
		return prompt_count_text(p, json_string_value(pr),
					 json_string_length(pr), &j->prompt_tokens, e);
	if (json_is_array(pr) && json_array_size(pr) == 1 &&
	    json_is_string(json_array_get(pr, 0))) {
		x = json_array_get(pr, 0);
		return prompt_count_text(p, json_string_value(x),
					 json_string_length(x), &j->prompt_tokens, e);
	}
	if (!json_is_array(pr) || !json_array_size(pr))
		return err_set(e, ERR_DATA,
			       "prompt: expected a string or an array of token ids");
	/* Token ids: the count is the array's length. */
	json_array_foreach(pr, i, x)
		if (!json_is_integer(x))
			return err_set(e, ERR_DATA, "prompt[%zu]: expected a token id", i);
	j->prompt_tokens = (long)json_array_size(pr);
	return 0;
}

static void usage_obj(const struct wreq *r, struct evbuffer *out)
{
	evbuffer_add_printf(out,
			    "{\"prompt_tokens\":%ld,\"total_tokens\":%ld,\"completion_tokens\":%ld",
			    r->job->prompt_tokens, r->job->prompt_tokens + r->generated,
			    r->generated);
	if (r->c->prefix_caching)
		evbuffer_add_printf(out, ",\"prompt_tokens_details\":{\"cached_tokens\":%ld}",
				    r->cached);
	if (r->reasoning)
		evbuffer_add_printf(out,
				    ",\"completion_tokens_details\":{\"reasoning_tokens\":%ld}",
				    r->reasoning);
	evbuffer_add(out, "}", 1);
}

static void add_str(struct evbuffer *out, const char *s)
{
	evbuffer_add(out, s, strlen(s));
}

/* The fields every chunk opens with. Written piece by piece rather than
 * with a printf: this runs once per streamed event. */
static void open_obj(const struct wreq *r, const char *object,
		     struct evbuffer *out)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%ld", r->created);

	add_str(out, "{\"id\":\"");
	add_str(out, r->id);
	add_str(out, "\",\"object\":\"");
	add_str(out, object);
	add_str(out, "\",\"created\":");
	evbuffer_add(out, num, (size_t)n);
	add_str(out, ",\"model\":");
	add_str(out, r->c->model_json);
	evbuffer_add(out, ",", 1);
}

static void chat_head(const struct wreq *r, struct evbuffer *out)
{
	open_obj(r, "chat.completion.chunk", out);
	evbuffer_add_printf(out, "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}");
}

static void finish_and_usage(const struct wreq *r, const char *finish,
			     struct evbuffer *out)
{
	if (finish)
		evbuffer_add_printf(out, "\"finish_reason\":\"%s\",\"stop_reason\":null}]", finish);
	else
		add_str(out, "\"finish_reason\":null}]");
	if (r->job->continuous_usage) {
		evbuffer_add(out, ",\"usage\":", 9);
		usage_obj(r, out);
	}
	evbuffer_add(out, "}", 1);
}

static void chat_chunk(const struct wreq *r, const char *text, size_t len,
		       int reasoning, const char *finish, struct evbuffer *out)
{
	open_obj(r, "chat.completion.chunk", out);
	add_str(out, "\"choices\":[{\"index\":0,\"delta\":{\"");
	add_str(out, reasoning ? r->c->reasoning_field : "content");
	add_str(out, "\":\"");
	evbuffer_add(out, text, len);
	add_str(out, "\"},\"logprobs\":null,");
	finish_and_usage(r, finish, out);
}

static void usage_tail(const struct wreq *r, const char *object,
		       struct evbuffer *out)
{
	if (!r->job->include_usage)
		return;
	open_obj(r, object, out);
	evbuffer_add_printf(out, "\"choices\":[],\"usage\":");
	usage_obj(r, out);
	evbuffer_add(out, "}", 1);
}

static void chat_tail(const struct wreq *r, struct evbuffer *out)
{
	usage_tail(r, "chat.completion.chunk", out);
}

static void cmpl_tail(const struct wreq *r, struct evbuffer *out)
{
	usage_tail(r, "text_completion", out);
}

static void cmpl_chunk(const struct wreq *r, const char *text, size_t len,
		       int reasoning, const char *finish, struct evbuffer *out)
{
	(void)reasoning;
	open_obj(r, "text_completion", out);
	add_str(out, "\"choices\":[{\"index\":0,\"text\":\"");
	evbuffer_add(out, text, len);
	add_str(out, "\",\"logprobs\":null,");
	finish_and_usage(r, finish, out);
}

static json_t *usage_json(const struct wreq *r)
{
	json_t *u = json_pack("{s:I,s:I,s:I}", "prompt_tokens",
			      (json_int_t)r->job->prompt_tokens, "total_tokens",
			      (json_int_t)(r->job->prompt_tokens + r->generated),
			      "completion_tokens", (json_int_t)r->generated);

	/* As vLLM and OpenAI send it: the prompt tokens served from cache. */
	if (r->c->prefix_caching)
		json_object_set_new(u, "prompt_tokens_details",
				    json_pack("{s:I}", "cached_tokens", (json_int_t)r->cached));
	if (r->reasoning)
		json_object_set_new(u, "completion_tokens_details",
				    json_pack("{s:I}", "reasoning_tokens",
					      (json_int_t)r->reasoning));
	return u;
}

static void chat_body(const struct wreq *r, const char *text, size_t tlen,
		      const char *reasoning, size_t rlen, const char *finish,
		      struct evbuffer *out)
{
	json_t *msg = json_pack("{s:s,s:s%}", "role", "assistant", "content",
				text, tlen);

	if (rlen)
		json_object_set_new(msg, r->c->reasoning_field,
				    json_stringn(reasoning, rlen));
	wire_add_json(out, json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:o,s:n,s:s,s:n}],s:o}",
				"id", r->id, "object", "chat.completion",
				"created", (json_int_t)r->created, "model", r->c->model,
				"choices", "index", 0, "message", msg, "logprobs",
				"finish_reason", finish, "stop_reason",
				"usage", usage_json(r)));
}

static void cmpl_body(const struct wreq *r, const char *text, size_t tlen,
		      const char *reasoning, size_t rlen, const char *finish,
		      struct evbuffer *out)
{
	(void)reasoning;
	(void)rlen;
	wire_add_json(out, json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:s%,s:n,s:s,s:n}],s:o}",
				"id", r->id, "object", "text_completion",
				"created", (json_int_t)r->created, "model", r->c->model,
				"choices", "index", 0, "text", text, tlen, "logprobs",
				"finish_reason", finish, "stop_reason",
				"usage", usage_json(r)));
}

const struct wire wire_openai_chat = {
	"/v1/chat/completions", WIRE_SSE, 1, 1, parse_chat, chat_head, chat_chunk,
	chat_tail, chat_body, NULL,
};

const struct wire wire_openai_completions = {
	"/v1/completions", WIRE_SSE, 1, 1, parse_completions, NULL, cmpl_chunk,
	cmpl_tail, cmpl_body, NULL,
};
