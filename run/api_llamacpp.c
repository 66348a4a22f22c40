/* llama.cpp server's own API: POST /completion, SSE events {"content",
 * "stop"}; the last one (stop: true) carries token counts and timings. */
#include "api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static json_t *body(const struct api_req *q)
{
	json_t *o = json_object();

	json_object_set_new(o, "prompt", api_prompt_text(q));
	if (q->max_tokens >= 0)
		json_object_set_new(o, "n_predict", json_integer(q->max_tokens));
	api_set_sampling(o, q);
	if (q->ignore_eos)
		json_object_set_new(o, "ignore_eos", json_true());
	json_object_set_new(o, "stream", json_boolean(q->stream));
	return o;
}

static void final(struct resp *r, const struct jdoc *d)
{
	int tm = jd_get(d, 0, "timings"), st = jd_get(d, 0, "stop_type");
	int lim = jd_get(d, 0, "stopped_limit");

	r->done = 1;
	r->in_tokens = jd_count(d, jd_get(d, 0, "tokens_evaluated"),
			       jd_count(d, jd_get(d, tm, "prompt_n"), -1));
	r->out_tokens = jd_count(d, jd_get(d, 0, "tokens_predicted"),
				jd_count(d, jd_get(d, tm, "predicted_n"), -1));
	api_timings(r, d);
	/* The prompt's tokens less those it computed (timings.prompt_n): the
	 * ones its slot's cache held. */
	if (r->in_tokens >= 0 && r->server_prompt_tokens >= 0 && jd_get(d, 0, "tokens_evaluated") >= 0 &&
	    r->server_prompt_tokens <= r->in_tokens)
		r->cached_tokens = r->in_tokens - r->server_prompt_tokens;
	if (st >= 0)
		jd_copy(d, st, r->finish, sizeof r->finish);
	else if (lim >= 0 && d->js[d->t[lim].start] == 't')
		snprintf(r->finish, sizeof r->finish, "length");
	else
		snprintf(r->finish, sizeof r->finish, "stop");
}

static int event(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	int stop = jd_get(d, 0, "stop");

	if (resp_chunk(r, d, jd_get(d, 0, "content"), 0, -1, now, e))
		return e->code;
	if (stop >= 0 && d->js[d->t[stop].start] == 't')
		final(r, d);
	return 0;
}

static int whole(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	if (resp_chunk(r, d, jd_get(d, 0, "content"), 0, -1, now, e))
		return e->code;
	final(r, d);
	return 0;
}

const struct api api_llamacpp = {
	.name = "llamacpp",
	.path_stream = "/completion",
	.path_plain = "/completion",
	.mode = SSE_MODE_SSE,
	.body = body,
	.event = event,
	.whole = whole,
	.no_min_tokens = 1,
	.max_key = "n_predict",
};
