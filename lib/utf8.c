#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

int utf8_seqlen(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

int utf8_valid(const char *s, size_t len, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		int n;

		/* Most text is ASCII: skip it eight bytes at a time. */
		if (c < 0x80) {
			uint64_t w;

			while (i + 8 <= len) {
				memcpy(&w, p + i, 8);
				if (w & 0x8080808080808080ull)
					break;
				i += 8;
			}
			while (i < len && p[i] < 0x80)
				i++;
			continue;
		}
		n = utf8_seqlen(c);
		if (!n || i + (size_t)n > len)
			goto fail;
		for (int k = 1; k < n; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				goto fail;
		/* Overlong three- and four-byte forms, surrogates, > U+10FFFF. */
		if ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] > 0x9F) ||
		    (c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] > 0x8F))
			goto fail;
		i += (size_t)n;
	}
	return 1;
fail:
	if (bad)
		*bad = i;
	return 0;
}

size_t utf8_width(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t w = 0;

	while (*p) {
		utf8proc_int32_t c;
		utf8proc_ssize_t n = utf8proc_iterate(p, -1, &c);

		if (n <= 0) {
			w++;
			p++;
			continue;
		}
		w += (size_t)(utf8proc_charwidth(c) > 0 ? utf8proc_charwidth(c) : 0);
		p += n;
	}
	return w;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t k = max;

	if (len <= max)
		return len;
	/* s[k] continues a character: drop its first bytes too. */
	if (((unsigned char)s[k] & 0xc0) == 0x80) {
		while (k > 0 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0)
			k--;
	}
	return k;
}

void utf8_unctrl(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

void utf8_put_unctrl(const char *s, FILE *fp)
{
	for (; *s; s++)
		putc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
}

char *utf8_lossy(const char *s)
{
	size_t n = strlen(s), k = 0, bad;
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	while (n) {
		if (utf8_valid(s, n, &bad))
			bad = n;
		memcpy(out + k, s, bad);
		k += bad;
		s += bad;
		n -= bad;
		if (n) {
			memcpy(out + k, "\xef\xbf\xbd", 3);
			k += 3;
			s++;
			n--;
		}
	}
	out[k] = '\0';
	return out;
}
