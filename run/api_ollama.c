/* Ollama: POST /api/generate, NDJSON lines {"response", "done"}; the last
 * (done: true) carries counts and durations in ns. */
#include "api.h"

#include <math.h>

static json_t *body(const struct api_req *q)
{
	json_t *o = json_object(), *opt = json_object();

	json_object_set_new(o, "model", json_string(q->model));
	json_object_set_new(o, "prompt", json_string(q->prompt));
	if (q->system)
		json_object_set_new(o, "system", json_string(q->system));
	if (q->max_tokens >= 0)
		json_object_set_new(opt, "num_predict", json_integer(q->max_tokens));
	api_set_sampling(opt, q);
	json_object_set_new(o, "options", opt);
	json_object_set_new(o, "stream", json_boolean(q->stream));
	return o;
}

static int event(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	int done = jd_get(d, 0, "done");
	double pd, ed;

	if (resp_chunk(r, d, jd_get(d, 0, "thinking"), 1, -1, now, e) ||
	    resp_chunk(r, d, jd_get(d, 0, "response"), 0, -1, now, e))
		return e->code;
	if (done < 0 || d->js[d->t[done].start] != 't')
		return 0;
	r->done = 1;
	r->in_tokens = jd_count(d, jd_get(d, 0, "prompt_eval_count"), -1);
	r->out_tokens = jd_count(d, jd_get(d, 0, "eval_count"), -1);
	pd = jd_duration(d, jd_get(d, 0, "prompt_eval_duration"), NAN);
	ed = jd_duration(d, jd_get(d, 0, "eval_duration"), NAN);
	r->server_prompt_ms = pd / 1e6;
	r->server_decode_ms = ed / 1e6;
	/* prompt_eval_count is the whole prompt, prompt_eval_duration the
	 * time of the tokens not read from the cache (Ollama 0.33.3 on, with
	 * prompt_eval_cached_count): the prefill speed is over those. */
	r->cached_tokens = jd_count(d, jd_get(d, 0, "prompt_eval_cached_count"), -1);
	r->server_prompt_tokens = r->in_tokens >= 0 && r->cached_tokens >= 0 && r->cached_tokens <= r->in_tokens
		? r->in_tokens - r->cached_tokens : r->in_tokens;
	r->server_decode_tokens = r->out_tokens;
	jd_copy(d, jd_get(d, 0, "done_reason"), r->finish, sizeof r->finish);
	return 0;
}

const struct api api_ollama = {
	.name = "ollama",
	.path_stream = "/api/generate",
	.path_plain = "/api/generate",
	.mode = SSE_MODE_NDJSON,
	.body = body,
	.event = event,
	.whole = event,
	.no_ignore_eos = 1,
	.no_min_tokens = 1,
	.max_key = "options.num_predict",
};
