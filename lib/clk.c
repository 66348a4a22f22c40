#include "clk.h"

#include <errno.h>
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

void clk_wall_read(struct clk_wall *w)
{
	int64_t spread, off, d;
	struct clk_anchor a = anchor(&spread);
	int64_t was = w->seen;

	w->seen = a.mono_ns; /* after any read before this call */
	off = a.wall_ns - a.mono_ns;
	d = off - w->off;
	if (!w->off) {
		w->off = off;
		w->spread = spread;
	} else if (spread > CLK_STEP_NS) {
		return; /* interrupted: it cannot tell a step */
	} else if (d > CLK_STEP_NS || d < -CLK_STEP_NS) {
		w->off = off;
		w->spread = spread;
		w->step = d;
		w->step_from = was;
		w->step_seen = a.mono_ns;
		w->steps++;
		if ((d < 0 ? -d : d) > w->step_max)
			w->step_max = d < 0 ? -d : d;
	} else if (w->spread > CLK_NS_PER_US && spread < w->spread) {
		w->off = off; /* a closer reading, while none was within 1 us */
		w->spread = spread;
	}
}

int64_t clk_wall_mono(struct clk_wall *w, int64_t wall_ns)
{
	int64_t t = wall_ns - w->off, before = t + w->step;

	if (!w->step || t > w->step_seen + (w->step < 0 ? -w->step : w->step))
		return t;
	/* Bytes came before the newest reading (made after they were read):
	 * a conversion past it is not theirs. */
	if (t <= w->step_from || t > w->seen)
		return before; /* it came before the step */
	if (before > w->step_seen || before > w->seen)
		return t; /* after it */
	w->bounded++;
	return before > t ? before : t;
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
