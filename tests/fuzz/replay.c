/*
 * Runs a fuzz target's entry point on every file of its corpus folder,
 * without libFuzzer (so it builds with any compiler): inputs that once
 * crashed, once added to tests/fuzz/corpus/NAME/, stay tested by
 * `make check` and, under the sanitizers, by `make asan`.
 *
 * Usage: fuzz_NAME [FOLDER]; the folder defaults to
 * tests/fuzz/corpus/NAME (NAME from the program's own name). Prints TAP.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	char dir[512], path[1024];
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	base = base ? base + 1 : argv[0];
	if (strncmp(base, "fuzz_", 5) == 0)
		base += 5;
	if (argc > 1)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	else
		snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", base);
	if (!(d = opendir(dir))) {
		/* A target may come before its seeds; say so, do not fail. */
		printf("ok - fuzz_%s: no corpus folder %s, nothing replayed\n",
		       base, dir);
		return 0;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		if (!names || !(names[n] = strdup(de->d_name)))
			return 2;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		FILE *fp;
		long len;
		uint8_t *buf;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		/* Named before it runs, so a crash points at its input. */
		printf("# %s\n", path);
		fflush(stdout);
		if (!(fp = fopen(path, "rb")) || fseek(fp, 0, SEEK_END) ||
		    (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) ||
		    !(buf = malloc((size_t)len + 1)) ||
		    fread(buf, 1, (size_t)len, fp) != (size_t)len) {
			printf("not ok - %s: cannot read\n", path);
			return 1;
		}
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		free(names[i]);
	}
	free(names);
	printf("ok - fuzz_%s: %zu corpus inputs replayed\n", base, n);
	return 0;
}
