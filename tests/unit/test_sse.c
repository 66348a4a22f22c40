#include "check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rng.h"
#include "sse.h"

/*
 * Data-driven cases: tests/data/sse/NAME.events lists, one JSON object a
 * line, what the raw stream NAME.sse (or NAME.ndjson) must yield:
 *   {"config":{"mode":"ndjson","max":N}}   optional first line
 *   {"data":"...","event":"...","id":"...","done":true}   one event
 *     (event/id omitted when empty, done omitted when false)
 *   {"error":true}     the feed must fail here (event over the cap)
 *   {"pending":true}   after the end, an unfinished event was dropped
 * Each stream is fed whole, split at every point in two, byte by byte and
 * at random split points; every way must give the same list.
 */
#define DATADIR "tests/data/sse"

static int collect(void *ctx, const struct sse_event *ev)
{
	json_t *o = json_object();

	json_object_set_new(o, "data", json_stringn(ev->data, ev->data_len));
	if (*ev->event)
		json_object_set_new(o, "event", json_string(ev->event));
	if (*ev->id)
		json_object_set_new(o, "id", json_string(ev->id));
	if (ev->done)
		json_object_set_new(o, "done", json_true());
	json_array_append_new(ctx, o);
	return 0;
}

/* Parses raw cut at the offsets cuts[0..ncut) (ascending). */
static json_t *parse(const char *raw, size_t n, enum sse_mode mode, size_t max,
		     const size_t *cuts, size_t ncut)
{
	json_t *got = json_array();
	struct sse p;
	struct err e;
	size_t at = 0;
	int rc = 0;

	sse_init(&p, mode, max);
	for (size_t i = 0; i <= ncut && !rc; i++) {
		size_t end = i < ncut ? cuts[i] : n;

		rc = sse_feed(&p, raw + at, end - at, collect, got, &e);
		at = end;
	}
	if (!rc)
		rc = sse_finish(&p, collect, got, &e);
	if (rc) {
		assert_int_equal(rc, ERR_DATA);
		json_array_append_new(got, json_pack("{s:b}", "error", 1));
	} else if (sse_pending(&p)) {
		json_array_append_new(got, json_pack("{s:b}", "pending", 1));
	}
	sse_free(&p);
	return got;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	s = malloc((size_t)len + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return s;
}

static void expect_same(json_t *want, json_t *got, const char *name,
			const char *how)
{
	if (!json_equal(want, got)) {
		char *w = json_dumps(want, 0), *g = json_dumps(got, 0);

		fail_msg("%s (%s): expected %s, got %s", name, how, w, g);
	}
	json_decref(got);
}

static void run_case(const char *base)
{
	char path[512];
	json_t *want = json_array(), *cfg = NULL;
	enum sse_mode mode = SSE_MODE_SSE;
	size_t max = 0, n = 0, cuts[64];
	char *raw, line[4096];
	FILE *f;
	struct rng r;

	snprintf(path, sizeof path, DATADIR "/%s.events", base);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);

		if (!o)
			fail_msg("%s: %s", path, je.text);
		if ((cfg = json_object_get(o, "config"))) {
			const char *m = json_string_value(json_object_get(cfg, "mode"));

			if (m && strcmp(m, "ndjson") == 0)
				mode = SSE_MODE_NDJSON;
			max = (size_t)json_integer_value(json_object_get(cfg, "max"));
			json_decref(o);
			continue;
		}
		json_array_append_new(want, o);
	}
	fclose(f);
	snprintf(path, sizeof path, DATADIR "/%s.%s", base,
		 mode == SSE_MODE_NDJSON ? "ndjson" : "sse");
	raw = slurp(path, &n);
	if (!raw)
		fail_msg("cannot read %s", path);

	expect_same(want, parse(raw, n, mode, max, NULL, 0), base, "whole");
	for (size_t i = 0; i <= n; i++)
		expect_same(want, parse(raw, n, mode, max, &i, 1), base, "split in two");
	{
		size_t *every = malloc((n + 1) * sizeof *every);

		for (size_t i = 0; i < n; i++)
			every[i] = i + 1;
		expect_same(want, parse(raw, n, mode, max, every, n), base,
			    "byte by byte");
		free(every);
	}
	rng_seed(&r, 42);
	for (int k = 0; k < 200; k++) {
		size_t nc = (size_t)rng_below(&r, 64), at = 0;

		for (size_t i = 0; i < nc; i++) {
			at += (size_t)rng_below(&r, n / 8 + 2);
			cuts[i] = at < n ? at : n;
		}
		expect_same(want, parse(raw, n, mode, max, cuts, nc), base,
			    "random splits");
	}
	json_decref(want);
	free(raw);
}

static void data_cases(void **state)
{
	DIR *d = opendir(DATADIR);
	struct dirent *de;
	int cases = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char base[256];

		if (l < 8 || strcmp(de->d_name + l - 7, ".events") != 0 ||
		    l - 7 >= sizeof base)
			continue;
		memcpy(base, de->d_name, l - 7);
		base[l - 7] = '\0';
		run_case(base);
		cases++;
	}
	closedir(d);
	/* Guards against a missing folder or files silently passing. */
	assert_true(cases >= 10);
}

static int stop_at_second(void *ctx, const struct sse_event *ev)
{
	(void)ev;
	return ++*(int *)ctx == 2 ? 7 : 0;
}

static void callback_stops_feed(void **state)
{
	const char s[] = "data: a\n\ndata: b\n\ndata: c\n\n";
	struct sse p;
	struct err e;
	int seen = 0;

	(void)state;
	sse_init(&p, SSE_MODE_SSE, 0);
	assert_int_equal(sse_feed(&p, s, sizeof s - 1, stop_at_second, &seen, &e), 7);
	assert_int_equal(seen, 2);
	sse_free(&p);
}

static int note_end(void *ctx, const struct sse_event *ev)
{
	size_t *ends = ctx;

	ends[++ends[0]] = ev->end;
	return 0;
}

/* sse_event.end: where, in the bytes of the call, each event was completed
 * (just past its last line end's first byte). */
static void end_offsets(void **state)
{
	const char a[] = "data: a\n\ndata: b\r\n\r\n: c\n", b[] = "\ndata: d\n";
	size_t ends[8] = {0};
	struct sse p;
	struct err e;

	(void)state;
	sse_init(&p, SSE_MODE_SSE, 0);
	assert_int_equal(sse_feed(&p, a, sizeof a - 1, note_end, ends, &e), 0);
	assert_int_equal(ends[0], 2);
	assert_int_equal(ends[1], 9);  /* the second "\n" is byte 8 */
	assert_int_equal(ends[2], 19); /* the second "\r" is byte 18 */
	/* The comment line's event has no data; the next call completes a
	 * blank line at its first byte: nothing dispatched, no data. */
	assert_int_equal(sse_feed(&p, b, sizeof b - 1, note_end, ends, &e), 0);
	assert_int_equal(ends[0], 2);
	assert_int_equal(sse_feed(&p, "\n", 1, note_end, ends, &e), 0);
	assert_int_equal(ends[0], 3);
	assert_int_equal(ends[3], 1);
	sse_free(&p);
}

static int count(void *ctx, const struct sse_event *ev)
{
	(void)ev;
	++*(int *)ctx;
	return 0;
}

/* After the first events the parser reuses its buffers: no allocation per
 * event in the steady state, whatever the split points. */
static void steady_state_reuses_memory(void **state)
{
	const char s[] = "data: {\"choices\":[{\"delta\":{\"content\":\"tok\"}}]}\n\n";
	struct sse p;
	struct err e;
	char *line, *data;
	int n = 0;

	(void)state;
	sse_init(&p, SSE_MODE_SSE, 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sse_feed(&p, s, 10, count, &n, &e), 0);
		assert_int_equal(sse_feed(&p, s + 10, sizeof s - 11, count, &n, &e), 0);
	}
	line = p.line.p;
	data = p.data.p;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(sse_feed(&p, s, 10, count, &n, &e), 0);
		assert_int_equal(sse_feed(&p, s + 10, sizeof s - 11, count, &n, &e), 0);
	}
	assert_ptr_equal(p.line.p, line);
	assert_ptr_equal(p.data.p, data);
	assert_int_equal(n, 1004);
	sse_free(&p);
}

static void reset_forgets_partial_event(void **state)
{
	const char a[] = "data: partial", b[] = "data: fresh\n\n";
	struct sse p;
	struct err e;
	json_t *got = json_array();

	(void)state;
	sse_init(&p, SSE_MODE_SSE, 0);
	assert_int_equal(sse_feed(&p, a, sizeof a - 1, collect, got, &e), 0);
	assert_true(sse_pending(&p));
	sse_reset(&p);
	assert_false(sse_pending(&p));
	assert_int_equal(sse_feed(&p, b, sizeof b - 1, collect, got, &e), 0);
	assert_int_equal(json_array_size(got), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(got, 0), "data")), "fresh");
	json_decref(got);
	sse_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_cases),
		cmocka_unit_test(callback_stops_feed),
		cmocka_unit_test(end_offsets),
		cmocka_unit_test(steady_state_reuses_memory),
		cmocka_unit_test(reset_forgets_partial_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
