#ifndef LLMBENCH_TOK_BPE_H
#define LLMBENCH_TOK_BPE_H
/*
 * The byte-pair merge core shared by both tokenizer families.
 *
 * bpe_vocab maps token bytes to ids and back (an open-addressing hash
 * table sized at load). bpe_pairs maps a pair of ids to a merge rank and
 * the merged id (Hugging Face merges). bpe_merge runs the merge loop on one
 * pre-token piece in O(n log n): the adjacent pair with the lowest rank is
 * merged first, the leftmost on ties (as tiktoken's byte_pair_merge and
 * Hugging Face's BPE both do).
 *
 * Ownership: the structs are the caller's (zero-initialize), released with
 * the matching _free. Scratch memory lives in struct bpe_work and is
 * reused from piece to piece.
 */
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define BPE_NONE UINT32_MAX

struct bpe_vocab {
	uint8_t *pool;      /* bytes of all tokens */
	size_t pool_len, pool_cap;
	uint64_t *tok;      /* by id: offset << 24 | length, 0 = no such id */
	uint32_t ntok;      /* ids 0..ntok-1 have a slot */
	uint64_t *slot;     /* hash table: hash >> 32 << 32 | id + 1; 0 = empty */
	uint32_t mask;      /* slot count - 1 */
	uint32_t count;     /* tokens in the table */
	uint32_t maxlen;    /* longest token, bytes */
};

/* Prepares a vocabulary for up to n tokens with ids below n. 0 or
 * ERR_SOFTWARE. */
int bpe_vocab_init(struct bpe_vocab *v, uint32_t n, struct err *e);

/* Adds bytes as id. Returns 0; 1 when id is already used or the bytes are
 * already a token (nothing is changed); ERR_SOFTWARE. id < n of init. */
int bpe_vocab_add(struct bpe_vocab *v, const void *bytes, size_t len,
		  uint32_t id, struct err *e);

/* The id of bytes, or BPE_NONE. */
uint32_t bpe_vocab_find(const struct bpe_vocab *v, const void *bytes,
			size_t len);

/* The bytes of id (borrowed) and their length, or NULL. */
const uint8_t *bpe_vocab_bytes(const struct bpe_vocab *v, uint32_t id,
			       size_t *len);

void bpe_vocab_free(struct bpe_vocab *v);

struct bpe_pair_slot {
	uint64_t key;   /* left << 32 | right; UINT64_MAX = empty */
	uint32_t rank;
	uint32_t merged;
};

struct bpe_pairs {
	struct bpe_pair_slot *slot;
	uint32_t mask;
};

/* Prepares a table for up to n pairs. 0 or ERR_SOFTWARE. */
int bpe_pairs_init(struct bpe_pairs *p, uint32_t n, struct err *e);

/* Adds a pair; a pair already present keeps its first (lowest) rank.
 * Returns 0 or 1 (already present). */
int bpe_pairs_add(struct bpe_pairs *p, uint32_t left, uint32_t right,
		  uint32_t rank, uint32_t merged);

/* The rank of the pair and its merged id, or BPE_NONE. */
uint32_t bpe_pairs_find(const struct bpe_pairs *p, uint32_t left,
			uint32_t right, uint32_t *merged);

void bpe_pairs_free(struct bpe_pairs *p);

/*
 * How a family ranks a merge of the part piece[a..b) (id left) with the
 * part piece[b..c) (id right): returns the rank (lower merges first) and
 * sets *merged, or returns BPE_NONE when the two cannot merge.
 */
typedef uint32_t (*bpe_rank_fn)(const void *ctx, const uint8_t *piece,
				size_t a, size_t b, size_t c, uint32_t left,
				uint32_t right, uint32_t *merged);

struct bpe_work {
	uint32_t *next;  /* by byte position: start of the next part */
	uint32_t *prev;  /* by byte position: start of the previous part */
	uint32_t *id;    /* by byte position: id of the part starting there */
	struct bpe_cand *heap;
	size_t cap;      /* bytes the arrays can serve */
	size_t hcap;     /* heap entries */
};

/*
 * Merges piece[0..n) whose bytes start as ids byte_id[byte], appending
 * the final ids to *out (an array of *out_n used of *out_cap, grown with
 * realloc). Returns 0 or ERR_SOFTWARE. n fits in 32 bits.
 */
int bpe_merge(struct bpe_work *w, const uint8_t *piece, size_t n,
	      const uint32_t byte_id[256], bpe_rank_fn rank, const void *ctx,
	      uint32_t **out, size_t *out_n, size_t *out_cap, struct err *e);

void bpe_work_free(struct bpe_work *w);

/* Appends one id to an id array grown with realloc. 0 or ERR_SOFTWARE. */
int bpe_push(uint32_t **v, size_t *n, size_t *cap, uint32_t id,
	     struct err *e);

#endif
