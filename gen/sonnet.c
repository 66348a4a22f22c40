#include "sonnet.h"

#include <string.h>

int sonnet_open(struct sonnet *s, const char *path, struct tok *t,
		size_t prefix_max, struct err *e)
{
	size_t n, keep;
	int rc;

	memset(s, 0, sizeof *s);
	if ((rc = src_load(SRC_TEXT, path, &s->lines, e)) ||
	    (rc = buf_adds(&s->prefix, SONNET_INSTRUCTION, e)) ||
	    (rc = tok_count(t, s->prefix.p, s->prefix.len, &s->prefix_tokens, e)))
		return rc;
	if (s->prefix_tokens > prefix_max)
		return err_set(e, ERR_USAGE, "--shared-prefix-tokens %zu: the sonnet prefix starts "
			       "with vLLM's instruction, %zu tokens", prefix_max, s->prefix_tokens);
	/* Whole lines, as vLLM takes them, while the count stays in bounds. */
	for (size_t i = 0; i < s->lines.n; i++) {
		keep = s->prefix.len;
		if ((rc = buf_add(&s->prefix, s->lines.v[i].prompt, s->lines.v[i].prompt_len, e)) ||
		    (rc = buf_add(&s->prefix, "\n", 1, e)) ||
		    (rc = tok_count(t, s->prefix.p, s->prefix.len, &n, e)))
			return rc;
		if (n > prefix_max) {
			s->prefix.len = keep;
			s->prefix.p[keep] = '\0';
			break;
		}
		s->prefix_tokens = n;
		s->prefix_lines++;
	}
	return 0;
}

int sonnet_fit(struct sonnet *s, struct compose *c, struct rng *rg,
	       size_t target, struct compose_result *res, struct err *e)
{
	/* Verse runs about four bytes a token; start with twice what the
	 * target needs and double when the fit asks for more. */
	size_t want = (target + 16) * 8;
	int rc;

	if (target <= s->prefix_tokens)
		return err_set(e, ERR_USAGE, "an input of %zu tokens leaves no room after the sonnet "
			       "prefix of %zu tokens (--shared-prefix-tokens sets its length)",
			       target, s->prefix_tokens);
	for (int attempt = 0; attempt < 16; attempt++, want *= 2) {
		buf_reset(&s->body);
		while (s->body.len < want) {
			const struct src_item *l = &s->lines.v[rng_below(rg, s->lines.n)];

			if ((rc = buf_add(&s->body, l->prompt, l->prompt_len, e)) ||
			    (rc = buf_add(&s->body, "\n", 1, e)))
				return rc;
		}
		if ((rc = compose_fit(c, s->prefix.p, s->prefix.len, s->body.p, s->body.len, "", 0,
				      &compose_filler, target, res, e)))
			return rc;
		if (!res->need_more)
			return 0;
	}
	return err_set(e, ERR_SOFTWARE, "could not build a sonnet prompt of %zu tokens", target);
}

void sonnet_free(struct sonnet *s)
{
	src_free(&s->lines);
	buf_free(&s->prefix);
	buf_free(&s->body);
}
