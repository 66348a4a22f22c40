#ifndef LLMBENCH_CLK_H
#define LLMBENCH_CLK_H
/*
 * Time. Intervals come from the monotonic clock, in nanoseconds; a run
 * takes one anchor (a pair of monotonic and wall-clock readings taken
 * together) and turns monotonic stamps into epoch nanoseconds with it, so
 * every event is read from the clock once, where it happens.
 */
#include <stdint.h>

#define CLK_NS_PER_US 1000LL
#define CLK_NS_PER_MS 1000000LL
#define CLK_NS_PER_S 1000000000LL

/* Monotonic time in ns (CLOCK_MONOTONIC), arbitrary origin. */
int64_t clk_mono_ns(void);

/* Wall-clock time in ns since the Unix epoch (CLOCK_REALTIME). */
int64_t clk_wall_ns(void);

struct clk_anchor {
	int64_t mono_ns; /* monotonic reading */
	int64_t wall_ns; /* wall-clock reading taken at the same moment */
};

/* Takes an anchor: the wall reading is bracketed by two monotonic ones and
 * paired with their midpoint, so it is off by at most half the time between
 * them. Of up to three readings the tightest is kept; one within 1 us ends
 * the search (so an interrupt between the reads costs a retry, not an
 * error). wall_ns - mono_ns is also the offset that moves the kernel's
 * wall-clock socket stamps to the monotonic clock. */
struct clk_anchor clk_anchor_now(void);

/* Epoch ns of a monotonic stamp under an anchor. */
int64_t clk_to_wall(const struct clk_anchor *a, int64_t mono_ns);

/* Sleeps until the monotonic time reaches deadline_ns (absolute;
 * clock_nanosleep with TIMER_ABSTIME, restarted after signals unless
 * *stop becomes non-zero; stop may be NULL). */
void clk_sleep_until(int64_t deadline_ns, volatile int *stop);

#endif
