#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "count.h"
#include "datadir.h"
#include "generate.h"
#include "optmsg.h"

const char *const gen_legacy_files[3] = {
	"short_input_long_output_prompts.csv",
	"long_input_long_output_prompts.csv",
	"long_input_short_output_prompts.csv",
};

void gen_usage(FILE *f)
{
	fputs("Usage: llmgen [OPTION]...          write a corpus CSV\n"
	      "       llmgen count [OPTION]... [FILE]...\n"
	      "Prompt corpora whose input_tokens are the exact token count of each prompt.\n"
	      "\n"
	      "What to generate (default: the three classic scenarios, one group each):\n"
	      "  -s, --scenario=NAME        short-long, long-long, long-short, random, or all\n"
	      "                             (the three classic ones); repeat to mix groups\n"
	      "  -i, --input-tokens=SPEC    N, LO:HI, normal:MEAN,SD, lognormal:MU,SIGMA,\n"
	      "                             lognormal:mean=M,sd=S, or a sweep N,N,...\n"
	      "                             (a group each)\n"
	      "      --output-tokens=SPEC   the max_tokens to request, same forms\n"
	      "      --short-input=SPEC     scenario defaults: short input (30:50), long\n"
	      "      --long-input=SPEC      input (500:800), long output (200:400), short\n"
	      "      --long-output=SPEC     output (10:30); --input-tokens and\n"
	      "      --short-output=SPEC    --output-tokens override them all\n"
	      "  -n, --count=N              rows per group (default 100; imports: sample N)\n"
	      "      --seed=S               random seed (default 1); printed in the summary\n"
	      "      --lang=LANG            en (default), zh, mix, or a templates folder name\n"
	      "      --templates=DIR        template folder (default $LLMBENCH_TEMPLATES,\n"
	      "                             ./templates, then the installed templates)\n"
	      "      --from-jsonl=FILE      prompts from JSON Lines {\"prompt\", \"output_tokens\"}\n"
	      "      --from-sharegpt=FILE   first human turn of each ShareGPT conversation\n"
	      "      --from-text=FILE       one prompt per line\n"
	      "      --from-sonnet=FILE     vLLM's sonnet dataset from a file of poem lines:\n"
	      "                             a fixed prefix of its first lines (up to\n"
	      "                             --shared-prefix-tokens, default 200) and lines\n"
	      "                             drawn at random, exactly --input-tokens (550;\n"
	      "                             --output-tokens 150)\n"
	      "      --from-burstgpt=FILE   a BurstGPT trace CSV: its timestamps as arrival_s\n"
	      "                             (llmrun --trace), its token counts as exact\n"
	      "                             lengths of random-text prompts (-n: first N)\n"
	      "\n"
	      "Conversations (columns conversation_id and turn; llmrun replays them as chats):\n"
	      "      --conversations=N      N conversations per group instead of --count rows\n"
	      "      --turns=SPEC           turns per conversation, same forms as lengths\n"
	      "                             (default 2:6)\n"
	      "      --follow-up-tokens=SPEC  exact length of each later turn's user text\n"
	      "                             (default 15:40); turn 1 uses --input-tokens\n"
	      "      --multi-turn           with --from-sharegpt: every human turn of each\n"
	      "                             conversation, replies' lengths as max_tokens\n"
	      "\n"
	      "Prefix caching:\n"
	      "      --unique-prefix        start every prompt with a distinct random tag\n"
	      "      --shared-prefix-tokens=N  start every prompt of a group with the same\n"
	      "                             N-token text\n"
	      "\n"
	      "Output:\n"
	      "  -t, --tokenizer=NAME|PATH  cl100k_base (default), o200k_base, qwen3, llama3,\n"
	      "                             ... or a .tiktoken / tokenizer.json[.gz] file\n"
	      "  -o, --output=FILE          write FILE (via a temporary file) instead of stdout\n"
	      "  -C, --dir=DIR              with --scenario all and no -o, write the three\n"
	      "                             legacy files DIR/input/*_prompts.csv (default .)\n"
	      "  -q, --quiet                no summary on stderr (misses still warned)\n"
	      "  -h, --help                 show this help\n"
	      "  -V, --version              print the version\n"
	      "\n"
	      "Exit status: 0 ok, 64 usage, 65 bad templates or input data, 66 missing\n"
	      "input or tokenizer, 70 internal error, 74 write error.\n"
	      "\n"
	      "Commands:\n"
	      "  count    print the token count (or ids) of files\n"
	      "\n",
	      f);
	count_usage(f);
}

static int known_scenario(const char *s)
{
	static const char *const names[] = {
		"short-long", "long-long", "long-short", "random", "all",
	};

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(s, names[i]) == 0)
			return 1;
	return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int set_from(struct gen_opts *o, enum src_kind k, const char *path,
		    struct err *e)
{
	if (o->from)
		return err_set(e, ERR_USAGE, "only one of --from-jsonl, --from-sharegpt, --from-text");
	o->from = path;
	o->from_kind = k;
	return 0;
}

int gen_parse(int argc, char **argv, struct gen_opts *o, struct err *e)
{
	enum { O_OUT = 256, O_SEED, O_LANG, O_TPL, O_JSONL, O_SHAREGPT, O_TEXT,
	       O_UNIQUE, O_SHARED, O_VERSION, O_SIN, O_LIN, O_LOUT, O_SOUT,
	       O_CONV, O_TURNS, O_FOLLOW, O_MULTI, O_BURSTGPT, O_SONNET };
	static const char shortopts[] = ":s:i:n:t:o:C:qhV";
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "input-tokens", required_argument, NULL, 'i' },
		{ "output-tokens", required_argument, NULL, O_OUT },
		{ "short-input", required_argument, NULL, O_SIN },
		{ "long-input", required_argument, NULL, O_LIN },
		{ "long-output", required_argument, NULL, O_LOUT },
		{ "short-output", required_argument, NULL, O_SOUT },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, O_SEED },
		{ "lang", required_argument, NULL, O_LANG },
		{ "templates", required_argument, NULL, O_TPL },
		{ "from-jsonl", required_argument, NULL, O_JSONL },
		{ "from-sharegpt", required_argument, NULL, O_SHAREGPT },
		{ "from-text", required_argument, NULL, O_TEXT },
		{ "from-burstgpt", required_argument, NULL, O_BURSTGPT },
		{ "from-sonnet", required_argument, NULL, O_SONNET },
		{ "conversations", required_argument, NULL, O_CONV },
		{ "turns", required_argument, NULL, O_TURNS },
		{ "follow-up-tokens", required_argument, NULL, O_FOLLOW },
		{ "multi-turn", no_argument, NULL, O_MULTI },
		{ "unique-prefix", no_argument, NULL, O_UNIQUE },
		{ "shared-prefix-tokens", required_argument, NULL, O_SHARED },
		{ "tokenizer", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "dir", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ 0, 0, 0, 0 },
	};
	int c, all = 0, multi = 0, dir_given = 0, at, rc;
	char *end;

	memset(o, 0, sizeof *o);
	o->count = 100;
	o->seed = 1;
	o->lang = "en";
	o->tokenizer = "cl100k_base";
	o->dir = ".";
	o->short_in = "30:50";
	o->long_in = "500:800";
	o->long_out = "200:400";
	o->short_out = "10:30";
	o->turns = "2:6";
	o->follow_in = "15:40";
	optind = 1;
	opterr = 0;
	while ((c = opt_next(argc, argv, shortopts, longopts, &at)) != -1) {
		switch (c) {
		case 's':
			if (!known_scenario(optarg))
				return err_set(e, ERR_USAGE,
					       "--scenario %s: expected short-long, long-long, long-short, random or all",
					       optarg);
			if (strcmp(optarg, "all") == 0) {
				all = 1;
				break;
			}
			if (o->nscenarios == GEN_MAX_SCENARIOS)
				return err_set(e, ERR_USAGE, "too many --scenario options");
			o->scenarios[o->nscenarios++] = optarg;
			break;
		case 'i': o->input_spec = optarg; break;
		case O_OUT: o->output_spec = optarg; break;
		case O_SIN: o->short_in = optarg; o->lengths_given |= GEN_SIN; break;
		case O_LIN: o->long_in = optarg; o->lengths_given |= GEN_LIN; break;
		case O_LOUT: o->long_out = optarg; o->lengths_given |= GEN_LOUT; break;
		case O_SOUT: o->short_out = optarg; o->lengths_given |= GEN_SOUT; break;
		case 'n':
			if (parse_long(optarg, 1, 10000000, &o->count))
				return err_set(e, ERR_USAGE, "--count %s: expected 1 to 10000000", optarg);
			o->count_set = 1;
			break;
		case O_SEED:
			errno = 0;
			o->seed = strtoull(optarg, &end, 10);
			/* strtoull skips blanks and takes " -1" as 2^64 - 1. */
			if (!isdigit((unsigned char)*optarg) || *end || errno)
				return err_set(e, ERR_USAGE, "--seed %s: expected an unsigned integer", optarg);
			break;
		case O_LANG: o->lang = optarg; break;
		case O_TPL: o->templates = optarg; break;
		case O_JSONL:
			if ((rc = set_from(o, SRC_JSONL, optarg, e)))
				return rc;
			break;
		case O_SHAREGPT:
			if ((rc = set_from(o, SRC_SHAREGPT, optarg, e)))
				return rc;
			break;
		case O_TEXT:
			if ((rc = set_from(o, SRC_TEXT, optarg, e)))
				return rc;
			break;
		case O_BURSTGPT: o->burstgpt = optarg; break;
		case O_SONNET: o->sonnet = optarg; break;
		case O_CONV:
			if (parse_long(optarg, 1, 10000000, &o->conversations))
				return err_set(e, ERR_USAGE, "--conversations %s: expected 1 to 10000000",
					       optarg);
			break;
		case O_TURNS: o->turns = optarg; o->turns_set = 1; break;
		case O_FOLLOW: o->follow_in = optarg; o->turns_set = 1; break;
		case O_MULTI: multi = 1; break;
		case O_UNIQUE: o->unique_prefix = 1; break;
		case O_SHARED:
			if (parse_long(optarg, 1, 1048576, &o->shared_prefix))
				return err_set(e, ERR_USAGE, "--shared-prefix-tokens %s: expected 1 to 1048576",
					       optarg);
			break;
		case 't': o->tokenizer = optarg; break;
		case 'o':
			if (opt_path("-o", o->output = optarg, e))
				return ERR_USAGE;
			break;
		case 'C':
			dir_given = 1;
			if (opt_path("--dir", o->dir = optarg, e))
				return ERR_USAGE;
			break;
		case 'q': o->quiet = 1; break;
		case 'h':
			gen_usage(stdout);
			return 1;
		case 'V':
		case O_VERSION:
			printf("llmgen %s\n", LLMBENCH_VERSION);
			return 1;
		default:
			return opt_refused(argc, argv, at, shortopts, longopts, e);
		}
	}
	if (optind < argc)
		return err_set(e, ERR_USAGE, "unexpected argument '%s'", argv[optind]);
	if (all) {
		static const char *const classic[] = { "short-long", "long-long", "long-short" };

		if (o->nscenarios + 3 > GEN_MAX_SCENARIOS)
			return err_set(e, ERR_USAGE, "too many --scenario options");
		/* The three classic groups come first, in the legacy order. */
		memmove(o->scenarios + 3, o->scenarios, (size_t)o->nscenarios * sizeof *o->scenarios);
		memcpy(o->scenarios, classic, sizeof classic);
		o->nscenarios += 3;
		o->legacy = !o->output;
		if (o->legacy && o->nscenarios > 3)
			return err_set(e, ERR_USAGE,
				       "--scenario all without -o writes the three legacy files; "
				       "give -o FILE to mix in other scenarios");
	}
	if (dir_given && !o->legacy)
		return err_set(e, ERR_USAGE, "--dir is where --scenario all without -o writes the "
			       "three legacy files: here it would do nothing");
	if (o->burstgpt && (o->from || o->nscenarios || o->input_spec || o->output_spec ||
			    o->conversations || o->unique_prefix || o->shared_prefix))
		return err_set(e, ERR_USAGE, "--from-burstgpt takes every length from the trace: no other "
			       "--from-*, --scenario, --input-tokens, --output-tokens, --conversations "
			       "or prefix option");
	if (o->sonnet && (o->from || o->burstgpt || o->nscenarios || o->conversations ||
			  o->unique_prefix))
		return err_set(e, ERR_USAGE, "--from-sonnet makes its own prompts: no other --from-*, "
			       "--scenario, --conversations or --unique-prefix");
	if (o->from && (o->nscenarios || o->input_spec))
		return err_set(e, ERR_USAGE,
			       "--from-* imports prompts as they are: no --scenario or --input-tokens");
	if (multi && (!o->from || o->from_kind != SRC_SHAREGPT))
		return err_set(e, ERR_USAGE, "--multi-turn goes with --from-sharegpt FILE");
	if (multi)
		o->from_kind = SRC_SHAREGPT_TURNS;
	if (o->conversations && o->from)
		return err_set(e, ERR_USAGE, "--conversations composes conversations from templates; "
			       "for an import use --from-sharegpt FILE --multi-turn");
	if (o->conversations && o->count_set)
		return err_set(e, ERR_USAGE, "--count counts rows and --conversations counts "
			       "conversations: give one of them");
	if (o->turns_set && !o->conversations)
		return err_set(e, ERR_USAGE, "--turns and --follow-up-tokens need --conversations N");
	if (o->unique_prefix && o->shared_prefix)
		return err_set(e, ERR_USAGE, "--unique-prefix and --shared-prefix-tokens exclude each other");
	if (!o->templates)
		o->templates = getenv("LLMBENCH_TEMPLATES");
	if (!o->templates || !*o->templates) {
		/* The working folder (a checkout), else beside the executable,
		 * else PREFIX/share/llmbench (lib/datadir). */
		datadir_find("templates", o->templates_dir, sizeof o->templates_dir);
		o->templates = is_dir("templates") ? "templates" : o->templates_dir;
	}
	return 0;
}
