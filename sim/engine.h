#ifndef LLMSIM_ENGINE_H
#define LLMSIM_ENGINE_H
/*
 * A continuous-batching scheduler and step-time cost model in simulated
 * time, with no I/O: the server drives it from a timer, the unit tests
 * from a loop.
 *
 * A step is planned (eng_plan: which sequences decode, which prefill
 * chunks run, which waiting requests are admitted, and how long the step
 * takes) and then committed (eng_commit: the simulated clock advances and
 * every sequence that produced a token is told through the callback).
 * Requests may be added and cancelled between plan and commit.
 *
 * Step order is vLLM V1's: running decodes first (preempting the newest
 * running sequence when a decode needs a KV block and none is free), then
 * prefill chunks of partially prefilled sequences, then FCFS admission
 * while the token budget, max_num_seqs and the free KV blocks above a 1%
 * watermark allow. A preempted sequence goes back to the front of the
 * waiting queue and later recomputes its prompt and the tokens it had.
 *
 * Step time, in ns:
 *   t = T0 + sqrt(Tw^2 + (c_lin N)^2) + c_kv sum(ctx of decodes)
 *         + c_attn sum over prefill chunks k (done + k/2)
 * times a lognormal jitter of mean 1 (seeded).
 *
 * Ownership: eng_new's engine is freed by eng_free. Sequences belong to
 * the engine: a sequence is freed right after the callback that reports
 * its last token, or by eng_cancel; the caller must not use it after.
 */
#include <stdint.h>

#include "profile.h"

#define ENG_BLOCK 16 /* tokens per KV block */

struct eng_seq;

/* token: called at commit for each sequence that produced tokens in the
 * step: ntok new tokens (1); last is non-zero when the sequence is finished
 * (it is freed when the callback returns). admitted: called while a step
 * is planned, the first time a sequence is admitted (once per sequence,
 * never again after a preemption). */
struct eng_cb {
	void (*admitted)(void *user, void *seq_user);
	void (*token)(void *user, void *seq_user, int ntok, int last);
	void *user;
};

struct engine;

/* The most tokens (prompt and output) one sequence may hold in a cache of
 * kv_tokens and still be admitted: the blocks less the watermark kept
 * free. A longer one would wait at the head of the queue for ever, and
 * every request behind it. */
long eng_admissible(long kv_tokens);

/* Returns a new engine for the constants in p (copied), or NULL when out
 * of memory. seed seeds the jitter; jitter is off when p->jitter_cv is 0. */
struct engine *eng_new(const struct profile *p, uint64_t seed,
		       const struct eng_cb *cb);
void eng_free(struct engine *e);

/* Queues a request of prompt tokens (at least 1 is counted) that will
 * produce out tokens (at least 1). Returns the sequence, or NULL when out
 * of memory. The request must fit the KV cache (prompt + out <= kv_tokens,
 * which the caller checks against max_model_len). */
struct eng_seq *eng_add(struct engine *e, long prompt, long out, void *user);

/*
 * Turns automatic prefix caching on (sim/prefix.h): a sequence given its
 * prompt's block hashes (eng_set_blocks) reuses the longest cached prefix
 * of whole blocks and prefills only the rest; once its prompt is computed
 * its full prompt blocks are cached, and cached blocks no sequence uses
 * are evicted least recently used first when KV space is needed. Blocks
 * of generated tokens are not cached. Returns 0, or -1 out of memory.
 */
int eng_prefix_caching(struct engine *e, int on);

/* Gives s (just added, not yet admitted) the hashes of its prompt's full
 * blocks (copied). Without them, or with caching off, nothing is cached
 * for s. Returns 0, or -1 out of memory. */
int eng_set_blocks(struct engine *e, struct eng_seq *s, const uint64_t *hashes,
		   long n);

/* Removes a sequence (client gone): its blocks are freed and no callback
 * will name it again. */
void eng_cancel(struct engine *e, struct eng_seq *s);

/* What a planned step holds. */
struct eng_step {
	double dur_ns;    /* simulated duration */
	long tokens;      /* N: decode tokens plus prefill chunk tokens */
	long decodes;     /* sequences decoding one token */
	long prefill;     /* prefill tokens */
	long admitted;    /* requests admitted in this step */
	long preempted;   /* sequences preempted while planning it */
};

/* Plans the next step. Returns 1 and fills *st when there is work, 0 when
 * nothing is running or admissible (the engine is idle). Must be followed
 * by eng_commit before the next eng_plan. */
int eng_plan(struct engine *e, struct eng_step *st);

/* Ends the planned step: advances the clock by its duration and reports
 * tokens through the callback. */
void eng_commit(struct engine *e);

/* The simulated clock in ns (sum of committed step times). */
double eng_now_ns(const struct engine *e);

/* The step time in ns of a step with the given sums, without jitter
 * (exposed so tests can check the formula). */
double eng_step_ns(const struct profile *p, long n_tokens, double sum_ctx_dec,
		   double sum_attn_pairs);

struct eng_counts {
	long running, waiting;
	long kv_used_blocks, kv_total_blocks; /* used: by running sequences */
	long kv_cached_blocks;  /* prefix cache, used or evictable */
	long prefix_queries, prefix_hits; /* prompt tokens looked up, found */
	int prefix_caching;     /* on: the two above mean something */
	long preemptions; /* since start */
	long tokens_out;  /* output tokens produced since start */
};
void eng_counts(const struct engine *e, struct eng_counts *c);

/* Per-sequence facts for the truth log. */
long eng_seq_preemptions(const struct eng_seq *s);

/* Prompt tokens found in the prefix cache at the sequence's first
 * admission (0 before it, or with caching off). */
long eng_seq_cached(const struct eng_seq *s);

#endif
