/*
 * web_cache.h - rendered pages kept by their ETag, as libmicrohttpd responses ready to be
 * queued again. The tag names everything a page's bytes depend on (web_serve.c), so a page
 * found under it is the page that would be rendered; a write gives every page a new tag and
 * old entries simply age out.
 *
 * Thread-safe. libmicrohttpd counts a response's users (each queue takes one), so an entry
 * evicted while it is still being sent stays alive until that connection is done with it.
 */
#ifndef REGISTRYD_WEB_CACHE_H
#define REGISTRYD_WEB_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#define WEB_CACHE_ENTRIES   64
#define WEB_CACHE_MAX_BYTES ((size_t)512 << 10) /* larger pages are not kept */

struct web_cache;

/* Errors: RG_ENOMEM. */
int web_cache_new(struct web_cache **out);
/* Frees the cache and drops its references to the responses. NULL is allowed. */
void web_cache_free(struct web_cache *wc);

/*
 * Queues the response kept under etag on conn (status 200); false if there is none. Queued
 * under the cache's lock, so an eviction cannot free it first (libmicrohttpd has no call
 * that takes a reference of one's own).
 */
bool web_cache_queue(struct web_cache *wc, const char *etag, struct MHD_Connection *conn,
                     enum MHD_Result *rv);

/*
 * Keeps resp (of len body bytes) under etag. On true the cache owns the caller's reference
 * (do not destroy it); on false (a body over WEB_CACHE_MAX_BYTES) the caller still does.
 */
bool web_cache_put(struct web_cache *wc, const char *etag, struct MHD_Response *resp, size_t len);

#endif
