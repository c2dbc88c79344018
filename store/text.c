/*
 * text.c - text as people read it: case-insensitive search, with libunistring's Unicode
 * case folding and normalisation (no hand-made case tables). Swedish name order is in
 * collate.c, a library of its own that regctl links too.
 */
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "store.h"

char *store_text_fold(const char *s, size_t *len)
{
	size_t n = 0;
	uint8_t *folded;
	char *out;

	if (s == NULL)
		s = "";
	/* Full case folding ("Å" -> "å", "ß" -> "ss") in NFC, so a composed and a
	 * decomposed "å" compare equal too. */
	folded = u8_casefold((const uint8_t *)s, strlen(s), NULL, UNINORM_NFC, NULL, &n);
	if (folded == NULL)
		return NULL;
	out = realloc(folded, n + 1);
	if (out == NULL) {
		free(folded);
		return NULL;
	}
	out[n] = '\0';
	if (len)
		*len = n;
	return out;
}

bool store_text_contains(const char *haystack, const char *folded_needle)
{
	char *h;
	bool found;

	if (folded_needle == NULL || *folded_needle == '\0')
		return true;
	if (haystack == NULL || *haystack == '\0')
		return false;
	h = store_text_fold(haystack, NULL);
	if (h == NULL)
		return false;
	found = strstr(h, folded_needle) != NULL;
	free(h);
	return found;
}
