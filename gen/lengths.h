#ifndef LLMBENCH_GEN_LENGTHS_H
#define LLMBENCH_GEN_LENGTHS_H
/*
 * Token-length specifications, as --input-tokens and --output-tokens take
 * them:
 *
 *   1024                      fixed
 *   512:2048                  uniform integer in [512, 2048]
 *   normal:MEAN,SD            normal, rounded
 *   lognormal:MU,SIGMA        exp(normal(MU, SIGMA)), rounded (MU and SIGMA
 *                             are the mean and sd of the logarithm)
 *   lognormal:mean=M,sd=S     lognormal whose own mean is M and sd is S
 *   128,512,2048              a sweep: one spec per comma-separated item
 *                             (each a fixed value or a LO:HI range), one
 *                             group of rows per item
 *
 * Drawn values are rounded to the nearest integer and clipped to
 * [1, LEN_MAX]; clipping a wide distribution raises its mean a little,
 * which the summary on stderr shows.
 *
 * Ownership: len_parse fills a list the caller releases with len_free.
 */
#include <stddef.h>

#include "err.h"
#include "rng.h"

#define LEN_MAX 1048576L

enum len_kind { LEN_FIXED, LEN_UNIFORM, LEN_NORMAL, LEN_LOGNORMAL };

struct len_spec {
	enum len_kind kind;
	double a, b;    /* fixed: a; uniform: a..b; normal: mean, sd;
			   lognormal: mu, sigma of the logarithm */
	char label[64]; /* the item as given, for group names */
};

struct len_list {
	struct len_spec *v;
	size_t n; /* >= 1 after a successful parse */
};

/*
 * Parses s. what names the option in messages ("--input-tokens").
 * Returns 0, or ERR_USAGE with a message saying what is wrong, or
 * ERR_SOFTWARE.
 */
int len_parse(const char *s, const char *what, struct len_list *out,
	      struct err *e);

void len_free(struct len_list *l);

/* Draws one length from spec with r: an integer in [1, LEN_MAX]. Fixed
 * specs consume no random numbers. */
long len_sample(const struct len_spec *spec, struct rng *r);

/* The smallest length spec can draw: a fixed value or a range's LO;
 * 1 for the normal and lognormal, whose tails reach it. */
long len_min(const struct len_spec *spec);

/* The distribution's mean before rounding and clipping. */
double len_mean(const struct len_spec *spec);

#endif
