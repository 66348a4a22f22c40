#include "targets_yaml.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "buf.h"
#include "secrets.h"
#include "slurp.h"
#include "targets.h"

struct ty {
	const char *path;
	yaml_document_t *doc;
	long nodes; /* expanded so far by to_json */
	struct err *e;
};

static yaml_node_t *node(struct ty *y, int i)
{
	return yaml_document_get_node(y->doc, i);
}

static long line_of(const yaml_node_t *n)
{
	return (long)n->start_mark.line + 1;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A plain scalar as YAML 1.2's core schema reads it (null, booleans,
 * numbers), else a string; a quoted one is always a string. */
static json_t *scalar_json(const yaml_node_t *n)
{
	const char *s = scalar(n);
	char *end;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return json_stringn(s, n->data.scalar.length);
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	errno = 0;
	{
		long long v = strtoll(s, &end, 10);

		if (!*end && !errno)
			return json_integer((json_int_t)v);
	}
	errno = 0;
	{
		double d = strtod(s, &end);

		if (!*end && !errno && isfinite(d) && strspn(s, "+-0123456789.eE") == strlen(s))
			return json_real(d);
	}
	return json_stringn(s, n->data.scalar.length);
}

/* The YAML subtree at node i as JSON (new reference), or NULL with y->e
 * set. */
static json_t *to_json(struct ty *y, int i, int depth)
{
	yaml_node_t *n = node(y, i);
	json_t *j;

	if (!n)
		return err_set(y->e, ERR_SOFTWARE, "%s: a node out of range", y->path), NULL;
	if (depth > TYAML_MAX_DEPTH || ++y->nodes > TYAML_MAX_NODES) {
		err_set(y->e, ERR_DATA, "%s:%ld: extra_body nests deeper than %d or expands to "
			"more than %d values", y->path, line_of(n), TYAML_MAX_DEPTH, TYAML_MAX_NODES);
		return NULL;
	}
	if (n->type == YAML_SCALAR_NODE)
		return scalar_json(n);
	if (n->type == YAML_SEQUENCE_NODE) {
		j = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     j && it < n->data.sequence.items.top; it++) {
			json_t *v = to_json(y, *it, depth + 1);

			if (!v || json_array_append_new(j, v)) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	}
	j = json_object();
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     j && p < n->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(y, p->key));
		json_t *v;

		if (!k) {
			json_decref(j);
			err_set(y->e, ERR_DATA, "%s:%ld: a key that is not a string", y->path,
				line_of(node(y, p->key)));
			return NULL;
		}
		if (!(v = to_json(y, p->value, depth + 1)) || json_object_set_new(j, k, v)) {
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

/* Keys that would put a credential in the file. */
static int secret_key(const char *k)
{
	static const char *const names[] = {"api_key", "apikey", "api-key", "key", "token",
					    "secret", "password", "authorization"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(k, names[i]))
			return 1;
	return 0;
}

static int add_header(struct ty *y, struct opts_target *t, const yaml_node_t *at,
		      const char *name, size_t nlen, const char *value)
{
	char **h, *s;

	if (!nlen || strcspn(name, ": \t\r\n") < nlen || (value && strpbrk(value, "\r\n")))
		return err_set(y->e, ERR_DATA, "%s:%ld: headers: expected 'Name: value'",
			       y->path, line_of(at));
	if (secret_header(name))
		return err_set(y->e, ERR_DATA, "%s:%ld: headers: %.*s holds a credential: keep "
			       "the key out of the file and name its environment variable in "
			       "api_key_env", y->path, line_of(at), (int)nlen, name);
	if (!(h = realloc(t->own_headers, (t->nown_headers + 1) * sizeof *h)))
		return err_set(y->e, ERR_SOFTWARE, "out of memory");
	t->own_headers = h;
	if (value ? asprintf(&s, "%.*s: %s", (int)nlen, name, value) < 0
		  : !(s = strdup(name)))
		return err_set(y->e, ERR_SOFTWARE, "out of memory");
	h[t->nown_headers++] = s;
	return 0;
}

static int headers(struct ty *y, struct opts_target *t, yaml_node_t *n)
{
	int rc = 0;

	if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     !rc && p < n->data.mapping.pairs.top; p++) {
			const char *k = scalar(node(y, p->key)), *v = scalar(node(y, p->value));

			if (!k || !v)
				return err_set(y->e, ERR_DATA, "%s:%ld: headers: expected "
					       "names and string values", y->path, line_of(n));
			rc = add_header(y, t, n, k, strlen(k), v);
		}
		return rc;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     !rc && it < n->data.sequence.items.top; it++) {
			const char *s = scalar(node(y, *it));

			if (!s || !strchr(s, ':'))
				return err_set(y->e, ERR_DATA, "%s:%ld: headers: expected "
					       "'Name: value'", y->path, line_of(n));
			rc = add_header(y, t, n, s, strcspn(s, ":"), NULL);
		}
		return rc;
	}
	return err_set(y->e, ERR_DATA, "%s:%ld: headers: expected a mapping or a list",
		       y->path, line_of(n));
}

static int dup_to(struct ty *y, char **dst, const char *s)
{
	if (!(*dst = strdup(s)))
		return err_set(y->e, ERR_SOFTWARE, "out of memory");
	return 0;
}

/* One target from the mapping n. */
static int target(struct ty *y, yaml_node_t *n, struct opts_target *t)
{
	const char *api = "openai-chat";
	long ln = line_of(n);
	int rc = 0;

	if (n->type != YAML_MAPPING_NODE)
		return err_set(y->e, ERR_DATA, "%s:%ld: a target is a mapping (name: ..., "
			       "base_url: ...)", y->path, ln);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     !rc && p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(y, p->key), *vn = node(y, p->value);
		const char *k = scalar(kn), *v = scalar(vn);
		long kl = line_of(kn);

		if (!k)
			return err_set(y->e, ERR_DATA, "%s:%ld: a key that is not a string",
				       y->path, kl);
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++)
			if (!strcmp(k, scalar(node(y, q->key))))
				return err_set(y->e, ERR_DATA, "%s:%ld: %s given twice", y->path,
					       kl, k);
		if (secret_key(k))
			return err_set(y->e, ERR_DATA, "%s:%ld: %s: an API key is never kept in "
				       "the file: put it in an environment variable and name "
				       "that in api_key_env", y->path, kl, k);
		if (!strcmp(k, "extra_body")) {
			json_error_t je;

			if (v && !(t->extra = json_loads(v, 0, &je)))
				return err_set(y->e, ERR_DATA, "%s:%ld: extra_body: %s", y->path,
					       kl, je.text);
			if (!v && !(t->extra = to_json(y, p->value, 0)))
				return y->e->code;
			if (!json_is_object(t->extra))
				return err_set(y->e, ERR_DATA, "%s:%ld: extra_body: expected a "
					       "mapping (a JSON object)", y->path, kl);
			continue;
		}
		if (!strcmp(k, "headers")) {
			rc = headers(y, t, vn);
			continue;
		}
		if (!v)
			return err_set(y->e, ERR_DATA, "%s:%ld: %s: expected a string", y->path,
				       kl, k);
		if (!strcmp(k, "name"))
			rc = dup_to(y, &t->name, v);
		else if (!strcmp(k, "base_url")) {
			if (!tgt_http_url(v)) {
				char *shown = secret_url_shown(v);

				rc = err_set(y->e, ERR_DATA, "%s:%ld: base_url: expected http:// or "
					     "https://, got '%.200s'", y->path, kl, shown ? shown : "?");
				free(shown);
				return rc;
			}
			rc = dup_to(y, &t->url, v);
		} else if (!strcmp(k, "model"))
			rc = dup_to(y, &t->model, v);
		else if (!strcmp(k, "api")) {
			if (!api_find(v))
				return err_set(y->e, ERR_DATA, "%s:%ld: unknown api '%s' (want %s)",
					       y->path, kl, v, api_names());
			api = v;
		} else if (!strcmp(k, "api_key_env")) {
			const char *key = getenv(v);

			if (!key || !*key)
				return err_set(y->e, ERR_USAGE, "%s:%ld: api_key_env: $%s is not "
					       "set", y->path, kl, v);
			rc = dup_to(y, &t->api_key, key);
		} else
			return err_set(y->e, ERR_DATA, "%s:%ld: unknown key '%s' (want name, "
				       "base_url, model, api, api_key_env, extra_body, headers)",
				       y->path, kl, k);
	}
	if (rc)
		return rc;
	if (!t->name || !*t->name)
		return err_set(y->e, ERR_DATA, "%s:%ld: a target needs a name", y->path, ln);
	if (!t->url)
		return err_set(y->e, ERR_DATA, "%s:%ld: %s: no base_url", y->path, ln, t->name);
	t->api = api_find(api);
	if (!t->model) {
		t->lookup_model = 1;
		return dup_to(y, &t->model, "default");
	}
	return 0;
}

/* The list of targets: the root, or the root mapping's "targets". */
static yaml_node_t *target_list(struct ty *y)
{
	yaml_node_t *r = yaml_document_get_root_node(y->doc);

	if (!r) {
		err_set(y->e, ERR_DATA, "%s: no targets", y->path);
		return NULL;
	}
	if (r->type == YAML_MAPPING_NODE) {
		yaml_node_t *l = NULL;

		for (yaml_node_pair_t *p = r->data.mapping.pairs.start;
		     p < r->data.mapping.pairs.top; p++) {
			const char *k = scalar(node(y, p->key));

			if (!k || strcmp(k, "targets")) {
				err_set(y->e, ERR_DATA, "%s:%ld: unknown key '%s' at the top (want "
					"targets)", y->path, line_of(node(y, p->key)), k ? k : "?");
				return NULL;
			}
			l = node(y, p->value);
		}
		r = l;
	}
	if (!r || r->type != YAML_SEQUENCE_NODE || r->data.sequence.items.top ==
						       r->data.sequence.items.start) {
		err_set(y->e, ERR_DATA, "%s: expected a list of targets (or targets: and one)",
			y->path);
		return NULL;
	}
	return r;
}

static int load_doc(struct ty *y, yaml_node_t *l, struct opts_target **v, size_t *n)
{
	size_t cnt = (size_t)(l->data.sequence.items.top - l->data.sequence.items.start);
	int rc = 0;

	if (!(*v = calloc(cnt, sizeof **v)))
		return err_set(y->e, ERR_SOFTWARE, "out of memory");
	for (*n = 0; !rc && *n < cnt; (*n)++) {
		yaml_node_t *tn = node(y, l->data.sequence.items.start[*n]);

		rc = target(y, tn, &(*v)[*n]);
		for (size_t k = 0; !rc && k < *n; k++)
			if (!strcmp((*v)[k].name, (*v)[*n].name))
				rc = err_set(y->e, ERR_DATA, "%s:%ld: a second target named '%s'",
					     y->path, line_of(tn), (*v)[k].name);
	}
	return rc;
}

int tyaml_load(const char *path, struct opts_target **v, size_t *n, struct err *e)
{
	struct buf b = BUF_INIT;
	yaml_parser_t p;
	yaml_document_t doc;
	struct ty y = {.path = path, .doc = &doc, .e = e};
	yaml_node_t *l;
	int rc;

	*v = NULL;
	*n = 0;
	b.max = TYAML_MAX_FILE;
	if ((rc = slurp_file(path, 0, &b, e))) {
		buf_free(&b);
		return rc;
	}
	if (!yaml_parser_initialize(&p)) {
		buf_free(&b);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)(b.p ? b.p : ""), b.len);
	if (!yaml_parser_load(&p, &doc)) {
		rc = err_set(e, p.error == YAML_MEMORY_ERROR ? ERR_SOFTWARE : ERR_DATA,
			     "%s:%zu:%zu: %s%s%s%s", path, p.problem_mark.line + 1,
			     p.problem_mark.column + 1, p.problem ? p.problem : "invalid YAML",
			     p.context ? " (" : "", p.context ? p.context : "",
			     p.context ? ")" : "");
		yaml_parser_delete(&p);
		buf_free(&b);
		return rc;
	}
	if ((l = target_list(&y)))
		rc = load_doc(&y, l, v, n);
	else
		rc = e->code;
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	buf_free(&b);
	if (rc) {
		for (size_t i = 0; *v && i < *n; i++)
			tyaml_target_free(&(*v)[i]);
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

void tyaml_target_free(struct opts_target *t)
{
	free(t->name);
	free(t->url);
	free(t->model);
	free(t->bound);
	json_decref(t->extra);
	if (t->api_key) {
		explicit_bzero(t->api_key, strlen(t->api_key));
		free(t->api_key);
	}
	for (size_t i = 0; i < t->nown_headers; i++)
		free(t->own_headers[i]);
	free(t->own_headers);
	free(t->headers);
	memset(t, 0, sizeof *t);
}
