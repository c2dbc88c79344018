/*
 * web_tag.c - a page's ETag (web_tag.h). FNV-1a over the path and the arguments, with
 * separators so that "a=bc" and "ab=c" differ.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "web_tag.h"

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t web_tag_path(const char *path)
{
	return fnv(0xcbf29ce484222325ull, path, strlen(path));
}

uint64_t web_tag_arg(uint64_t h, const char *key, const char *value)
{
	h = fnv(h, "&", 1);
	h = fnv(h, key, strlen(key));
	h = fnv(h, "=", 1);
	return value != NULL ? fnv(h, value, strlen(value)) : h;
}

void web_tag_format(char *out, size_t n, uint64_t revision, const char *lang, uint64_t h,
                    const char *day, uint64_t run)
{
	snprintf(out, n, "\"r%" PRIu64 "-%s-%016" PRIx64 "%s%s-%" PRIx64 "\"", revision, lang, h,
	         day != NULL ? "-d" : "", day != NULL ? day : "", run);
}
