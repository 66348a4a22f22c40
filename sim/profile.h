#ifndef LLMSIM_PROFILE_H
#define LLMSIM_PROFILE_H
/*
 * Hardware presets for the engine's cost model (docs/llmsim.md and the
 * calibration notes give the sources). Every field can be overridden from
 * the command line after the preset is loaded.
 */
#include "err.h"

struct profile {
	const char *name;
	double t0_ms;       /* fixed step overhead (CPU scheduling) */
	double tw_ms;       /* weight-read floor of one step */
	double c_lin_us;    /* matmul compute per token in the step */
	double c_kv_ns;     /* KV read per context token of each decode */
	double c_attn_ns;   /* causal prefill attention per (query, key) pair */
	double jitter_cv;   /* coefficient of variation of the step time */
	long max_num_seqs;  /* running sequences at most */
	long max_batched;   /* tokens per step (chunked-prefill budget) */
	long kv_tokens;     /* KV cache capacity in tokens */
	long max_model_len; /* context length: prompt + max_tokens at most */
};

/* Fills *p with the preset called name ("h100", "a100"). Returns 0, or
 * ERR_USAGE naming the presets. */
int profile_get(const char *name, struct profile *p, struct err *e);


#endif
