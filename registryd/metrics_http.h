/*
 * metrics_http.h - the Prometheus endpoint of registryd (--metrics-listen, off by
 * default): a small bounded HTTP/1.1 responder (one thread, at most 8 connections, a
 * request whole within 2 s and 4 KiB) answering GET /metrics with the figures of Stats as
 * text format 0.0.4. It cannot take descriptors or CPU from the RPC service.
 */
#ifndef REGISTRYD_METRICS_HTTP_H
#define REGISTRYD_METRICS_HTTP_H

#include <stddef.h>

struct dispatcher;
struct metrics_http;

/* The content type of the text metrics_http_render() makes. */
#define METRICS_HTTP_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * The Prometheus text of d's figures now, as GET /metrics answers it here and on the HTTP
 * face (registryd/http). On success *text is malloc'd (the caller frees it), *len its length.
 * Errors: RG_ENOMEM.
 */
int metrics_http_render(struct dispatcher *d, char **text, size_t *len);

/*
 * Serves GET /metrics (and GET / with the same text) at url, "http://HOST:PORT" (port 0
 * picks a free one); logs "msg=metrics url=http://HOST:PORT/metrics" with the bound port.
 * d must outlive the server. On failure logs what failed.
 * Errors: RG_EINVAL (the url is not http://HOST:PORT), RG_EIO (cannot listen), RG_ENOMEM.
 */
int metrics_http_start(struct metrics_http **out, const char *url, struct dispatcher *d);

/* The TCP port the server is bound to (the one picked for port 0); 0 if unknown. */
int metrics_http_port(struct metrics_http *h);

/* Stops the server, waiting for a reply in progress (at most 2 s), and frees it; NULL is
 * allowed.
 * Call before the dispatcher is freed. */
void metrics_http_stop(struct metrics_http *h);

#endif
