#include "clk.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static int64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * CLK_NS_PER_S + ts.tv_nsec;
}

int64_t clk_mono_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

int64_t clk_wall_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}

/* An anchor from up to tries readings, the closest kept, stopping at one
 * within target ns; *spread is the time between its two monotonic reads. */
static struct clk_anchor anchor(int tries, int64_t target, int64_t *spread)
{
	struct clk_anchor a = {0, 0};
	int64_t best = INT64_MAX;

	for (int i = 0; i < tries && best > target; i++) {
		int64_t m0 = clk_mono_ns(), w = clk_wall_ns(), m1 = clk_mono_ns();

		if (m1 - m0 < best) {
			best = m1 - m0;
			a.wall_ns = w;
			a.mono_ns = m0 + (m1 - m0) / 2;
		}
	}
	*spread = best;
	return a;
}

struct clk_anchor clk_anchor_now(void)
{
	int64_t spread;

	return anchor(3, CLK_NS_PER_US, &spread);
}

/* An era's offset, kept from then on: from a reading within 1 us, its
 * midpoint (0.5 us at most off); from a wider one, the bound that makes
 * stamps late rather than early (the wall read at the last monotonic). */
static int64_t era_off(struct clk_anchor a, int64_t spread)
{
	return a.wall_ns - a.mono_ns - (spread > CLK_NS_PER_US ? spread / 2 : 0);
}

/* Whether a reading of the offset off, spread wide, agrees with the
 * kept one: within CLK_STEP_NS, and the reading's own error. */
static int agrees(const struct clk_era *e, int64_t off, int64_t spread)
{
	int64_t d = off - e->off, slack = CLK_STEP_NS + (spread > CLK_STEP_NS ? spread / 2 : 0);

	return d >= -slack && d <= slack;
}

void clk_wall_read(struct clk_wall *w)
{
	int64_t spread, by, d;
	struct clk_anchor a = anchor(3, CLK_STEP_NS, &spread);
	struct clk_era *cur = &w->era[0];

	w->seen = a.mono_ns; /* after every read made before this call */
	if (!w->n) {
		a = anchor(16, CLK_NS_PER_US, &spread);
		*cur = (struct clk_era){era_off(a, spread), INT64_MIN, a.mono_ns, a.mono_ns};
		w->n = 1;
		w->floor = spread;
		return;
	}
	/* An interrupted reading is tried again: given up on, it would
	 * leave a step unseen for the bytes just read. Not when the clock
	 * never reads closer (agrees() widens its slack by the spread). */
	if (spread > CLK_STEP_NS && spread > 2 * w->floor) {
		a = anchor(16, CLK_STEP_NS, &spread);
		w->seen = a.mono_ns;
	}
	if (spread < w->floor)
		w->floor = spread;
	if (agrees(cur, a.wall_ns - a.mono_ns, spread)) {
		if (spread <= CLK_STEP_NS)
			cur->agreed = a.mono_ns;
		return;
	}
	/* A step, made by this reading's last monotonic read: confirmed,
	 * and the new offset taken, from a close reading. */
	by = a.mono_ns + spread / 2;
	a = anchor(16, CLK_NS_PER_US, &spread);
	if (agrees(cur, a.wall_ns - a.mono_ns, spread)) {
		if (spread <= CLK_STEP_NS)
			cur->agreed = a.mono_ns; /* the first reading was off */
		return;
	}
	d = era_off(a, spread) - cur->off;
	memmove(&w->era[1], &w->era[0], (CLK_ERAS - 1) * sizeof w->era[0]);
	w->era[0] = (struct clk_era){era_off(a, spread), w->era[1].agreed, by, a.mono_ns};
	if (w->n == CLK_ERAS) /* the oldest dropped: bytes of its time fit none */
		w->era[CLK_ERAS - 1].lo = w->era[CLK_ERAS - 1].hi + CLK_STEP_NS;
	else
		w->n++;
	w->steps++;
	if ((d < 0 ? -d : d) > w->step_max)
		w->step_max = d < 0 ? -d : d;
}

int64_t clk_wall_mono(struct clk_wall *w, int64_t wall_ns)
{
	const struct clk_era *cur = &w->era[0];
	int64_t t = wall_ns - cur->off, best = INT64_MIN, end = w->seen;
	int fit = 0;

	/* After the current era began (and not past the newest reading): an
	 * older era's offset could put the stamp only before its end, earlier
	 * than this (so never the latest). Counted when the era before also
	 * fits. */
	if (w->n < 2 || (t > cur->hi && t <= w->seen + CLK_STEP_NS)) {
		if (w->n >= 2 && wall_ns - w->era[1].off <= cur->hi + CLK_STEP_NS)
			w->bounded++;
		return t;
	}
	for (int i = 0; i < w->n; i++) {
		const struct clk_era *e = &w->era[i];
		int64_t c = wall_ns - e->off;

		/* lo and hi are readings' midpoints: a step may lie within
		 * CLK_STEP_NS of them (half a trusted reading's spread, and
		 * the kept offset's error). */
		if (c + CLK_STEP_NS > e->lo && c <= end + CLK_STEP_NS && c <= w->seen + CLK_STEP_NS) {
			fit++;
			if (c > best)
				best = c;
		}
		end = e->hi; /* the next older era ended before this one began */
	}
	if (fit != 1)
		w->bounded++;
	return fit ? best : w->seen;
}

int64_t clk_to_wall(const struct clk_anchor *a, int64_t mono_ns)
{
	return a->wall_ns + (mono_ns - a->mono_ns);
}

void clk_sleep_until(int64_t deadline_ns, volatile int *stop)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / CLK_NS_PER_S,
		.tv_nsec = deadline_ns % CLK_NS_PER_S,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		if (stop && *stop)
			return;
}
