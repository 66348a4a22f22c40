#ifndef LLMBENCH_GEN_GENERATE_H
#define LLMBENCH_GEN_GENERATE_H
/*
 * `llmgen [OPTIONS]`, the default command: writes a corpus CSV whose rows
 * have exact input token counts (docs/formats.md, docs/llmgen.md).
 *
 * The command line is parsed once (gen_parse, gen/genopts.c) into a
 * struct gen_opts that the run (gen_open, gen_write, gen/generate.c) only
 * reads.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "sources.h"

#define GEN_MAX_SCENARIOS 16

/* One run of the command (gen/generate_int.h). */
struct gen_run;

enum { GEN_SIN = 1, GEN_LIN = 2, GEN_LOUT = 4, GEN_SOUT = 8 };

struct gen_opts {
	const char *scenarios[GEN_MAX_SCENARIOS]; /* as given, "all" expanded */
	int nscenarios;
	int legacy;               /* --scenario all without -o: three files */
	const char *input_spec;   /* --input-tokens, or NULL */
	const char *output_spec;  /* --output-tokens, or NULL */
	/* The scenarios' defaults, each overridable: --short-input (30:50),
	 * --long-input (500:800), --long-output (200:400), --short-output
	 * (10:30). */
	const char *short_in, *long_in, *long_out, *short_out;
	unsigned lengths_given;   /* GEN_SIN | ...: those given on the command line */
	long count;               /* rows per group */
	int count_set;            /* --count given (imports: sample that many) */
	uint64_t seed;
	const char *lang;         /* a language folder, or "mix" */
	const char *templates;    /* folder */
	char templates_dir[4096]; /* the folder found when none was given */
	const char *from;         /* import file, or NULL */
	enum src_kind from_kind;  /* SRC_SHAREGPT_TURNS with --multi-turn */
	const char *burstgpt;     /* --from-burstgpt trace, or NULL */
	const char *sonnet;       /* --from-sonnet poem lines, or NULL */
	long conversations;       /* per group; 0 = single-turn rows */
	const char *turns;        /* --turns SPEC */
	const char *follow_in;    /* --follow-up-tokens SPEC */
	int turns_set;            /* --turns or --follow-up-tokens given */
	int unique_prefix;
	long shared_prefix;       /* tokens, 0 = none */
	const char *tokenizer;
	const char *output;       /* -o, or NULL for stdout */
	const char *dir;          /* where input/ goes for --scenario all */
	int quiet;                /* no summary */
};

/* The legacy files --scenario all writes, by classic scenario. */
extern const char *const gen_legacy_files[3];

/*
 * Parses argv into o. Returns 0, 1 when --help or --version was printed
 * (exit 0), or ERR_USAGE with e filled.
 */
int gen_parse(int argc, char **argv, struct gen_opts *o, struct err *e);

/* Prints the options of the default command. */
void gen_usage(FILE *f);

/*
 * A run goes in steps, so that the caller can catch the stop signals
 * while the rows are written and only then (caught earlier, a read of an
 * import from a pipe that a signal interrupts would be restarted, never
 * ending): gen_open, gen_write, gen_report if it returned 0, gen_free.
 *
 * gen_open plans the groups, loads the inputs, the templates and the
 * tokenizer, and opens the outputs (temporary files). Returns 0 with *out
 * set to a run that the caller releases with gen_free; or an ERR_ code
 * with e filled, *out NULL and nothing left behind. o is borrowed and
 * must outlive the run.
 */
int gen_open(const struct gen_opts *o, struct gen_run **out, struct err *e);

/*
 * Writes the rows of the corpus (or of the three legacy files) and closes
 * the outputs: renamed into place when every row was written, removed
 * otherwise. Once *stop is set (by a signal handler; stop may be NULL)
 * no further row is written, and if it is set before the outputs are
 * renamed it returns ERR_SOFTWARE, "stopped by a signal" (a signal during
 * the rename itself may leave them in place, complete). Returns 0, or an
 * ERR_ code with e filled (no output file is left behind). Called once
 * per run.
 */
int gen_write(struct gen_run *r, const volatile sig_atomic_t *stop, struct err *e);

/* After a gen_write that returned 0: the summary on stderr (with -q only
 * the warning about rows that missed their length). */
void gen_report(const struct gen_run *r);

/* Releases r (NULL is ignored); outputs still open are removed. */
void gen_free(struct gen_run *r);

#endif
