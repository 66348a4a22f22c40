#ifndef LLMANALYZE_OPTS_H
#define LLMANALYZE_OPTS_H
/*
 * llmanalyze's command line (the table, charts and report; `compare` has
 * its own, compare_cli.h): its option table and --help, parsed once in
 * main into a struct an_opts passed down as const, and its files checked
 * before anything is written. The checks it shares with compare (lists,
 * the usage message, outputs that would overwrite an input) are args.h's.
 *
 * Ownership: the struct's strings point into argv.
 */
#include <signal.h>
#include <stddef.h>

#include "err.h"
#include "group.h"

/* Columns a table can hold: every column of analyze/cols.c (about 130
 * now) with room to grow; an_out_all_columns stops at it. */
#define AN_MAX_COLS 256

#define AN_MAX_LIST 64

struct an_opts {
	/* Set by SIGINT, SIGTERM or SIGHUP outside --watch: stop drawing
	 * (the temporary folders are removed on the way out), exit 130. */
	const volatile sig_atomic_t *stop;
	void (*on_stop)(int);     /* the handler that sets *stop (sigstop_catch) */
	const char *out;          /* -o; NULL: stdout */
	int fmt;                  /* -1: table on a tty, else csv */
	int cols[AN_MAX_COLS];
	size_t ncols;             /* 0: all (or the terminal set) */
	int note_col;             /* "note" among --columns */
	int cols_given;           /* --columns given: ncols may be 0 with "note" */
	int rank;                 /* column index or -1 */
	const char *by[AN_MAX_LIST];
	size_t nby;
	unsigned char by_optional[AN_MAX_LIST]; /* a file may lack this key */
	int pool_runs;            /* --pool-runs: no run_id in the default keys */
	long ctx_bucket;          /* --context-bucket: width in tokens; 0 default */
	struct an_slo slo;
	int slo_set;
	const char *charts;       /* --charts DIR */
	const char *html;         /* --html FILE */
	const char *legacy;       /* --legacy-dir DIR */
	const char *corpus;       /* --corpus FILE for legacy prompts */
	const char *timeline_step;/* --timeline-step VALUE */
	const char *truth;        /* --truth FILE: llmsim's truth log */
	int vllm;                 /* --vllm: the check of vLLM files alone */
	double watch;             /* --watch S: seconds between rewrites; 0 off */
	double live;              /* this pass is a live one of --watch: the
				     report reloads itself every live s, and
				     the table and legacy files wait for the
				     final pass */
	int quiet;
};

/* Parses argv's options into o (the inputs start at optind). Returns 0;
 * -1 when --help, --version or --list-columns was printed (exit 0); or
 * ERR_USAGE, its message and the --help hint already on stderr. The
 * fields main sets (stop, on_stop, live) are left 0. */
int an_opts_parse(int argc, char **argv, struct an_opts *o);

/* Prints "llmanalyze: MESSAGE" and the --help hint on stderr; returns
 * ERR_USAGE (64) for main to exit with. */
int an_opts_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Every output checked before the first is written, against the inputs
 * in[0..nin) and the other files read: returns 0, ERR_USAGE (an output
 * would overwrite an input, or -o and --html name one file), the error
 * of ofile_check or ofile_check_dir (an output that cannot be written),
 * that of an_legacy_check_corpus, or ERR_SOFTWARE; e filled. */
int an_opts_preflight(const struct an_opts *o, char *const *in, int nin, struct err *e);

#endif
