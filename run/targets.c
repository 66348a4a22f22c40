#include "targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "csv.h"
#include "secrets.h"
#include "targets_yaml.h"
#include "utf8.h"

/* libcurl would take ftp:// or a bare host and fail every request; an
 * endpoint is HTTP. */
int tgt_http_url(const char *u)
{
	return !strncasecmp(u, "http://", 7) || !strncasecmp(u, "https://", 8);
}

/* An extra body, --extra-body's or a CSV row's extra_body, into *out; the
 * message names where it came from. */
static int parse_extra(const char *s, const char *where, json_t **out,
		       struct err *e)
{
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);

	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(e, ERR_USAGE, "%s: expected a JSON object (%s)", where,
			       j ? "not an object" : je.text);
	}
	*out = j;
	return 0;
}

/*
 * A URL given with the endpoint's path (".../v1/chat/completions"), as
 * users copy it from a curl example: when the path is the dialect's own,
 * it is cut off and the note says so; when it is another dialect's, the
 * run would get 404 for every request, so it is refused, naming the base
 * URL and the --api that path belongs to.
 */
static int base_url(struct opts_target *t, char *note, size_t nsz, struct err *e)
{
	size_t cut;
	const struct api *a = api_by_path(t->url, &cut);
	size_t keep;
	char *q, *shown;
	int rc = 0;

	if (!a)
		return 0;
	keep = strlen(t->url) - cut;
	/* The query stays (llmrun puts it back after the path). */
	q = t->url + strcspn(t->url, "?#");
	memmove(t->url + keep, q, strlen(q) + 1);
	if (!(shown = secret_url_shown(t->url)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (strcmp(a->path_stream, t->api->path_stream) != 0 &&
	    strcmp(a->path_plain, t->api->path_plain) != 0 &&
	    strcmp(a->path_stream, t->api->path_plain) != 0 &&
	    strcmp(a->path_plain, t->api->path_stream) != 0)
		rc = err_set(e, ERR_USAGE, "%s: the URL ends in a path of --api %s, not of "
			     "--api %s: give the base URL, %s, and the --api you mean",
			     t->name, a->name, t->api->name, shown);
	else
		snprintf(note, nsz, "%s: using the base URL %s (llmrun appends %s)", t->name,
			 shown, t->api->path_stream);
	free(shown);
	return rc;
}

/* ERR_DATA naming path:line when column c (when there) is not UTF-8. */
static int utf8_field(struct csv_reader *r, int c, const char *name, const char *path,
		      struct err *e)
{
	size_t n;
	const char *s = c >= 0 ? csv_field(r, (size_t)c, &n) : "";

	if (c >= 0 && !utf8_valid(s, n, NULL))
		return err_set(e, ERR_DATA, "%s:%ld: %s: not valid UTF-8", path, csv_line(r), name);
	return 0;
}

static int load_targets(const char *path, struct opts *o, struct err *e)
{
	struct csv_reader *r;
	int cn, cu, cm, ca, cx, rc;

	if ((rc = csv_open(path, &r, e)))
		return rc;
	cn = csv_col(r, "name");
	cu = csv_col(r, "url");
	cm = csv_col(r, "model");
	ca = csv_col(r, "api");
	cx = csv_col(r, "extra_body");
	if (cn < 0 || cu < 0) {
		csv_close(r);
		return err_set(e, ERR_DATA, "%s:1: needs columns name and url", path);
	}
	while ((rc = csv_next(r, e)) == 1) {
		struct opts_target *t, *nt;
		size_t k;
		const char *api = ca >= 0 ? csv_field(r, (size_t)ca, NULL) : "";
		const char *x = cx >= 0 ? csv_field(r, (size_t)cx, NULL) : "";

		nt = realloc(o->targets, (o->ntargets + 1) * sizeof *nt);
		if (!nt) {
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
			break;
		}
		o->targets = nt;
		t = &o->targets[o->ntargets];
		memset(t, 0, sizeof *t);
		t->api = api_find(*api ? api : "openai-chat");
		if (!t->api) {
			rc = err_set(e, ERR_DATA, "%s:%ld: unknown api '%s' (want %s)",
				     path, csv_line(r), api, api_names());
			break;
		}
		if (*x) {
			char where[300];

			snprintf(where, sizeof where, "%s:%ld: extra_body", path,
				 csv_line(r));
			if (parse_extra(x, where, &t->extra, e)) {
				rc = e->code = ERR_DATA;
				break;
			}
		}
		if (!tgt_http_url(csv_field(r, (size_t)cu, NULL))) {
			char *shown = secret_url_shown(csv_field(r, (size_t)cu, NULL));

			rc = err_set(e, ERR_DATA, "%s:%ld: url: expected http:// or https://, got '%.200s'",
				     path, csv_line(r), shown ? shown : "?");
			free(shown);
			break;
		}
		/* The name is the rows' target column: two alike, or none,
		 * and no analysis could tell their rows apart. */
		if (!*csv_field(r, (size_t)cn, NULL)) {
			rc = err_set(e, ERR_DATA, "%s:%ld: name: empty", path, csv_line(r));
			break;
		}
		/* Name and model go into every row and the metadata, which
		 * hold UTF-8 only (llmanalyze refused the results). */
		if ((rc = utf8_field(r, cn, "name", path, e)) || (rc = utf8_field(r, cm, "model", path, e)))
			break;
		for (k = 0; k < o->ntargets; k++)
			if (strcmp(o->targets[k].name, csv_field(r, (size_t)cn, NULL)) == 0)
				break;
		if (k < o->ntargets) {
			rc = err_set(e, ERR_DATA, "%s:%ld: name: '%.100s' is another target's too",
				     path, csv_line(r), o->targets[k].name);
			break;
		}
		t->name = strdup(csv_field(r, (size_t)cn, NULL));
		t->url = strdup(csv_field(r, (size_t)cu, NULL));
		t->model = strdup(cm >= 0 ? csv_field(r, (size_t)cm, NULL) : "default");
		t->lookup_model = cm < 0;
		o->ntargets++;
		if (!t->name || !t->url || !t->model) {
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
			break;
		}
	}
	csv_close(r);
	if (rc < 0)
		return e->code;
	if (rc > 1)
		return rc;
	if (o->ntargets == 0)
		return err_set(e, ERR_DATA, "%s: no targets", path);
	return 0;
}

/* A targets file named *.yaml or *.yml is YAML; any other, CSV. */
static int yaml_name(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && !strcasecmp(path + n - 5, ".yaml")) ||
	       (n > 4 && !strcasecmp(path + n - 4, ".yml"));
}

/* YAML targets, each with -H's headers before its own. */
static int load_yaml_targets(const char *path, struct opts *o, struct err *e)
{
	int rc = tyaml_load(path, &o->targets, &o->ntargets, e);

	for (size_t i = 0; !rc && i < o->ntargets; i++) {
		struct opts_target *t = &o->targets[i];

		if (!t->nown_headers)
			continue;
		t->nheaders = o->nheaders + t->nown_headers;
		if (!(t->headers = malloc(t->nheaders * sizeof *t->headers)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		for (size_t k = 0; k < o->nheaders; k++)
			t->headers[k] = o->headers[k];
		for (size_t k = 0; k < t->nown_headers; k++)
			t->headers[o->nheaders + k] = t->own_headers[k];
	}
	return rc;
}

int tgt_load(const char *path, struct opts *o, struct err *e)
{
	return yaml_name(path) ? load_yaml_targets(path, o, e) : load_targets(path, o, e);
}

int tgt_from_url(struct opts *o, const char *url, const char *api,
		 const char *model, const char *extra, struct err *e)
{
	o->targets = calloc(1, sizeof *o->targets);
	if (!o->targets)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	o->ntargets = 1;
	o->targets[0].api = api_find(api);
	if (!o->targets[0].api)
		return err_set(e, ERR_USAGE, "--api: unknown '%s' (want %s)", api,
			       api_names());
	o->targets[0].lookup_model = !o->model_given;
	o->targets[0].name = strdup("default");
	o->targets[0].url = strdup(url);
	o->targets[0].model = strdup(model);
	return extra ? parse_extra(extra, "--extra-body", &o->targets[0].extra, e) : 0;
}

int tgt_check(struct opts *o, struct err *e)
{
	int rc;

	for (size_t i = 0; i < o->ntargets; i++)
		if (o->stream && o->targets[i].api->plain_only)
			return err_set(e, ERR_USAGE, "%s: --api %s has no streaming endpoint: "
				       "add --no-stream", o->targets[i].name,
				       o->targets[i].api->name);
	for (size_t i = 0; i < o->ntargets; i++)
		if ((rc = base_url(&o->targets[i], o->note, sizeof o->note, e)))
			return rc;
	return 0;
}

void tgt_opts(const struct opts *o, const struct opts_target *t,
	      struct opts *out)
{
	*out = *o;
	if (t->api_key)
		out->api_key = t->api_key;
	if (t->headers) {
		out->headers = t->headers;
		out->nheaders = t->nheaders;
	}
}
