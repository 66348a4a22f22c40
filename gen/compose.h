#ifndef LLMBENCH_GEN_COMPOSE_H
#define LLMBENCH_GEN_COMPOSE_H
/*
 * Making a prompt exactly N tokens long.
 *
 * A prompt is prefix + cut(body) + tail: prefix and tail are kept whole,
 * body is cut at a token boundary. Cutting body's ids at k and decoding
 * does not always re-encode to k tokens (pieces merge differently at the
 * cut, and at the joins with prefix and tail), so every candidate is
 * counted again as a whole and k is moved by the difference until the
 * count is the target; a cut never splits a UTF-8 sequence. When no cut
 * lands exactly (the count jumps over the target), filler words are added
 * between the cut and the tail, one token or so at a time. What is
 * reported is always the final text's real count.
 *
 * Ownership: a struct compose is the caller's, holds scratch space for one
 * thread, borrows its tokenizer and is released with compose_free. The
 * text of the last fit lives in c->text until the next call.
 */
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "template.h"
#include "tok.h"

/* Token ids of paragraphs already encoded, by their bytes. */
struct compose_cache {
	struct compose_seg *slots; /* open addressing, NULL key = empty */
	size_t cap, n;
	size_t bytes;              /* held, against COMPOSE_CACHE_MAX */
};

/* Most bytes the paragraph cache holds; past it, paragraphs are encoded
 * every time. */
#define COMPOSE_CACHE_MAX ((size_t)64 << 20)

struct compose {
	struct tok *t;        /* borrowed */
	struct compose_cache cache;
	struct tok_ids ids;   /* body ids */
	struct tok_ids tmp;   /* scratch for counts */
	size_t *off;          /* off[k]: bytes of body's first k tokens */
	size_t offcap;
	struct buf body;      /* body as decoded (normalized) text */
	struct buf text;      /* result of the last fit */
	long evals;           /* counts made by the last fit, for tests */
};

struct compose_result {
	size_t tokens;   /* real token count of c->text */
	int exact;       /* tokens == target */
	int need_more;   /* body too short for the target: add text, retry */
	const char *why; /* when !exact: a static reason */
};

void compose_init(struct compose *c, struct tok *t);
void compose_free(struct compose *c);

/*
 * Fits prefix + cut(body) + [filler] + tail to target tokens; the text is
 * left in c->text and described in *res. filler may be NULL (no padding).
 * A target below count(prefix + tail) cannot be met: res->exact is 0 and
 * res->why says so (the text is then prefix + tail). When body has too few
 * tokens res->need_more is set (text undefined). Inputs must be valid
 * UTF-8. Returns 0, or the tokenizer's error (ERR_DATA, ERR_SOFTWARE).
 */
int compose_fit(struct compose *c, const char *prefix, size_t plen,
		const char *body, size_t blen, const char *tail, size_t tlen,
		const struct tpl_list *filler, size_t target,
		struct compose_result *res, struct err *e);

/*
 * The same, for a body made of paragraphs each followed by a blank line
 * ("p1\n\np2\n\n..."). The body's ids are assembled from each paragraph's
 * own encoding, cached across calls, instead of encoding the whole body:
 * a blank line ends a pre-tokenizer piece, so the assembly is usually
 * exact, and where it is not, only the search takes longer, since every
 * count that decides the result is made on the whole final text.
 */
int compose_fit_doc(struct compose *c, const char *prefix, size_t plen,
		    const char *body, size_t blen, const char *tail, size_t tlen,
		    const struct tpl_list *filler, size_t target,
		    struct compose_result *res, struct err *e);

/* Filler for text with none of its own (random tokens, the sonnet): short
 * English words, a token or so each. */
extern const struct tpl_list compose_filler;

/* Length of the longest prefix of s[0..n) that is valid UTF-8 and does
 * not end inside a sequence. */
size_t compose_valid_prefix(const char *s, size_t n);

#endif
