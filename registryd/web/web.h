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

#include <microhttpd.h>

struct dispatcher;
struct web;

/*
 * Makes the web view over d (which must outlive it). It borrows up to max_calls dispatch
 * slots at once, one per page being rendered.
 * Errors: RG_ENOMEM.
 */
int web_new(struct web **out, struct dispatcher *d, unsigned max_calls);

/* Frees the view and its slots; no page may be in progress. NULL is allowed. */
void web_free(struct web *w);

/*
 * Whether a request for url belongs to the web view: a page path (/, /en/, a page of
 * either language, the style sheet), or any other path asked for by a browser (Accept
 * names text/html), which then gets the 404 page in the site's template.
 */
bool web_wants(struct MHD_Connection *conn, const char *url);

/* Answers a request web_wants() took: renders the page and queues the response. */
enum MHD_Result web_serve(struct web *w, struct MHD_Connection *conn, const char *url,
                          const char *verb);

#endif
