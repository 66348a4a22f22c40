#ifndef LLMBENCH_UTF8_H
#define LLMBENCH_UTF8_H
/*
 * UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF), cuts, widths, and text made safe to show. Text is
 * borrowed; only utf8_lossy allocates (its result is the caller's).
 */
#include <stddef.h>
#include <stdio.h>

/* Returns 1 when s[0..len) is valid UTF-8. Otherwise returns 0 and, when
 * bad is not NULL, stores the byte offset of the first byte of the first
 * invalid or truncated sequence. */
int utf8_valid(const char *s, size_t len, size_t *bad);

/* Length in bytes of the sequence that starts with lead byte c (1..4), or 0
 * for a byte that cannot start one. Does not look at continuation bytes. */
int utf8_seqlen(unsigned char c);

/* How many of s[0..len) to keep to hold at most max bytes without ending
 * inside a character: len when it fits, else max less the first bytes of
 * a character max would cut. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* s[0..len) without a character cut short at its end (text cut where a
 * buffer was full): the length up to that character's first byte. */
size_t utf8_trim(const char *s, size_t len);

/* The columns s takes on a terminal: each code point's width
 * (utf8proc_charwidth: 2 for CJK, 0 for combining marks); an invalid
 * byte counts 1. */
size_t utf8_width(const char *s);

/* Text a server or a results file chose, made safe to show on a
 * terminal: each control character (below 0x20, 0x7f, and C1's U+0080 to
 * U+009F: ESC and CSI start sequences that retitle or clear the
 * terminal) becomes a space for each of its bytes, in place. */
void utf8_unctrl(char *s);

/* fputs of s with its control characters as spaces (utf8_unctrl). */
void utf8_put_unctrl(const char *s, FILE *fp);

/* A copy of s (malloc'd; NULL when out of memory) with each invalid or
 * truncated sequence's first byte as U+FFFD: a file name, which Linux
 * lets be any bytes, shown in JSON, which holds UTF-8 only. */
char *utf8_lossy(const char *s);

#endif
