#ifndef LLMBENCH_GEN_MATERIAL_H
#define LLMBENCH_GEN_MATERIAL_H
/*
 * Text for prompts, drawn from templates (or random token ids) with a
 * row's own seed, so a row's text depends only on that seed, its
 * choices and the templates, never on how much text earlier rows needed.
 *
 * Ownership: a struct mat_row borrows from the template set; text is
 * appended to the caller's buffers.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "rng.h"
#include "template.h"
#include "tok.h"

struct mat_row {
	const struct tpl_lang *lang;
	const struct tpl_domain *dom;
	const char *topic;
	const char *instr; /* unexpanded instruction for the row's task */
	uint64_t seed;     /* drives paragraph and requirement order */
};

/* Picks a language (one of langs[0..nlangs)), a domain, a topic and an
 * instruction of task t, and a seed for the rest, from r. */
void mat_pick(const struct tpl_lang *const *langs, size_t nlangs,
	      enum tpl_task t, struct rng *r, struct mat_row *row);

/*
 * Appends a document to out until it holds at least min_bytes: the row's
 * domain section by section (paragraphs of a section in seed order), then
 * the language's other domains in seed order (each with one of its own
 * topics), then everything again in a new order. Each paragraph is
 * followed by a blank line. Returns 0 or the buffer's error.
 */
int mat_document(const struct mat_row *row, size_t min_bytes, struct buf *out,
		 struct err *e);

/* Appends the instruction, expanded. */
int mat_instruction(const struct mat_row *row, struct buf *out, struct err *e);

/*
 * Appends a short prompt of at least min_bytes: the instruction, then the
 * language's requirements in seed order, then (only when more is needed)
 * a blank line and a document.
 */
int mat_short(const struct mat_row *row, size_t min_bytes, struct buf *out,
	      struct err *e);

/*
 * Appends the text of about ntokens random token ids drawn with seed:
 * ids below tok_vocab_size whose bytes are valid UTF-8 on their own and
 * hold no NUL or other control character except newline and tab.
 * Returns 0, ERR_DATA when the vocabulary has too few such tokens, or the
 * tokenizer's or buffer's error.
 */
int mat_random(struct tok *t, uint64_t seed, size_t ntokens, struct buf *out,
	       struct err *e);

#endif
