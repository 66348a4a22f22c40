/*
 * DeepSpeed-MII's RESTful gateway: POST /mii/{deployment} with
 * {"prompts", "max_new_tokens", ...}, never streamed. The answer is a list
 * of Response objects, one per prompt: {"generated_text", "prompt_length",
 * "generated_length", "finish_reason"}. The gateway returns the list
 * json.dumps'ed from a flask-restful resource, which encodes it once more:
 * the body is a JSON string holding the list. Both shapes are read.
 */
/* A copy of jsmn's code of its own, static, for the list inside the
 * string (request.c's is static to that file). */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include <stdlib.h>

#include "api.h"

static json_t *body(const struct api_req *q)
{
	json_t *o = json_object();

	/* MII's GenerateParamsConfig forbids keys it does not know: no
	 * "model", no "stream". */
	json_object_set_new(o, "prompts", json_pack("[o]", api_prompt_text(q)));
	if (q->max_tokens >= 0)
		json_object_set_new(o, "max_new_tokens", json_integer(q->max_tokens));
	if (q->min_tokens >= 0)
		json_object_set_new(o, "min_new_tokens", json_integer(q->min_tokens));
	api_set_sampling(o, q);
	if (q->ignore_eos)
		json_object_set_new(o, "ignore_eos", json_true());
	return o;
}

/* The first Response of the list at token arr. */
static int response(struct resp *r, const struct jdoc *d, int arr, int64_t now,
		    struct err *e)
{
	int r0 = jd_at(d, arr, 0);

	if (r0 < 0 || d->t[r0].type != JSMN_OBJECT)
		return err_set(e, ERR_DATA, "expected a list of responses");
	r->done = 1;
	r->in_tokens = jd_count(d, jd_get(d, r0, "prompt_length"), -1);
	r->out_tokens = jd_count(d, jd_get(d, r0, "generated_length"), -1);
	jd_copy(d, jd_get(d, r0, "finish_reason"), r->finish, sizeof r->finish);
	return resp_chunk(r, d, jd_get(d, r0, "generated_text"), 0, -1, now, e);
}

static int whole(struct resp *r, const struct jdoc *d, int64_t now, struct err *e)
{
	struct jdoc in;
	jsmn_parser p;
	jsmntok_t *t;
	int n, rc;

	if (d->t[0].type != JSMN_STRING)
		return response(r, d, 0, now, e);
	buf_reset(&r->scratch);
	if ((rc = jd_text(d, 0, &r->scratch, e)))
		return rc;
	jsmn_init(&p);
	n = jsmn_parse(&p, r->scratch.p ? r->scratch.p : "", r->scratch.len, NULL, 0);
	if (n < 1)
		return err_set(e, ERR_DATA, "the string the body holds is not JSON");
	if ((unsigned)n > API_TOK_MAX)
		return err_set(e, ERR_DATA, "the string the body holds has over %u JSON tokens",
			       API_TOK_MAX);
	if (!(t = malloc((size_t)n * sizeof *t)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	jsmn_init(&p);
	in.js = r->scratch.p;
	in.t = t;
	in.n = jsmn_parse(&p, r->scratch.p, r->scratch.len, t, (unsigned)n);
	rc = response(r, &in, 0, now, e);
	free(t);
	return rc;
}

const struct api api_mii = {
	.name = "mii",
	.path_stream = "/mii/" API_MODEL_MARK,
	.path_plain = "/mii/" API_MODEL_MARK,
	.mode = SSE_MODE_SSE,
	.body = body,
	.event = whole,
	.whole = whole,
	.plain_only = 1,
	.whole_any = 1,
	.max_key = "max_new_tokens",
};
