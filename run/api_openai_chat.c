/* OpenAI chat completions: POST /v1/chat/completions, SSE with
 * choices[0].delta.content (reasoning in reasoning_content or reasoning),
 * a role-only first chunk, usage in a last chunk, then [DONE]. */
#include "api.h"

static json_t *body(const struct api_req *q)
{
	json_t *o = json_object(), *msgs = json_array();

	json_object_set_new(o, "model", json_string(q->model));
	if (q->system)
		json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system",
						      "content", q->system));
	for (size_t i = 0; i < q->nhistory; i++)
		json_array_append_new(msgs, json_pack("{s:s,s:s%}", "role", q->history[i].role,
						      "content", q->history[i].text,
						      q->history[i].len));
	json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user",
					      "content", q->prompt));
	json_object_set_new(o, "messages", msgs);
	api_set_common(o, q);
	return o;
}

/* Reads one choice's message (non-streamed) or delta (streamed). */
static int choice(struct resp *r, const struct jdoc *d, const char *field,
		  int64_t now, struct err *e)
{
	long add;
	int c0 = api_openai_head(r, d, &add), m, text;

	if (c0 < 0)
		return 0;
	m = jd_get(d, c0, field);
	text = jd_get(d, m, "content");
	if (jd_nonempty_str(d, text)) {
		if (resp_chunk(r, d, text, 0, add, now, e))
			return e->code;
	} else {
		text = jd_get(d, m, "reasoning_content");
		if (!jd_nonempty_str(d, text))
			text = jd_get(d, m, "reasoning");
		if (resp_chunk(r, d, text, 1, add, now, e))
			return e->code;
	}
	api_openai_finish(r, d, c0);
	return 0;
}

static int event(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	return choice(r, d, "delta", now, e);
}

static int whole(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	r->done = 1;
	return choice(r, d, "message", now, e);
}

const struct api api_openai_chat = {
	.name = "openai-chat",
	.path_stream = "/v1/chat/completions",
	.path_plain = "/v1/chat/completions",
	.mode = SSE_MODE_SSE,
	.chat = 1,
	.body = body,
	.event = event,
	.whole = whole,
	.max_key = "max_tokens",
};
