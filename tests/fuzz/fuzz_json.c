/*
 * libFuzzer entry for lib/json.c. The first byte picks jansson's decoding
 * flags and a dump cap; the rest is the document. What loads must dump
 * (within the cap, or fail with ERR_DATA) and load back equal, and the
 * getters must answer every key of an object without crashing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"



static void try_getters(json_t *obj)
{
	const char *key, *s;
	json_int_t n;
	double d;
	size_t len;
	json_t *v;
	struct err e;
	int b;

	json_object_foreach(obj, key, v) {
		int ri = js_get_int(obj, key, 1, &n, &e);
		int rd = js_get_double(obj, key, 1, &d, &e);
		int rb = js_get_bool(obj, key, 1, &b, &e);
		int rs = js_get_str(obj, key, 1, &s, &len, &e);

		if ((ri == 0) != json_is_integer(v) ||
		    (rd == 0) != json_is_number(v) ||
		    (rb == 0) != json_is_boolean(v) ||
		    (rs == 0) != json_is_string(v))
			die("getter disagrees with the type");
		if (rs == 0 && (s[len] != '\0' || len != json_string_length(v)))
			die("string length");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t flags, dflags = JSON_COMPACT | JSON_ENCODE_ANY;
	struct buf b = BUF_INIT;
	json_t *j, *back;
	struct err e;
	int rc;

	if (size == 0)
		return 0;
	flags = (data[0] & 1 ? JSON_REJECT_DUPLICATES : 0) |
		(data[0] & 2 ? JSON_DECODE_ANY : 0) |
		(data[0] & 4 ? JSON_ALLOW_NUL : 0);
	if (js_load_buf((const char *)data + 1, size - 1, "fuzz", flags, &j, &e)) {
		if (e.code != ERR_DATA || strncmp(e.msg, "fuzz", 4) || j)
			die(e.msg);
		return 0;
	}
	if (json_is_object(j))
		try_getters(j);
	b.max = data[0] & 8 ? (size_t)(data[0] >> 4) : 0;
	rc = js_dump_buf(j, dflags, &b, &e);
	if (rc == ERR_DATA && b.max && b.len <= b.max) {
		json_decref(j);
		buf_free(&b);
		return 0;
	}
	if (rc)
		die(e.msg);
	if (js_load_buf(b.p, b.len, "dump", JSON_DECODE_ANY | JSON_ALLOW_NUL,
			&back, &e) ||
	    !json_equal(j, back))
		die("dump does not load back equal");
	json_decref(back);
	json_decref(j);
	buf_free(&b);
	return 0;
}
