#ifndef LLMBENCH_GEN_READALL_H
#define LLMBENCH_GEN_READALL_H
/*
 * Reads a whole input file into a buffer (templates and imported prompts
 * are small enough to hold, and whole-file parsing keeps line numbers
 * simple).
 */
#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Appends the bytes of path ("-" for stdin) to b, at most max bytes.
 * Returns 0, ERR_NOINPUT (cannot open), ERR_DATA (larger than max),
 * ERR_IO (read error), ERR_SOFTWARE; messages name path.
 */
int readall_file(const char *path, size_t max, struct buf *b, struct err *e);

#endif
