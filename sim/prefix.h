#ifndef LLMSIM_PREFIX_H
#define LLMSIM_PREFIX_H
/*
 * Automatic prefix caching, as vLLM's: a prompt's token ids are cut into
 * blocks of PC_BLOCK tokens, and each full block is named by a hash of its
 * ids and of the hash of the block before it, so equal hashes mean equal
 * prefixes. The cache maps hashes to physical KV blocks with a reference
 * count (the running sequences using the block); a block no sequence uses
 * stays cached, on an LRU list, until its space is needed.
 *
 * This module only keeps the map and the LRU order; the engine decides
 * when blocks are taken, shared and evicted, and does the KV accounting.
 *
 * Ownership: pc_new's cache is freed by pc_free, which frees its blocks;
 * a block pointer is valid while its reference count is above 0 or until
 * the next pc_evict.
 */
#include <stddef.h>
#include <stdint.h>

#define PC_BLOCK 16

struct pc_block {
	uint64_t hash;
	long ref;                              /* sequences using it */
	struct pc_block *lru_prev, *lru_next;  /* while ref == 0 */
	struct pc_block *hnext;                /* hash chain */
};

struct pcache;

/* A cache for at most max_blocks blocks (the table is sized for it).
 * NULL when out of memory. */
struct pcache *pc_new(long max_blocks);
void pc_free(struct pcache *pc);

/* Writes the hashes of the n / PC_BLOCK full blocks of ids[0..n) to out
 * (room for n / PC_BLOCK) and returns how many. */
size_t pc_hash_blocks(const uint32_t *ids, size_t n, uint64_t *out);

/* The block with this hash, or NULL. */
struct pc_block *pc_find(const struct pcache *pc, uint64_t hash);

/* A new block for hash (which must not be cached), with one reference.
 * NULL when out of memory. */
struct pc_block *pc_insert(struct pcache *pc, uint64_t hash);

void pc_ref(struct pcache *pc, struct pc_block *b);

/* Drops a reference; at 0 the block becomes the most recently used of
 * the evictable ones. */
void pc_unref(struct pcache *pc, struct pc_block *b);

/* Frees the least recently used block no sequence uses. Returns 1, or 0
 * when every cached block is in use. */
int pc_evict(struct pcache *pc);

long pc_blocks(const struct pcache *pc); /* cached blocks */
long pc_idle(const struct pcache *pc);   /* of them, evictable (ref 0) */

#endif
