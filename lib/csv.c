#include "csv.h"

#include <csv.h> /* libcsv (lib/ is on the quote path only) */
#include <errno.h>
#include <stdarg.h>
#include <stdio_ext.h> /* __fpurge */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "buf.h"
#include "ofile.h"

/* Bytes read from the input at a time (CSV_READ_SIZE): the reader's memory
 * is this plus the current record, whatever the file's size. */

/* States of libcsv 3.0's parser (libcsv.c names them; csv.h exposes only
 * the pstate field): no field of a record seen yet, and a quote seen in a
 * quoted field, which closes it unless another quote follows. */
#define LIBCSV_ROW_NOT_BEGUN 0
#define LIBCSV_FIELD_MIGHT_HAVE_ENDED 3

struct fld {
	size_t off; /* in data */
	size_t len; /* bytes, excluding the NUL that follows */
};

struct csv_reader {
	FILE *fp;
	int own_fp;
	char *name;
	struct csv_parser p;
	char *chunk;
	size_t chunk_size;
	size_t clen, cpos; /* bytes in chunk, bytes of it consumed */
	size_t lf;         /* offset of the next LF in chunk, or clen */
	int started;       /* first chunk read (BOM checked) */
	int at_eof;        /* input ended and csv_fini ran */
	struct err fail;   /* sticky error; code ERR_OK while none */
	size_t max_field;

	long line;    /* line of the next byte, 1-based */
	long col;     /* bytes before the next byte on its line */
	int after_cr; /* last byte was CR: an LF right after ends no new line */

	/* The record being read. */
	long rec_line;
	int rec_done;   /* libcsv reported its end */
	int rec_eof;    /* it ended at end of input, with no line end */
	int truncated;  /* csv_truncated's answer for the last record */
	int cut_quote;  /* csv_cut_in_quote's answer for the last record */
	struct buf data;  /* its fields, each followed by a NUL */
	struct fld *f;
	size_t nf, af;    /* fields stored, allocated */
	size_t nseen;     /* fields seen, also those past keep */
	size_t keep;      /* fields worth storing */
	int cb_rc;        /* error inside a libcsv callback */

	/* The header. */
	struct buf hdata;
	struct fld *h;
	size_t ncols;
};

static int is_space_never(unsigned char c)
{
	(void)c;
	return 0;
}

static void on_field(void *s, size_t len, void *ctx)
{
	struct csv_reader *r = ctx;
	struct fld *f;

	r->nseen++;
	if (r->cb_rc || r->nf >= r->keep)
		return;
	if (r->nf == r->af) {
		size_t n = r->af ? 2 * r->af : 16;

		f = realloc(r->f, n * sizeof *f);
		if (!f) {
			r->cb_rc = ERR_SOFTWARE;
			return;
		}
		r->f = f;
		r->af = n;
	}
	f = &r->f[r->nf];
	f->off = r->data.len;
	f->len = len;
	/* The field and its NUL in one reservation: this runs for every
	 * field of every row (two buf_add calls were a tenth of a large
	 * llmanalyze compare). */
	if (buf_reserve(&r->data, len + 1, NULL)) {
		r->cb_rc = ERR_SOFTWARE;
		return;
	}
	if (len)
		memcpy(r->data.p + r->data.len, s, len);
	r->data.len += len + 1;
	r->data.p[r->data.len - 1] = '\0';
	r->data.p[r->data.len] = '\0';
	r->nf++;
}

static void on_record(int c, void *ctx)
{
	struct csv_reader *r = ctx;

	r->rec_done = 1;
	r->rec_eof = c == -1;
}

/* Records a sticky error and copies it to e. Returns -1. */
static int fail(struct csv_reader *r, struct err *e, int code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct csv_reader *r, struct err *e, int code,
		const char *fmt, ...)
{
	va_list ap;

	r->fail.code = code;
	va_start(ap, fmt);
	vsnprintf(r->fail.msg, sizeof r->fail.msg, fmt, ap);
	va_end(ap);
	if (e)
		*e = r->fail;
	return -1;
}

static int fill(struct csv_reader *r, struct err *e)
{
	/* The first read takes at least a whole BOM. */
	size_t want = !r->started && r->chunk_size < 3 ? 3 : r->chunk_size;
	size_t n;

	errno = 0;
	n = fread(r->chunk, 1, want, r->fp);
	if (n < want && ferror(r->fp))
		return fail(r, e, ERR_IO, "%s: read failed: %s", r->name,
			    strerror(errno ? errno : EIO));
	r->clen = n;
	r->cpos = 0;
	r->lf = 0;
	if (!r->started) {
		r->started = 1;
		if (n >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0)
			r->cpos = 3;
	}
	return 0;
}

/* Length of the field libcsv is in the middle of: its buffer also holds a
 * closing quote it is not yet sure of. */
static size_t open_field_len(const struct csv_parser *p)
{
	if (p->pstate == LIBCSV_FIELD_MIGHT_HAVE_ENDED)
		return p->entry_pos - p->spaces - 1;
	return p->entry_pos;
}

/* libcsv grows its field buffer by a fixed step; doubling it instead
 * makes a long field cost a few reallocs, not one per step, and stopping
 * near the cap keeps the buffer from overshooting it by much. */
static size_t grow_step(const struct csv_reader *r)
{
	size_t sz = r->p.entry_size, step = sz < 4096 ? 4096 : sz;

	if (sz >= r->max_field)
		return 4096;
	if (step > r->max_field - sz + 4096)
		step = r->max_field - sz + 4096;
	return step;
}

static void reset_record(struct csv_reader *r)
{
	buf_reset(&r->data);
	r->nf = 0;
	r->nseen = 0;
	r->rec_done = 0;
	r->rec_eof = 0;
	r->truncated = 0;
	r->cut_quote = 0;
}

/* Parses until libcsv reports the end of a record (1), the input ends (0)
 * or an error (-1, sticky). Input goes to libcsv in pieces that end at the
 * first CR or LF, so a record can only end on a piece's last byte: the
 * reader stops there, and knows the line and column of every byte. */
static int read_record(struct csv_reader *r, struct err *e)
{
	reset_record(r);
	for (;;) {
		const char *s, *cut;
		size_t n, len, room, got, flen;

		if (r->cpos == r->clen) {
			if (r->at_eof)
				return 0;
			if (fill(r, e))
				return -1;
			/* A chunk may be all BOM. */
			if (r->clen)
				continue;
			r->at_eof = 1;
			if (csv_fini(&r->p, on_field, on_record, r) != 0) {
				/* A cut-off last row, if it began on the last line:
				 * an open quote lines earlier swallowed the rows
				 * after it, which is bad data, not a kill. */
				r->truncated = r->line == r->rec_line;
				r->cut_quote = 1;
				return fail(r, e, ERR_DATA,
					    "%s:%ld:%ld: end of input inside a quoted field (record from line %ld)",
					    r->name, r->line, r->col + 1,
					    r->rec_line);
			}
			if (r->cb_rc)
				return fail(r, e, r->cb_rc, "%s: out of memory",
					    r->name);
			return r->rec_done;
		}
		s = r->chunk + r->cpos;
		n = r->clen - r->cpos;
		if (*s == '\0')
			return fail(r, e, ERR_DATA, "%s:%ld:%ld: NUL byte in input",
				    r->name, r->line, r->col + 1);
		/* The next LF is looked for once, not once a piece: a file
		 * with CR line ends would otherwise rescan its chunk for each
		 * line. */
		if (r->lf < r->cpos || r->lf == 0) {
			cut = memchr(s, '\n', n);
			r->lf = cut ? (size_t)(cut - r->chunk) : r->clen;
		}
		len = r->lf < r->clen ? r->lf - r->cpos + 1 : n;
		if ((cut = memchr(s, '\r', len)))
			len = (size_t)(cut - s) + 1;
		if ((cut = memchr(s, '\0', len)))
			len = (size_t)(cut - s);
		/* Feeding no more than the field may still grow by makes the
		 * byte that passes the cap the piece's last. */
		flen = open_field_len(&r->p);
		room = flen <= r->max_field ? r->max_field + 1 - flen : 1;
		if (len > room)
			len = room;
		csv_set_blk_size(&r->p, grow_step(r));

		if (r->p.pstate == LIBCSV_ROW_NOT_BEGUN)
			r->rec_line = r->line;
		got = csv_parse(&r->p, s, len, on_field, on_record, r);
		if (got < len) {
			if (csv_error(&r->p) != CSV_EPARSE)
				return fail(r, e, ERR_SOFTWARE, "%s: %s", r->name,
					    csv_strerror(csv_error(&r->p)));
			if (r->p.quoted)
				return fail(r, e, ERR_DATA,
					    "%s:%ld:%ld: unexpected character after a closing quote (a quote inside a quoted field is written \"\")",
					    r->name, r->line, r->col + (long)got + 1);
			return fail(r, e, ERR_DATA,
				    "%s:%ld:%ld: quote inside an unquoted field (quote the whole field)",
				    r->name, r->line, r->col + (long)got + 1);
		}
		if (r->cb_rc)
			return fail(r, e, r->cb_rc, "%s: out of memory", r->name);
		if (open_field_len(&r->p) > r->max_field)
			return fail(r, e, ERR_DATA,
				    "%s:%ld:%ld: field longer than %zu bytes",
				    r->name, r->line, r->col + (long)len,
				    r->max_field);
		r->cpos += len;
		if (s[len - 1] == '\n') {
			if (!(r->after_cr && len == 1))
				r->line++;
			r->col = 0;
			r->after_cr = 0;
		} else if (s[len - 1] == '\r') {
			r->line++;
			r->col = 0;
			r->after_cr = 1;
		} else {
			r->col += (long)len;
			r->after_cr = 0;
		}
		if (r->rec_done)
			return 1;
	}
}

int csv_next(struct csv_reader *r, struct err *e)
{
	int rc;

	if (r->fail.code) {
		if (e)
			*e = r->fail;
		return -1;
	}
	rc = read_record(r, e);
	if (rc != 1)
		return rc;
	r->truncated = r->rec_eof;
	if (r->nseen != r->ncols) {
		err_set(e, ERR_DATA, "%s:%ld: expected %zu fields, got %zu",
			r->name, r->rec_line, r->ncols, r->nseen);
		return -1;
	}
	return 1;
}

static int read_header(struct csv_reader *r, struct err *e)
{
	int rc;
	size_t i, j;

	r->keep = CSV_MAX_COLS;
	rc = read_record(r, e);
	if (rc < 0)
		return r->fail.code;
	if (rc == 0) {
		fail(r, e, ERR_DATA, "%s: empty file (no header)", r->name);
		return ERR_DATA;
	}
	if (r->nseen > CSV_MAX_COLS) {
		fail(r, e, ERR_DATA, "%s:%ld: more than %u columns", r->name,
		     r->rec_line, CSV_MAX_COLS);
		return ERR_DATA;
	}
	for (i = 0; i < r->nf; i++)
		for (j = 0; j < i; j++)
			if (strcmp(r->data.p + r->f[i].off,
				   r->data.p + r->f[j].off) == 0) {
				fail(r, e, ERR_DATA,
				     "%s:%ld: duplicate column name \"%s\" (columns %zu and %zu)",
				     r->name, r->rec_line,
				     r->data.p + r->f[i].off, j + 1, i + 1);
				return ERR_DATA;
			}
	/* The header keeps the record's storage; the records get new. */
	r->hdata = r->data;
	r->h = r->f;
	r->ncols = r->nf;
	memset(&r->data, 0, sizeof r->data);
	r->f = NULL;
	r->af = 0;
	r->nf = 0;
	r->keep = r->ncols;
	return 0;
}

int csv_open_fp_sized(FILE *fp, const char *name, size_t read_size,
		      struct csv_reader **out, struct err *e)
{
	struct csv_reader *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (read_size == 0)
		read_size = 1;
	if (!r || !(r->name = strdup(name)) ||
	    !(r->chunk = malloc(read_size < 3 ? 3 : read_size))) {
		if (r) {
			free(r->name);
			free(r);
		}
		return err_set(e, ERR_SOFTWARE, "%s: out of memory", name);
	}
	r->fp = fp;
	r->chunk_size = read_size;
	r->line = 1;
	r->rec_line = 1;
	r->max_field = CSV_MAX_FIELD;
	csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI);
	/* RFC 4180: spaces are part of a field; libcsv trims them unless
	 * told that nothing is a space. */
	csv_set_space_func(&r->p, is_space_never);
	rc = read_header(r, e);
	if (rc) {
		csv_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

int csv_open_fp(FILE *fp, const char *name, struct csv_reader **out,
		struct err *e)
{
	return csv_open_fp_sized(fp, name, CSV_READ_SIZE, out, e);
}

int csv_open(const char *path, struct csv_reader **out, struct err *e)
{
	struct stat st;
	FILE *fp;
	int rc;

	*out = NULL;
	if (strcmp(path, "-") == 0)
		return csv_open_fp(stdin, "stdin", out, e);
	fp = fopen(path, "r");
	if (!fp)
		return err_set(e, ERR_NOINPUT, "%s: cannot open: %s", path,
			       strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		return err_set(e, ERR_NOINPUT, "%s: is a folder", path);
	}
	rc = csv_open_fp(fp, path, out, e);
	if (rc)
		fclose(fp);
	else
		(*out)->own_fp = 1;
	return rc;
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	if (r->own_fp)
		fclose(r->fp);
	csv_free(&r->p);
	buf_free(&r->data);
	buf_free(&r->hdata);
	free(r->f);
	free(r->h);
	free(r->chunk);
	free(r->name);
	free(r);
}

void csv_set_max_field(struct csv_reader *r, size_t max)
{
	r->max_field = max ? max : 1;
}

size_t csv_ncols(const struct csv_reader *r)
{
	return r->ncols;
}

const char *csv_colname(const struct csv_reader *r, size_t i)
{
	return i < r->ncols ? r->hdata.p + r->h[i].off : NULL;
}

int csv_col(const struct csv_reader *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncols; i++)
		if (strcmp(r->hdata.p + r->h[i].off, name) == 0)
			return (int)i;
	return -1;
}

int csv_truncated(const struct csv_reader *r)
{
	return r->truncated;
}

int csv_cut_in_quote(const struct csv_reader *r)
{
	return r->cut_quote;
}

const char *csv_field(const struct csv_reader *r, size_t i, size_t *len)
{
	if (i >= r->nf)
		return NULL;
	if (len)
		*len = r->f[i].len;
	return r->data.p + r->f[i].off;
}

long csv_line(const struct csv_reader *r)
{
	return r->rec_line;
}

const char *csv_name(const struct csv_reader *r)
{
	return r->name;
}

struct csv_writer {
	struct ofile *o; /* CSV_ATOMIC */
	FILE *fp;
	int direct;      /* CSV_DIRECT: path itself, opened here */
	int flush;       /* CSV_DIRECT, CSV_STAGED: each row flushed */
	off_t good;      /* flushing writers: bytes of whole rows in the file */
	off_t row;       /* bytes of the row being written */
	int grouped;     /* csv_writer_group: flushed at csv_writer_mark */
	off_t held;      /* grouped: whole rows written since the last mark */
	int failed;      /* errno of the write that failed: later rows refused */
	int own_fp;      /* CSV_DIRECT to a file: closed at the end */
	int borrowed;    /* csv_writer_open_fp: the owner flushes and closes */
	char *name;      /* for messages */
	size_t nfield;   /* fields written in the current row */
	int only_empty;  /* the row so far is one empty field */
	int at_start;    /* nothing written yet */
};

static struct csv_writer *writer_new(const char *name)
{
	struct csv_writer *w = calloc(1, sizeof *w);

	if (w && !(w->name = strdup(name))) {
		free(w);
		return NULL;
	}
	if (w)
		w->at_start = 1;
	return w;
}

int csv_writer_open_fp(FILE *fp, const char *name, struct csv_writer **out,
		       struct err *e)
{
	struct csv_writer *w = writer_new(name);

	*out = NULL;
	if (!w)
		return err_set(e, ERR_SOFTWARE, "%s: out of memory", name);
	w->fp = fp;
	w->borrowed = 1;
	*out = w;
	return 0;
}

int csv_writer_open(const char *path, enum csv_mode mode,
		    struct csv_writer **out, struct err *e)
{
	int std = strcmp(path, "-") == 0;
	struct csv_writer *w = writer_new(std ? "stdout" : path);
	int rc = 0;

	*out = NULL;
	if (!w)
		return err_set(e, ERR_SOFTWARE, "%s: out of memory", path);
	w->direct = mode == CSV_DIRECT;
	w->flush = mode != CSV_ATOMIC;
	if (!w->direct && !(std && mode == CSV_STAGED)) {
		rc = ofile_open(path, &w->o, e);
		if (!rc)
			w->fp = ofile_fp(w->o);
	} else if (std) {
		w->fp = stdout;
	} else if ((w->fp = fopen(path, "w"))) {
		w->own_fp = 1;
	} else {
		rc = err_set(e, errno == ENOENT || errno == ENOTDIR ? ERR_NOINPUT : ERR_IO,
			     "%s: cannot create: %s", path, strerror(errno));
	}
	if (rc) {
		free(w->name);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* Flushing writers to a file: back to the end of the last whole row (or
 * group). What reached the file past it is cut, and what stdio still
 * holds dropped, or a later flush (fclose) would write it past the cut. */
static void cut_back(struct csv_writer *w)
{
	if (w->flush && (w->o || w->own_fp)) {
		__fpurge(w->fp);
		(void)!ftruncate(fileno(w->fp), w->good);
		(void)fseeko(w->fp, w->good, SEEK_SET);
	}
}

static int write_failed(struct csv_writer *w, struct err *e)
{
	int code = errno ? errno : EIO;

	/* A full disk stops a row midway: the file keeps its whole rows. */
	if (!w->failed) {
		cut_back(w);
		w->failed = code;
	}
	return err_set(e, ERR_IO, "%s: write failed: %s", w->name, strerror(w->failed));
}

static int needs_quotes(const char *s, size_t len, int at_start)
{
	size_t i;

	if (len == 0)
		return 0;
	if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
	    s[len - 1] == '\t')
		return 1;
	/* A reader would take these bytes at the start of the file for a
	 * BOM and drop them. */
	if (at_start && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		return 1;
	for (i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			return 1;
	return 0;
}

/* The bytes field s (len) took in the file, its comma before it
 * included: libcsv quotes it and doubles each quote inside. Counted for
 * flushing writers only (their row ends are cut back to). */
static off_t row_bytes(const struct csv_writer *w, const char *s, size_t len, int quoted)
{
	off_t n = (off_t)len + (w->nfield > 0);

	if (quoted) {
		n += 2;
		for (size_t i = 0; i < len; i++)
			n += s[i] == '"';
	}
	return n;
}

int csv_write_field(struct csv_writer *w, const char *s, size_t len,
		    struct err *e)
{
	int quoted;

	if (len && memchr(s, '\0', len))
		return err_set(e, ERR_DATA, "%s: NUL byte in field %zu",
			       w->name, w->nfield + 1);
	if (w->failed)
		return write_failed(w, e);
	errno = 0;
	if (w->nfield && putc(',', w->fp) == EOF)
		return write_failed(w, e);
	quoted = needs_quotes(s, len, w->at_start);
	if (quoted) {
		if (csv_fwrite(w->fp, s, len) == EOF)
			return write_failed(w, e);
	} else if (len && fwrite(s, 1, len, w->fp) != len) {
		return write_failed(w, e);
	}
	if (w->flush)
		w->row += row_bytes(w, s, len, quoted);
	w->only_empty = w->nfield == 0 && len == 0;
	w->nfield++;
	w->at_start = 0;
	return 0;
}

int csv_end_row(struct csv_writer *w, struct err *e)
{
	if (w->nfield == 0)
		return err_set(e, ERR_SOFTWARE, "%s: row with no fields",
			       w->name);
	if (w->failed)
		return write_failed(w, e);
	errno = 0;
	if (w->nfield == 1 && w->only_empty && fputs("\"\"", w->fp) == EOF)
		return write_failed(w, e);
	if (putc('\n', w->fp) == EOF)
		return write_failed(w, e);
	w->row += 1 + 2 * (w->nfield == 1 && w->only_empty);
	w->nfield = 0;
	if (w->grouped) {
		w->held += w->row;
		w->row = 0;
		return 0;
	}
	if (w->flush && fflush(w->fp) != 0)
		return write_failed(w, e);
	/* Counted, not asked (ftello is a system call a row). */
	w->good += w->row;
	w->row = 0;
	return 0;
}

int csv_writer_group(struct csv_writer *w, size_t bufsize, struct err *e)
{
	if (!w->flush || !w->at_start || w->borrowed)
		return err_set(e, ERR_SOFTWARE, "%s: rows can be grouped only by "
			       "a flushing writer, before its first row", w->name);
	/* Nothing was written to the stream yet, so setvbuf may be called. */
	if (setvbuf(w->fp, NULL, _IOFBF, bufsize) != 0)
		return err_set(e, ERR_SOFTWARE, "%s: out of memory", w->name);
	w->grouped = 1;
	return 0;
}

int csv_writer_mark(struct csv_writer *w, struct err *e)
{
	if (!w->grouped)
		return 0;
	if (w->failed)
		return write_failed(w, e);
	if (w->nfield)
		return err_set(e, ERR_SOFTWARE, "%s: mark inside a row", w->name);
	errno = 0;
	if (fflush(w->fp) != 0)
		return write_failed(w, e);
	w->good += w->held;
	w->held = 0;
	return 0;
}

int csv_write_row(struct csv_writer *w, const char *const *fields, size_t n,
		  struct err *e)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		const char *s = fields[i] ? fields[i] : "";

		rc = csv_write_field(w, s, strlen(s), e);
		if (rc)
			return rc;
	}
	return csv_end_row(w, e);
}

int csv_writer_publish(struct csv_writer *w, struct err *e)
{
	return w->o && w->flush ? ofile_publish(w->o, e) : 0;
}

int csv_writer_close(struct csv_writer *w, int commit, struct err *e)
{
	int rc = 0;

	if (commit && w->nfield) {
		rc = err_set(e, ERR_SOFTWARE, "%s: row begun and not ended",
			     w->name);
		commit = 0;
	}
	/* Discarded: a row begun, or a group not marked, is not kept. */
	if (!commit && !w->failed && (w->nfield || w->held))
		cut_back(w);
	if (w->o) {
		if (commit)
			rc = ofile_commit(w->o, e);
		else
			ofile_abort(w->o);
	} else if (!w->borrowed) {
		errno = 0;
		if ((fflush(w->fp) != 0 || ferror(w->fp)) && commit)
			rc = write_failed(w, e);
		if (w->own_fp && fclose(w->fp) != 0 && commit && !rc)
			rc = write_failed(w, e);
	}
	free(w->name);
	free(w);
	return rc;
}
