#ifndef LLMBENCH_OFILE_H
#define LLMBENCH_OFILE_H
/*
 * Output files that never appear half written: bytes go to a temporary
 * file in the same folder, renamed over the target on commit and removed
 * on abort. "-" means stdout (nothing to rename); a device or FIFO that
 * exists (/dev/null, a named pipe) is written in place.
 *
 * Ownership: ofile_open returns a handle released by ofile_commit or
 * ofile_abort (exactly one of them).
 */
#include <stdio.h>

#include "err.h"

struct ofile;

/* Returns 0, or ERR_IO / ERR_NOINPUT (folder missing) naming the path. */
int ofile_open(const char *path, struct ofile **out, struct err *e);

/* The stream to write to (borrowed). */
FILE *ofile_fp(struct ofile *o);

/* Flushes, checks for write errors (a full disk is ERR_IO), closes and
 * renames into place. Frees o. */
int ofile_commit(struct ofile *o, struct err *e);

/* Closes and removes the temporary file. Frees o. */
void ofile_abort(struct ofile *o);

#endif
