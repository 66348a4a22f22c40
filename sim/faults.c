#include "faults.h"

#include <stddef.h>

enum fault fault_pick(const struct sim_conf *c, struct rng *r, double *where)
{
	const struct {
		enum fault f;
		double p;
	} tab[] = {
		{ FAULT_FAIL, c->fail_rate },
		{ FAULT_RATE_LIMIT, c->rate_limit_rate },
		{ FAULT_DISCONNECT, c->disconnect_rate },
		{ FAULT_STALL, c->stall_rate },
		{ FAULT_GARBAGE, c->garbage_rate },
		{ FAULT_ERROR_EVENT, c->error_event_rate },
	};
	double u = rng_uniform(r), acc = 0;
	size_t i;

	*where = rng_uniform(r);

	/* The rates are independent probabilities; when they add up to more
	 * than 1 the later ones are cut short (main rejects that). */
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		acc += tab[i].p;
		if (u < acc)
			return tab[i].f;
	}
	return FAULT_NONE;
}

long fault_at(double where, long out)
{
	long half = out / 2, at = (long)(where * (double)half);

	return half > 0 ? (at < half ? at : half - 1) : 0;
}

const char *fault_name(enum fault f)
{
	static const char *const names[] = {
		"none", "fail", "rate_limit", "disconnect", "stall", "garbage",
		"error_event", "client_gone", "timeout", "shutdown",
	};

	return names[f];
}
