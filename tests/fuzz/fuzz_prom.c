/*
 * libFuzzer entry for lib/prom.c. The parser must never crash, must fail
 * only with ERR_DATA, and every sample it gives must survive a round
 * trip: written back as NAME{LABELS} VALUE with prom_labels_str, it parses
 * to the same name, label values and value.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "fuzz.h"
#include "err.h"
#include "prom.h"

struct want {
	const struct prom_sample *s;
	int seen;
};

static int same(void *user, const struct prom_sample *t, struct err *e)
{
	struct want *w = user;
	const struct prom_sample *s = w->s;

	(void)e;
	w->seen++;
	if (strcmp(s->name, t->name) || s->nlabels != t->nlabels)
		die("the round trip changed the name or the label count");
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, t->labels[i].name) ||
		    strcmp(s->labels[i].value, t->labels[i].value))
			die("the round trip changed a label");
	if (!(s->value == t->value || (isnan(s->value) && isnan(t->value))))
		die("the round trip changed the value");
	return 0;
}

static int check(void *user, const struct prom_sample *s, struct err *e)
{
	static char line[70000];
	char l[65536];
	long n = prom_labels_str(s, l, sizeof l);
	struct want w = { s, 0 };
	struct err e2 = { 0 };
	int k;

	(void)user;
	(void)e;
	if (!*s->name)
		die("a sample without a name");
	if (n < 0)
		return 0;
	k = snprintf(line, sizeof line, "%s{%s} %.17g\n", s->name, l, s->value);
	if (k < 0 || (size_t)k >= sizeof line)
		return 0;
	if (prom_parse(line, (size_t)k, same, &w, &e2) || w.seen != 1)
		die("a sample written back does not parse as one");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);
	struct err e = { 0 };
	int rc;

	if (!t)
		return 0;
	memcpy(t, data, size);
	rc = prom_parse(t, size, check, NULL, &e);
	if (rc && rc != ERR_DATA)
		die("an error other than ERR_DATA");
	free(t);
	return 0;
}
