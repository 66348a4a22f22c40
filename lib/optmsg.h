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
 * Call with opterr = 0, right after getopt_long returned '?' or ':'.
 */
#include <getopt.h>

#include "err.h"

/* Fills e with ERR_USAGE and returns it. shortopts and longopts are the
 * ones given to getopt_long (shortopts may start with ':'). */
int opt_refused(int argc, char *const argv[], const char *shortopts,
		const struct option *longopts, struct err *e);

/* ERR_USAGE naming opt when the file or folder name given to it is
 * empty: "" would become a temporary file's folder, or "/" once a name
 * is appended to it. 0 otherwise. */
int opt_path(const char *opt, const char *value, struct err *e);

#endif
