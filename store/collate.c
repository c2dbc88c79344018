/*
 * collate.c - Swedish name order, with libunistring's case folding and normalisation.
 *
 * A library of its own (stdreg-collate) that needs nothing but libunistring: the store and
 * regctl (which sorts agency and body tables by name) both link it.
 */
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "collate.h"

/*
 * Swedish collation at the primary level, as the Swedish Academy's word list (SAOL, 14th
 * ed., 2015) and the Unicode CLDR "sv" tailoring order it: the alphabet ends
 * ... X, Y, Z, Å, Ä, Ö; Æ sorts as Ä and Ø as Ö; Ü sorts as Y; W is its own letter after V
 * (as in Unicode's default order already); other accents do not change a letter's place
 * (É as E). Case is folded by libunistring; its NFD form splits each letter from its
 * marks (U+030A ring above, U+0308 diaeresis), which the rule below reads.
 *
 * The key is one uint32 per letter: code point * 4, with Å Ä Ö placed just after Z.
 */
enum { AFTER_Z = 'z' * 4 };

static uint32_t *sort_key(const char *s, size_t *n_out)
{
	size_t n = 0, k = 0;
	uint8_t *nfd = u8_casefold((const uint8_t *)(s ? s : ""), s ? strlen(s) : 0, NULL,
	                           UNINORM_NFD, NULL, &n);
	uint32_t *key;
	const uint8_t *p, *end;

	if (nfd == NULL)
		return NULL;
	key = malloc((n + 1) * sizeof(*key));
	if (key == NULL) {
		free(nfd);
		return NULL;
	}
	for (p = nfd, end = nfd + n; p < end;) {
		ucs4_t c, mark = 0;
		int len = u8_mbtoucr(&c, p, (size_t)(end - p));
		if (len <= 0)
			break;
		p += len;
		if (p < end)
			u8_mbtoucr(&mark, p, (size_t)(end - p));
		if (c == 'a' && mark == 0x030a)
			key[k++] = AFTER_Z + 1, p += 2; /* å */
		else if ((c == 'a' && mark == 0x0308) || c == 0xe6)
			key[k++] = AFTER_Z + 2, p += c == 'a' ? 2 : 0; /* ä, æ */
		else if ((c == 'o' && mark == 0x0308) || c == 0xf8)
			key[k++] = AFTER_Z + 3, p += c == 'o' ? 2 : 0; /* ö, ø */
		else if (c == 'u' && mark == 0x0308)
			key[k++] = 'y' * 4, p += 2; /* ü */
		else if (c >= 0x0300 && c <= 0x036f)
			continue; /* another accent: not a letter of its own */
		else
			key[k++] = c * 4;
	}
	free(nfd);
	*n_out = k;
	return key;
}

int store_collate_sv(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	uint32_t *ka = sort_key(a, &na), *kb = sort_key(b, &nb);
	int c = 0;

	if (ka != NULL && kb != NULL) {
		for (size_t i = 0; c == 0 && i < na && i < nb; i++)
			c = ka[i] < kb[i] ? -1 : ka[i] > kb[i];
		if (c == 0)
			c = na < nb ? -1 : na > nb;
	}
	free(ka);
	free(kb);
	/* Equal at the primary level ("e" and "é", "a" and "A"): any total order will do,
	 * and the bytes give one that is the same every time. */
	if (c == 0)
		c = strcmp(a ? a : "", b ? b : "");
	return c < 0 ? -1 : c > 0;
}
