#ifndef LLMBENCH_COUNTS_H
#define LLMBENCH_COUNTS_H
/*
 * How requests are counted, shared by llmrun's end-of-step summary and
 * llmanalyze so the two report the same numbers (docs/metrics.md,
 * "Counts"):
 *   requests   every non-warmup row that ended its request; a failed
 *              attempt that was retried (retried=1) is not an end
 *   ok         requests with status ok
 *   failed     requests with an error class other than cancelled
 *   cancelled  requests cut off by the user (Ctrl-C), counted apart
 *   success    ok / (ok + failed): a cancelled request says nothing
 *              about the server, so it is in neither side
 * requests = ok + failed + cancelled. No allocation; the struct is the
 * caller's.
 */
#include <stddef.h>

enum counts_outcome { COUNTS_OK, COUNTS_FAILED, COUNTS_CANCELLED };

struct counts {
	size_t requests, ok, failed, cancelled;
};

/* Counts one row. Returns 1 when it counts as a request, 0 when it is
 * warmup or a retried attempt and was left out. */
int counts_add(struct counts *c, int warmup, int retried, enum counts_outcome o);

/* ok / (ok + failed); NaN when both are 0. */
double counts_success_rate(const struct counts *c);

#endif
