/*
 * internal.h - what the files of the HTTP face share: the server, one request, and the
 * bridge to dispatch (http_call.c).
 *
 * Threads: libmicrohttpd's own threads run every callback. A read is answered inside
 * dispatch, on that thread; a write's reply comes from the writer thread, a Watch's from
 * the watch thread, a long call's from a worker. Until then the connection is suspended
 * (MHD_suspend_connection) and the reply resumes it, so no thread ever waits.
 */
#ifndef REGISTRYD_HTTP_INTERNAL_H
#define REGISTRYD_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>
#include <protobuf-c/protobuf-c.h>

#include "config.h"
#include "dispatch.h"
#include "http.h"
#include "peer.h"
#include "http_room.h"

struct hslot;
struct conns;
struct web_pending;
struct feed;

struct http_server {
	struct dispatcher *d;
	struct http_opts o;
	struct MHD_Daemon *mhd[CONFIG_MAX_LISTEN];
	size_t n_mhd;
	pthread_mutex_t lock;     /* the slot pool and the feed count */
	struct hslot *free_slots; /* under lock */
	struct hslot *all_slots;  /* under lock */
	size_t n_slots;           /* under lock */
	size_t max_slots;
	size_t feeds;               /* under lock: open event streams */
	uint32_t feed_seq;          /* under lock: the last feed's id in feed_callers */
	struct conns *feed_callers; /* open feeds by caller (conns.c keeps its own lock) */
	struct http_room *bodies;   /* what request bodies hold (http_room.c: its own lock) */
	struct web *web;            /* the web view's pages (web.h) */
	char *cert;                 /* PEM text of https:// listeners, read once */
	char *key;
};

/* What the request asked for, once its head has been read. */
enum route {
	ROUTE_RPC,      /* POST or GET /stdreg.v1.Registry/METHOD */
	ROUTE_LONGPOLL, /* GET /v1/changes?wait_ms=... */
	ROUTE_FEED,     /* GET /v1/changes: event stream */
	ROUTE_WEB,      /* a page of the web view, rendered off the listener's threads */
	ROUTE_METRICS,  /* GET /metrics */
};

/* One HTTP request, from its head to its completion (MHD's con_cls). */
struct hreq {
	struct http_server *srv;
	struct MHD_Connection *conn;
	char peer[80]; /* "http://192.0.2.7:51234", for dispatch's log of a refused token */
	/* "tcp:192.0.2.7", as the nng face keys the address: anonymous callers' budgets, the
	 * feeds of a caller without a token and the room its request bodies hold are counted
	 * by it */
	char peer_key[PEER_KEY_MAX];
	enum route route;
	const ProtobufCMethodDescriptor *method; /* ROUTE_RPC and ROUTE_LONGPOLL */
	bool json;                               /* JSON in and out, else application/proto */
	bool get;                                /* GET (query) rather than POST (body) */
	/* The body, read up to the limit; past it only counted (413). */
	uint8_t *body;
	size_t len, cap;
	size_t over; /* bytes beyond the limit */
	/* What the body's buffer took from the server's room (http_room.h), and whether the
	 * room refused it more: then the rest is only counted, and the answer is 503 or 429. */
	size_t held;
	int no_room; /* enum http_room_take; 0: the body had its room */
	/* The call in flight, and its reply (http_call.c). */
	pthread_mutex_t lock;
	bool suspended;  /* under lock */
	bool have_reply; /* under lock */
	uint8_t *reply;  /* the packed stdreg.v1.Response; malloc'd */
	size_t reply_len;
	struct feed *feed; /* ROUTE_FEED */
	/* ROUTE_WEB: NULL until the request is complete (or when answered at once), then
	 * being rendered, then rendered (have_reply). */
	struct web_pending *page;
	bool counted_feed; /* counted in srv->feeds */
	uint32_t feed_id;  /* counted in srv->feed_callers under this id; 0: not */
};

/* What http_call_start() did. */
enum call_state {
	CALL_ANSWERED,  /* r->reply holds the reply already */
	CALL_SUSPENDED, /* the connection waits; the reply will resume it */
	CALL_NO_SLOT,   /* every dispatch slot is busy: answer 503 */
};

/*
 * Hands the packed stdreg.v1.Request env/len (borrowed) to dispatch for r. Must be called
 * from r's access handler or content reader (it may suspend r's connection). r->reply is
 * freed and cleared first.
 */
enum call_state http_call_start(struct hreq *r, const uint8_t *env, size_t len);

/* r's answer is ready (a call's reply, a rendered page): have_reply is set, and the
 * connection is resumed if it sleeps. Any thread. */
void http_wake(struct hreq *r);

/* 405 with an Allow header naming the verbs the path takes, as a Connect error. */
enum MHD_Result http_not_allowed(struct hreq *r, const char *allow);

/* Frees every slot (no call may be in flight). */
void http_call_free_slots(struct http_server *s);

/*
 * Packs an envelope for method (the full name "/stdreg.v1.Registry/X") with the request's
 * token, deadline and request id headers, and payload. On failure returns the HTTP
 * status to answer with and sets *why; on success 0 and a malloc'd *env.
 */
unsigned http_envelope(struct hreq *r, const char *method, const uint8_t *payload, size_t len,
                       uint8_t **env, size_t *env_len, const char **why);

/* Frees r's body and gives its room back (http_room.h): once its call has its own copy. */
void http_body_release(struct hreq *r);

/* Queues a Connect error (JSON body, the HTTP status for code) on r's connection. */
enum MHD_Result http_error(struct hreq *r, unsigned http_status, const char *code, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
/* The same with one more header that names what the server takes (Allow, Accept-Post,
 * Accept-Encoding). */
enum MHD_Result http_error_naming(struct hreq *r, unsigned http_status, const char *code,
                                  const char *header, const char *value, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

/* Queues a response of len bytes (copied) with content type ctype; ctype may be NULL. */
enum MHD_Result http_queue(struct hreq *r, unsigned status, const char *ctype, const void *buf,
                           size_t len, struct MHD_Response **resp_out);

/* The Connect code name of a gRPC code number ("not_found"). */
const char *http_connect_code(int code);

/* Starts the call of r (r->method) with payload; answers at once unless it waits. */
enum MHD_Result http_connect_call(struct hreq *r, const uint8_t *payload, size_t len);

/* http_connect.c: a Connect call, its head checked (route set), body read. */
enum MHD_Result http_connect_begin(struct hreq *r);
/* Answers r from r->reply, the Response of its call. */
enum MHD_Result http_connect_answer(struct hreq *r);
/* Checks the head of a call to /stdreg.v1.Registry/name: 0 or a response queued. */
enum MHD_Result http_connect_head(struct hreq *r, const char *name, const char *verb,
                                  bool *answered);

/* http_feed.c: GET /v1/changes. */
enum MHD_Result http_feed_begin(struct hreq *r);
enum MHD_Result http_feed_answer(struct hreq *r);
void http_feed_free(struct hreq *r);

#endif
