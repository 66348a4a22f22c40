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

void an_rec_complete(struct an_rec *r)
{
	if (isnan(r->ttft_ms) && r->t_first != AN_NO_TIME && r->t_sent != AN_NO_TIME)
		r->ttft_ms = (double)(r->t_first - r->t_sent) / 1e6;
	if (isnan(r->e2e_ms) && r->t_end != AN_NO_TIME && r->t_sent != AN_NO_TIME)
		r->e2e_ms = (double)(r->t_end - r->t_sent) / 1e6;
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
