#include "datadir.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LLMBENCH_DATADIR
#define LLMBENCH_DATADIR "/usr/local/share/llmbench"
#endif

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int datadir_find(const char *sub, char *out, size_t cap)
{
	static const char *const rel[] = {"/../share/llmbench/", "/../../"};
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
		for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
			if ((size_t)snprintf(out, cap, "%s%s%s", exe, rel[i], sub) < cap &&
			    is_dir(out))
				return 1;
	}
	snprintf(out, cap, "%s/%s", LLMBENCH_DATADIR, sub);
	return is_dir(out);
}
