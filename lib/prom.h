#ifndef LLMBENCH_PROM_H
#define LLMBENCH_PROM_H
/*
 * A reader of the Prometheus text exposition format 0.0.4, what every
 * serving engine's GET /metrics answers (Debian packages no C library for
 * it). Lines end with "\n" (the last may not); blank lines and comments
 * are skipped; "# HELP NAME TEXT" and "# TYPE NAME TYPE" are checked (TYPE
 * one of counter, gauge, histogram, summary, untyped; at most one TYPE per
 * name, and none after a sample of its family). A sample is
 *   NAME [ "{" LABEL="VALUE" { "," LABEL="VALUE" } [","] "}" ] VALUE [ TS ]
 * with spaces or tabs between the parts; label values may hold \\, \" and
 * \n; VALUE is a float as Go reads it (NaN, +Inf, -Inf, Inf included); TS
 * is integer milliseconds since the epoch. A sample of a histogram's
 * NAME_bucket must carry "le", one of a summary (not NAME_sum/_count)
 * "quantile".
 *
 * Ownership: prom_parse works in place: it unescapes label values inside
 * text, which the caller owns and which must stay alive while the
 * callback runs; the sample's strings point into it and are valid only
 * during the callback.
 */
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PROM_MAX_LABELS 64 /* per sample; more is ERR_DATA */

enum prom_type { PROM_UNTYPED, PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY };

struct prom_label {
	const char *name;
	const char *value; /* unescaped, NUL-terminated */
};

struct prom_sample {
	const char *name;          /* as written, NAME_bucket included */
	enum prom_type type;       /* its family's from # TYPE, else untyped */
	struct prom_label labels[PROM_MAX_LABELS];
	size_t nlabels;
	double value;
	int has_ts;
	int64_t ts_ms;             /* the sample's own timestamp, when has_ts */
	long line;                 /* 1-based */
};

/* Called for each sample in order. A non-zero return (an ERR_ code, with
 * e filled) stops the parse and is returned by prom_parse. */
typedef int (*prom_cb)(void *user, const struct prom_sample *s, struct err *e);

/* Reads len bytes of text (modified in place, see above). Returns 0, the
 * callback's code, or ERR_DATA with "line N: ..." in e. A NUL byte in
 * text is ERR_DATA. */
int prom_parse(char *text, size_t len, prom_cb cb, void *user, struct err *e);

/* The labels of s as one canonical string, LABEL="VALUE" joined by ","
 * in the order given, values escaped as in the format; written to out
 * (NUL-terminated, at most cap bytes). Returns the length, or -1 when it
 * does not fit. */
long prom_labels_str(const struct prom_sample *s, char *out, size_t cap);

/* The name of a type ("counter", ...). */
const char *prom_type_name(enum prom_type t);

#endif
