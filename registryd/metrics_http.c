/*
 * metrics_http.c - GET /metrics over nng's HTTP server.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "log.h"
#include "metrics.h"
#include "metrics_http.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	nng_http_server *server;
	struct dispatcher *d;
};

static void reply(nng_aio *aio, uint16_t status, const char *body, size_t len)
{
	nng_http_res *res;
	int rv;

	if ((rv = nng_http_res_alloc(&res)) != 0) {
		nng_aio_finish(aio, rv);
		return;
	}
	if ((rv = nng_http_res_set_status(res, status)) != 0 ||
	    (rv = nng_http_res_set_header(res, "Content-Type", CONTENT_TYPE)) != 0 ||
	    (rv = nng_http_res_copy_data(res, body, len)) != 0) {
		nng_http_res_free(res);
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

/* Runs on an nng thread, once per GET. */
static void handle_metrics(nng_aio *aio)
{
	nng_http_handler *h = nng_aio_get_input(aio, 1);
	struct metrics_http *mh = nng_http_handler_get_data(h);
	struct stats_figures f;
	char *text = NULL;
	size_t len = 0;

	if (stats_collect(mh->d, &f) != RG_OK) {
		reply(aio, NNG_HTTP_STATUS_INTERNAL_SERVER_ERROR, "out of memory\n", 14);
		return;
	}
	if (stats_prometheus(&f, &text, &len) != RG_OK) {
		stats_figures_release(&f);
		reply(aio, NNG_HTTP_STATUS_INTERNAL_SERVER_ERROR, "out of memory\n", 14);
		return;
	}
	stats_figures_release(&f);
	reply(aio, NNG_HTTP_STATUS_OK, text, len);
	free(text);
}

static void log_fail(const char *msg, const char *url, const char *why)
{
	char kv[LOG_LINE_MAX];
	size_t len = 0;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "url", url);
	log_append_kv(kv, sizeof kv, &len, "error", why);
	log_event("error", msg, kv);
}

static int add_handler(struct metrics_http *mh, const char *path)
{
	nng_http_handler *h;
	int rv;

	if ((rv = nng_http_handler_alloc(&h, path, handle_metrics)) != 0)
		return rv;
	if ((rv = nng_http_handler_set_method(h, "GET")) != 0 ||
	    (rv = nng_http_handler_set_data(h, mh, NULL)) != 0 ||
	    (rv = nng_http_server_add_handler(mh->server, h)) != 0) {
		nng_http_handler_free(h);
		return rv;
	}
	return 0;
}

int metrics_http_start(struct metrics_http **out, const char *url, struct dispatcher *d)
{
	struct metrics_http *mh;
	nng_url *u = NULL;
	nng_sockaddr sa;
	char kv[LOG_LINE_MAX], bound[300], host[INET6_ADDRSTRLEN];
	size_t len = 0;
	int rv;

	if (strncmp(url, "http://", 7) != 0 || nng_url_parse(&u, url) != 0) {
		log_fail("cannot serve metrics", url, "not an http://HOST:PORT url");
		return RG_EINVAL;
	}
	if (strcmp(u->u_path, "") != 0 && strcmp(u->u_path, "/") != 0) {
		nng_url_free(u);
		log_fail("cannot serve metrics", url, "give http://HOST:PORT without a path");
		return RG_EINVAL;
	}
	mh = calloc(1, sizeof *mh);
	if (mh == NULL) {
		nng_url_free(u);
		return RG_ENOMEM;
	}
	mh->d = d;
	rv = nng_http_server_hold(&mh->server, u);
	if (rv == 0 && (rv = add_handler(mh, "/metrics")) == 0 && (rv = add_handler(mh, "/")) == 0)
		rv = nng_http_server_start(mh->server);
	if (rv != 0) {
		log_fail("cannot serve metrics", url, nng_strerror(rv));
		if (mh->server != NULL)
			nng_http_server_release(mh->server);
		nng_url_free(u);
		free(mh);
		return RG_EIO;
	}
	// With port 0 the log says which port was bound.
	snprintf(bound, sizeof bound, "%s", url);
	if (nng_http_server_get_addr(mh->server, &sa) == 0) {
		if (sa.s_family == NNG_AF_INET) {
			inet_ntop(AF_INET, &sa.s_in.sa_addr, host, sizeof host);
			snprintf(bound, sizeof bound, "http://%s:%u/metrics", host,
			         (unsigned)ntohs(sa.s_in.sa_port));
		} else if (sa.s_family == NNG_AF_INET6) {
			inet_ntop(AF_INET6, sa.s_in6.sa_addr, host, sizeof host);
			snprintf(bound, sizeof bound, "http://[%s]:%u/metrics", host,
			         (unsigned)ntohs(sa.s_in6.sa_port));
		}
	}
	nng_url_free(u);
	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "url", bound);
	log_event("info", "metrics", kv);
	*out = mh;
	return RG_OK;
}

int metrics_http_port(struct metrics_http *mh)
{
	nng_sockaddr sa;

	if (nng_http_server_get_addr(mh->server, &sa) != 0)
		return 0;
	if (sa.s_family == NNG_AF_INET)
		return ntohs(sa.s_in.sa_port);
	if (sa.s_family == NNG_AF_INET6)
		return ntohs(sa.s_in6.sa_port);
	return 0;
}

void metrics_http_stop(struct metrics_http *mh)
{
	if (mh == NULL)
		return;
	nng_http_server_stop(mh->server);
	nng_http_server_release(mh->server);
	free(mh);
}
