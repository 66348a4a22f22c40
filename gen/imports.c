/*
 * llmgen's rows from files: prompts imported as they are (--from-jsonl,
 * --from-sharegpt, --from-text) and a BurstGPT trace's requests
 * (--from-burstgpt) with prompts made to its lengths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generate_int.h"

/* Which items an import writes, in order: all of them, or (with --count
 * below what the file holds) a seeded sample of items, or of whole
 * conversations for a multi-turn import. Returns the number in *n. */
static int import_order(struct gen_run *r, struct rng *rg, size_t **out, size_t *n,
			struct err *e)
{
	const struct src_list *src = &r->src;
	int whole = r->o->from_kind == SRC_SHAREGPT_TURNS;
	size_t units = whole ? (size_t)src->nconv : src->n, want = units, k = 0;
	size_t *idx = malloc((units + src->n + 1) * sizeof *idx), *pick;

	if (!idx)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	pick = idx + units;
	for (size_t i = 0; i < units; i++)
		idx[i] = i;
	if (r->o->count_set && (size_t)r->o->count < units)
		want = (size_t)r->o->count;
	if (want < units)
		for (size_t i = 0; i < want; i++) {
			size_t j = i + (size_t)rng_below(rg, units - i), t = idx[i];

			idx[i] = idx[j];
			idx[j] = t;
		}
	if (!whole) {
		*out = idx;
		*n = want;
		return 0;
	}
	/* Items of one conversation are consecutive in the list, turn 1 first. */
	for (size_t i = 0; i < want; i++) {
		size_t c = idx[i], lo = 0, hi = src->n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (src->v[mid].conv < (long)c)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < src->n && src->v[lo].conv == (long)c; lo++)
			pick[k++] = lo;
	}
	memmove(idx, pick, k * sizeof *idx);
	*out = idx;
	*n = k;
	return 0;
}

/* Imported prompts, in file order or (with --count) a seeded sample. */
int gen_run_import(struct gen_run *r, struct err *e)
{
	int whole = r->o->from_kind == SRC_SHAREGPT_TURNS, rc = 0;
	size_t units = whole ? (size_t)r->src.nconv : r->src.n;

	/* An import is sampled, never repeated: fewer rows than asked is worth
	 * a word even with -q, or a 500-request sweep quietly runs 2. */
	if (r->o->count_set && (size_t)r->o->count > units)
		fprintf(stderr, "llmgen: warning: --count %ld but %s holds %zu %s%s; "
			"writing %zu %s per group (imported prompts are not repeated)\n",
			r->o->count, r->o->from, units,
			whole ? "conversation" : "prompt", units == 1 ? "" : "s", units,
			whole ? "conversations" : "rows");
	/* Entries left out are worth a word too, as the shortfall is. */
	if (r->src.skipped)
		fprintf(stderr, "llmgen: warning: %s: %zu conversation%s skipped (no human turn "
			"with a reply after it)\n", r->o->from, r->src.skipped,
			r->src.skipped == 1 ? "" : "s");
	for (size_t gi = 0; gi < r->ng && !rc; gi++) {
		struct group *g = &r->g[gi];
		struct turn_ref tr = { 0, 0 };
		size_t *idx = NULL, rows = 0;
		struct rng rg, ri;
		uint64_t key;

		if ((rc = gen_run_group(r, gi, e)))
			break;
		/* Each item draws (its output length, its tag) from a generator
		 * of its own, seeded by the group's key (a stream apart from the
		 * sample's) and its place in the file: the same item gets the
		 * same draws whichever --count sampled it and wherever the
		 * sample put it. */
		rng_stream(&rg, r->o->seed, 2 * r->ng + gi + 1);
		key = rng_next(&rg);
		rng_stream(&rg, r->o->seed, r->ng + gi + 1);
		if ((rc = import_order(r, &rg, &idx, &rows, e)))
			break;
		for (size_t i = 0; i < rows && !rc; i++) {
			const struct src_item *it = &r->src.v[idx[i]];
			size_t count, otok, prompt_len;
			const char *prompt;
			long out;
			char tag[40];
			const char *pre = g->shared.p ? g->shared.p : "";
			size_t plen = g->shared.len;

			if (it->turn > 1) {
				/* A later turn: the history carries any prefix. */
				pre = "";
				plen = 0;
				tr.turn = it->turn;
			} else if (it->turn == 1) {
				tr.conv = ++r->next_conv;
				tr.turn = 1;
				g->convs++;
			}
			/* Mixed: rng_seed's splitmix64 steps by a constant,
			 * so seeds a constant apart would share three of
			 * their four state words. */
			rng_seed(&ri, rng_mix64(key ^ rng_mix64(idx[i] + 1)));
			if (r->o->unique_prefix && it->turn <= 1) {
				plen = gen_unique_tag(tag, sizeof tag, &ri);
				pre = tag;
			}
			if ((size_t)tr.turn > g->turns_max)
				g->turns_max = (size_t)tr.turn;
			prompt = it->prompt;
			prompt_len = it->prompt_len;
			/* After the shared prefix's blank line, a prompt's leading
			 * whitespace would join it into one token ("\n\n\n"), and
			 * the first N ids would no longer be the same in every
			 * row: it is dropped. */
			if (plen && pre == g->shared.p)
				while (prompt_len && *prompt && strchr(" \t\r\n\v\f", *prompt)) {
					prompt++;
					prompt_len--;
				}
			buf_reset(&r->body);
			if ((rc = buf_add(&r->body, pre, plen, e)) ||
			    (rc = buf_add(&r->body, prompt, prompt_len, e)) ||
			    (rc = tok_count(r->t, r->body.p, r->body.len, &count, e))) {
				err_prefix(e, "%s:%ld", r->o->from, it->line);
				break;
			}
			if (r->o->output_spec) {
				out = len_sample(g->out, &ri);
			} else if (it->output_tokens > 0) {
				out = it->output_tokens;
			} else if (it->reply) {
				if ((rc = tok_count(r->t, it->reply, it->reply_len, &otok, e))) {
					err_prefix(e, "%s:%ld", r->o->from, it->line);
					break;
				}
				out = otok ? (long)otok : 1;
			} else {
				out = len_sample(g->out, &ri);
			}
			rc = gen_write_row(r, g, &tr, count, out, "", "", "", r->body.p, r->body.len, e);
		}
		free(idx);
	}
	return rc;
}

/* A BurstGPT trace: each request's arrival and lengths kept, its prompt
 * random text of exactly its Request tokens (the trace has no text). */
int gen_run_burstgpt(struct gen_run *r, struct err *e)
{
	struct group *g = &r->g[0];
	struct rng rg;
	int rc = 0;

	rng_stream(&rg, r->o->seed, 1);
	if (r->trace.failed && !r->o->quiet)
		fprintf(stderr, "llmgen: %s: %zu failed requests (Response tokens 0) left out\n",
			r->o->burstgpt, r->trace.failed);
	for (size_t i = 0; i < r->trace.n && !rc; i++) {
		const struct bgpt_item *it = &r->trace.v[i];
		struct mat_row row = { 0 };

		r->arrival_s = it->arrival_s;
		rc = gen_make_row(r, g, NULL, G_RANDOM, &row, rng_next(&rg), (size_t)it->in_tokens,
				  it->out_tokens, "", 0, e);
	}
	return rc;
}
