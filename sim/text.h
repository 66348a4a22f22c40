#ifndef LLMSIM_TEXT_H
#define LLMSIM_TEXT_H
/*
 * Deterministic output text. Every token is one word from a fixed list of
 * common English words, each with a leading space, each a single token in
 * cl100k_base and o200k_base (a unit test checks this with lib/tok), and
 * each needing no JSON escaping; so n words are exactly n tokens and can
 * be pasted into JSON strings as they are.
 */
#include <stdint.h>

#include "rng.h"

/* Number of words in the list. */
int text_nwords(void);

/* Word i (0 <= i < text_nwords()), e.g. " the". */
const char *text_word(int i);

/* A word drawn from r. */
const char *text_next(struct rng *r);

/* A 64-bit FNV-1a hash of len bytes (mixed with the seed per request). */
uint64_t text_hash(const void *p, uint64_t len);

#endif
