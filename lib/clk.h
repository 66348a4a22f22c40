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

/*
 * The kernel stamps socket reads on the wall clock; llmrun and llmsim move
 * them to the monotonic clock with the offset between the two, read at
 * each wake-up. NTP's slewing moves both clocks alike; a step (settime, a
 * virtual machine's host correcting its guest, seen here at up to half a
 * millisecond every few seconds) moves the wall clock alone, and bytes
 * that waited in a socket across it would be moved by the wrong offset:
 * early or late by the step. So the offset is watched: a reading that
 * differs from the one before by more than CLK_STEP_NS is a step, made
 * between the two readings. A stamp is then moved by the offset before
 * the step if by the one after it would have come before the first
 * reading, by the one after if by the one before it would have come
 * after the second; otherwise (it came near the step) it takes the later
 * of the two: never early, late by at most the step. Read the offset
 * right after the bytes were read, so that only steps between their
 * arrival and the read matter.
 */
#define CLK_STEP_NS (4 * CLK_NS_PER_US)

struct clk_wall {
	int64_t off;       /* wall minus monotonic: kept from reading to reading
			    * until a step (its readings differ by up to 0.5
			    * us, and stamps of the same bytes must be equal,
			    * and never go back, whenever they were moved) */
	int64_t spread;    /* the time its reading took (half is its error) */
	int64_t seen;      /* monotonic time of the newest reading */
	int64_t step;      /* newest step: offset after minus before; 0 none */
	int64_t step_from; /* it was made after the reading at this time */
	int64_t step_seen; /* and before this one, which saw it */
	long steps;        /* steps seen */
	int64_t step_max;  /* the largest step seen, absolute, ns */
	long bounded;      /* stamps near a step, given the later conversion */
};

/* Reads the offset: a reading that differs by more than CLK_STEP_NS from
 * the one kept is a step, and is kept; one not bracketed within
 * CLK_STEP_NS tells nothing. w starts zeroed. */
void clk_wall_read(struct clk_wall *w);

/* Monotonic ns of a kernel stamp of wall_ns under w's readings, the newest
 * of which was made after the bytes were read. */
int64_t clk_wall_mono(struct clk_wall *w, int64_t wall_ns);

/* Epoch ns of a monotonic stamp under an anchor. */
int64_t clk_to_wall(const struct clk_anchor *a, int64_t mono_ns);

/* Sleeps until the monotonic time reaches deadline_ns (absolute;
 * clock_nanosleep with TIMER_ABSTIME, restarted after signals unless
 * *stop becomes non-zero; stop may be NULL). */
void clk_sleep_until(int64_t deadline_ns, volatile int *stop);

#endif
