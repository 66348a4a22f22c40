/* OpenAI completions: POST /v1/completions, SSE with choices[0].text,
 * usage in a last chunk, then [DONE]. */
#include "api.h"

static json_t *body(const struct api_req *q)
{
	json_t *o = json_object();

	json_object_set_new(o, "model", json_string(q->model));
	json_object_set_new(o, "prompt", api_prompt_text(q));
	api_set_common(o, q);
	return o;
}

static int event(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	long add;
	int c0 = api_openai_head(r, d, &add);

	if (c0 < 0)
		return 0;
	if (resp_chunk(r, d, jd_get(d, c0, "text"), 0, add, now, e))
		return e->code;
	api_openai_finish(r, d, c0);
	return 0;
}

static int whole(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	r->done = 1;
	return event(r, d, now, e);
}

const struct api api_openai_completions = {
	.name = "openai-completions",
	.path_stream = "/v1/completions",
	.path_plain = "/v1/completions",
	.mode = SSE_MODE_SSE,
	.body = body,
	.event = event,
	.whole = whole,
	.max_key = "max_tokens",
};
