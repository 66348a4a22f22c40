#ifndef LLMBENCH_FUZZ_H
#define LLMBENCH_FUZZ_H
/* What every fuzz target shares. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Says which check failed: the compiler merges plain abort() calls, and
 * the stack trace then points at the wrong one. */
#define die(why)                                                          \
	do {                                                              \
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, why);  \
		abort();                                                  \
	} while (0)

#endif
