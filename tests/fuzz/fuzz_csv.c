/*
 * libFuzzer entry for lib/csv.c's reader. The first byte picks the field
 * cap (a small one exercises the cap's bookkeeping), the second a tiny
 * read size; the rest is the file, read through fmemopen and walked to
 * the end twice: with CSV_READ_SIZE and with the tiny read size. The
 * reader must never crash, whatever it returns must keep its contract,
 * and both walks must see exactly the same thing (records, lines, errors).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "csv.h"



static void fold(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--)
		*h = (*h ^ *s++) * 1099511628211u;
}

/* Hash of all the reader reports on the input. */
static uint64_t walk(const uint8_t *data, size_t size, size_t max,
		     size_t read_size)
{
	uint64_t h = 1469598103934665603u;
	struct csv_reader *r;
	struct err e;
	size_t i, len;
	long line = 0, x;
	FILE *fp;
	int rc, n;

	fp = fmemopen((void *)(size ? data : (const uint8_t *)""), size, "r");
	if (!fp)
		die("fmemopen failed");
	if (csv_open_fp_sized(fp, "fuzz", read_size, &r, &e)) {
		if (e.code != ERR_DATA || strncmp(e.msg, "fuzz", 4))
			die(e.msg);
		fold(&h, e.msg, strlen(e.msg));
		fclose(fp);
		return h;
	}
	csv_set_max_field(r, max);
	if (csv_ncols(r) == 0 || csv_ncols(r) > CSV_MAX_COLS)
		die("column count");
	for (i = 0; i < csv_ncols(r); i++) {
		if (csv_col(r, csv_colname(r, i)) != (int)i)
			die("column names not unique");
		fold(&h, csv_colname(r, i), strlen(csv_colname(r, i)) + 1);
	}
	for (n = 0; n < 1000000; n++) {
		rc = csv_next(r, &e);
		fold(&h, &rc, sizeof rc);
		x = csv_truncated(r);
		fold(&h, &x, sizeof x);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (e.code != ERR_DATA || strncmp(e.msg, "fuzz:", 5))
				die(e.msg);
			fold(&h, e.msg, strlen(e.msg));
			if (!strstr(e.msg, "fields, got"))
				break; /* sticky: nothing more to read */
			continue;
		}
		if (csv_line(r) <= line)
			die("record lines not increasing");
		line = csv_line(r);
		fold(&h, &line, sizeof line);
		for (i = 0; i < csv_ncols(r); i++) {
			const char *f = csv_field(r, i, &len);

			if (!f || len > max || f[len] != '\0' ||
			    memchr(f, '\0', len))
				die("field breaks the contract");
			fold(&h, f, len + 1);
		}
		if (csv_field(r, csv_ncols(r), NULL))
			die("field past the last column");
	}
	csv_close(r);
	fclose(fp);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max, small;

	if (size < 2)
		return 0;
	max = data[0] & 0x80 ? CSV_MAX_FIELD : 1 + (size_t)(data[0] & 0x3f);
	small = 1 + data[1] % 16;
	if (walk(data + 2, size - 2, max, CSV_READ_SIZE) !=
	    walk(data + 2, size - 2, max, small))
		die("read size changes what is read");
	return 0;
}
