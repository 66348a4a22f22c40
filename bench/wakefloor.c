/*
 * wakefloor: how late this machine runs a process that asked to wake up.
 *   wakefloor [COUNT [SLEEP_US]]
 * Sleeps COUNT times (default 2000) for SLEEP_US (default 1000) to an
 * absolute deadline and prints how far past it each wake-up came: p50,
 * p90, p99 and max in ms, and the policy it ran under. It asks for
 * SCHED_FIFO first (root), so that on an idle machine no other task
 * can be the reason; timer slack is set to 1 ns, as llmrun does.
 *
 * A client can be no more punctual than this: a send that comes due while
 * the process is not running waits for it, and so does the read of a
 * chunk. On a VM whose host takes the virtual CPU away for milliseconds
 * now and then, the max is that, whatever the client's code.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "clk.h"
#include "stats.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	long us = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
	struct sched_param sp = {.sched_priority = 5};
	const char *policy = "SCHED_FIFO";
	struct stats_summary s;
	double *late;

	if (n < 1 || us < 1 || argc > 3) {
		fprintf(stderr, "usage: wakefloor [COUNT [SLEEP_US]]\n");
		return 64;
	}
	if (!(late = malloc((size_t)n * sizeof *late))) {
		fprintf(stderr, "wakefloor: out of memory\n");
		return 70;
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		policy = "SCHED_OTHER (no SCHED_FIFO: not root)";
	(void)prctl(PR_SET_TIMERSLACK, 1UL);
	for (long i = 0; i < n; i++) {
		int64_t due = clk_mono_ns() + us * CLK_NS_PER_US;

		clk_sleep_until(due, NULL);
		late[i] = (double)(clk_mono_ns() - due) / 1e6;
	}
	stats_summarize(late, (size_t)n, &s);
	printf("%ld sleeps of %ld us under %s: late p50 %.3f ms, p90 %.3f ms, "
	       "p99 %.3f ms, max %.3f ms\n", n, us, policy, s.p50, s.p90, s.p99, s.max);
	free(late);
	return 0;
}
