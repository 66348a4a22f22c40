#ifndef LLMBENCH_UTF8_H
#define LLMBENCH_UTF8_H
/*
 * UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). Text is borrowed; nothing is allocated.
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

/* The columns s takes on a terminal: each code point's width
 * (utf8proc_charwidth: 2 for CJK, 0 for combining marks); an invalid
 * byte counts 1. */
size_t utf8_width(const char *s);

/* Text a server or a results file chose, made safe to show on a
 * terminal: each control character (below 0x20, and 0x7f: ESC starts
 * sequences that retitle or clear the terminal) becomes a space, in
 * place. */
void utf8_unctrl(char *s);

/* fputs of s with its control characters as spaces (utf8_unctrl). */
void utf8_put_unctrl(const char *s, FILE *fp);

/* A copy of s (malloc'd; NULL when out of memory) with each invalid or
 * truncated sequence's first byte as U+FFFD: a file name, which Linux
 * lets be any bytes, shown in JSON, which holds UTF-8 only. */
char *utf8_lossy(const char *s);

#endif
