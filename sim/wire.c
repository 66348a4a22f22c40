#include "wire.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int wire_opt_int(const json_t *o, const char *key, long *v, struct err *e)
{
	json_int_t x;
	int rc = js_get_int(o, key, 0, &x, e);

	if (!rc)
		*v = (long)x;
	return rc == 1 ? 0 : rc;
}

int wire_opt_bool(const json_t *o, const char *key, int *v, struct err *e)
{
	int rc = js_get_bool(o, key, 0, v, e);

	return rc == 1 ? 0 : rc;
}

void wire_add_json(struct evbuffer *out, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s)
		evbuffer_add(out, s, strlen(s));
	free(s);
	json_decref(o);
}

void wire_error_json(const struct wire *w, struct evbuffer *out, int code, const char *type,
		     const char *msg)
{
	if (w && w->error) {
		w->error(code, type, msg, out);
		return;
	}
	wire_add_json(out, json_pack("{s:{s:s,s:s,s:n,s:i}}", "error", "message",
				     msg, "type", type, "param", "code", code));
}

int wire_opt_lengths(const json_t *o, const char *max_key, const char *min_key,
		     struct job *j, struct err *e)
{
	/* LONG_MIN: not given. -1 is j's "unset", which a client sending -1
	 * must not pass for. */
	long max = LONG_MIN, min = j->min_tokens;

	if (wire_opt_int(o, max_key, &max, e) ||
	    (min_key && wire_opt_int(o, min_key, &min, e)) ||
	    wire_opt_bool(o, "ignore_eos", &j->exact, e))
		return ERR_DATA;
	if (max == LONG_MIN)
		max = j->max_tokens;
	else if (max < 1)
		return err_set(e, ERR_DATA, "%s must be at least 1", max_key);
	if (min_key && min < 0)
		return err_set(e, ERR_DATA, "%s must be at least 0", min_key);
	j->max_tokens = max;
	j->min_tokens = min;
	return 0;
}
