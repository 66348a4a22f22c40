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

int opt_refused(int argc, char *const argv[], const char *shortopts,
		const struct option *longopts, struct err *e)
{
	const char *tok = optind >= 1 && optind - 1 < argc ? argv[optind - 1] : NULL;
	const struct option *m[16];
	const char *s;

	if (tok && !strncmp(tok, "--", 2) && tok[2]) {
		const char *name = tok + 2;
		size_t len = strcspn(name, "=");
		int n = resolve(longopts, name, len, m, 16);

		/* A short option refused inside a cluster leaves optind on the
		 * argument before: a long option there is not the one. */
		if (n != 1 || !optopt || m[0]->val == optopt) {
			if (n == 0)
				return err_set(e, ERR_USAGE, "unknown option '--%.*s'", (int)len, name);
			if (n == 1)
				return err_set(e, ERR_USAGE, m[0]->has_arg == no_argument
					       ? "option '--%s' takes no value"
					       : "option '--%s' needs a value", m[0]->name);
			{
				char list[ERR_MSG_MAX] = "";
				size_t at = 0;
				int i;

				for (i = 0; i < n && i < 16 && at < sizeof list; i++)
					at += snprintf(list + at, sizeof list - at, "%s--%s",
						       i ? ", " : "", m[i]->name);
				return err_set(e, ERR_USAGE, "option '--%.*s' is ambiguous: %s%s",
					       (int)len, name, list, n > 16 ? ", ..." : "");
			}
		}
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
