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

struct clk_anchor clk_anchor_now(void)
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
	return a;
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
