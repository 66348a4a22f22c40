#include "burstgpt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "lengths.h"
#include "num.h"

enum { B_TIME, B_IN, B_OUT, NB };

static const char *const names[NB] = { "Timestamp", "Request tokens", "Response tokens" };

static int bad(struct csv_reader *r, int c, const char *s, const char *want, struct err *e)
{
	return err_set(e, ERR_DATA, "%s:%ld: %s: expected %s, got '%.40s'", csv_name(r),
		       csv_line(r), names[c], want, s);
}

static int get_count(struct csv_reader *r, int c, int col, long lo, long *out, struct err *e)
{
	const char *s = csv_field(r, (size_t)col, NULL);
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (!*s || *end || errno || *out < lo || *out > LEN_MAX)
		return bad(r, c, s, lo ? "a token count from 1" : "a token count", e);
	return 0;
}

int bgpt_load(const char *path, size_t max, struct bgpt_list *out, struct err *e)
{
	struct csv_reader *r;
	int col[NB], rc, got;
	double t0 = 0, last = 0;
	int seen = 0;   /* a row, failed or not, was read */

	memset(out, 0, sizeof *out);
	if ((rc = csv_open(path, &r, e)))
		return rc;
	for (int c = 0; c < NB; c++)
		if ((col[c] = csv_col(r, names[c])) < 0) {
			rc = err_set(e, ERR_DATA, "%s: no column '%s' (a BurstGPT trace has Timestamp, "
				     "Model, Request tokens, Response tokens, Total tokens, Log Type)",
				     csv_name(r), names[c]);
			csv_close(r);
			return rc;
		}
	while ((got = csv_next(r, e)) == 1 && (!max || out->n < max)) {
		struct bgpt_item it = { 0, 0, 0, csv_line(r) };
		const char *s = csv_field(r, (size_t)col[B_TIME], NULL);
		double t;

		if (num_decimal(s, &t) || !(t >= 0)) {
			rc = bad(r, B_TIME, s, "seconds >= 0", e);
			break;
		}
		/* Failed rows too: they are left out, but a trace out of
		 * order is a wrong file either way. */
		if (seen && t < last) {
			rc = err_set(e, ERR_DATA, "%s:%ld: Timestamp %s is before the row above's: "
				     "a trace is in time order", csv_name(r), csv_line(r), s);
			break;
		}
		if ((rc = get_count(r, B_IN, col[B_IN], 1, &it.in_tokens, e)) ||
		    (rc = get_count(r, B_OUT, col[B_OUT], 0, &it.out_tokens, e)))
			break;
		seen = 1;
		last = t;
		if (it.out_tokens == 0) {
			out->failed++;
			continue;
		}
		if (!out->n)
			t0 = t;
		it.arrival_s = t - t0;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 1024;
			struct bgpt_item *v = realloc(out->v, cap * sizeof *v);

			if (!v) {
				rc = err_set(e, ERR_SOFTWARE, "out of memory");
				break;
			}
			out->v = v;
			out->cap = cap;
		}
		out->v[out->n++] = it;
	}
	if (!rc && got < 0)
		rc = e->code;
	if (!rc && !out->n)
		rc = err_set(e, ERR_DATA, "%s: no request in the trace%s", csv_name(r),
			     out->failed ? " (every row failed: Response tokens 0)" : "");
	csv_close(r);
	if (rc)
		bgpt_free(out);
	return rc;
}

void bgpt_free(struct bgpt_list *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}
