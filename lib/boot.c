#include "boot.h"

#include <math.h>

#include "stats.h"

/* Beta(a, b) through two gammas. */
static double beta(struct rng *r, double a, double b)
{
	double x = rng_gamma(r, a, 1.0), y = rng_gamma(r, b, 1.0);

	return x / (x + y);
}

/* The value x[floor(n u)] of a uniform u in [0, 1). */
static double at(const double *sorted, size_t n, double u)
{
	double i = floor((double)n * u);

	return sorted[i >= (double)n ? n - 1 : (size_t)i];
}

double boot_percentile(struct rng *r, const double *sorted, size_t n, double p)
{
	double h, frac, u, v, lo;
	size_t j;

	if (n == 0)
		return NAN;
	if (n == 1)
		return sorted[0];
	/* The resample's percentile interpolates between its order
	 * statistics j and j + 1 (1-based), as stats_percentile_sorted does
	 * for a sample. */
	if (p <= 0)
		p = 0;
	if (p >= 100)
		p = 100;
	h = (double)(n - 1) * p / 100.0;
	j = (size_t)floor(h) + 1;
	if (j >= n) {
		j = n;
		frac = 0;
	} else {
		frac = h - floor(h);
	}
	u = beta(r, (double)j, (double)(n - j + 1));
	lo = at(sorted, n, u);
	if (frac == 0)
		return lo;
	/* Given U(j) = u, U(j+1) is the smallest of n - j uniforms on
	 * (u, 1): u + (1 - u) (1 - V^(1 / (n - j))). */
	do
		v = rng_uniform(r);
	while (v <= 0.0);
	u += (1.0 - u) * -expm1(log(v) / (double)(n - j));
	return lo + frac * (at(sorted, n, u) - lo);
}

double boot_mean(struct rng *r, const double *v, size_t n, double mean, double sd)
{
	double sum = 0;
	size_t i;

	if (n == 0)
		return NAN;
	if (n > BOOT_MEAN_EXACT_MAX)
		return rng_normal(r, mean, sd / sqrt((double)n));
	for (i = 0; i < n; i++)
		sum += v[rng_below(r, n)];
	return sum / (double)n;
}

void boot_interval(double *d, size_t n, double level, double *lo, double *hi)
{
	size_t i;

	*lo = *hi = NAN;
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		if (isnan(d[i]))
			return;
	stats_sort(d, n);
	*lo = stats_percentile_sorted(d, n, 50.0 * (1.0 - level));
	*hi = stats_percentile_sorted(d, n, 50.0 * (1.0 + level));
}
