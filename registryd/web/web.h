/*
 * web.h - the public web view (DESIGN.md §11): server-rendered HTML pages in Swedish at /
 * and in English at /en/, served on the HTTP face's listeners (http_server.c routes here).
 *
 * Pages get their data through the dispatcher's method table as the anonymous principal,
 * exactly as a Connect call without a token would: the view can never show more than an
 * anonymous reader may read, and with --private it answers 401.
 */
#ifndef REGISTRYD_WEB_H
#define REGISTRYD_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

struct dispatcher;
struct web;

/*
 * Makes the web view over d (which must outlive it). It borrows up to max_calls dispatch
 * slots at once, one per page being rendered, and keeps up to cache_bytes of rendered
 * pages (web_cache.h; 0: none).
 * Errors: RG_ENOMEM.
 */
int web_new(struct web **out, struct dispatcher *d, unsigned max_calls, size_t cache_bytes);

/* Frees the view and its slots; no page may be in progress. NULL is allowed. */
void web_free(struct web *w);

/*
 * Whether a request for url belongs to the web view: a page path (/, /en/, a page of
 * either language, the style sheet), or any other path asked for by a browser (Accept
 * names text/html), which then gets the 404 page in the site's template.
 */
bool web_wants(struct MHD_Connection *conn, const char *url);

struct web_pending; /* a page to be rendered */

/*
 * Takes a request web_wants() took, once it is complete (libmicrohttpd closes a connection
 * answered while only the request's head has been read). What needs no rendering is
 * answered at once: a revalidation (304), a page kept under the same ETag; a verb other
 * than GET or HEAD is not (it gets its error page rendered like any page). Otherwise returns MHD_YES with
 * *pending set and nothing queued: the caller suspends the connection, has the page
 * rendered with web_render(), and once resumed queues it with web_pending_answer().
 * Rendering waits for calls (some of them on a worker), so it is kept off the listener's
 * threads: a slow page holds only its own connection.
 */
enum MHD_Result web_serve(struct web *w, struct MHD_Connection *conn, const char *url,
                          const char *verb, struct web_pending **pending);

/*
 * Renders p on one of the view's render threads, then calls done(arg) there. peer_key
 * (peer.h) is whose page it is: peers are served in turn. While the view is stopping
 * (web_stop()), renders on the caller's thread instead.
 */
void web_render(struct web *w, struct web_pending *p, const char *peer_key, void (*done)(void *arg),
                void *arg);

/* Queues the rendered page on its connection (from the access handler) and frees p. */
enum MHD_Result web_pending_answer(struct web_pending *p);

/* Frees a page that will not be answered (its connection closed). NULL is allowed. */
void web_pending_free(struct web_pending *p);

/*
 * Whether an If-None-Match value (NULL when absent) lists etag or is "*" (weak comparison,
 * RFC 9110 §13.1.2). The Connect face's GETs use it too (http_connect.c).
 */
bool web_none_match(const char *inm, const char *etag);

/* Renders what is queued and stops the render threads; call before the listeners stop,
 * so that every suspended page is resumed while they still run. Idempotent. */
void web_stop(struct web *w);

#endif
