/*
 * web_cache.h - rendered pages kept by their ETag, as libmicrohttpd responses ready to be
 * queued again: the page (200) and its revalidation (304). The tag names everything a
 * page's bytes depend on (web_tag.h), so a page found under it is the page that would be
 * rendered; a write gives every page a new tag and old entries simply age out.
 *
 * The web view is anonymous only (web.h): every page is rendered for the anonymous
 * principal, so a kept page can never show one caller what was rendered for another. Were
 * pages ever rendered for a token, the principal would have to be part of the tag.
 *
 * Bounded in bytes and in entries, so that a crawler asking for many distinct queries
 * cannot grow memory: a page over an eighth of the byte budget is not kept, and a new page
 * takes the place of one not asked for since the clock hand last passed it (the clock
 * algorithm, an approximation of least recently used).
 *
 * Thread-safe. libmicrohttpd counts a response's users (each queue takes one), so an entry
 * evicted while it is still being sent stays alive until that connection is done with it.
 */
#ifndef REGISTRYD_WEB_CACHE_H
#define REGISTRYD_WEB_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#define WEB_CACHE_ENTRIES 512 /* at most, whatever the byte budget (--web-cache-bytes) */
#define WEB_CACHE_TAG_MAX 160 /* bytes of a tag, its NUL included */

struct web_cache;

/*
 * A cache of at most max_bytes (bodies and tags) in at most max_entries pages; 0 for
 * either keeps nothing. Errors: RG_ENOMEM.
 */
int web_cache_new(struct web_cache **out, size_t max_bytes, size_t max_entries);
/* Frees the cache and drops its references to the responses. NULL is allowed. */
void web_cache_free(struct web_cache *wc);

/*
 * Queues on conn the response kept under etag: the page (status 200) or, when
 * not_modified, its 304; false if there is none. Queued under the cache's lock, so an
 * eviction cannot free it first (libmicrohttpd has no call that takes a reference of
 * one's own).
 */
bool web_cache_queue(struct web_cache *wc, const char *etag, bool not_modified,
                     struct MHD_Connection *conn, enum MHD_Result *rv);

/*
 * Keeps page (of len body bytes) and its 304 under etag, evicting what it must. On true the
 * cache owns the caller's references to both (do not destroy them); on false (too large, a
 * tag too long, a cache of size 0) the caller still does. A page already kept under etag is
 * replaced.
 */
bool web_cache_put(struct web_cache *wc, const char *etag, struct MHD_Response *page,
                   struct MHD_Response *not_modified, size_t len);

/* Whether a page is kept under etag (for the tests; a hit marks it as used). */
bool web_cache_has(struct web_cache *wc, const char *etag);

/* The bytes and entries kept now. */
void web_cache_usage(struct web_cache *wc, size_t *bytes, size_t *entries);

#endif
