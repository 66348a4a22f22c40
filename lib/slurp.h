#ifndef LLMBENCH_SLURP_H
#define LLMBENCH_SLURP_H
/*
 * Reads a whole file into a buffer (tokenizer files, inputs to count).
 * The buffer is the caller's; its cap (b->max) bounds what is read.
 */
#include "buf.h"

/*
 * Appends the bytes of path to b; path "-" is standard input; gz != 0
 * gunzips (zlib; a file that is not gzip is read as is). Returns 0, or
 * ERR_NOINPUT (cannot open: the message names path and why), ERR_DATA
 * (past the buffer's cap, or bad gzip data), ERR_IO (read error),
 * ERR_SOFTWARE (out of memory).
 */
int slurp_file(const char *path, int gz, struct buf *b, struct err *e);

#endif
