#include "err.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	/* One line, safe on a terminal, whatever a file or a server put in
	 * the names and texts it holds. */
	utf8_unctrl(e->msg);
	return code;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char old[ERR_MSG_MAX];
	size_t n;
	va_list ap;

	if (!e)
		return ERR_SOFTWARE;
	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (n + 2 < sizeof e->msg) {
		memcpy(e->msg + n, ": ", 3);
		n += 2;
		snprintf(e->msg + n, sizeof e->msg - n, "%.*s", (int)(sizeof e->msg - n - 1), old);
	}
	utf8_unctrl(e->msg);
	return e->code;
}

void err_clear(struct err *e)
{
	e->code = ERR_OK;
	e->msg[0] = '\0';
}
