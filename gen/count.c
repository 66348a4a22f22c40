#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "count.h"
#include "optmsg.h"
#include "slurp.h"
#include "tok.h"
#include "utf8.h"

/* Inputs are held whole in memory; this bounds what one input may take. */
#define COUNT_MAX_INPUT ((size_t)2 << 30)

struct count_opts {
	const char *tokenizer;
	int ids;
	int json;
	int many; /* more than one input: label plain counts with the file */
};

void count_usage(FILE *f)
{
	fputs("Usage: llmgen count [-t TOKENIZER] [--ids] [--json] [FILE|-]...\n"
	      "Prints the token count of each FILE (standard input when none or '-').\n"
	      "Text is encoded as ordinary text: special-token strings count as plain text.\n"
	      "\n"
	      "  -t, --tokenizer=NAME|PATH  cl100k_base (default), o200k_base, r50k_base,\n"
	      "                             p50k_base, qwen3, llama3, or a path to a\n"
	      "                             .tiktoken or tokenizer.json[.gz] file\n"
	      "      --ids                  print the token ids, space separated, a line per input\n"
	      "      --json                 print one JSON object per input: file, tokenizer,\n"
	      "                             count (and ids with --ids)\n"
	      "  -h, --help                 show this help\n"
	      "  -V, --version              print the version\n"
	      "\n"
	      "Names are looked up in $LLMBENCH_TOKENIZERS (colon-separated folders), then\n"
	      "in the tokenizers folder beside the program (../share/llmbench/tokenizers,\n"
	      "or a checkout's tokenizers/), then in " LLMBENCH_DATADIR "/tokenizers.\n"
	      "Exit status: 0 ok, 64 usage, 65 invalid UTF-8 or bad tokenizer file,\n"
	      "66 missing input or tokenizer, 74 write error.\n",
	      f);
}

/* name as a JSON string: a file name need not be UTF-8 (JSON text must
 * be), so each invalid byte becomes U+FFFD. NULL when out of memory. */
static json_t *name_json(const char *name)
{
	size_t len = strlen(name), at = 0, bad;
	struct buf b = BUF_INIT;
	json_t *j;

	if (utf8_valid(name, len, NULL))
		return json_stringn(name, len);
	while (!utf8_valid(name + at, len - at, &bad)) {
		if (buf_add(&b, name + at, bad, NULL) || buf_add(&b, "\xef\xbf\xbd", 3, NULL)) {
			buf_free(&b);
			return NULL;
		}
		at += bad + 1;
	}
	j = buf_add(&b, name + at, len - at, NULL) ? NULL : json_stringn(b.p, b.len);
	buf_free(&b);
	return j;
}

static int print_json(const struct count_opts *o, struct tok *t, const char *name,
		      const struct tok_ids *ids)
{
	json_t *obj = json_object(), *arr = NULL;
	int rc = 0;

	if (!obj)
		return ERR_SOFTWARE;
	json_object_set_new(obj, "file", name_json(name));
	json_object_set_new(obj, "tokenizer", json_string(tok_name(t)));
	json_object_set_new(obj, "count", json_integer((json_int_t)ids->n));
	if (o->ids) {
		arr = json_array();
		for (size_t i = 0; arr && i < ids->n; i++)
			if (json_array_append_new(arr, json_integer(ids->v[i])))
				rc = ERR_SOFTWARE;
		json_object_set_new(obj, "ids", arr);
	}
	if (!rc && (json_dumpf(obj, stdout, JSON_COMPACT) || putchar('\n') == EOF))
		rc = ERR_IO;
	json_decref(obj);
	return rc;
}

static int count_one(const struct count_opts *o, struct tok *t, const char *name,
		     struct buf *in, struct tok_ids *ids, struct err *e)
{
	int rc;

	buf_reset(in);
	ids->n = 0;
	in->max = COUNT_MAX_INPUT;
	if ((rc = slurp_file(name, 0, in, e)))
		return rc;
	if ((rc = tok_encode(t, in->p ? in->p : "", in->len, ids, e)))
		return err_prefix(e, "%s", name);
	if (o->json)
		return print_json(o, t, name, ids) == ERR_IO ? err_set(e, ERR_IO, "write error") : 0;
	if (o->ids) {
		for (size_t i = 0; i < ids->n; i++)
			printf(i ? " %u" : "%u", ids->v[i]);
		putchar('\n');
	} else if (o->many) {
		printf("%zu\t%s\n", ids->n, name);
	} else {
		printf("%zu\n", ids->n);
	}
	return 0;
}

int cmd_count(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"tokenizer", required_argument, NULL, 't'},
		{"ids", no_argument, NULL, 'i'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0, 0, 0, 0},
	};
	struct count_opts o = {"cl100k_base", 0, 0, 0};
	struct err e = {0};
	struct tok *t;
	struct buf in = BUF_INIT;
	struct tok_ids ids = {0};
	char *dash[] = {"-"};
	char **files;
	int c, nfiles, at, status = 0;
	char prog[] = "llmgen count";

	optind = 1;
	opterr = 0;
	while ((c = opt_next(argc, argv, "t:hV", longopts, &at)) != -1) {
		switch (c) {
		case 't': o.tokenizer = optarg; break;
		case 'i': o.ids = 1; break;
		case 'j': o.json = 1; break;
		case 'h': count_usage(stdout); return 0;
		case 'V': printf("llmgen %s\n", LLMBENCH_VERSION); return 0;
		default:
			opt_refused(argc, argv, at, "t:hV", longopts, &e);
			fprintf(stderr, "%s: %s\ntry 'llmgen count --help'\n", prog, e.msg);
			return ERR_USAGE;
		}
	}
	files = optind < argc ? argv + optind : dash;
	nfiles = optind < argc ? argc - optind : 1;
	o.many = nfiles > 1;
	if (tok_open(o.tokenizer, &t, &e)) {
		fprintf(stderr, "llmgen: %s\n", e.msg);
		return e.code;
	}
	for (int i = 0; i < nfiles; i++) {
		err_clear(&e);
		if (count_one(&o, t, files[i], &in, &ids, &e)) {
			fprintf(stderr, "llmgen: %s\n", e.msg);
			if (!status)
				status = e.code;
			if (e.code == ERR_IO || e.code == ERR_SOFTWARE)
				break;
		}
	}
	buf_free(&in);
	tok_ids_free(&ids);
	tok_free(t);
	return status;
}
