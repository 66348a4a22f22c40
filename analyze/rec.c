#include "rec.h"

#include <math.h>
#include <string.h>

static const char *const status_names[AN_NSTATUS] = {
	"ok", "http_4xx", "http_5xx", "rate_limited", "timeout",
	"connect", "disconnect", "bad_stream", "other", "cancelled",
};

const char *an_status_name(enum an_status s)
{
	return (unsigned)s < AN_NSTATUS ? status_names[s] : "other";
}

enum an_status an_status_parse(const char *s)
{
	int i;

	for (i = 0; i < AN_NSTATUS; i++)
		if (i != AN_OTHER && strcmp(s, status_names[i]) == 0)
			return (enum an_status)i;
	return AN_OTHER;
}

/* b - a in ms, NaN where either is missing or the difference passes
 * int64_t (stamps no clock gives; the loader then says what is wrong). */
static double span_ms(int64_t a, int64_t b)
{
	int64_t d;

	if (a == AN_NO_TIME || b == AN_NO_TIME || __builtin_sub_overflow(b, a, &d))
		return NAN;
	return (double)d / 1e6;
}

void an_rec_complete(struct an_rec *r)
{
	if (isnan(r->ttft_ms))
		r->ttft_ms = span_ms(r->t_sent, r->t_first);
	if (isnan(r->e2e_ms))
		r->e2e_ms = span_ms(r->t_sent, r->t_end);
	if (isnan(r->tpot_ms) && r->out_tok >= 2 && !isnan(r->ttft_ms) && !isnan(r->e2e_ms))
		r->tpot_ms = (r->e2e_ms - r->ttft_ms) / (double)(r->out_tok - 1);
}

long an_rec_prompt_tokens(const struct an_rec *r)
{
	if (r->ctx_tok >= 0)
		return r->ctx_tok;
	/* A failed row's input_tokens is the corpus's count of its new text
	 * (docs/metrics.md), not the request's prompt. */
	return r->status == AN_OK ? r->in_tok : -1;
}
