#ifndef LLMBENCH_JSON_H
#define LLMBENCH_JSON_H
/*
 * Small helpers over jansson that the tools share: loading with errors
 * that name file:line:column, typed member lookup with errors that name
 * the key, and serializing into a capped buffer. Everything else is plain
 * jansson. The prefix is js_ because json_ is jansson's.
 *
 * Ownership follows jansson's reference counts: js_load_* return a new
 * reference (*out) that the caller releases with json_decref. Values and
 * strings that js_get_* hand out are borrowed from the object they came
 * from and live as long as it does.
 */
#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"

/* Parses the file at path ("-" for stdin); flags are jansson's decoding
 * flags (0, or e.g. JSON_REJECT_DUPLICATES). Returns 0 with *out set, or
 * ERR_NOINPUT (cannot open), ERR_DATA "path:line:column: message" (bad
 * JSON), ERR_SOFTWARE (out of memory); *out is NULL on error. */
int js_load_file(const char *path, size_t flags, json_t **out, struct err *e);

/* The same on len bytes of s; name is used in messages. */
int js_load_buf(const char *s, size_t len, const char *name, size_t flags,
		json_t **out, struct err *e);

/* "object", "array", "string", "integer", "real", "true", "false", "null"
 * (or "nothing" for NULL), for messages. */
const char *js_type_name(const json_t *v);

/* Member key of obj, by type. Return 0 with *out set; 1 when the member
 * is absent or null and required is 0 (*out untouched); ERR_DATA when it
 * is absent or null and required, of another type, or obj is not an
 * object, with a message naming the key: 'key "n": expected an integer,
 * got a string'. Callers add the file or request with err_prefix.
 * js_get_double takes integers too; js_get_int takes no reals, not even
 * 3.0. js_get_str's *out (NUL-terminated; *len may be NULL, and the bytes
 * may hold NULs when loaded with JSON_ALLOW_NUL) is borrowed from obj. */
int js_get_int(const json_t *obj, const char *key, int required,
	       json_int_t *out, struct err *e);
int js_get_double(const json_t *obj, const char *key, int required,
		  double *out, struct err *e);
int js_get_bool(const json_t *obj, const char *key, int required, int *out,
		struct err *e);
int js_get_str(const json_t *obj, const char *key, int required,
	       const char **out, size_t *len, struct err *e);

/* Appends v serialized with jansson's encoding flags (e.g. JSON_COMPACT;
 * a value other than an object or array needs JSON_ENCODE_ANY) to b,
 * which stays NUL-terminated. Returns 0, ERR_DATA past b's cap (b then
 * holds a prefix), ERR_SOFTWARE (out of memory or v not serializable). */
int js_dump_buf(const json_t *v, size_t flags, struct buf *b, struct err *e);

#endif
