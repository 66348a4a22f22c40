#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ofile.h"

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

int an_clobbers(const char *opt, const char *out, const char *in, int meta, struct err *e)
{
	char *m = NULL;
	int rc = 0;

	if (!out || !in)
		return 0;
	if (ofile_same(out, in))
		return err_set(e, ERR_USAGE, "%s %s is an input: it would be overwritten", opt, out);
	if (meta && strcmp(in, "-") && asprintf(&m, "%s.meta.json", in) >= 0) {
		if (ofile_same(out, m))
			rc = err_set(e, ERR_USAGE, "%s %s is the metadata of input %s: it would be "
				     "overwritten", opt, out, in);
		free(m);
	}
	return rc;
}
