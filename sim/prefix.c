#include "prefix.h"

#include <stdlib.h>

#include "rng.h"

struct pcache {
	struct pc_block **tab;
	size_t mask;
	long n, idle;
	struct pc_block *lru_head, *lru_tail; /* head: evicted first */
};

struct pcache *pc_new(long max_blocks)
{
	struct pcache *pc = calloc(1, sizeof *pc);
	size_t cap = 64;

	if (!pc)
		return NULL;
	while (cap < (size_t)(max_blocks > 0 ? max_blocks : 1) * 2)
		cap *= 2;
	if (!(pc->tab = calloc(cap, sizeof *pc->tab))) {
		free(pc);
		return NULL;
	}
	pc->mask = cap - 1;
	return pc;
}

void pc_free(struct pcache *pc)
{
	if (!pc)
		return;
	for (size_t i = 0; i <= pc->mask; i++)
		for (struct pc_block *b = pc->tab[i], *nx; b; b = nx) {
			nx = b->hnext;
			free(b);
		}
	free(pc->tab);
	free(pc);
}



size_t pc_hash_blocks(const uint32_t *ids, size_t n, uint64_t *out)
{
	uint64_t h = 0x6c6c6d73696d0001ULL; /* the chain's start */
	size_t nb = n / PC_BLOCK;

	for (size_t b = 0; b < nb; b++) {
		for (size_t i = 0; i < PC_BLOCK; i++)
			h = rng_mix64(h ^ (ids[b * PC_BLOCK + i] + 0x9e3779b97f4a7c15ULL));
		out[b] = h;
	}
	return nb;
}

struct pc_block *pc_find(const struct pcache *pc, uint64_t hash)
{
	struct pc_block *b = pc->tab[hash & pc->mask];

	while (b && b->hash != hash)
		b = b->hnext;
	return b;
}

struct pc_block *pc_insert(struct pcache *pc, uint64_t hash)
{
	struct pc_block *b = calloc(1, sizeof *b), **slot = &pc->tab[hash & pc->mask];

	if (!b)
		return NULL;
	b->hash = hash;
	b->ref = 1;
	b->hnext = *slot;
	*slot = b;
	pc->n++;
	return b;
}

static void lru_remove(struct pcache *pc, struct pc_block *b)
{
	if (b->lru_prev)
		b->lru_prev->lru_next = b->lru_next;
	else
		pc->lru_head = b->lru_next;
	if (b->lru_next)
		b->lru_next->lru_prev = b->lru_prev;
	else
		pc->lru_tail = b->lru_prev;
	b->lru_prev = b->lru_next = NULL;
	pc->idle--;
}

void pc_ref(struct pcache *pc, struct pc_block *b)
{
	if (b->ref++ == 0)
		lru_remove(pc, b);
}

void pc_unref(struct pcache *pc, struct pc_block *b)
{
	if (--b->ref > 0)
		return;
	b->lru_next = NULL;
	b->lru_prev = pc->lru_tail;
	if (pc->lru_tail)
		pc->lru_tail->lru_next = b;
	else
		pc->lru_head = b;
	pc->lru_tail = b;
	pc->idle++;
}

int pc_evict(struct pcache *pc)
{
	struct pc_block *b = pc->lru_head, **p;

	if (!b)
		return 0;
	lru_remove(pc, b);
	for (p = &pc->tab[b->hash & pc->mask]; *p != b; p = &(*p)->hnext)
		;
	*p = b->hnext;
	free(b);
	pc->n--;
	return 1;
}

long pc_blocks(const struct pcache *pc)
{
	return pc->n;
}

long pc_idle(const struct pcache *pc)
{
	return pc->idle;
}
