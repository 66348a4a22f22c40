/*
 * Triton Inference Server's generate extension, as TensorRT-LLM's backend
 * serves it: POST /v2/models/{model}/generate_stream (SSE, one JSON object
 * per event, its text_output the text the event adds) and
 * POST /v2/models/{model}/generate (one object). No event marks the end
 * and none carries token counts: a stream ends when its body does, and
 * the counts come from the tokenizer or the chunks (docs/llmrun.md,
 * "Dialects").
 */
#include "api.h"

static json_t *body(const struct api_req *q)
{
	json_t *o = json_object();

	json_object_set_new(o, "text_input", api_prompt_text(q));
	if (q->max_tokens >= 0)
		json_object_set_new(o, "max_tokens", json_integer(q->max_tokens));
	api_set_sampling(o, q);
	/* TensorRT-LLM has no ignore_eos; a minimum length of max_tokens is
	 * how vLLM's and SGLang's benchmarks ask it for exact lengths. */
	if (q->ignore_eos && q->max_tokens >= 0)
		json_object_set_new(o, "min_length", json_integer(q->max_tokens));
	else if (q->min_tokens >= 0)
		json_object_set_new(o, "min_length", json_integer(q->min_tokens));
	json_object_set_new(o, "stream", json_boolean(q->stream));
	return o;
}

static int event(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	r->open_end = 1;
	if (resp_chunk(r, d, jd_get(d, 0, "text_output"), 0, -1, now, e))
		return e->code;
	return 0;
}

static int whole(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	r->done = 1;
	if (resp_chunk(r, d, jd_get(d, 0, "text_output"), 0, -1, now, e))
		return e->code;
	return 0;
}

const struct api api_triton = {
	.name = "triton",
	.path_stream = "/v2/models/" API_MODEL_MARK "/generate_stream",
	.path_plain = "/v2/models/" API_MODEL_MARK "/generate",
	.mode = SSE_MODE_SSE,
	.body = body,
	.event = event,
	.whole = whole,
	.max_key = "max_tokens",
};
