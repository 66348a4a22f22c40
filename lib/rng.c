#include "rng.h"

#include <math.h>

uint64_t rng_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t splitmix64(uint64_t *x)
{
	return rng_mix64(*x += 0x9e3779b97f4a7c15ULL);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

void rng_jump(struct rng *r)
{
	static const uint64_t jump[] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
					0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL};
	uint64_t t[4] = {0, 0, 0, 0};
	int i, b, k;

	for (i = 0; i < 4; i++)
		for (b = 0; b < 64; b++) {
			if (jump[i] & (1ULL << b))
				for (k = 0; k < 4; k++)
					t[k] ^= r->s[k];
			rng_next(r);
		}
	for (k = 0; k < 4; k++)
		r->s[k] = t[k];
}

void rng_stream(struct rng *r, uint64_t seed, uint64_t stream)
{
	rng_seed(r, seed);
	while (stream--)
		rng_jump(r);
}

double rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t x, limit;

	if (n == 0)
		return 0;
	/* Rejects the top partial block so every residue is equally likely. */
	limit = UINT64_MAX - UINT64_MAX % n;
	do
		x = rng_next(r);
	while (x >= limit);
	return x % n;
}

int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

double rng_normal(struct rng *r, double mean, double sd)
{
	double u1, u2;

	do
		u1 = rng_uniform(r);
	while (u1 <= 0.0);
	u2 = rng_uniform(r);
	return mean + sd * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double rng_lognormal(struct rng *r, double mu, double sigma)
{
	return exp(rng_normal(r, mu, sigma));
}

double rng_exponential(struct rng *r, double rate)
{
	double u;

	do
		u = rng_uniform(r);
	while (u <= 0.0);
	return -log(u) / rate;
}

double rng_gamma(struct rng *r, double k, double theta)
{
	double d, c, x, v, u;

	if (k < 1.0) {
		/* Boost: Gamma(k) = Gamma(k + 1) * U^(1/k). */
		do
			u = rng_uniform(r);
		while (u <= 0.0);
		return rng_gamma(r, k + 1.0, theta) * pow(u, 1.0 / k);
	}
	d = k - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		do {
			x = rng_normal(r, 0.0, 1.0);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		u = rng_uniform(r);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v * theta;
		if (u > 0.0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v * theta;
	}
}
