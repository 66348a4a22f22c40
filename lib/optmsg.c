#include "optmsg.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The long options named by name[0..len): the exact name alone if there
 * is one, else every name it begins; their count. getopt_long takes
 * several that differ only in name as one, so they count once. */
static int resolve(const struct option *lo, const char *name, size_t len,
		   const struct option **m, int max)
{
	int n = 0, same = 1;

	for (; lo && lo->name; lo++) {
		if (strncmp(lo->name, name, len))
			continue;
		if (strlen(lo->name) == len) {
			m[0] = lo;
			return 1;
		}
		if (n && (lo->has_arg != m[0]->has_arg || lo->flag != m[0]->flag ||
			  lo->val != m[0]->val))
			same = 0;
		if (n < max)
			m[n] = lo;
		n++;
	}
	return n > 1 && same ? 1 : n;
}

int opt_next(int argc, char *const argv[], const char *shortopts,
	     const struct option *longopts, int *at)
{
	*at = optind ? optind : 1; /* 0 asks glibc to start afresh, at 1 */
	return getopt_long(argc, argv, shortopts, longopts, NULL);
}

int opt_refused(int argc, char *const argv[], int at, const char *shortopts,
		const struct option *longopts, struct err *e)
{
	/* A short option refused inside a cluster leaves optind where it
	 * was, on the cluster (the element before it may be a value that
	 * looks like an option); a long option is consumed whole. */
	const char *tok = at >= 1 && at < argc && optind > at ? argv[at] : NULL;
	const struct option *m[16];
	const char *s;

	if (tok && !strncmp(tok, "--", 2) && tok[2]) {
		const char *name = tok + 2;
		size_t len = strcspn(name, "="), used = 0;
		int n = resolve(longopts, name, len, m, 16);
		char list[ERR_MSG_MAX] = "";

		if (n == 0)
			return err_set(e, ERR_USAGE, "unknown option '--%.*s'", (int)len, name);
		if (n == 1)
			return err_set(e, ERR_USAGE, m[0]->has_arg == no_argument
				       ? "option '--%s' takes no value"
				       : "option '--%s' needs a value", m[0]->name);
		for (int i = 0; i < n && i < 16 && used < sizeof list; i++)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s--%s",
						 i ? ", " : "", m[i]->name);
		return err_set(e, ERR_USAGE, "option '--%.*s' is ambiguous: %s%s", (int)len, name,
			       list, n > 16 ? ", ..." : "");
	}
	if (optopt > 0 && optopt < 256 && isgraph(optopt)) {
		s = optopt != ':' ? strchr(shortopts, optopt) : NULL;
		if (s && s[1] == ':')
			return err_set(e, ERR_USAGE, "option '-%c' needs a value", optopt);
		return err_set(e, ERR_USAGE, "unknown option '-%c'", optopt);
	}
	return err_set(e, ERR_USAGE, "unknown option");
}

int opt_path(const char *opt, const char *value, struct err *e)
{
	return value && !*value ? err_set(e, ERR_USAGE, "%s: an empty file name", opt) : 0;
}
