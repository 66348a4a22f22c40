/* Hugging Face TGI's own API: POST /generate_stream (SSE, one token per
 * event, no [DONE]: the last event carries generated_text and details) and
 * POST /generate. */
#include "api.h"

static json_t *body(const struct api_req *q)
{
	json_t *o = json_object(), *par = json_object();

	json_object_set_new(o, "inputs", api_prompt_text(q));
	if (q->max_tokens >= 0)
		json_object_set_new(par, "max_new_tokens", json_integer(q->max_tokens));
	api_set_sampling(par, q);
	json_object_set_new(par, "details", json_true());
	json_object_set_new(o, "parameters", par);
	json_object_set_new(o, "stream", json_boolean(q->stream));
	return o;
}

static void details(struct resp *r, const struct jdoc *d)
{
	int det = jd_get(d, 0, "details");

	if (jd_null(d, det))
		return;
	jd_copy(d, jd_get(d, det, "finish_reason"), r->finish, sizeof r->finish);
	r->out_tokens = jd_count(d, jd_get(d, det, "generated_tokens"), r->out_tokens);
}

static int event(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	int tok = jd_get(d, 0, "token"), sp = jd_get(d, tok, "special");
	long chunks = r->chunks;

	/* One token per event; special tokens (end of sequence) carry no
	 * text the user sees. A token of empty text (the first bytes of a
	 * character another token ends) counts with the next chunk. */
	if (sp < 0 || d->js[d->t[sp].start] != 't') {
		if (resp_chunk(r, d, jd_get(d, tok, "text"), 0, r->held + 1, now, e))
			return e->code;
		r->held = r->chunks > chunks ? 0 : r->held + 1;
	}
	if (!jd_null(d, jd_get(d, 0, "generated_text"))) {
		r->done = 1;
		details(r, d);
	}
	return 0;
}

static int whole(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	r->done = 1;
	details(r, d);
	if (resp_chunk(r, d, jd_get(d, 0, "generated_text"), 0, -1, now, e))
		return e->code;
	return 0;
}

const struct api api_tgi = {
	.name = "tgi",
	.path_stream = "/generate_stream",
	.path_plain = "/generate",
	.mode = SSE_MODE_SSE,
	.body = body,
	.event = event,
	.whole = whole,
	.no_ignore_eos = 1,
	.no_min_tokens = 1,
	.max_key = "parameters.max_new_tokens",
};
