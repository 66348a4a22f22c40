#include "counts.h"

#include <math.h>

int counts_add(struct counts *c, int warmup, int retried, enum counts_outcome o)
{
	if (warmup || retried)
		return 0;
	c->requests++;
	if (o == COUNTS_OK)
		c->ok++;
	else if (o == COUNTS_CANCELLED)
		c->cancelled++;
	else
		c->failed++;
	return 1;
}

double counts_success_rate(const struct counts *c)
{
	if (c->ok + c->failed == 0)
		return NAN;
	return (double)c->ok / (double)(c->ok + c->failed);
}
