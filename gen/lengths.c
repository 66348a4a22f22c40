#include "lengths.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

/* A whole token count in [1, LEN_MAX] taking all of s[0..n). */
static int parse_count(const char *s, size_t n, const char *what,
		       const char *item, long *out, struct err *e)
{
	char tmp[32], *end;
	long v;

	if (n == 0 || n >= sizeof tmp)
		return err_set(e, ERR_USAGE, "%s: '%s': expected a token count", what, item);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	v = strtol(tmp, &end, 10);
	if (*end || tmp[0] == '-' || tmp[0] == '+' || tmp[0] == ' ')
		return err_set(e, ERR_USAGE, "%s: '%s': expected a token count", what, item);
	if (v < 1 || v > LEN_MAX)
		return err_set(e, ERR_USAGE, "%s: '%s': token counts go from 1 to %ld",
			       what, item, LEN_MAX);
	*out = v;
	return 0;
}


/* "X,Y" into two finite numbers. */
static int parse_pair(const char *s, double *x, double *y)
{
	char tmp[64];
	const char *comma = strchr(s, ',');

	if (!comma || strlen(s) >= sizeof tmp)
		return -1;
	memcpy(tmp, s, (size_t)(comma - s));
	tmp[comma - s] = '\0';
	return num_decimal(tmp, x) || num_decimal(comma + 1, y) ? -1 : 0;
}

static int parse_dist(const char *s, const char *what, struct len_spec *sp,
		      struct err *e)
{
	double x, y;

	if (strncmp(s, "normal:", 7) == 0) {
		if (parse_pair(s + 7, &x, &y) || x <= 0 || y < 0)
			return err_set(e, ERR_USAGE,
				       "%s: '%s': expected normal:MEAN,SD with MEAN > 0 and SD >= 0",
				       what, s);
		sp->kind = LEN_NORMAL;
	} else if (strncmp(s, "lognormal:mean=", 15) == 0) {
		const char *sd = strstr(s, ",sd=");
		char tmp[64];

		if (!sd || (size_t)(sd - s - 15) >= sizeof tmp)
			return err_set(e, ERR_USAGE,
				       "%s: '%s': expected lognormal:mean=M,sd=S", what, s);
		memcpy(tmp, s + 15, (size_t)(sd - s - 15));
		tmp[sd - s - 15] = '\0';
		if (num_decimal(tmp, &x) || num_decimal(sd + 4, &y) || x <= 0 || y < 0)
			return err_set(e, ERR_USAGE,
				       "%s: '%s': expected lognormal:mean=M,sd=S with M > 0 and S >= 0",
				       what, s);
		/* The log-space parameters whose lognormal has mean x and sd y. */
		y = sqrt(log1p((y / x) * (y / x)));
		x = log(x) - y * y / 2;
		sp->kind = LEN_LOGNORMAL;
	} else if (strncmp(s, "lognormal:", 10) == 0) {
		if (parse_pair(s + 10, &x, &y) || y < 0)
			return err_set(e, ERR_USAGE,
				       "%s: '%s': expected lognormal:MU,SIGMA with SIGMA >= 0 (or lognormal:mean=M,sd=S)",
				       what, s);
		sp->kind = LEN_LOGNORMAL;
	} else {
		return -1;
	}
	sp->a = x;
	sp->b = y;
	snprintf(sp->label, sizeof sp->label, "%s", s);
	return 0;
}

static int parse_item(const char *s, size_t n, const char *what,
		      struct len_spec *sp, struct err *e)
{
	const char *colon = memchr(s, ':', n);
	char item[64];
	long lo, hi;
	int rc;

	snprintf(item, sizeof item, "%.*s", (int)(n < 63 ? n : 63), s);
	snprintf(sp->label, sizeof sp->label, "%s", item);
	if (!colon) {
		if ((rc = parse_count(s, n, what, item, &lo, e)))
			return rc;
		sp->kind = LEN_FIXED;
		sp->a = sp->b = (double)lo;
		return 0;
	}
	if ((rc = parse_count(s, (size_t)(colon - s), what, item, &lo, e)) ||
	    (rc = parse_count(colon + 1, n - (size_t)(colon - s) - 1, what, item, &hi, e)))
		return rc;
	if (lo > hi)
		return err_set(e, ERR_USAGE, "%s: '%s': range LO:HI needs LO <= HI", what, item);
	sp->kind = LEN_UNIFORM;
	sp->a = (double)lo;
	sp->b = (double)hi;
	return 0;
}

int len_parse(const char *s, const char *what, struct len_list *out,
	      struct err *e)
{
	size_t items = 1;
	int rc;

	memset(out, 0, sizeof *out);
	if (!s || !*s)
		return err_set(e, ERR_USAGE, "%s: empty length", what);
	if (strlen(s) >= 4096)
		return err_set(e, ERR_USAGE, "%s: length specification too long", what);
	for (const char *p = s; *p; p++)
		items += *p == ',';
	if (!(out->v = calloc(items, sizeof *out->v)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	rc = parse_dist(s, what, &out->v[0], e);
	if (rc >= 0) {
		out->n = rc ? 0 : 1;
		if (rc)
			len_free(out);
		return rc;
	}
	rc = 0;
	if (strchr(s, ':') && strspn(s, "0123456789:,") != strlen(s))
		rc = err_set(e, ERR_USAGE,
			     "%s: '%s': expected N, LO:HI, N,N,..., normal:MEAN,SD or lognormal:MU,SIGMA",
			     what, s);
	for (const char *p = s; !rc; p++) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		rc = parse_item(p, n, what, &out->v[out->n], e);
		if (!rc)
			out->n++;
		if (!c)
			break;
		p = c;
	}
	if (rc)
		len_free(out);
	return rc;
}

void len_free(struct len_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

long len_sample(const struct len_spec *sp, struct rng *r)
{
	double x;

	switch (sp->kind) {
	case LEN_FIXED:
		return (long)sp->a;
	case LEN_UNIFORM:
		return (long)rng_range(r, (int64_t)sp->a, (int64_t)sp->b);
	case LEN_NORMAL:
		x = rng_normal(r, sp->a, sp->b);
		break;
	case LEN_LOGNORMAL:
	default:
		x = rng_lognormal(r, sp->a, sp->b);
		break;
	}
	x = floor(x + 0.5);
	if (!(x >= 1)) /* also NaN */
		return 1;
	return x > (double)LEN_MAX ? LEN_MAX : (long)x;
}

long len_min(const struct len_spec *sp)
{
	double x = sp->kind == LEN_FIXED || sp->kind == LEN_UNIFORM ? floor(sp->a + 0.5) : 1;

	return x < 1 ? 1 : x > (double)LEN_MAX ? LEN_MAX : (long)x;
}

double len_mean(const struct len_spec *sp)
{
	switch (sp->kind) {
	case LEN_FIXED:
		return sp->a;
	case LEN_UNIFORM:
		return (sp->a + sp->b) / 2;
	case LEN_NORMAL:
		return sp->a;
	case LEN_LOGNORMAL:
	default:
		return exp(sp->a + sp->b * sp->b / 2);
	}
}
