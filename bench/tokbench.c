/*
 * tokbench: times tok_encode in-process, so tokenizer load time and process
 * start do not blur the figures.
 *   tokbench TOKENIZER FILE...
 * prints, per file: name, bytes, tokens, seconds (best of 3 runs, thread
 * CPU time: the machine may be shared) and MB/s; then the load time.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "slurp.h"
#include "tok.h"

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct err e = {0};
	struct tok *t;
	double l0, load;

	if (argc < 3) {
		fprintf(stderr, "usage: tokbench TOKENIZER FILE...\n");
		return 64;
	}
	l0 = cpu_s();
	if (tok_open(argv[1], &t, &e)) {
		fprintf(stderr, "tokbench: %s\n", e.msg);
		return e.code;
	}
	load = cpu_s() - l0;
	for (int i = 2; i < argc; i++) {
		struct buf b = BUF_INIT;
		struct tok_ids ids = {0};
		double best = 0;

		if (slurp_file(argv[i], 0, &b, &e)) {
			fprintf(stderr, "tokbench: %s\n", e.msg);
			tok_free(t);
			return e.code;
		}
		for (int r = 0; r < 3; r++) {
			double s = cpu_s(), d;

			ids.n = 0;
			if (tok_encode(t, b.p ? b.p : "", b.len, &ids, &e)) {
				fprintf(stderr, "tokbench: %s: %s\n", argv[i], e.msg);
				tok_free(t);
				return e.code;
			}
			d = cpu_s() - s;
			if (r == 0 || d < best)
				best = d;
		}
		printf("%s %zu %zu %.3f %.1f\n", argv[i], b.len, ids.n, best,
		       best > 0 ? (double)b.len / 1e6 / best : 0.0);
		buf_free(&b);
		tok_ids_free(&ids);
	}
	printf("load %.3f\n", load);
	tok_free(t);
	return 0;
}
