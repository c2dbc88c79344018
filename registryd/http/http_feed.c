/*
 * http_feed.c - the change feed, GET /v1/changes, built on the Watch method.
 *
 * Query: since_revision=N, since_change=N, kind=K (repeatable; "area" or "KIND_AREA"),
 * id=ID (repeatable), max_events=N. With wait_ms=MS it is one long poll: the WatchResponse
 * as JSON. Without, it is a stream of Server-Sent Events (text/event-stream): per change
 * "event:" its operation (create, update, delete) and "data:" the Change as JSON on one
 * line; a comment line whenever a 15 s wait brings nothing. An event's "id:" is the place
 * a reconnect (Last-Event-ID) goes on from: "R" once revision R is complete, "R:K" when a
 * bulk revision came in parts (R done and K changes of the next one); an event inside a
 * revision whose end has not come yet carries none, so a reconnect there repeats that
 * revision's events rather than skip the rest of it. Each wait is one Watch call through
 * dispatch, so auth, limits on parked watches and the log are the same as over nng.
 *
 * The next Watch is only asked once the previous events have been taken by the
 * connection, so a reader that never reads holds one buffer of events, no more.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mbedtls/sha256.h>

#include "clock.h"
#include "conns.h"
#include "internal.h"
#include "pbjson.h"
#include "status.h"

#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define FEED_WAIT_MS   15000
#define FEED_MAX_EVENT 100

struct feed {
	Stdreg__V1__WatchRequest *req; /* since_revision moves on with each answer */
	char *out;                     /* SSE text not yet taken */
	size_t out_len, out_off, out_cap;
	bool waiting; /* a Watch call is in flight */
	bool done;    /* the stream ends once out is taken */
};

struct args {
	json_t *obj;
	const char *bad; /* an unknown parameter */
};

/* Collects the query into the JSON of a WatchRequest (pbjson checks the values). */
static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	struct args *a = cls;
	const char *field = strcmp(key, "kind") == 0 ? "kinds"
	                    : strcmp(key, "id") == 0 ? "ids"
	                                             : key;
	json_t *arr;

	(void)kind;
	if (value == NULL)
		value = "";
	if (strcmp(key, "kind") == 0 || strcmp(key, "id") == 0) {
		arr = json_object_get(a->obj, field);
		if (arr == NULL) {
			arr = json_array();
			json_object_set_new(a->obj, field, arr);
		}
		json_array_append_new(arr, json_string(value));
		return MHD_YES;
	}
	if (strcmp(key, "since_revision") == 0 || strcmp(key, "since_change") == 0 ||
	    strcmp(key, "wait_ms") == 0 || strcmp(key, "max_events") == 0) {
		json_object_set_new(a->obj, key, json_string(value));
		return MHD_YES;
	}
	a->bad = key;
	return MHD_NO;
}

/* The WatchRequest of the query; on failure a 400 is queued and NULL returned. */
static Stdreg__V1__WatchRequest *watch_request(struct hreq *r, enum MHD_Result *rv)
{
	struct args a = { .obj = json_object() };
	const char *last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                               MHD_HTTP_HEADER_LAST_EVENT_ID);
	struct pbjson_error err;
	ProtobufCMessage *m = NULL;

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &a);
	if (a.bad != NULL) {
		*rv = http_error(r, MHD_HTTP_BAD_REQUEST, "invalid_argument",
		                 "unknown query parameter '%.64s' (since_revision, since_change, "
		                 "kind, id, wait_ms or max_events)",
		                 a.bad);
		json_decref(a.obj);
		return NULL;
	}
	// A reconnecting EventSource goes on after the last event it saw: "R" or "R:K".
	if (last != NULL) {
		const char *colon = strchr(last, ':');

		json_object_set_new(a.obj, "since_revision",
		                    colon != NULL ? json_stringn(last, (size_t)(colon - last))
		                                  : json_string(last));
		if (colon != NULL)
			json_object_set_new(a.obj, "since_change", json_string(colon + 1));
	}
	if (pbjson_to_message(a.obj, &stdreg__v1__watch_request__descriptor, &m, &err) != 0) {
		// Named as the query names them: kind and id, not kinds[0] and ids[0].
		char *bracket = strchr(err.field, '[');

		if (bracket != NULL && bracket > err.field && bracket[-1] == 's') {
			bracket[-1] = '\0';
		}
		*rv = http_error(r, MHD_HTTP_BAD_REQUEST, "invalid_argument", "%s '%s': %s",
		                 last != NULL && (strcmp(err.field, "since_revision") == 0 ||
		                                  strcmp(err.field, "since_change") == 0)
		                         ? "header 'Last-Event-ID' as"
		                         : "query parameter",
		                 err.field, err.text);
		json_decref(a.obj);
		return NULL;
	}
	json_decref(a.obj);
	return (Stdreg__V1__WatchRequest *)m;
}

/* Starts the next Watch of the feed: the packed request, then the call. */
static enum call_state feed_call(struct hreq *r)
{
	struct feed *f = r->feed;
	size_t len = stdreg__v1__watch_request__get_packed_size(f->req), env_len;
	uint8_t *payload = malloc(len > 0 ? len : 1), *env = NULL;
	const char *why;
	enum call_state cs = CALL_NO_SLOT;

	if (payload == NULL)
		return CALL_NO_SLOT;
	stdreg__v1__watch_request__pack(f->req, payload);
	if (http_envelope(r, "/stdreg.v1.Registry/Watch", payload, len, &env, &env_len, &why) ==
	    0) {
		f->waiting = true;
		cs = http_call_start(r, env, env_len);
		if (cs == CALL_NO_SLOT)
			f->waiting = false;
	}
	free(payload);
	free(env);
	return cs;
}

/* Appends to the events not yet taken. The buffer grows by doubling: one Watch page of a
 * bulk revision holds thousands of events, and growing it by each event's size copied the
 * page once per event (seconds of a worker thread for a 3 MiB page). */
static bool out_append(struct feed *f, const char *s, size_t n)
{
	if (f->out_len + n > f->out_cap) {
		size_t cap = f->out_cap > 0 ? f->out_cap : 4096;
		char *b;

		while (cap < f->out_len + n)
			cap *= 2;
		b = realloc(f->out, cap);
		if (b == NULL)
			return false;
		f->out = b;
		f->out_cap = cap;
	}
	memcpy(f->out + f->out_len, s, n);
	f->out_len += n;
	return true;
}

static bool out_printf(struct feed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool out_printf(struct feed *f, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	n = out_append(f, s, (size_t)n);
	free(s);
	return n;
}

/* The "id:" line of change i of reply w, if a reconnect may go on from after it: the end
 * of its revision, or the reply's place when the reply ends inside a revision. */
static void feed_event_id(struct feed *f, const Stdreg__V1__WatchResponse *w, size_t i)
{
	uint64_t rev = w->changes[i]->revision;

	if (i + 1 < w->n_changes) {
		if (w->changes[i + 1]->revision != rev)
			out_printf(f, "id: %" PRIu64 "\n", rev);
	} else if (w->next_change != 0) {
		out_printf(f, "id: %" PRIu64 ":%" PRIu32 "\n", w->next_revision, w->next_change);
	} else {
		out_printf(f, "id: %" PRIu64 "\n", rev);
	}
}

/* The events of one Watch reply into f->out; an error ends the stream with an error event. */
static void feed_take_reply(struct hreq *r)
{
	struct feed *f = r->feed;
	Stdreg__V1__Response *resp =
	        r->reply != NULL ? stdreg__v1__response__unpack(NULL, r->reply_len, r->reply)
	                         : NULL;
	Stdreg__V1__WatchResponse *w = NULL;

	free(f->out);
	f->out = NULL;
	f->out_len = f->out_off = f->out_cap = 0;
	f->waiting = false;
	if (resp != NULL && resp->status != NULL && resp->status->code != GRPC_OK) {
		json_t *j = json_pack("{s:s, s:s}", "code", http_connect_code(resp->status->code),
		                      "message", resp->status->message);
		char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

		out_printf(f, "event: error\ndata: %s\n\n", text != NULL ? text : "{}");
		free(text);
		json_decref(j);
		f->done = true;
		goto out;
	}
	if (resp != NULL)
		w = stdreg__v1__watch_response__unpack(NULL, resp->payload.len, resp->payload.data);
	if (w == NULL) {
		out_printf(f, "event: error\ndata: {\"code\":\"internal\"}\n\n");
		f->done = true;
		goto out;
	}
	for (size_t i = 0; i < w->n_changes; i++) {
		const Stdreg__V1__Change *c = w->changes[i];
		const ProtobufCEnumValue *op =
		        protobuf_c_enum_descriptor_get_value(&stdreg__v1__op__descriptor, c->op);
		char *data = pbjson_dumps(&c->base, 0);
		char name[32] = "change";

		if (op != NULL && strncmp(op->name, "OP_", 3) == 0) {
			snprintf(name, sizeof name, "%s", op->name + 3);
			for (char *p = name; *p != '\0'; p++)
				*p = (char)(*p - 'A' + 'a');
		}
		feed_event_id(f, w, i);
		out_printf(f, "event: %s\ndata: %s\n\n", name, data != NULL ? data : "{}");
		free(data);
	}
	if (w->n_changes == 0)
		out_append(f, ": keep-alive\n\n", 14);
	if (w->next_revision > f->req->since_revision ||
	    (w->next_revision == f->req->since_revision && w->next_change > f->req->since_change)) {
		f->req->since_revision = w->next_revision;
		f->req->since_change = w->next_change;
	}
	stdreg__v1__watch_response__free_unpacked(w, NULL);
out:
	if (resp != NULL)
		stdreg__v1__response__free_unpacked(resp, NULL);
}

/* MHD's content reader: the events taken so far, or the next Watch. */
static ssize_t feed_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct hreq *r = cls;
	struct feed *f = r->feed;
	size_t n;

	(void)pos;
	for (;;) {
		if (f->out_off < f->out_len) {
			n = f->out_len - f->out_off;
			if (n > max)
				n = max;
			memcpy(buf, f->out + f->out_off, n);
			f->out_off += n;
			return (ssize_t)n;
		}
		if (f->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (f->waiting) {
			if (!r->have_reply)
				return 0; /* cannot happen: a waiting feed is suspended */
			feed_take_reply(r);
			continue;
		}
		f->req->wait_ms = FEED_WAIT_MS;
		switch (feed_call(r)) {
		case CALL_ANSWERED:
			feed_take_reply(r);
			continue;
		case CALL_SUSPENDED:
			return 0; /* resumed with the reply: MHD calls again */
		case CALL_NO_SLOT:
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
}

/*
 * Who opens a feed, for the cap per caller: the token (as a hash: the token itself is
 * not kept past its request), or, without one, the address. A principal's feeds are
 * those of its tokens; the Watch behind the feed checks the token itself.
 */
static void caller_key(struct hreq *r, char *key, size_t n)
{
	const char *auth = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                               MHD_HTTP_HEADER_AUTHORIZATION);
	unsigned char hash[32];

	if (auth != NULL && *auth != '\0') {
		mbedtls_sha256_ret((const unsigned char *)auth, strlen(auth), hash, 0);
		snprintf(key, n, "token:");
		for (size_t i = 0; i < 12 && 6 + 2 * i + 2 < n; i++)
			snprintf(key + 6 + 2 * i, n - 6 - 2 * i, "%02x", hash[i]);
		return;
	}
	snprintf(key, n, "%s", r->peer_key); /* "tcp:192.0.2.7" */
}

enum feed_count { FEED_COUNTED, FEED_ALL_FULL, FEED_CALLER_FULL };

/* Counts the feed in the total and for its caller; past either cap nothing is counted. */
static enum feed_count feed_count(struct hreq *r)
{
	struct http_server *s = r->srv;
	char key[CONNS_KEY_MAX];
	uint32_t id;

	caller_key(r, key, sizeof key);
	pthread_mutex_lock(&s->lock);
	if (s->feeds >= s->o.max_feeds) {
		pthread_mutex_unlock(&s->lock);
		return FEED_ALL_FULL;
	}
	s->feeds++;
	if (++s->feed_seq == 0)
		s->feed_seq = 1; /* 0 means "not counted" */
	id = s->feed_seq;
	pthread_mutex_unlock(&s->lock);
	if (conns_add(s->feed_callers, id, key, dispatch_now_ns()) == RG_OK) {
		r->counted_feed = true;
		r->feed_id = id;
		return FEED_COUNTED;
	}
	pthread_mutex_lock(&s->lock);
	s->feeds--;
	pthread_mutex_unlock(&s->lock);
	return FEED_CALLER_FULL;
}

enum MHD_Result http_feed_begin(struct hreq *r)
{
	enum MHD_Result rv = MHD_NO;
	Stdreg__V1__WatchRequest *req = watch_request(r, &rv);
	struct http_server *s = r->srv;
	uint8_t *payload;
	size_t len;

	if (req == NULL)
		return rv;
	// A long poll holds a parked Watch as long as a feed's wait does: counted alike, so
	// that one address cannot open more of them than of feeds.
	switch (feed_count(r)) {
	case FEED_COUNTED:
		break;
	case FEED_ALL_FULL:
		stdreg__v1__watch_request__free_unpacked(req, NULL);
		return http_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "resource_exhausted",
		                  "too many open change feeds and long polls (at most %zu)",
		                  s->o.max_feeds);
	case FEED_CALLER_FULL:
		stdreg__v1__watch_request__free_unpacked(req, NULL);
		return http_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "resource_exhausted",
		                  "too many open change feeds and long polls of one caller (at "
		                  "most %zu with one token, or from one address without)",
		                  s->o.max_feeds_caller);
	}
	if (r->route == ROUTE_LONGPOLL) {
		r->method = protobuf_c_service_descriptor_get_method_by_name(
		        &stdreg__v1__registry__descriptor, "Watch");
		r->json = true;
		len = stdreg__v1__watch_request__get_packed_size(req);
		payload = malloc(len > 0 ? len : 1);
		if (payload == NULL) {
			stdreg__v1__watch_request__free_unpacked(req, NULL);
			return MHD_NO;
		}
		stdreg__v1__watch_request__pack(req, payload);
		stdreg__v1__watch_request__free_unpacked(req, NULL);
		rv = http_connect_call(r, payload, len);
		free(payload);
		return rv;
	}
	if ((r->feed = calloc(1, sizeof *r->feed)) == NULL) {
		stdreg__v1__watch_request__free_unpacked(req, NULL);
		return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", "out of memory");
	}
	r->feed->req = req;
	if (req->max_events == 0 || req->max_events > FEED_MAX_EVENT)
		req->max_events = FEED_MAX_EVENT;
	// The first call does not wait: its answer (or its refusal) comes before the stream.
	req->wait_ms = 0;
	switch (feed_call(r)) {
	case CALL_ANSWERED:
		return http_feed_answer(r);
	case CALL_SUSPENDED:
		return MHD_YES;
	case CALL_NO_SLOT:
		break;
	}
	return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
	                  "too many calls in progress");
}

/* The first Watch answered: the stream starts, or the refusal is the answer. */
enum MHD_Result http_feed_answer(struct hreq *r)
{
	Stdreg__V1__Response *resp =
	        r->reply != NULL ? stdreg__v1__response__unpack(NULL, r->reply_len, r->reply)
	                         : NULL;
	struct MHD_Response *mr;
	enum MHD_Result rv;
	bool ok = resp != NULL && (resp->status == NULL || resp->status->code == GRPC_OK);

	if (resp != NULL)
		stdreg__v1__response__free_unpacked(resp, NULL);
	if (!ok) {
		r->method = protobuf_c_service_descriptor_get_method_by_name(
		        &stdreg__v1__registry__descriptor, "Watch");
		r->json = true;
		return http_connect_answer(r); /* the Connect error of the refusal */
	}
	feed_take_reply(r);
	mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, feed_read, r, NULL);
	if (mr == NULL)
		return MHD_NO;
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	rv = MHD_queue_response(r->conn, MHD_HTTP_OK, mr);
	MHD_destroy_response(mr);
	return rv;
}

void http_feed_free(struct hreq *r)
{
	if (r->feed == NULL)
		return;
	if (r->feed->req != NULL)
		stdreg__v1__watch_request__free_unpacked(r->feed->req, NULL);
	free(r->feed->out);
	free(r->feed);
	r->feed = NULL;
}
