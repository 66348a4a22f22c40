#include "sched.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "num.h"

#define SCHED_MAX_SIZES 100000
#define SCHED_MAX_SENDS 100000000

static int push(long **v, size_t *n, long x, struct err *e)
{
	long *p;

	if (*n >= SCHED_MAX_SIZES)
		return err_set(e, ERR_USAGE, "too many batch sizes");
	p = realloc(*v, (*n + 1) * sizeof *p);
	if (!p)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	p[(*n)++] = x;
	*v = p;
	return 0;
}

static int num(const char *s, char **end, long *v)
{
	errno = 0;
	*v = strtol(s, end, 10);
	return *end != s && errno == 0 && *v >= 1;
}

int sched_parse_sizes(const char *spec, long **out, size_t *n, struct err *e)
{
	const char *s = spec;
	long lo, hi, k = 0, *v = NULL;
	size_t nv = 0;
	char *end;
	int rc = 0;

	if (strstr(spec, "..")) {
		if (!num(s, &end, &lo) || strncmp(end, "..", 2) != 0 ||
		    !num(end + 2, &end, &hi) || hi < lo ||
		    (*end == ':' && !num(end + 1, &end, &k)) || *end)
			return err_set(e, ERR_USAGE,
				       "bad batch sizes '%s' (want LO..HI or LO..HI:STEP)",
				       spec);
		/* The next size, unless it passes hi (or LONG_MAX). */
		for (long x = lo; !rc;) {
			rc = push(&v, &nv, x, e);
			if (k ? __builtin_add_overflow(x, k, &x) : __builtin_mul_overflow(x, 2L, &x))
				break;
			if (x > hi)
				break;
		}
	} else {
		for (;;) {
			long x;

			if (!num(s, &end, &x) || (*end && *end != ',')) {
				free(v);
				return err_set(e, ERR_USAGE,
					       "bad batch sizes '%s' (want positive integers)",
					       spec);
			}
			/* Two steps of one size are one group in the results
			 * (nothing else tells them apart): its throughput
			 * would span the steps between them. */
			for (size_t i = 0; i < nv; i++) {
				if (v[i] == x) {
					free(v);
					return err_set(e, ERR_USAGE, "bad batch sizes '%s' "
						       "(%ld twice: the two steps would be one "
						       "group in the results)", spec, x);
				}
			}
			if ((rc = push(&v, &nv, x, e)))
				break;
			if (!*end)
				break;
			s = end + 1;
		}
	}
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	*n = nv;
	return 0;
}

int sched_parse_rates(const char *spec, double **out, size_t *n, struct err *e)
{
	const char *s = spec;
	double *v = NULL, *p;
	size_t nv = 0;
	char *end;

	for (;;) {
		double x;

		end = (char *)s + strcspn(s, ",");
		if (num_decimal_span(s, (size_t)(end - s), &x) || !(x > 0) || nv >= SCHED_MAX_SIZES) {
			free(v);
			return err_set(e, ERR_USAGE,
				       "bad rate '%s' (want requests/s > 0, comma-separated)",
				       spec);
		}
		for (size_t i = 0; i < nv; i++) {
			if (v[i] == x) {
				free(v);
				return err_set(e, ERR_USAGE, "bad rate '%s' (%g twice: the two "
					       "steps would be one group in the results)", spec, x);
			}
		}
		p = realloc(v, (nv + 1) * sizeof *p);
		if (!p) {
			free(v);
			return err_set(e, ERR_SOFTWARE, "out of memory");
		}
		v = p;
		v[nv++] = x;
		if (!*end)
			break;
		s = end + 1;
	}
	*out = v;
	*n = nv;
	return 0;
}

int sched_parse_ramp(const char *spec, struct sched_rate *s, struct err *e)
{
	const char *c = strchr(spec, ':');
	char *end;
	double a, b;

	if (c && (size_t)(c - spec) == 6 && strncmp(spec, "linear", 6) == 0)
		s->ramp = RAMP_LINEAR;
	else if (c && (size_t)(c - spec) == 3 && strncmp(spec, "exp", 3) == 0)
		s->ramp = RAMP_EXP;
	else
		goto bad;
	end = strchr(c + 1, ':');
	if (!end || num_decimal_span(c + 1, (size_t)(end - c - 1), &a) || num_decimal(end + 1, &b) ||
	    !(a > 0) || !(b > 0))
		goto bad;
	s->ramp_start = a;
	s->ramp_end = b;
	return 0;
bad:
	return err_set(e, ERR_USAGE,
		       "bad ramp '%s' (want linear:START:END or exp:START:END, rates > 0)",
		       spec);
}

/* The rate over time, as its integral L(t) = expected sends by t (the
 * "operational time" of an inhomogeneous Poisson process), and its
 * inverse: a homogeneous unit-rate sequence mapped through L^-1 gives the
 * ramped sequence. */
struct shape {
	enum sched_ramp ramp;
	double a, b, T; /* start and end rate (1/s), span (s) */
};

/* Expected sends over the whole ramp, L(T): (a + b) T / 2 linear,
 * (b - a) / k exp. */
static double op_total(const struct shape *sh)
{
	double k;

	if (sh->ramp == RAMP_LINEAR)
		return (sh->a + sh->b) * sh->T / 2;
	k = log(sh->b / sh->a) / sh->T;
	return fabs(k) < 1e-12 ? sh->a * sh->T : (sh->b - sh->a) / k;
}

static double op_inverse(const struct shape *sh, double L)
{
	double a = sh->a, b = sh->b, T = sh->T, k, c, tot;

	/* Past the ramp's end (a Poisson draw of --requests may need more
	 * time than the expected count takes) the rate holds at its end:
	 * a falling ramp's last sends piled up at T (linear) or were never
	 * made (exp). */
	if (sh->ramp != RAMP_NONE && L > (tot = op_total(sh)))
		return T + (L - tot) / b;
	switch (sh->ramp) {
	case RAMP_LINEAR:
		/* L = a t + (b - a) t^2 / 2T */
		c = (b - a) / T;
		if (fabs(c) < 1e-12)
			return L / a;
		return (-a + sqrt(fmax(a * a + 2 * c * L, 0))) / c;
	case RAMP_EXP:
		/* rate a e^(kt), k = ln(b/a)/T; L = a (e^(kt) - 1) / k */
		k = log(b / a) / T;
		if (fabs(k) < 1e-12)
			return L / a;
		c = 1 + k * L / a;
		return c > 0 ? log(c) / k : INFINITY;
	default:
		return L / a;
	}
}

int sched_times(const struct sched_rate *s, struct rng *r, size_t max_n,
		int64_t horizon_ns, int64_t **out, size_t *n, struct err *e)
{
	struct shape sh = {s->ramp, s->rate, s->rate, 0};
	double L = 0, k = s->burstiness > 0 ? s->burstiness : 1;
	size_t cap = 0, nv = 0;
	int64_t *v = NULL;

	if (!max_n && horizon_ns <= 0)
		return err_set(e, ERR_USAGE, "a rate step needs --requests or --duration");
	/* The schedule is made before the step: refuse at once what would
	 * pass the cap (it took 7 s and 790 MB to find out, then said
	 * "internal error"). A Poisson draw over the expected count still
	 * meets the cap below. */
	if (!max_n || max_n > SCHED_MAX_SENDS) {
		double peak = s->ramp != RAMP_NONE ? fmax(s->ramp_start, s->ramp_end) : s->rate;
		double want = horizon_ns > 0 ? peak * (double)horizon_ns / CLK_NS_PER_S : (double)max_n;

		if (want > SCHED_MAX_SENDS)
			return err_set(e, ERR_USAGE, "a step of about %.0f sends (rate x duration): at most %d "
				       "a step, as its schedule is made before it starts", want,
				       SCHED_MAX_SENDS);
	}
	if (s->ramp != RAMP_NONE) {
		sh.a = s->ramp_start;
		sh.b = s->ramp_end;
		if (horizon_ns > 0)
			sh.T = (double)horizon_ns / CLK_NS_PER_S;
		else if (s->ramp == RAMP_LINEAR)
			sh.T = 2.0 * (double)max_n / (sh.a + sh.b);
		else
			sh.T = fabs(sh.b - sh.a) < 1e-12
				       ? (double)max_n / sh.a
				       : (double)max_n * log(sh.b / sh.a) / (sh.b - sh.a);
	}
	for (;;) {
		double t;
		int64_t ns;

		if (max_n && nv >= max_n)
			break;
		if (nv >= SCHED_MAX_SENDS) {
			free(v);
			return err_set(e, ERR_USAGE, "more than %d sends in a step, as its schedule is made "
				       "before it starts: a lower rate or a shorter --duration",
				       SCHED_MAX_SENDS);
		}
		/* The first send goes at the start; gaps follow it. */
		if (nv > 0) {
			if (s->arr == ARR_CONSTANT)
				L += 1;
			else if (s->arr == ARR_GAMMA)
				L += rng_gamma(r, k, 1 / k);
			else
				L += rng_exponential(r, 1);
		}
		t = op_inverse(&sh, L);
		if (!isfinite(t) || t * CLK_NS_PER_S > 9e18) {
			/* Past any --duration (a year at most): the step ends. */
			if (!max_n || horizon_ns > 0)
				break;
			/* Cut short here, the step would send fewer than asked
			 * and say nothing of it. */
			free(v);
			return err_set(e, ERR_USAGE, "send %zu of %zu would be due more than 285 years "
				       "after the step's start: a higher rate", nv + 1, max_n);
		}
		ns = (int64_t)llround(t * CLK_NS_PER_S);
		if (horizon_ns > 0 && ns >= horizon_ns)
			break;
		if (nv == cap) {
			int64_t *p;

			cap = cap ? cap * 2 : 256;
			p = realloc(v, cap * sizeof *p);
			if (!p) {
				free(v);
				return err_set(e, ERR_SOFTWARE, "out of memory");
			}
			v = p;
		}
		v[nv++] = ns;
	}
	*out = v;
	*n = nv;
	return 0;
}
