#ifndef LLMBENCH_CSV_H
#define LLMBENCH_CSV_H
/*
 * CSV on libcsv: RFC 4180 (quoted fields with commas, quotes and
 * newlines), UTF-8 with an optional BOM (skipped), streaming: a record at a
 * time, so a file of any size is never held in memory at once.
 *
 * Reading: the first record is the header, and columns are found by name.
 * Errors name file, line and column: "in.csv:12:3: ..." (lines count LF,
 * CRLF or a lone CR once each, newlines inside quoted fields included;
 * columns are 1-based bytes). Parsing is strict: a quote inside an
 * unquoted field, anything but a comma or line end after a closing quote,
 * an unterminated quoted field at end of input and a NUL byte are errors.
 * Spaces are data (never trimmed). Blank lines between records are
 * skipped. Every record must have as many fields as the header.
 *
 * libcsv's own functions (csv_parse, csv_fwrite...) share the csv_ prefix;
 * the names here do not clash with them.
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
 * fails with ERR_DATA "field longer than N bytes". A header may have at
 * most CSV_MAX_COLS columns. */
#define CSV_MAX_FIELD (64u << 20)
#define CSV_MAX_COLS 4096u

/* Bytes a reader reads from its input at a time. */
#define CSV_READ_SIZE (64u << 10)

/* Opens path ("-" for stdin) and reads its header. Returns 0, ERR_NOINPUT
 * (cannot open), ERR_DATA (empty file, bad header, duplicate column name),
 * ERR_IO. */
int csv_open(const char *path, struct csv_reader **out, struct err *e);

/* The same on an open stream (borrowed: not closed by csv_close); name is
 * used in messages. */
int csv_open_fp(FILE *fp, const char *name, struct csv_reader **out,
		struct err *e);

/* csv_open_fp reading read_size bytes at a time instead of CSV_READ_SIZE:
 * tests read with tiny sizes to put a read boundary at every byte. */
int csv_open_fp_sized(FILE *fp, const char *name, size_t read_size,
		      struct csv_reader **out, struct err *e);

void csv_close(struct csv_reader *r);

/* Sets the cap on one field for the records read after this call (bytes,
 * at least 1; the header was read under CSV_MAX_FIELD). */
void csv_set_max_field(struct csv_reader *r, size_t max);

size_t csv_ncols(const struct csv_reader *r);
const char *csv_colname(const struct csv_reader *r, size_t i);

/* Index of the column named name, or -1. */
int csv_col(const struct csv_reader *r, const char *name);

/* Reads the next record. Returns 1 when one was read, 0 at end of input,
 * -1 on error (e filled: ERR_DATA with file:line:column for a malformed
 * record, a NUL byte or a field over the cap; ERR_DATA "file:line: expected
 * N fields, got M" for a record whose field count differs from the
 * header's; ERR_IO for a read error).
 * After a wrong field count the reader stays usable: the next call reads
 * the record after it. After any other error every later call fails the
 * same way. */
int csv_next(struct csv_reader *r, struct err *e);

/* Whether the record csv_next last returned or rejected was the file's
 * last and had no line end: what a killed writer leaves (its fields may be
 * cut short even when their count is right). An open quote on an earlier
 * line that runs to the end is not one. Our writer ends every row, so a
 * reader of llmrun results skips such a record with a warning; RFC 4180
 * allows a last line without a line end, so other readers may keep it. */
int csv_truncated(const struct csv_reader *r);

/* Whether the error csv_next last returned was the end of input inside a
 * quoted field, wherever its record began. A killed writer's row cut
 * after a line end inside a field (a value holding a newline) ends so,
 * and so does an open quote lines earlier that swallowed the rows after
 * it: only the writer's own record of its end tells them apart (a reader
 * of llmrun results asks the run's metadata). */
int csv_cut_in_quote(const struct csv_reader *r);

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
 *   killed keeps every row already written.
 * CSV_STAGED: a temporary file as CSV_ATOMIC, each row flushed as
 *   written; csv_writer_publish renames it into place early, and from
 *   then on a kill keeps every row (llmrun's results: a run that fails
 *   before its first row leaves an earlier file of that name as it was).
 * A flushing writer whose write fails cuts the file back to its last
 * whole row (or group), drops what stdio still holds, and refuses every
 * later row: nothing past the cut ever reaches the file. path "-" is
 * stdout in every mode. */
enum csv_mode { CSV_ATOMIC, CSV_DIRECT, CSV_STAGED };

/* Returns 0, ERR_NOINPUT (folder missing) or ERR_IO, naming path. */
int csv_writer_open(const char *path, enum csv_mode mode,
		    struct csv_writer **out, struct err *e);

/* A writer on a stream the caller already has (borrowed: csv_writer_close
 * neither flushes nor closes it; the owner does, and checks it); name is
 * used in messages. For output that goes to stdout or an ofile. */
int csv_writer_open_fp(FILE *fp, const char *name, struct csv_writer **out,
		       struct err *e);

/* Writes one record of n fields. NULL fields are written empty. In
 * CSV_DIRECT mode the row is flushed.
 * Quoting: a field is written in double quotes (inner quotes doubled) only
 * when it holds a comma, a quote, CR or LF, begins or ends with a space or
 * tab, or is the only field of its row and empty (so the row is not a blank
 * line); every other field is written as is, so simple files stay readable
 * by awk -F, and cut. Rows end with LF (the reader takes CRLF too). No BOM.
 * A field holding a NUL byte is refused (ERR_DATA): the reader would refuse
 * the file. */
int csv_write_row(struct csv_writer *w, const char *const *fields, size_t n,
		  struct err *e);

/* Field by field: csv_write_field (len bytes of s) ... then csv_end_row. */
int csv_write_field(struct csv_writer *w, const char *s, size_t len,
		    struct err *e);
int csv_end_row(struct csv_writer *w, struct err *e);

/* Flushing writers: rows are then held until csv_writer_mark, which
 * sends them in one write, so a kill keeps a group of rows whole or not
 * at all (a scrape's samples). bufsize is the stream's buffer: a group
 * that fits leaves in one write; a larger one is cut back whole if a
 * write fails. Before the first row only. Returns 0 or ERR_SOFTWARE. */
int csv_writer_group(struct csv_writer *w, size_t bufsize, struct err *e);

/* Ends a group: flushes the rows written since the last mark, and their
 * end becomes what a failed write cuts the file back to. Without groups,
 * nothing to do. Returns 0 or ERR_IO. */
int csv_writer_mark(struct csv_writer *w, struct err *e);

/* CSV_STAGED: renames the file into place now; later rows go on into it
 * and abort keeps them. Nothing for other modes. Returns 0 or ERR_IO. */
int csv_writer_publish(struct csv_writer *w, struct err *e);

/* Finishes: commit != 0 flushes, checks for write errors and (ATOMIC)
 * renames into place; commit == 0 discards (ATOMIC: removes the temporary
 * file; DIRECT: closes, keeping the rows written). Frees w either way.
 * Returns 0, ERR_IO, or ERR_SOFTWARE when a row was begun and not ended
 * (then nothing is committed). */
int csv_writer_close(struct csv_writer *w, int commit, struct err *e);

#endif
