#ifndef LLMBENCH_TOK_SPLIT_H
#define LLMBENCH_TOK_SPLIT_H
/*
 * Pre-tokenization: a tokenizer's split regex, compiled with PCRE2 (UTF,
 * UCP, JIT) after rewriting it so that it classifies characters as the
 * reference tokenizers do:
 *   - \p{L}, \p{N}, \p{M}, \p{Lu}... also match the code points that joined
 *     those categories in Unicode 15.0-16.0 (PCRE2 10.42 has Unicode 14);
 *   - \s and \S mean the White_Space property (PCRE2's UCP \s also matches
 *     U+180E, which the references do not).
 *
 * Ownership: tok_split_new returns an object released with tok_split_free;
 * it holds a match context and match data, so it serves one thread at a
 * time. Text is borrowed.
 */
#include <stddef.h>

#include "err.h"

struct tok_split;

/* Rewrites pattern (see above) into out, NUL-terminated, at most cap bytes.
 * Returns 0, or ERR_DATA for a construct the rewrite cannot express
 * (\S or \P{...} inside a character class) or when cap is too small. */
int tok_split_rewrite(const char *pattern, char *out, size_t cap,
		      struct err *e);

/* Compiles pattern. Returns 0, or ERR_DATA when it does not compile (the
 * message gives the offset), or ERR_SOFTWARE. */
int tok_split_new(const char *pattern, struct tok_split **out, struct err *e);

void tok_split_free(struct tok_split *s);

/*
 * Finds the first match in text[0..len) at or after byte offset from.
 * text must be valid UTF-8 (not checked again). Returns 1 and sets
 * [*start, *end), 0 when there is none, or ERR_SOFTWARE (with e set) when
 * the engine fails (e.g. out of JIT stack).
 */
int tok_split_next(struct tok_split *s, const char *text, size_t len,
		   size_t from, size_t *start, size_t *end, struct err *e);

#endif
