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
/* Optional: the offset as a function of the monotonic time (a schedule
 * of steps), and a number of reads slowed to 3 us each (an interrupted
 * reading, whose retry goes through). */
static int64_t (*fake_off_at)(int64_t mono);
static int fake_slow;

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int64_t v;

	if (!fake)
		return (int)syscall(SYS_clock_gettime, id, ts);
	if (fake_off_at)
		fake_off = fake_off_at(fake_mono);
	v = id == CLOCK_REALTIME ? fake_mono + fake_off : fake_mono;
	fake_mono += fake_slow > 0 ? (fake_slow--, 3 * CLK_NS_PER_US) : fake_tick;
	ts->tv_sec = v / CLK_NS_PER_S;
	ts->tv_nsec = v % CLK_NS_PER_S;
	return 0;
}

/* The fake clock from monotonic time mono, the wall clock off ahead. */
static void fake_start(int64_t mono, int64_t off)
{
	fake = 1;
	fake_tick = 100;
	fake_mono = mono;
	fake_off = off;
}

/* A test's teardown: the kernel's clock again, whatever failed. */
static int real_clock(void **state)
{
	(void)state;
	fake = 0;
	fake_tick = 100;
	fake_off_at = NULL;
	fake_slow = 0;
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

		fake_start(1 * ms, off0);
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

/* Readings whose clock reads come 6 us apart (an interrupted thread, a
 * slow clock source) right after a step and the read of bytes that came
 * after it: the step is still seen (it is far larger than such a
 * reading's error), so the bytes are not taken for bytes from before it
 * (300 us early when such readings were given up on, or when the step was
 * placed after them). */
static void interrupted_reading_after_a_step(void **state)
{
	const int64_t ms = CLK_NS_PER_MS, us = CLK_NS_PER_US, off0 = 1000 * CLK_NS_PER_S;
	struct clk_wall w = {0};
	int64_t arrived = 10 * ms + 70 * us, t;

	(void)state;
	fake_start(10 * ms, off0);
	clk_wall_read(&w);
	fake_off = off0 - 300 * us; /* the step, at 10.05 ms */
	fake_mono = 10 * ms + 103 * us;
	fake_tick = 3 * us;
	clk_wall_read(&w);
	t = clk_wall_mono(&w, arrived + fake_off);
	assert_int_equal(w.steps, 1);
	assert_true(t >= arrived && t <= arrived + CLK_STEP_NS);
	/* A good reading later agrees, and changes nothing. */
	fake_tick = 100;
	fake_mono = 10 * ms + 200 * us;
	clk_wall_read(&w);
	assert_int_equal(w.steps, 1);
	assert_int_equal(clk_wall_mono(&w, arrived + fake_off), t);
}

/* More steps than eras kept, one a millisecond, while bytes wait: they
 * fit no era kept, and take the newest reading's time (late). Before the
 * fix they fitted the oldest era kept, whose lower bound was the dropped
 * one's: early by that era's step. */
static void bytes_older_than_the_eras_kept(void **state)
{
	const int64_t ms = CLK_NS_PER_MS, us = CLK_NS_PER_US, off0 = 1000 * CLK_NS_PER_S;
	struct clk_wall w = {0};
	int64_t arrived = 1 * ms + 400 * us, wall, t;

	(void)state;
	fake_start(1 * ms, off0);
	clk_wall_read(&w);
	wall = arrived + fake_off;
	fake_mono = 2 * ms;
	for (int k = 1; k <= CLK_ERAS + 1; k++) {
		fake_off = off0 + k * 100 * us; /* a step before each reading */
		clk_wall_read(&w);
		fake_mono += ms;
		t = clk_wall_mono(&w, wall);
		assert_true(t >= arrived);
	}
	assert_int_equal(w.steps, CLK_ERAS + 1);
	assert_true(t <= w.seen);
}

/* Event ends of one peek, around a step: stamps stay in the order the
 * bytes came (run/kstamp.c bounds the earlier by the later); here lib/clk
 * alone: an earlier event may come out later than a later one, never
 * earlier than itself. */
static void stamps_near_a_step_never_early(void **state)
{
	const int64_t ms = CLK_NS_PER_MS, us = CLK_NS_PER_US, off0 = 1000 * CLK_NS_PER_S;
	struct clk_wall w = {0};
	int64_t before = 10 * ms - 10 * us, after = 10 * ms + 10 * us, tb, ta;

	(void)state;
	fake_start(9 * ms, off0);
	clk_wall_read(&w);
	fake_mono = 10 * ms + 50 * us;
	fake_off = off0 - 300 * us; /* stepped back at 10 ms */
	clk_wall_read(&w);
	tb = clk_wall_mono(&w, before + off0);
	ta = clk_wall_mono(&w, after + fake_off);
	assert_true(tb >= before && tb <= before + 300 * us + CLK_STEP_NS);
	assert_true(ta >= after && ta <= after + CLK_STEP_NS);
}

/* A schedule of steps for random_steps_never_early. */
#define SIM_STEPS 64
static int64_t sim_at[SIM_STEPS], sim_by[SIM_STEPS];
static int sim_n;

static int64_t sim_off(int64_t mono)
{
	int64_t off = 1000 * CLK_NS_PER_S;

	for (int i = 0; i < sim_n && sim_at[i] <= mono; i++)
		off += sim_by[i];
	return off;
}

/* A small generator of its own (the test's numbers must not depend on
 * lib/rng, nor it on this). */
static uint64_t sim_rand(uint64_t *s, uint64_t n)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (*s >> 33) % n;
}

/*
 * Random runs, as the review's simulation: 200 ms each, readings every
 * 0.05 to 3 ms (one in five interrupted: its first reads 3 us apart),
 * steps of 12 to 558 us either way, at most one between two readings
 * (lib/clk's premise: more are early by up to the smaller),
 * bytes that wait 0 to 40 ms before their read (a reading right after
 * it). No stamp may be early by more than 1 us (an era's offset is read
 * to 0.1 us here).
 */
static void random_steps_never_early(void **state)
{
	const int64_t us = CLK_NS_PER_US, ms = CLK_NS_PER_MS;
	uint64_t seed = 42;
	long stamps = 0, early = 0;
	int64_t worst = 0;

	(void)state;
	fake_start(0, 0);
	fake_off_at = sim_off;
	for (int run = 0; run < 200; run++) {
		struct clk_wall w = {0};
		int64_t reads[512], arrive[64], when[64];
		int nr = 0, nb = 0;

		/* Readings, and a step now and then between two of them. */
		sim_n = 0;
		for (int64_t t = ms; t < 200 * ms && nr < 512; t += 50 * us + (int64_t)sim_rand(&seed, 3 * ms))
			reads[nr++] = t;
		for (int i = 1; i < nr && sim_n < SIM_STEPS; i++)
			if (reads[i] - reads[i - 1] > 100 * us && sim_rand(&seed, 4) == 0) {
				/* 40 us clear of the readings, which take that
				 * long at most here (an interrupted one retried) */
				sim_at[sim_n] = reads[i - 1] + 40 * us +
					(int64_t)sim_rand(&seed, (uint64_t)(reads[i] - reads[i - 1] - 80 * us));
				sim_by[sim_n++] = (sim_rand(&seed, 2) ? 1 : -1) * (12 + (int64_t)sim_rand(&seed, 547)) * us;
			}
		/* Bytes, in order of their read. */
		for (int64_t t = 2 * ms; nb < 64; t += (int64_t)sim_rand(&seed, 3 * ms)) {
			arrive[nb] = t + (int64_t)sim_rand(&seed, ms);
			when[nb] = arrive[nb] + (int64_t)sim_rand(&seed, 40 * ms);
			nb++;
		}
		for (int i = 1; i < nb; i++) /* insertion sort by read */
			for (int j = i; j > 0 && when[j] < when[j - 1]; j--) {
				int64_t a = arrive[j], b = when[j];

				arrive[j] = arrive[j - 1], when[j] = when[j - 1];
				arrive[j - 1] = a, when[j - 1] = b;
			}
		fake_mono = 0;
		for (int i = 0, b = 0; i < nr || b < nb;) {
			if (b >= nb || (i < nr && reads[i] <= when[b])) {
				if (fake_mono < reads[i])
					fake_mono = reads[i];
				fake_slow = sim_rand(&seed, 5) == 0 ? 9 : 0;
				clk_wall_read(&w);
				i++;
			} else {
				int64_t wall = arrive[b] + sim_off(arrive[b]), t;

				if (fake_mono < when[b])
					fake_mono = when[b];
				fake_slow = 0;
				clk_wall_read(&w); /* after the read, as callers do */
				t = clk_wall_mono(&w, wall);
				stamps++;
				if (t < arrive[b] - us)
					early++;
				if (arrive[b] - t > worst)
					worst = arrive[b] - t;
				b++;
			}
		}
	}
	fake = 0;
	fake_off_at = NULL;
	if (early)
		fail_msg("%ld of %ld stamps early, the worst by %lld ns", early, stamps, (long long)worst);
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
		cmocka_unit_test_teardown(two_steps_while_bytes_wait, real_clock),
		cmocka_unit_test_teardown(interrupted_reading_after_a_step, real_clock),
		cmocka_unit_test_teardown(bytes_older_than_the_eras_kept, real_clock),
		cmocka_unit_test_teardown(stamps_near_a_step_never_early, real_clock),
		cmocka_unit_test_teardown(random_steps_never_early, real_clock),
		cmocka_unit_test(sleep_until_reaches_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
