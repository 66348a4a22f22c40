/*
 * libFuzzer entry for lib/sse.c. The first byte picks the mode, a small cap
 * and where the input is cut; the parser must never crash, must respect the
 * cap and must give the same events however the input is cut.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "fuzz.h"
#include "err.h"
#include "sse.h"



struct tally {
	uint64_t hash; /* folds every event's fields, in order */
	size_t n;
	size_t max;
};

static int fold(void *ctx, const struct sse_event *ev)
{
	struct tally *t = ctx;

	if (ev->data_len > t->max)
		die("event longer than the cap");
	if (ev->data[ev->data_len] != '\0')
		die("event data not NUL-terminated");
	for (size_t i = 0; i < ev->data_len; i++)
		t->hash = (t->hash ^ (uint8_t)ev->data[i]) * 1099511628211u;
	for (const char *s = ev->event; *s; s++)
		t->hash = (t->hash ^ (uint8_t)*s) * 1099511628211u;
	for (const char *s = ev->id; *s; s++)
		t->hash = (t->hash ^ (uint8_t)*s) * 1099511628211u;
	t->hash = (t->hash ^ (uint64_t)ev->done) * 1099511628211u;
	t->n++;
	return 0;
}

static int run(const char *s, size_t n, enum sse_mode mode, size_t max,
	       size_t step, struct tally *t)
{
	struct sse p;
	struct err e;
	int rc = 0;

	sse_init(&p, mode, max);
	t->hash = 1469598103934665603u;
	t->n = 0;
	t->max = max;
	for (size_t at = 0; at < n && !rc; at += step)
		rc = sse_feed(&p, s + at, n - at < step ? n - at : step, fold, t, &e);
	if (!rc)
		rc = sse_finish(&p, fold, t, &e);
	sse_free(&p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally a, b;
	enum sse_mode mode;
	size_t max, step;
	int ra, rb;

	if (size < 1)
		return 0;
	mode = data[0] & 1 ? SSE_MODE_NDJSON : SSE_MODE_SSE;
	max = 16 + (data[0] >> 1) * 8;
	step = 1 + (data[0] >> 4);
	ra = run((const char *)data + 1, size - 1, mode, max, size, &a);
	rb = run((const char *)data + 1, size - 1, mode, max, step, &b);
	if ((ra && ra != ERR_DATA) || (rb && rb != ERR_DATA))
		die("an error other than ERR_DATA");
	/* An error stops at the same event whatever the cut; so do events. */
	if (ra != rb)
		die("outcome depends on where the input is cut");
	if (!ra && (a.n != b.n || a.hash != b.hash))
		die("events depend on where the input is cut");
	return 0;
}
