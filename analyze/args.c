#include "args.h"

#include <dirent.h>
#include <fnmatch.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "ofile.h"

int an_split(char *s, const char **out, size_t max)
{
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -1;
		out[n++] = tok;
	}
	return (int)n;
}

const char *an_repeated(const char *const *list, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(list[i], list[j]))
				return list[i];
	return NULL;
}

int an_usagev(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputs("\ntry 'llmanalyze --help'\n", stderr);
	return ERR_USAGE;
}

int an_clobbers(const char *opt, const char *out, const char *in, const char *what, int meta,
		struct err *e)
{
	size_t n;

	if (!out || !in)
		return 0;
	if (ofile_same(out, in))
		return err_set(e, ERR_USAGE, "%s %s is %s: it would be overwritten", opt, out, what);
	if (!meta || !strcmp(in, "-"))
		return 0;
	/* What llmanalyze reads beside a results file: its metadata (also
	 * FILE without .csv, as older llmrun named it) and server metrics. */
	n = strlen(in);
	for (int k = 0; k < 3; k++) {
		char *m = NULL;
		int same;

		if (k == 2 && (n < 4 || strcmp(in + n - 4, ".csv")))
			continue;
		if ((k == 0 ? asprintf(&m, "%s.meta.json", in)
		     : k == 1 ? asprintf(&m, "%s.metrics.csv", in)
			      : asprintf(&m, "%.*s.meta.json", (int)(n - 4), in)) < 0)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		same = ofile_same(out, m);
		free(m);
		if (same)
			return err_set(e, ERR_USAGE, "%s %s is the %s of input %s: it would be "
				       "overwritten", opt, out, k == 1 ? "server metrics" : "metadata", in);
	}
	return 0;
}

/* Whether a NULL-ended list of fnmatch patterns matches name. */
static int matches(const char *const *patterns, const char *name)
{
	for (size_t i = 0; patterns[i]; i++)
		if (fnmatch(patterns[i], name, 0) == 0)
			return 1;
	return 0;
}

/* Whether path's name matches a pattern and its folder is dir (a, by
 * inode). */
static int named_in(const struct stat *a, const char *const *patterns, const char *path,
		    int *hit)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct stat b;
	char *copy;

	if (!matches(patterns, name))
		return 0;
	if (!(copy = strdup(path)))
		return -1;
	*hit = stat(dirname(copy), &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
	free(copy);
	return 0;
}

int an_dir_clobbers(const char *opt, const char *dir, const char *const *patterns,
		    const char *path, const char *what, struct err *e)
{
	struct stat a;
	struct dirent *de;
	char *real, full[4096];
	int hit = 0, bad = 0;
	DIR *d;

	if (!dir || !path || !strcmp(path, "-") || stat(dir, &a) != 0)
		return 0;
	/* By name: path, or the file it links to, is one opt writes. */
	bad = named_in(&a, patterns, path, &hit);
	if (!bad && !hit && (real = realpath(path, NULL))) {
		bad = named_in(&a, patterns, real, &hit);
		free(real);
	}
	/* By file: a file of such a name in dir links to path. */
	if (!bad && !hit && (d = opendir(dir))) {
		while (!hit && (de = readdir(d)))
			if (matches(patterns, de->d_name) &&
			    (size_t)snprintf(full, sizeof full, "%s/%s", dir, de->d_name) < sizeof full)
				hit = ofile_same(full, path);
		closedir(d);
	}
	if (bad)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (hit)
		return err_set(e, ERR_USAGE, "%s %s writes a file there that is %s (%s): it would "
			       "be overwritten", opt, dir, what, path);
	return 0;
}
