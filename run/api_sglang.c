/*
 * SGLang's native API: POST /generate with {"text", "sampling_params",
 * "stream"}. Streamed, every SSE event carries the whole text so far and
 * meta_info with the engine's own prompt_tokens and completion_tokens (so
 * far); [DONE] ends the stream. Chunks are the text each event adds, with
 * the tokens it adds, from the engine's counts.
 */
#include "api.h"

static json_t *body(const struct api_req *q)
{
	json_t *o = json_object(), *sp = json_object();

	json_object_set_new(o, "text", api_prompt_text(q));
	if (q->max_tokens >= 0)
		json_object_set_new(sp, "max_new_tokens", json_integer(q->max_tokens));
	if (q->min_tokens >= 0)
		json_object_set_new(sp, "min_new_tokens", json_integer(q->min_tokens));
	api_set_sampling(sp, q);
	if (q->ignore_eos)
		json_object_set_new(sp, "ignore_eos", json_true());
	json_object_set_new(o, "sampling_params", sp);
	json_object_set_new(o, "stream", json_boolean(q->stream));
	return o;
}

/* meta_info: the counts, the finish reason ({"type": "length", ...} or
 * null), the id. Returns completion_tokens so far, or -1. */
static long meta(struct resp *r, const struct jdoc *d)
{
	int mi = jd_get(d, 0, "meta_info"), fr = jd_get(d, mi, "finish_reason");
	long out = jd_count(d, jd_get(d, mi, "completion_tokens"), -1);

	r->in_tokens = jd_count(d, jd_get(d, mi, "prompt_tokens"), r->in_tokens);
	if (out >= 0)
		r->out_tokens = out;
	if (!jd_null(d, fr))
		jd_copy(d, jd_get(d, fr, "type"), r->finish, sizeof r->finish);
	if (!r->response_id[0])
		jd_copy(d, jd_get(d, mi, "id"), r->response_id, sizeof r->response_id);
	return out;
}

static int event(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	long out = meta(r, d), chunks = r->chunks;

	/* A token whose text is held back (part of a UTF-8 character) counts
	 * with the chunk that brings its text: usage_out_prev moves only
	 * when a chunk is made. */
	if (resp_cumulative(r, d, jd_get(d, 0, "text"),
			    out >= r->usage_out_prev ? out - r->usage_out_prev : -1, now, e))
		return e->code;
	if (r->chunks > chunks && out >= 0)
		r->usage_out_prev = out;
	return 0;
}

static int whole(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	r->done = 1;
	meta(r, d);
	if (resp_chunk(r, d, jd_get(d, 0, "text"), 0, -1, now, e))
		return e->code;
	return 0;
}

const struct api api_sglang = {
	.name = "sglang",
	.path_stream = "/generate",
	.path_plain = "/generate",
	.mode = SSE_MODE_SSE,
	.body = body,
	.event = event,
	.whole = whole,
	.max_key = "sampling_params.max_new_tokens",
};
