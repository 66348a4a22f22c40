#ifndef LLMANALYZE_WATCH_H
#define LLMANALYZE_WATCH_H
/*
 * What --watch needs to know of its inputs while llmrun still writes
 * them: whether they changed, whether the runs have ended (llmrun writes
 * end_wall_ns into FILE.meta.json after its last row), and a sleep that
 * a signal cuts short. Nothing here allocates or prints.
 */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* A fingerprint of the inputs' sizes, modification times and inodes: it
 * changes when any of them is written, replaced, created or removed. */
uint64_t an_watch_fingerprint(const char *const *paths, size_t n);

/* The first input that does not exist yet, or NULL when all do. */
const char *an_watch_missing(const char *const *paths, size_t n);

/* 1 when every input's metadata says its run ended (has end_wall_ns, or
 * its llmrun, of this host, is gone: killed), 0 when one's says it is
 * still running or an input is not there yet, -1 when none says it is
 * running but some input has no metadata (its end can only be told by
 * its growth stopping). */
int an_watch_ended(const char *const *paths, size_t n);

/* Sleeps seconds (> 0), or less when *stop becomes set (by a signal). */
void an_watch_sleep(double seconds, const volatile sig_atomic_t *stop);

#endif
