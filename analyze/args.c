#include "args.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

int an_split(char *s, const char **out, size_t max)
{
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -1;
		out[n++] = tok;
	}
	return (int)n;
}

int an_usagev(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputs("\ntry 'llmanalyze --help'\n", stderr);
	return ERR_USAGE;
}
