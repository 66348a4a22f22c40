#ifndef LLMANALYZE_ARGS_H
#define LLMANALYZE_ARGS_H
/*
 * Command-line helpers shared by `llmanalyze` and `llmanalyze compare`.
 */
#include <stdarg.h>
#include <stddef.h>

/* Splits a comma list in place into out[0..max). Returns the count (0 for
 * an empty list), or -1 past max. */
int an_split(char *s, const char **out, size_t max);

/* The first name of list[0..n) that an earlier one repeats, or NULL. */
const char *an_repeated(const char *const *list, size_t n);

/* Prints "PROG: MESSAGE" and the --help hint on stderr; returns ERR_USAGE
 * (64) for the caller to exit with. */
int an_usagev(const char *prog, const char *fmt, va_list ap);

/* ERR_USAGE (filled into e) when the output opt names the input in, or,
 * for a results file (meta 1), a file read beside it (IN.meta.json, IN
 * without .csv plus .meta.json, IN.metrics.csv): it would be
 * overwritten. what names in in the message ("an input", "the --corpus
 * file"). 0 otherwise; NULL in never clashes. */
struct err;
int an_clobbers(const char *opt, const char *out, const char *in, const char *what, int meta,
		struct err *e);

/* ERR_USAGE when a file that opt (--charts, --legacy-dir) writes into
 * folder dir, one whose name a NULL-ended pattern (fnmatch) matches,
 * would be path: path lies in dir with such a name, or links to such a
 * file, or such a file in dir links to path. what names path in the
 * message ("an input", "the -o file"). 0 otherwise, or when either is
 * NULL or dir is not there yet. */
int an_dir_clobbers(const char *opt, const char *dir, const char *const *patterns,
		    const char *path, const char *what, struct err *e);

#endif
