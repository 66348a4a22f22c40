#include "readall.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int readall_file(const char *path, size_t max, struct buf *b, struct err *e)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char chunk[65536];
	size_t n, keep = b->max;
	int rc = 0;

	if (!fp)
		return err_set(e, ERR_NOINPUT, "%s: %s", path, strerror(errno));
	b->max = max;
	while (!rc && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if ((rc = buf_add(b, chunk, n, e)))
			err_prefix(e, "%s", path);
	if (!rc && ferror(fp))
		rc = err_set(e, ERR_IO, "%s: read error", path);
	if (fp != stdin)
		fclose(fp);
	b->max = keep;
	return rc;
}
