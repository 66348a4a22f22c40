#ifndef LLMBENCH_BUF_H
#define LLMBENCH_BUF_H
/*
 * A growable byte buffer with a cap. The bytes are always followed by a
 * NUL (not counted in len) so text can be used as a C string. Growing past
 * cap is an error of its own (ERR_DATA), never a silent truncation.
 *
 * Ownership: the struct is the caller's; buf_free releases the bytes.
 * A zeroed struct (BUF_INIT) is an empty buffer with no cap.
 */
#include <stddef.h>

#include "err.h"

struct buf {
	char *p;    /* bytes, NUL-terminated when p != NULL */
	size_t len; /* bytes in use */
	size_t cap; /* allocated, excluding nothing: always > len when p */
	size_t max; /* most bytes it may hold; 0 = no cap */
};

#define BUF_INIT {0}

/* Appends n bytes. Returns 0, or ERR_DATA past the cap, ERR_SOFTWARE when
 * memory runs out (e may be NULL). */
int buf_add(struct buf *b, const void *data, size_t n, struct err *e);

/* Appends a C string. */
int buf_adds(struct buf *b, const char *s, struct err *e);

/* Appends printf-style text. */
int buf_printf(struct buf *b, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Makes room for at least n more bytes without changing len. */
int buf_reserve(struct buf *b, size_t n, struct err *e);

/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);

/* Releases the bytes and zeroes the struct (the cap is kept). */
void buf_free(struct buf *b);

#endif
