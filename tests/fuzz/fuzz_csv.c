/*
 * libFuzzer entry for lib/csv.c's reader. The first byte picks the field
 * cap (a small one exercises the cap's bookkeeping); the rest is the file,
 * read through fmemopen and walked to the end. The reader must never
 * crash, and whatever it returns must keep its contract.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader *r;
	struct err e;
	size_t max, i, len;
	long line = 0;
	FILE *fp;
	int rc, n;

	if (size == 0)
		return 0;
	max = data[0] & 0x80 ? CSV_MAX_FIELD : 1 + (size_t)(data[0] & 0x3f);
	/* glibc's fmemopen takes no zero size; an empty file is a byte of
	 * config alone, read from an empty buffer another way. */
	fp = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r")
		      : fopen("/dev/null", "r");
	if (!fp)
		abort();
	if (csv_open_fp(fp, "fuzz", &r, &e)) {
		if (e.code != ERR_DATA && e.code != ERR_IO)
			abort();
		fclose(fp);
		return 0;
	}
	csv_set_max_field(r, max);
	if (csv_ncols(r) == 0 || csv_ncols(r) > CSV_MAX_COLS)
		abort();
	for (i = 0; i < csv_ncols(r); i++)
		if (csv_col(r, csv_colname(r, i)) != (int)i)
			abort(); /* names are unique */
	for (n = 0; n < 1000000; n++) {
		rc = csv_next(r, &e);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (e.code != ERR_DATA || strncmp(e.msg, "fuzz:", 5))
				abort();
			if (!strstr(e.msg, "fields, got"))
				break; /* sticky: nothing more to read */
			continue;
		}
		if (csv_line(r) <= line)
			abort();
		line = csv_line(r);
		for (i = 0; i < csv_ncols(r); i++) {
			const char *f = csv_field(r, i, &len);

			if (!f || len > max || f[len] != '\0' ||
			    memchr(f, '\0', len))
				abort();
		}
		if (csv_field(r, csv_ncols(r), NULL))
			abort();
	}
	csv_close(r);
	fclose(fp);
	return 0;
}
