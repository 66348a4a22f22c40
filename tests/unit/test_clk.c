#include "check.h"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clk.h"

/* A clock the tests set: while fake is on, the monotonic clock reads
 * fake_mono (each reading advances it by fake_tick, so an anchor's
 * readings are 2 ticks apart) and the wall clock fake_mono + fake_off.
 * Otherwise the kernel's. lib/clk reads both through clock_gettime. */
static int fake;
static int64_t fake_mono, fake_off, fake_tick = 100;

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int64_t v;

	if (!fake)
		return (int)syscall(SYS_clock_gettime, id, ts);
	v = id == CLOCK_REALTIME ? fake_mono + fake_off : fake_mono;
	fake_mono += fake_tick;
	ts->tv_sec = v / CLK_NS_PER_S;
	ts->tv_nsec = v % CLK_NS_PER_S;
	return 0;
}

/* Readings of w every `every` ns from the fake clock's time to until. */
static void readings(struct clk_wall *w, int64_t until, int64_t every)
{
	for (; fake_mono < until; fake_mono += every)
		clk_wall_read(w);
}

static void monotonic_never_goes_back(void **state)
{
	int64_t prev = clk_mono_ns(), now;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		now = clk_mono_ns();
		assert_true(now >= prev);
		prev = now;
	}
}

static void anchor_maps_to_wall_clock(void **state)
{
	struct clk_anchor a = clk_anchor_now();
	int64_t w = clk_to_wall(&a, clk_mono_ns()), real = clk_wall_ns();

	(void)state;
	/* 2020-01-01 as a sanity floor; both readings within a second. */
	assert_true(w > 1577836800LL * CLK_NS_PER_S);
	assert_true(real - w < CLK_NS_PER_S && w - real < CLK_NS_PER_S);
	assert_int_equal(clk_to_wall(&a, a.mono_ns + 5), a.wall_ns + 5);
}

/* Bytes stamped by the kernel at monotonic time m while the offset was off:
 * their wall-clock stamp. */
static int64_t stamp_at(int64_t m, int64_t off)
{
	return m + off;
}

/* A step of the wall clock by half a millisecond, made between the
 * readings at 9.9 and 10 ms, all bytes read by the newest reading at 60 ms:
 * bytes that came before the first reading or after the second are moved
 * by their own offset, exactly; bytes that came between the two take the
 * later of the two conversions (never early, late by at most the step).
 * Both directions. */
static void wall_step_never_makes_a_stamp_early(void **state)
{
	const int64_t ms = CLK_NS_PER_MS, us = CLK_NS_PER_US, off0 = 1000 * CLK_NS_PER_S;

	(void)state;
	for (int dir = -1; dir <= 1; dir += 2) {
		int64_t step = dir * ms / 2, off1 = off0 + step;
		struct clk_wall w = {.era = {{off1, 10 * ms - 100 * us, 10 * ms, 60 * ms},
					     {off0, INT64_MIN, 0, 10 * ms - 100 * us}},
				     .n = 2, .seen = 60 * ms, .steps = 1};
		int64_t waited = clk_wall_mono(&w, stamp_at(9 * ms, off0));
		int64_t just = clk_wall_mono(&w, stamp_at(10 * ms - 100 * us, off0));
		int64_t near = clk_wall_mono(&w, stamp_at(10 * ms - 50 * us, off0));
		int64_t came = clk_wall_mono(&w, stamp_at(10 * ms + 200 * us, off1));
		int64_t later = clk_wall_mono(&w, stamp_at(50 * ms, off1));

		assert_int_equal(waited, 9 * ms);
		assert_int_equal(came, 10 * ms + 200 * us);
		assert_int_equal(later, 50 * ms);
		assert_true(near >= 10 * ms - 50 * us && near <= 10 * ms - 50 * us + ms / 2);
		/* Forward by more than the time between the readings, every
		 * stamp is told apart; back, those within the step of the
		 * readings are bounded (the last exact all the same). */
		if (dir > 0) {
			assert_int_equal(near, 10 * ms - 50 * us);
			assert_int_equal(just, 10 * ms - 100 * us);
			assert_int_equal(w.bounded, 0);
		} else {
			assert_true(just >= 10 * ms - 100 * us && just <= 10 * ms - 100 * us + ms / 2);
			assert_int_equal(w.bounded, 3);
		}
	}
}

/* Bytes that waited across two steps (forward at 37 ms, back at 74 ms,
 * readings every millisecond): the era they came in is among those that
 * fit, so their stamp is not early; with only the newest step known, it
 * came out 300 us early. Both orders. */
static void two_steps_while_bytes_wait(void **state)
{
	const int64_t ms = CLK_NS_PER_MS, us = CLK_NS_PER_US, off0 = 1000 * CLK_NS_PER_S;

	(void)state;
	for (int dir = -1; dir <= 1; dir += 2) {
		struct clk_wall w = {0};
		int64_t arrived = 36 * ms + 900 * us, wall, t;

		fake = 1;
		fake_tick = 100;
		fake_mono = 1 * ms;
		fake_off = off0;
		readings(&w, arrived, ms);
		wall = arrived + fake_off;
		readings(&w, 37 * ms, ms);
		fake_off = off0 + dir * 300 * us;
		readings(&w, 74 * ms, ms);
		fake_off = off0;
		readings(&w, 75 * ms, ms);
		t = clk_wall_mono(&w, wall);
		fake = 0;
		assert_int_equal(w.steps, 2);
		assert_true(t >= arrived);
		assert_true(t <= arrived + 300 * us + 2 * us);
	}
}

/* A reading that cannot tell a step (interrupted: its clocks read 6 us
 * apart) right after one: the step is still placed after the last reading
 * that agreed, so bytes that came after it are not taken for bytes from
 * before it (they were 300 us early when it was placed after the
 * interrupted reading). */
static void interrupted_reading_after_a_step(void **state)
{
	const int64_t ms = CLK_NS_PER_MS, us = CLK_NS_PER_US, off0 = 1000 * CLK_NS_PER_S;
	struct clk_wall w = {0};
	int64_t arrived = 10 * ms + 70 * us, t;

	(void)state;
	fake = 1;
	fake_tick = 100;
	fake_mono = 10 * ms;
	fake_off = off0;
	clk_wall_read(&w);
	fake_mono = 10 * ms + 50 * us;
	fake_off = off0 - 300 * us; /* the step */
	fake_mono = 10 * ms + 103 * us;
	fake_tick = 3 * us;
	clk_wall_read(&w);
	fake_tick = 100;
	assert_int_equal(w.steps, 0);
	fake_mono = 10 * ms + 200 * us;
	clk_wall_read(&w);
	t = clk_wall_mono(&w, arrived + fake_off);
	fake = 0;
	assert_int_equal(w.steps, 1);
	assert_int_equal(t, arrived);
}

/* Without a step a stamp moves by the offset alone; a reading of the real
 * clocks sets the offset, and two readings in a row see no step. */
static void wall_offset_without_a_step(void **state)
{
	struct clk_wall w = {0};
	struct clk_anchor a;

	(void)state;
	clk_wall_read(&w);
	a = clk_anchor_now();
	assert_true(w.era[0].off - (a.wall_ns - a.mono_ns) < CLK_STEP_NS &&
		    (a.wall_ns - a.mono_ns) - w.era[0].off < CLK_STEP_NS);
	assert_int_equal(clk_wall_mono(&w, w.era[0].off + 12345), 12345);
	/* A later reading keeps the offset: the same bytes get the same
	 * stamp whenever they are moved (a step of over CLK_STEP_NS in
	 * between would be the machine's own, microseconds apart). */
	{
		int64_t off = w.era[0].off, seen = w.seen;

		clk_wall_read(&w);
		assert_int_equal(w.era[0].off, off);
		assert_true(w.seen >= seen);
	}
	assert_int_equal(w.steps, 0);
	assert_int_equal(w.bounded, 0);
}

static void sleep_until_reaches_deadline(void **state)
{
	int64_t t0 = clk_mono_ns();

	(void)state;
	clk_sleep_until(t0 + 2 * CLK_NS_PER_MS, NULL);
	assert_true(clk_mono_ns() >= t0 + 2 * CLK_NS_PER_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(monotonic_never_goes_back),
		cmocka_unit_test(anchor_maps_to_wall_clock),
		cmocka_unit_test(wall_step_never_makes_a_stamp_early),
		cmocka_unit_test(wall_offset_without_a_step),
		cmocka_unit_test(two_steps_while_bytes_wait),
		cmocka_unit_test(interrupted_reading_after_a_step),
		cmocka_unit_test(sleep_until_reaches_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
