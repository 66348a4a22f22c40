#ifndef LLMBENCH_OPTMSG_H
#define LLMBENCH_OPTMSG_H
/*
 * The usage error for an option getopt_long(3) refused, in words that
 * name the option as the user wrote it and never print a value.
 *
 * getopt's own messages, and argv[optind - 1], get both wrong: in a
 * cluster such as "-xq" the unknown 'x' is reported while optind still
 * points past the argument before it (a URL with a password, a header
 * with a key), and an unknown "--name=value" is echoed whole. Here a
 * short option is named by its letter, a long one by its name up to any
 * '=', and a prefix of several long options lists them.
 *
 * Call with opterr = 0.
 */
#include <getopt.h>

#include "err.h"

/* getopt_long, noting in *at where in argv it began: a long option is
 * always one element, consumed whole, so a refused one is argv[*at]
 * exactly when optind moved past it. */
int opt_next(int argc, char *const argv[], const char *shortopts,
	     const struct option *longopts, int *at);

/* Fills e with ERR_USAGE and returns it, for the option opt_next just
 * refused (it returned '?' or ':'); at as opt_next left it. shortopts and
 * longopts are the ones given to opt_next (shortopts may start with ':'). */
int opt_refused(int argc, char *const argv[], int at, const char *shortopts,
		const struct option *longopts, struct err *e);

/* ERR_USAGE naming opt when the file or folder name given to it is
 * empty: "" would become a temporary file's folder, or "/" once a name
 * is appended to it. 0 otherwise. */
int opt_path(const char *opt, const char *value, struct err *e);

#endif
