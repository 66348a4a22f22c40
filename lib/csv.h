#ifndef LLMBENCH_CSV_H
#define LLMBENCH_CSV_H
/*
 * CSV on libcsv: RFC 4180 (quoted fields with commas, quotes and
 * newlines), UTF-8 with an optional BOM (skipped), streaming: a record at a
 * time, so a file of any size is never held in memory at once.
 *
 * Reading: the first record is the header, and columns are found by name.
 * Errors name file, line and column: "in.csv:12:3: ...".
 *
 * Ownership: readers and writers belong to the caller and are released by
 * csv_close / csv_writer_close. Field pointers are borrowed and valid until
 * the next csv_next.
 */
#include <stddef.h>
#include <stdio.h>

#include "err.h"

struct csv_reader;

/* Default cap on one field, in bytes (CSV_MAX_FIELD); past it, csv_next
 * fails with ERR_DATA. */
#define CSV_MAX_FIELD (64u << 20)

/* Opens path ("-" for stdin) and reads its header. Returns 0, ERR_NOINPUT
 * (cannot open), ERR_DATA (empty file, bad header, duplicate column name),
 * ERR_IO. */
int csv_open(const char *path, struct csv_reader **out, struct err *e);

/* The same on an open stream (borrowed: not closed by csv_close); name is
 * used in messages. */
int csv_open_fp(FILE *fp, const char *name, struct csv_reader **out,
		struct err *e);

void csv_close(struct csv_reader *r);

size_t csv_ncols(const struct csv_reader *r);
const char *csv_colname(const struct csv_reader *r, size_t i);

/* Index of the column named name, or -1. */
int csv_col(const struct csv_reader *r, const char *name);

/* Reads the next record. Returns 1 when one was read, 0 at end of input,
 * -1 on error (e filled: ERR_DATA with file:line:column for a malformed
 * record, a field over the cap, or a record whose field count differs from
 * the header's; ERR_IO for a read error). After an ERR_DATA for a record
 * with too few fields or an unterminated quote, csv_truncated tells whether
 * that record was the file's last and had no line end (what a killed
 * writer leaves), so the caller may skip it with a warning. */
int csv_next(struct csv_reader *r, struct err *e);
int csv_truncated(const struct csv_reader *r);

/* Field i of the current record (NUL-terminated; *len may be NULL), or
 * NULL when i is out of range. */
const char *csv_field(const struct csv_reader *r, size_t i, size_t *len);

/* Line number (1-based) where the current record starts. */
long csv_line(const struct csv_reader *r);

/* The name given at open. */
const char *csv_name(const struct csv_reader *r);

struct csv_writer;

/* Where a writer puts its bytes:
 * CSV_ATOMIC: a temporary file beside path, renamed to path on commit and
 *   removed on abort (no partial file is ever left under path).
 * CSV_DIRECT: path itself, each row flushed as written, so a run that is
 *   killed keeps every row already written (llmrun's results).
 * path "-" is stdout in both modes. */
enum csv_mode { CSV_ATOMIC, CSV_DIRECT };

int csv_writer_open(const char *path, enum csv_mode mode,
		    struct csv_writer **out, struct err *e);

/* Writes one record of n fields, quoting where RFC 4180 needs it. NULL
 * fields are written empty. In CSV_DIRECT mode the row is flushed. */
int csv_write_row(struct csv_writer *w, const char *const *fields, size_t n,
		  struct err *e);

/* Field by field: csv_write_field (len bytes of s) ... then csv_end_row. */
int csv_write_field(struct csv_writer *w, const char *s, size_t len,
		    struct err *e);
int csv_end_row(struct csv_writer *w, struct err *e);

/* Finishes: commit != 0 flushes, checks for write errors and (ATOMIC)
 * renames into place; commit == 0 discards (ATOMIC: removes the temporary
 * file). Frees w either way. Returns 0 or ERR_IO. */
int csv_writer_close(struct csv_writer *w, int commit, struct err *e);

#endif
