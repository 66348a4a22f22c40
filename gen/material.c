#include "material.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "utf8.h"

void mat_pick(const struct tpl_lang *const *langs, size_t nlangs,
	      enum tpl_task t, struct rng *r, struct mat_row *row)
{
	const struct tpl_lang *l = langs[rng_below(r, nlangs)];
	const struct tpl_domain *d = &l->domains[rng_below(r, l->ndomains)];

	row->lang = l;
	row->dom = d;
	row->topic = d->topics.items[rng_below(r, d->topics.n)];
	row->instr = l->tasks[t].items[rng_below(r, l->tasks[t].n)];
	row->seed = rng_next(r);
}

int mat_instruction(const struct mat_row *row, struct buf *out, struct err *e)
{
	return tpl_expand(row->instr, row->topic, row->dom->name, out, e);
}

/* Fisher-Yates: idx becomes a permutation of 0..n-1. */
static void shuffle(size_t *idx, size_t n, struct rng *r)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rng_below(r, i), t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

static size_t max_paras(const struct tpl_lang *l)
{
	size_t m = l->ndomains;

	for (size_t d = 0; d < l->ndomains; d++)
		for (size_t s = 0; s < l->domains[d].nsections; s++)
			if (l->domains[d].sections[s].paras.n > m)
				m = l->domains[d].sections[s].paras.n;
	return m;
}

/* One domain, section by section; returns 1 once out holds min_bytes. */
static int add_domain(const struct tpl_domain *d, const char *topic,
		      size_t min_bytes, size_t *idx, struct rng *r,
		      struct buf *out, struct err *e, int *rc)
{
	for (size_t s = 0; s < d->nsections; s++) {
		const struct tpl_list *p = &d->sections[s].paras;

		shuffle(idx, p->n, r);
		for (size_t i = 0; i < p->n; i++) {
			if ((*rc = tpl_expand(p->items[idx[i]], topic, d->name, out, e)) ||
			    (*rc = buf_add(out, "\n\n", 2, e)))
				return 1;
			if (out->len >= min_bytes)
				return 1;
		}
	}
	return 0;
}

int mat_document(const struct mat_row *row, size_t min_bytes, struct buf *out,
		 struct err *e)
{
	const struct tpl_lang *l = row->lang;
	size_t n = max_paras(l), *idx = malloc(n * sizeof *idx), *dom;
	struct rng r;
	int rc = 0;

	if (!idx)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	dom = malloc(l->ndomains * sizeof *dom);
	if (!dom) {
		free(idx);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	rng_seed(&r, row->seed);
	if (!add_domain(row->dom, row->topic, min_bytes, idx, &r, out, e, &rc)) {
		/* Then the other domains, and then everything again. */
		for (int pass = 0;; pass++) {
			int done = 0;

			shuffle(dom, l->ndomains, &r);
			for (size_t i = 0; i < l->ndomains && !done; i++) {
				const struct tpl_domain *d = &l->domains[dom[i]];
				const char *topic = d == row->dom ? row->topic
						    : d->topics.items[rng_below(&r, d->topics.n)];

				if (pass == 0 && d == row->dom)
					continue;
				done = add_domain(d, topic, min_bytes, idx, &r, out, e, &rc);
			}
			if (done)
				break;
		}
	}
	free(dom);
	free(idx);
	return rc;
}

int mat_short(const struct mat_row *row, size_t min_bytes, struct buf *out,
	      struct err *e)
{
	const struct tpl_list *req = &row->lang->requirements;
	size_t *idx = malloc(req->n * sizeof *idx);
	struct mat_row doc = *row;
	struct rng r;
	int rc;

	if (!idx)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	rng_seed(&r, row->seed);
	shuffle(idx, req->n, &r);
	rc = mat_instruction(row, out, e);
	for (size_t i = 0; !rc && i < req->n && out->len < min_bytes; i++)
		if (!(rc = buf_add(out, " ", 1, e)))
			rc = tpl_expand(req->items[idx[i]], row->topic, row->dom->name, out, e);
	free(idx);
	if (rc || out->len >= min_bytes)
		return rc;
	if ((rc = buf_add(out, "\n\n", 2, e)))
		return rc;
	doc.seed = rng_next(&r);
	return mat_document(&doc, min_bytes, out, e);
}

/* Whether a token's bytes can stand in a prompt on their own. */
static int usable(const char *s, size_t n)
{
	if (n == 0 || !utf8_valid(s, n, NULL))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') || s[i] == 0x7f)
			return 0;
	return 1;
}

int mat_random(struct tok *t, uint64_t seed, size_t ntokens, struct buf *out,
	       struct err *e)
{
	size_t vocab = tok_vocab_size(t), got = 0, tries = 0;
	struct buf one = BUF_INIT;
	struct rng r;
	int rc = 0;

	rng_seed(&r, seed);
	while (got < ntokens && !rc) {
		uint32_t id = (uint32_t)rng_below(&r, vocab);

		/* A vocabulary where almost nothing is usable is not one to
		 * draw from; give up rather than spin. */
		if (++tries > 64 * (ntokens + 16)) {
			rc = err_set(e, ERR_DATA, "%s: too few tokens decode to usable text",
				     tok_name(t));
			break;
		}
		buf_reset(&one);
		if ((rc = tok_decode(t, &id, 1, &one, e)))
			break;
		if (!usable(one.p, one.len))
			continue;
		rc = buf_add(out, one.p, one.len, e);
		got++;
	}
	buf_free(&one);
	return rc;
}
