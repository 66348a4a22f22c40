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
 * error). */
struct clk_anchor clk_anchor_now(void);

/*
 * The kernel stamps socket reads on the wall clock; llmrun and llmsim move
 * them to the monotonic clock with the offset between the two. NTP's
 * slewing moves both clocks alike; a step (settime, a virtual machine's
 * host correcting its guest, seen here at up to half a millisecond every
 * few seconds) moves the wall clock alone, and bytes that waited in a
 * socket across it would be moved by the wrong offset: early or late by
 * the step.
 *
 * So the offset is watched. Readings (as a loop wakes, after each stamped
 * read) that agree with the kept offset within CLK_STEP_NS (and, for a
 * reading whose clock reads were further apart, which is retried, within
 * its own error) extend its era; one that differs by more is a step, made
 * after the era's last agreeing reading (within CLK_STEP_NS) and before
 * this one, and starts a new era. The offset of an era is set from a
 * reading within 1 us (retried for; failing that, the bound that makes
 * stamps late) and then kept, so the same bytes get the same stamp
 * whenever they are moved. A stamp is moved by each era's offset that
 * puts it inside that era (and no later than the newest reading, which
 * came after its read); of those, the latest: exact when only one era
 * fits, and never early, late by at most the steps it may have crossed,
 * when several do. CLK_ERAS eras are kept; bytes older than all of them
 * fit none and take the newest reading's time (late). What it cannot
 * see: steps of CLK_STEP_NS or less (a stamp may be early by that much),
 * and several steps between two readings (early by up to the smaller).
 */
#define CLK_STEP_NS (4 * CLK_NS_PER_US)
#define CLK_ERAS 8

struct clk_era {
	int64_t off;    /* wall minus monotonic time */
	int64_t lo;     /* the step into it came after this reading (within
			 * CLK_STEP_NS: readings are midpoints) ... */
	int64_t hi;     /* ... and no later than this one, which saw it */
	int64_t agreed; /* the newest reading that agreed with off */
};

struct clk_wall {
	struct clk_era era[CLK_ERAS]; /* [0] the current, then older ones */
	int n;                        /* eras known */
	int64_t seen;                 /* the newest reading, trusted or not */
	int64_t floor;                /* the closest reading's spread: on a
				       * slow clock source none is within
				       * CLK_STEP_NS, and retries are vain */
	long steps;                   /* steps seen */
	int64_t step_max;             /* the largest, absolute, ns */
	long bounded;                 /* conversions that more than one era
				       * fitted (given the latest) or none
				       * (given the newest reading) */
};

/* Reads the offset (w starts zeroed: the first reading sets it). A
 * reading not bracketed within CLK_STEP_NS is retried (unless the clock
 * never reads closer), and tells only steps larger than its error. */
void clk_wall_read(struct clk_wall *w);

/* Monotonic ns of a kernel stamp of wall_ns, under w's readings, the
 * newest of which was made after the bytes were read. */
int64_t clk_wall_mono(struct clk_wall *w, int64_t wall_ns);

/* Epoch ns of a monotonic stamp under an anchor. */
int64_t clk_to_wall(const struct clk_anchor *a, int64_t mono_ns);

/* Sleeps until the monotonic time reaches deadline_ns (absolute;
 * clock_nanosleep with TIMER_ABSTIME, restarted after signals unless
 * *stop becomes non-zero; stop may be NULL). */
void clk_sleep_until(int64_t deadline_ns, volatile int *stop);

#endif
