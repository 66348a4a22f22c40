/* OpenAI completions: POST /v1/completions, SSE with choices[0].text,
 * usage in a last chunk, then [DONE]. */
#include "api.h"

#include <stdio.h>

static json_t *body(const struct api_req *q)
{
	json_t *o = json_object();
	char *p = NULL;

	json_object_set_new(o, "model", json_string(q->model));
	/* No messages here: a system prompt goes in front of the prompt. */
	if (q->system && asprintf(&p, "%s\n\n%s", q->system, q->prompt) >= 0) {
		json_object_set_new(o, "prompt", json_string(p));
		free(p);
	} else {
		json_object_set_new(o, "prompt", json_string(q->prompt));
	}
	api_set_common(o, q);
	return o;
}

static int event(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	int u = jd_get(d, 0, "usage"), c0, fr;
	long add = jd_null(d, u) ? -1 : resp_usage(r, d, u);

	if (!r->response_id[0])
		jd_copy(d, jd_get(d, 0, "id"), r->response_id, sizeof r->response_id);
	c0 = jd_at(d, jd_get(d, 0, "choices"), 0);
	if (c0 < 0)
		return 0;
	if (resp_chunk(r, d, jd_get(d, c0, "text"), 0, add, now, e))
		return e->code;
	fr = jd_get(d, c0, "finish_reason");
	if (!jd_null(d, fr))
		jd_copy(d, fr, r->finish, sizeof r->finish);
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
};
