/*
 * http.h - http/'s main file: registryd's HTTP face, every rpc of service Registry over the Connect protocol
 * (https://connectrpc.com/docs/protocol; JSON or binary), and the change feed
 * GET /v1/changes, served by libmicrohttpd.
 *
 * The face only turns HTTP requests into the same stdreg.v1.Request envelope the nng face
 * receives, and the Response back into HTTP: every check (envelope, auth, scope,
 * deadlines, resends, stats, the log) is dispatch's (dispatch.h), shared by both faces.
 * Files: http_server.c (the daemons, their limits, routing), http_connect.c (Connect
 * unary), http_call.c (the bridge to dispatch and back), http_feed.c (the change feed);
 * internal.h is what they share. The web view (web/) is served on the same listeners.
 */
#ifndef REGISTRYD_HTTP_H
#define REGISTRYD_HTTP_H

#include <stddef.h>

struct dispatcher;
struct http_server;

struct http_opts {
	const char *const *urls; /* http:// or https://HOST:PORT each (PORT 0: a free port) */
	size_t n_urls;
	unsigned max_connections; /* at once, all addresses; one more is refused at accept */
	unsigned per_address;     /* at once from one address */
	unsigned idle_timeout_s;  /* a connection silent this long is closed */
	size_t max_header;        /* bytes of request line and headers (431 beyond) */
	size_t max_body;          /* bytes of a request body (413 beyond) */
	size_t max_bodies;        /* bytes all bodies being read may hold, one address a quarter
	                           * (503 and 429 beyond; http_room.h) */
	size_t max_feeds;         /* open /v1/changes event streams (429 beyond) */
	size_t max_feeds_caller;  /* of them, opened with one token, or without from one address */
	size_t web_cache_bytes;   /* the web view's page cache (web_cache.h; 0: none) */
	const char *tls_cert;     /* PEM files of https:// listeners (NULL without one) */
	const char *tls_key;
};

/*
 * Starts one listener per URL (logging "msg=listening url=http://HOST:PORT" with the bound
 * port), each with its own threads. d must outlive the server.
 * On failure a line saying what failed is logged and everything is undone.
 * Errors: RG_EIO (a listener cannot start), RG_ENOMEM, RG_EINVAL (a bad URL).
 */
int http_start(struct http_server **out, struct dispatcher *d, const struct http_opts *o);

/* The TCP port listener i (in the order of o->urls) is bound to; 0 if there is none. */
int http_port(const struct http_server *s, size_t i);

/*
 * Stops the listeners and closes every connection. Call after dispatcher_shutdown() and
 * store_writer_close(), when every call has been answered. NULL is allowed.
 */
void http_free(struct http_server *s);

#endif
