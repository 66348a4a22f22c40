#ifndef LLMBENCH_NUM_H
#define LLMBENCH_NUM_H

#include <stddef.h>
/*
 * Numbers in data files, read strictly. strtod(3) alone also takes
 * leading spaces, hexadecimal ("0x10" is 16), "inf", "nan" and
 * "infinity": a field holding one of those is a mistake in the file (or
 * a spreadsheet's), not a time or a length to run with.
 */

/* s, whole, as a finite decimal: [+-]digits[.digits][(e|E)[+-]digits],
 * the digits before or after the point optional but not both. Returns 0
 * with *out set, or -1 (nothing else, empty, spaces, hex, inf, nan,
 * out of range). */
int num_decimal(const char *s, double *out);

/* The same for the n bytes at s (an item of a list: "1,2.5,4"); at most
 * 63 of them. */
int num_decimal_span(const char *s, size_t n, double *out);

#endif
