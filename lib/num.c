#include "num.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Digits from *p on; returns how many and moves *p past them. */
static int digits(const char **p)
{
	int n = 0;

	while (isdigit((unsigned char)**p))
		++*p, n++;
	return n;
}

int num_decimal(const char *s, double *out)
{
	const char *p = s;
	int n;

	if (*p == '+' || *p == '-')
		p++;
	n = digits(&p);
	if (*p == '.') {
		p++;
		n += digits(&p);
	}
	if (!n)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!digits(&p))
			return -1;
	}
	if (*p)
		return -1;
	/* The form is checked: strtod reads all of it, in the C locale's
	 * decimal point as the tools run. */
	*out = strtod(s, NULL);
	return isfinite(*out) ? 0 : -1;
}

int num_decimal_span(const char *s, size_t n, double *out)
{
	char b[64];

	if (n >= sizeof b)
		return -1;
	memcpy(b, s, n);
	b[n] = '\0';
	return num_decimal(b, out);
}
