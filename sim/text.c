#include "text.h"

static const char *const words[] = {
	" the", " of", " and", " to", " in", " is", " that", " for",
	" it", " as", " was", " with", " be", " by", " on", " not",
	" this", " are", " or", " from", " at", " which", " but", " have",
	" an", " had", " they", " you", " were", " their", " one", " all",
	" we", " can", " has", " there", " been", " if", " more", " when",
	" will", " would", " who", " so", " no", " time", " new", " other",
	" some", " what", " only", " about", " into", " out", " up", " also",
	" may", " first", " two", " these", " most", " its", " over", " than",
};

int text_nwords(void)
{
	return (int)(sizeof words / sizeof words[0]);
}

const char *text_word(int i)
{
	return words[i];
}

const char *text_next(struct rng *r)
{
	return words[rng_below(r, (uint64_t)text_nwords())];
}

uint64_t text_hash(const void *p, uint64_t len)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}
