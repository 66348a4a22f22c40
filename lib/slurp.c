#include "slurp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static int slurp_gz(const char *path, struct buf *b, struct err *e)
{
	char chunk[65536];
	gzFile f;
	int n, rc = 0;

	errno = 0;
	f = gzopen(path, "rb");
	if (!f)
		return err_set(e, ERR_NOINPUT, "%s: %s", path, errno ? strerror(errno) : "cannot open");
	gzbuffer(f, 1 << 17);
	while ((n = gzread(f, chunk, sizeof chunk)) > 0)
		if ((rc = buf_add(b, chunk, (size_t)n, e)))
			break;
	if (rc) {
		err_prefix(e, "%s", path);
	} else if (n < 0) {
		int zerr;
		const char *m = gzerror(f, &zerr);

		rc = err_set(e, zerr == Z_ERRNO ? ERR_IO : ERR_DATA, "%s: bad gzip data: %s", path, m);
	}
	gzclose(f);
	return rc;
}

int slurp_file(const char *path, int gz, struct buf *b, struct err *e)
{
	char chunk[65536];
	int std = !strcmp(path, "-"), rc = 0;
	struct stat st;
	FILE *f;
	size_t n;

	if (gz && !std)
		return slurp_gz(path, b, e);
	f = std ? stdin : fopen(path, "rb");
	if (!f)
		return err_set(e, ERR_NOINPUT, "%s: %s", path, strerror(errno));
	if (!std && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return err_set(e, ERR_NOINPUT, "%s: is a directory", path);
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if ((rc = buf_add(b, chunk, n, e)))
			break;
	if (rc)
		err_prefix(e, "%s", path);
	else if (ferror(f))
		rc = err_set(e, ERR_IO, "%s: read error: %s", path, strerror(errno));
	if (!std)
		fclose(f);
	return rc;
}
