#include "secrets.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "options.h"
#include "utf8.h"

/* Reads the key's first line; the message never quotes the file's bytes. */
static int read_key_file(const char *path, char **key, struct err *e)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return err_set(e, ERR_NOINPUT, "%s: %s", path, strerror(errno));
	n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0) {
		free(line);
		return err_set(e, ERR_DATA, "%s: no API key in the file", path);
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
			 line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	/* An empty first line would go out as "Bearer " with no key: a
	 * 401 that looks like a wrong key. */
	if (!n) {
		free(line);
		return err_set(e, ERR_DATA, "%s:1: no API key on the first line", path);
	}
	*key = line;
	return 0;
}

int secret_load_key(const char *key_file, const char *key_env, char **key,
		    struct err *e)
{
	int rc;

	*key = NULL;
	if (key_file) {
		if ((rc = read_key_file(key_file, key, e)))
			return rc;
	} else {
		const char *k = getenv(key_env ? key_env : "OPENAI_API_KEY");

		if (key_env && !k)
			return err_set(e, ERR_USAGE, "--api-key-env: $%s is not set", key_env);
		if (k && *k && !(*key = strdup(k)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	/* It goes into a header line: a line break there would end it and
	 * start a header of the key's choosing. */
	if (*key && strpbrk(*key, "\r\n"))
		return err_set(e, ERR_USAGE, "the API key (%s) holds a line break", key_file ? key_file
			       : key_env ? key_env : "$OPENAI_API_KEY");
	return 0;
}

/* Does a query parameter's or header's name (n bytes) look like it names
 * a secret? */
static int secret_param(const char *name, size_t n)
{
	static const char *const words[] = {"key", "token", "secret", "sig",
					    "pass", "auth", "credential", "cookie"};

	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
		for (size_t l = strlen(words[w]), i = 0; i + l <= n; i++)
			if (strncasecmp(name + i, words[w], l) == 0)
				return 1;
	return 0;
}

int secret_header(const char *h)
{
	return secret_param(h, strcspn(h, ":"));
}

/* Replaces every occurrence of secret (n > 0 bytes) in s (room for size
 * bytes) by [redacted], cutting the end if it grows past the room. When
 * memory runs out the whole message goes, not the secret in it. */
static void scrub_one(char *s, size_t size, const char *secret, size_t n)
{
	struct buf b = BUF_INIT;
	const char *p = s, *q;
	int rc = 0;

	if (!strstr(s, secret))
		return;
	while ((q = strstr(p, secret))) {
		rc |= buf_add(&b, p, (size_t)(q - p), NULL);
		rc |= buf_adds(&b, "[redacted]", NULL);
		p = q + n;
	}
	rc |= buf_adds(&b, p, NULL);
	snprintf(s, size, "%s", rc ? "[a message withheld: out of memory]" : b.p);
	buf_free(&b);
}

void secret_scrub(const struct opts *o, char *s, size_t size)
{
	if (!size)
		return;
	if (o->api_key && *o->api_key)
		scrub_one(s, size, o->api_key, strlen(o->api_key));
	for (size_t i = 0; i < o->nheaders; i++) {
		const char *v = o->headers[i] + strcspn(o->headers[i], ":"), *last;

		if (!secret_header(o->headers[i]) || !*v)
			continue;
		v += 1 + strspn(v + 1, " \t");
		/* "Bearer X": a server may echo X alone. */
		last = strrchr(v, ' ');
		if (last && last[1])
			scrub_one(s, size, last + 1, strlen(last + 1));
		if (*v)
			scrub_one(s, size, v, strlen(v));
	}
}

char *secret_url_shown(const char *u)
{
	const char *s = strstr(u, "://"), *auth = s ? s + 3 : u, *p = u, *at = NULL;
	size_t alen = strcspn(auth, "/?#");
	const char *q = auth + alen + strcspn(auth + alen, "?#");
	struct buf b = BUF_INIT;
	int rc = 0;

	for (const char *c = auth; c < auth + alen; c++)
		if (*c == '@')
			at = c;
	if (at) {
		rc |= buf_add(&b, u, (size_t)(auth - u), NULL);
		rc |= buf_adds(&b, "[redacted]", NULL);
		p = at;
	}
	if (*q == '?') {
		rc |= buf_add(&b, p, (size_t)(q + 1 - p), NULL);
		for (p = q + 1; *p && *p != '#';) {
			size_t n = strcspn(p, "&#"), name = strcspn(p, "=&#");

			if (name < n && secret_param(p, name)) {
				rc |= buf_add(&b, p, name + 1, NULL);
				rc |= buf_adds(&b, "[redacted]", NULL);
			} else {
				rc |= buf_add(&b, p, n, NULL);
			}
			p += n;
			if (*p == '&')
				rc |= buf_add(&b, p++, 1, NULL);
		}
	}
	rc |= buf_adds(&b, p, NULL);
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* Appends s to array a with every secret header value in it redacted:
 * getopt takes "--hea VALUE" and "-qHVALUE" too, which the forms matched
 * below do not name, but the value is the same text. */
static void append_scrubbed(json_t *a, const struct opts *o, const char *s)
{
	size_t size = strlen(s) * 11 + 16;
	char *t = malloc(size);

	if (!t) {
		json_array_append_new(a, json_string("[redacted]"));
		return;
	}
	snprintf(t, size, "%s", s);
	secret_scrub(o, t, size);
	/* An argument that is not UTF-8 (a file name) was dropped. */
	{
		char *shown = utf8_lossy(t);

		json_array_append_new(a, json_string(shown ? shown : "?"));
		free(shown);
	}
	free(t);
}

json_t *secret_argv_redacted(const struct opts *o)
{
	json_t *a = json_array();

	for (int i = 0; i < o->argc; i++) {
		const char *s = o->argv[i], *url = strstr(s, "://");
		const char *h = NULL;
		char tmp[256];

		/* -H VALUE, -HVALUE, --header VALUE, --header=VALUE */
		if (i > 0 && (strcmp(o->argv[i - 1], "-H") == 0 ||
			      strcmp(o->argv[i - 1], "--header") == 0))
			h = s;
		else if (strncmp(s, "-H", 2) == 0 && s[2])
			h = s + 2;
		else if (strncmp(s, "--header=", 9) == 0)
			h = s + 9;
		if (h && secret_header(h)) {
			snprintf(tmp, sizeof tmp, "%.*s%.*s: [redacted]", (int)(h - s), s,
				 (int)strcspn(h, ":"), h);
			json_array_append_new(a, json_string(tmp));
		} else if (url) {
			/* --url U, --url=U, --scrape U: from the scheme on. */
			char *shown;
			struct buf b = BUF_INIT;

			while (url > s && (isalnum((unsigned char)url[-1]) || strchr("+-.", url[-1])))
				url--;
			shown = secret_url_shown(url);
			if (shown && !buf_add(&b, s, (size_t)(url - s), NULL) && !buf_adds(&b, shown, NULL))
				append_scrubbed(a, o, b.p);
			else
				json_array_append_new(a, json_string("[redacted]"));
			buf_free(&b);
			free(shown);
		} else {
			append_scrubbed(a, o, s);
		}
	}
	return a;
}
