#include "profile.h"

#include <string.h>

/* Llama-3.1-8B in BF16 on one GPU; see docs/llmsim.md for the sources. */
static const struct profile presets[] = {
	{ "h100", 0.4, 6.0, 21.0, 50.0, 1.3, 0.025, 1024, 8192, 400000, 131072 },
	{ "a100", 0.4, 10.2, 66.0, 80.0, 3.5, 0.025, 256, 2048, 400000, 131072 },
};

int profile_get(const char *name, struct profile *p, struct err *e)
{
	size_t i;

	for (i = 0; i < sizeof presets / sizeof presets[0]; i++)
		if (!strcmp(presets[i].name, name)) {
			*p = presets[i];
			return 0;
		}
	return err_set(e, ERR_USAGE, "unknown profile '%s' (known: h100, a100)", name);
}
