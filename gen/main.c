/* llmgen: prompt corpora with exact token counts. main only dispatches to
 * a subcommand from the table and checks that stdout was written. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "count.h"
#include "generate.h"

struct subcmd {
	const char *name;
	int (*run)(int argc, char **argv);
};

/* gen_usage lists them too. */
static const struct subcmd subcmds[] = {
	{"count", cmd_count},
	{NULL, NULL},
};

/* A write to stdout that failed must not exit 0 (e.g. >/dev/full). A
 * command that failed has printed its error already: one message. */
static int finish(int status)
{
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		if (errno != EPIPE && status == 0)
			fprintf(stderr, "llmgen: write error: %s\n", strerror(errno));
		return status ? status : 74;
	}
	return status;
}

/* A subcommand from the table, or else the default command: generating a
 * corpus (so `llmgen --scenario all` needs no command name). */
int main(int argc, char **argv)
{
	if (argc > 1) {
		for (const struct subcmd *s = subcmds; s->name; s++)
			if (!strcmp(argv[1], s->name))
				return finish(s->run(argc - 1, argv + 1));
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			gen_usage(stdout);
			return finish(0);
		}
		if (argv[1][0] != '-') {
			fprintf(stderr, "llmgen: unknown command '%s'; try 'llmgen --help'\n", argv[1]);
			return 64;
		}
	}
	return finish(cmd_generate(argc, argv));
}
