/*
 * web_tag.h - a page's ETag, built from everything its bytes depend on: the store
 * revision, the page's language, its path and query arguments (hashed, so that a long
 * query stays out of the tag), the day for pages that depend on today, and the daemon's
 * run (so that a new binary with other templates never matches an old tag). The page cache
 * (web_cache.h) keeps pages under it.
 */
#ifndef REGISTRYD_WEB_TAG_H
#define REGISTRYD_WEB_TAG_H

#include <stddef.h>
#include <stdint.h>

/* The hash of a page's path: the start of its tag. */
uint64_t web_tag_path(const char *path);

/* Adds query argument key=value (value may be NULL) to h, in the request's order. */
uint64_t web_tag_arg(uint64_t h, const char *key, const char *value);

/*
 * Writes the tag, quoted ("\"r12-sv-...\""), into out (n bytes, truncated to fit): h from
 * web_tag_path() and web_tag_arg(), day "YYYY-MM-DD" or NULL when the page does not depend
 * on today, run the daemon's run id.
 */
void web_tag_format(char *out, size_t n, uint64_t revision, const char *lang, uint64_t h,
                    const char *day, uint64_t run);

#endif
