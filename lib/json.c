#include "json.h"

#include <string.h>

static int load_error(const json_error_t *je, const char *name, struct err *e)
{
	int code;

	switch (json_error_code(je)) {
	case json_error_cannot_open_file:
		code = ERR_NOINPUT;
		break;
	case json_error_out_of_memory:
		code = ERR_SOFTWARE;
		break;
	default:
		code = ERR_DATA;
	}
	if (je->line > 0)
		return err_set(e, code, "%s:%d:%d: %s", name, je->line,
			       je->column, je->text);
	return err_set(e, code, "%s: %s", name, je->text);
}

int js_load_file(const char *path, size_t flags, json_t **out, struct err *e)
{
	json_error_t je;
	int std = strcmp(path, "-") == 0;

	*out = std ? json_loadf(stdin, flags, &je)
		   : json_load_file(path, flags, &je);
	return *out ? 0 : load_error(&je, std ? "stdin" : path, e);
}

int js_load_buf(const char *s, size_t len, const char *name, size_t flags,
		json_t **out, struct err *e)
{
	json_error_t je;

	*out = json_loadb(s, len, flags, &je);
	return *out ? 0 : load_error(&je, name, e);
}

const char *js_type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "real";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return "null";
	}
}

/* The member, NULL when absent or null (then returns 1 or ERR_DATA). */
static int member(const json_t *obj, const char *key, int required,
		  const char *want, const json_t **v, struct err *e)
{
	if (!json_is_object(obj))
		return err_set(e, ERR_DATA,
			       "key \"%s\": expected an object holding it, got %s",
			       key, js_type_name(obj));
	*v = json_object_get(obj, key);
	if (*v && !json_is_null(*v))
		return 0;
	if (!required)
		return 1;
	return err_set(e, ERR_DATA, "key \"%s\": missing (expected %s)", key,
		       want);
}

static int wrong_type(const char *key, const char *want, const json_t *v,
		      struct err *e)
{
	return err_set(e, ERR_DATA, "key \"%s\": expected %s, got %s", key,
		       want, js_type_name(v));
}

int js_get_int(const json_t *obj, const char *key, int required,
	       json_int_t *out, struct err *e)
{
	const json_t *v;
	int rc = member(obj, key, required, "an integer", &v, e);

	if (rc)
		return rc;
	if (!json_is_integer(v))
		return wrong_type(key, "an integer", v, e);
	*out = json_integer_value(v);
	return 0;
}

int js_get_double(const json_t *obj, const char *key, int required,
		  double *out, struct err *e)
{
	const json_t *v;
	int rc = member(obj, key, required, "a number", &v, e);

	if (rc)
		return rc;
	if (!json_is_number(v))
		return wrong_type(key, "a number", v, e);
	*out = json_number_value(v);
	return 0;
}

int js_get_bool(const json_t *obj, const char *key, int required, int *out,
		struct err *e)
{
	const json_t *v;
	int rc = member(obj, key, required, "true or false", &v, e);

	if (rc)
		return rc;
	if (!json_is_boolean(v))
		return wrong_type(key, "true or false", v, e);
	*out = json_is_true(v);
	return 0;
}

int js_get_str(const json_t *obj, const char *key, int required,
	       const char **out, size_t *len, struct err *e)
{
	const json_t *v;
	int rc = member(obj, key, required, "a string", &v, e);

	if (rc)
		return rc;
	if (!json_is_string(v))
		return wrong_type(key, "a string", v, e);
	*out = json_string_value(v);
	if (len)
		*len = json_string_length(v);
	return 0;
}

struct dump {
	struct buf *b;
	struct err *e;
	int rc;
};

static int dump_part(const char *s, size_t n, void *ctx)
{
	struct dump *d = ctx;

	/* jansson ignores some of the callback's failures (the opening
	 * quote of a string) and goes on writing: stay failed. */
	if (d->rc)
		return -1;
	d->rc = buf_add(d->b, s, n, d->e);
	return d->rc ? -1 : 0;
}

int js_dump_buf(const json_t *v, size_t flags, struct buf *b, struct err *e)
{
	struct dump d = {b, e, 0};
	/* buf_add keeps b NUL-terminated, also when nothing is added. */
	int rc = buf_add(b, "", 0, e);

	if (rc)
		return rc;
	if (json_dump_callback(v, dump_part, &d, flags) == 0)
		return 0;
	if (d.rc)
		return d.rc;
	return err_set(e, ERR_SOFTWARE, "cannot serialize JSON (%s)",
		       js_type_name(v));
}
