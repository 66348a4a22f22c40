#ifndef LLMBENCH_ERR_H
#define LLMBENCH_ERR_H
/*
 * Errors returned by library code: a code and a message. Libraries never
 * print or exit; they fill a struct err and return its code, and main()
 * prints the message once and exits with the code.
 *
 * Codes are sysexits(3) values so main can exit with them directly.
 * The message names where the problem is, e.g. "in.csv:12:3: expected a
 * number". Ownership: the struct is the caller's; nothing to free.
 */
#include <stdarg.h>

enum {
	ERR_OK = 0,
	ERR_USAGE = 64,       /* bad command line */
	ERR_DATA = 65,        /* bad input data */
	ERR_NOINPUT = 66,     /* input file missing or unreadable */
	ERR_UNAVAILABLE = 69, /* a service or resource is not there */
	ERR_SOFTWARE = 70,    /* internal error, out of memory */
	ERR_IO = 74,          /* read or write failed */
};

#define ERR_MSG_MAX 512

struct err {
	int code;              /* one of the ERR_ values; ERR_OK when clear */
	char msg[ERR_MSG_MAX]; /* "" when clear */
};

/* Sets code and a printf-style message; returns code. The message is
 * one line, safe on a terminal: control characters in what it names (a
 * file's or a server's text) become spaces (utf8_unctrl), here and in
 * err_prefix. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "prefix: " in front of the message already in e (for callers that
 * add context such as a file name); returns e->code. */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clears e. */
void err_clear(struct err *e);

#endif
