#ifndef LLMANALYZE_COMPARE_CLI_H
#define LLMANALYZE_COMPARE_CLI_H
/*
 * The `llmanalyze compare BASE.csv NEW.csv` subcommand: its options, its
 * help and its exit status (docs/compare.md).
 */

/* Its part of llmanalyze --help (also what `compare --help` prints). */
extern const char cmp_usage_text[];

/* Runs the subcommand; argv[0] is "compare". Prints its own messages.
 * Returns the exit status: 0 no gate failed, 1 a gate failed, 64 usage,
 * 65 bad data or no group in both files, 66 missing input, 70, 74. */
int cmp_main(int argc, char **argv);

#endif
