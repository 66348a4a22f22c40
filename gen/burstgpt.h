#ifndef LLMBENCH_GEN_BURSTGPT_H
#define LLMBENCH_GEN_BURSTGPT_H
/*
 * BurstGPT traces (github.com/HPMLL/BurstGPT, the CSV files of its data folder): one request
 * per row with the columns Timestamp (seconds from the trace's start),
 * Model, Request tokens, Response tokens, Total tokens and Log Type.
 * Only Timestamp, Request tokens and Response tokens are read; they must
 * be present (a missing one is named in the error). Rows whose Response
 * tokens is 0 are the trace's failed requests: skipped and counted (the
 * BurstGPT_without_fails files hold none).
 *
 * Ownership: bgpt_load fills a list the caller releases with bgpt_free.
 */
#include <stddef.h>

#include "err.h"

struct bgpt_item {
	double arrival_s; /* Timestamp minus the first kept row's, seconds */
	long in_tokens;   /* Request tokens, >= 1 */
	long out_tokens;  /* Response tokens, >= 1 */
	long line;        /* where the row is in its file */
};

struct bgpt_list {
	struct bgpt_item *v;
	size_t n, cap;
	size_t failed;    /* rows with Response tokens 0, skipped */
};

/*
 * Reads path ("-" for stdin), at most max rows kept (0: all). Returns 0,
 * ERR_NOINPUT (cannot open), ERR_DATA ("file: no column 'Response
 * tokens'"; "file:line: Request tokens: expected ..." for a value that is
 * not a count or a time; timestamps going back; no request at all),
 * ERR_IO, ERR_SOFTWARE.
 */
int bgpt_load(const char *path, size_t max, struct bgpt_list *out, struct err *e);

void bgpt_free(struct bgpt_list *l);

#endif
