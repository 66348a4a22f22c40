#ifndef LLMBENCH_OFILE_H
#define LLMBENCH_OFILE_H
/*
 * Output files that never appear half written: bytes go to a temporary
 * file in the same folder, renamed over the target on commit and removed
 * on abort. "-" and /dev/stdout mean stdout, and /dev/stderr, /dev/fd/N
 * and /proc/self/fd/N that descriptor, as open (nothing to rename); a
 * device or FIFO that exists (/dev/null, a named pipe) is written in
 * place; a symbolic link is written through (the file it points to is
 * replaced, not the link), unless the kernel's protected_symlinks rule
 * forbids following it (another user's link in /tmp): then refused.
 *
 * Ownership: ofile_open returns a handle released by ofile_commit or
 * ofile_abort (exactly one of them).
 */
#include <stdio.h>

#include "err.h"

struct ofile;

/* Returns 0, or ERR_IO / ERR_NOINPUT (folder missing) naming the path. */
int ofile_open(const char *path, struct ofile **out, struct err *e);

/* Whether path could be written, before anything is: a file can be made
 * in its folder (then removed), and path is not a folder. "-", devices
 * and FIFOs pass unopened. Returns 0, or what ofile_open would
 * (ERR_NOINPUT for a missing folder, else ERR_IO), naming the path. So a
 * tool with several outputs can refuse before it writes the first. */
int ofile_check(const char *path, struct err *e);

/* The same for a folder the caller will create or fill: an existing one
 * must take a new file; a missing one must be creatable (it is made and
 * removed again). Returns 0 or ERR_IO, naming the folder. */
int ofile_check_dir(const char *dir, struct err *e);

/* 1 when path is written as a stream, not a file of its own: "-", a
 * descriptor (/dev/stdout, /dev/fd/N), a device or FIFO. Files named
 * after it ("FILE.meta.json") have no place beside it. */
int ofile_stream(const char *path);

/* 1 when a and b name one regular file (links followed; "-" never): an
 * output that would replace an input. When one is not there yet, by its
 * name with the folder resolved ("./r.csv" is "r.csv"). */
int ofile_same(const char *a, const char *b);

/* The stream to write to (borrowed). */
FILE *ofile_fp(struct ofile *o);

/* Flushes, checks for write errors (a full disk is ERR_IO), closes and
 * renames into place. Frees o. */
int ofile_commit(struct ofile *o, struct err *e);

/* Renames the temporary file into place now, flushed; the stream stays
 * open, later bytes go to path, and ofile_commit then only flushes and
 * closes, ofile_abort only closes (keeping what is there). For output
 * that must outlive a kill once it holds something. Returns 0 or ERR_IO
 * (then nothing changed). */
int ofile_publish(struct ofile *o, struct err *e);

/* Closes and removes the temporary file (a published one: keeps it).
 * Frees o. */
void ofile_abort(struct ofile *o);

#endif
