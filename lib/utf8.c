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

size_t utf8_trim(const char *s, size_t len)
{
	size_t k = len;

	while (k > 0 && len - k < 4 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
		k--;
	if (k > 0 && ((unsigned char)s[k - 1] & 0xc0) == 0xc0 &&
	    (size_t)utf8_seqlen((unsigned char)s[k - 1]) > len - k + 1)
		return k - 1;
	return len;
}

/* Bytes of a control character at s: a C0 one or DEL (1), a C1 one,
 * U+0080..U+009F (2: C2 9B is CSI, C2 9D OSC to a terminal that reads
 * UTF-8), else 0. */
static int ctrl_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];

	if (c < 0x20 || c == 0x7f)
		return 1;
	return c == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f ? 2 : 0;
}

void utf8_unctrl(char *s)
{
	while (*s) {
		int n = ctrl_len(s);

		if (!n) {
			s++;
			continue;
		}
		while (n--)
			*s++ = ' ';
	}
}

void utf8_put_unctrl(const char *s, FILE *fp)
{
	while (*s) {
		int n = ctrl_len(s);

		if (!n) {
			putc(*s++, fp);
			continue;
		}
		while (n--) {
			putc(' ', fp);
			s++;
		}
	}
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
