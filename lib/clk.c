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

/* An anchor, and in *spread the time between its two monotonic reads. */
static struct clk_anchor anchor(int64_t *spread)
{
	struct clk_anchor a = {0, 0};
	int64_t best = INT64_MAX;

	for (int i = 0; i < 3 && best > CLK_NS_PER_US; i++) {
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

	return anchor(&spread);
}

/* An anchor for an era's offset: retried until a reading within 1 us (at
 * most 16 times, the closest kept), as the offset is then kept. */
static struct clk_anchor close_anchor(void)
{
	int64_t spread, best = INT64_MAX;
	struct clk_anchor a = {0, 0}, b;

	for (int i = 0; i < 16 && best > CLK_NS_PER_US; i++) {
		b = anchor(&spread);
		if (spread < best) {
			best = spread;
			a = b;
		}
	}
	return a;
}

void clk_wall_read(struct clk_wall *w)
{
	int64_t spread, d;
	struct clk_anchor a = anchor(&spread);
	struct clk_era *cur = &w->era[0];

	w->seen = a.mono_ns; /* after every read made before this call */
	if (!w->n) {
		a = close_anchor();
		*cur = (struct clk_era){a.wall_ns - a.mono_ns, INT64_MIN, a.mono_ns, a.mono_ns};
		w->n = 1;
		return;
	}
	if (spread > CLK_STEP_NS)
		return; /* interrupted: it cannot tell a step */
	d = a.wall_ns - a.mono_ns - cur->off;
	if (d >= -CLK_STEP_NS && d <= CLK_STEP_NS) {
		cur->agreed = a.mono_ns;
		return;
	}
	a = close_anchor();
	d = a.wall_ns - a.mono_ns - cur->off;
	if (d >= -CLK_STEP_NS && d <= CLK_STEP_NS) {
		cur->agreed = a.mono_ns; /* the first reading was off */
		return;
	}
	memmove(&w->era[1], &w->era[0], (CLK_ERAS - 1) * sizeof w->era[0]);
	w->era[0] = (struct clk_era){a.wall_ns - a.mono_ns, w->era[1].agreed, w->seen, a.mono_ns};
	w->n += w->n < CLK_ERAS;
	w->steps++;
	if ((d < 0 ? -d : d) > w->step_max)
		w->step_max = d < 0 ? -d : d;
}

int64_t clk_wall_mono(struct clk_wall *w, int64_t wall_ns)
{
	const struct clk_era *cur = &w->era[0];
	int64_t t = wall_ns - cur->off, best = INT64_MIN, end = w->seen;
	int fit = 0;

	/* After the current era began: an older era's offset could put the
	 * stamp only before its end, earlier than this (so never the
	 * latest). Counted when the era before also fits. */
	if (w->n < 2 || t > cur->hi) {
		if (w->n >= 2 && wall_ns - w->era[1].off <= cur->hi + CLK_STEP_NS)
			w->bounded++;
		return t;
	}
	for (int i = 0; i < w->n; i++) {
		const struct clk_era *e = &w->era[i];
		int64_t c = wall_ns - e->off;

		if (c > e->lo && c <= end + CLK_STEP_NS && c <= w->seen + CLK_STEP_NS) {
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
