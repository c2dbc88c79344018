/*
 * web_call.c - a page's calls: the same envelope a Connect call without a token makes,
 * handed to the dispatcher (dispatch.h) through a slot of the view's own pool.
 *
 * Most reads are answered inside dispatch, on the page's thread. The long-running ones
 * (ListGoals, Trend, Report, ListChanges) are answered from a worker; the page's thread then
 * waits for that reply on the slot's condition variable. The wait is bounded: every call
 * carries a deadline, and dispatch answers each request exactly once (DEADLINE_EXCEEDED
 * or, when shutting down, UNAVAILABLE).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "dispatch.h"
#include "status.h"
#include "web.h"
#include "web_cache.h"
#include "web_ctx.h"
#include "web_html.h"

#include "stdreg/v1/envelope.pb-c.h"

#define CALL_TIMEOUT_MS 10000

struct web_slot {
	struct dispatch_slot *slot;
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	bool done;      /* under lock */
	uint8_t *reply; /* under lock: the packed Response, malloc'd (NULL: no memory) */
	size_t reply_len;
	struct web_slot *next_free; /* under web.lock */
	struct web_slot *next_all;  /* under web.lock */
};

/* dispatch_reply_fn: keeps the reply and wakes the page's thread if it waits. */
static void on_reply(void *arg, const uint8_t *buf, size_t len)
{
	struct web_slot *s = arg;
	uint8_t *copy = malloc(len > 0 ? len : 1);

	if (copy != NULL)
		memcpy(copy, buf, len);
	pthread_mutex_lock(&s->lock);
	s->reply = copy;
	s->reply_len = copy != NULL ? len : 0;
	s->done = true;
	pthread_cond_signal(&s->done_cv);
	pthread_mutex_unlock(&s->lock);
}

static struct web_slot *slot_take(struct web *w)
{
	struct web_slot *s;

	pthread_mutex_lock(&w->lock);
	if ((s = w->free_slots) != NULL) {
		w->free_slots = s->next_free;
		pthread_mutex_unlock(&w->lock);
		return s;
	}
	if (w->n_slots >= w->max_slots) {
		pthread_mutex_unlock(&w->lock);
		return NULL;
	}
	w->n_slots++; // reserved; given back below if the slot cannot be made
	pthread_mutex_unlock(&w->lock);
	if ((s = calloc(1, sizeof *s)) != NULL) {
		pthread_mutex_init(&s->lock, NULL);
		pthread_cond_init(&s->done_cv, NULL);
		if (dispatch_slot_new(w->d, on_reply, s, &s->slot) != RG_OK) {
			pthread_cond_destroy(&s->done_cv);
			pthread_mutex_destroy(&s->lock);
			free(s);
			s = NULL;
		}
	}
	pthread_mutex_lock(&w->lock);
	if (s == NULL) {
		w->n_slots--;
	} else {
		s->next_all = w->all_slots;
		w->all_slots = s;
	}
	pthread_mutex_unlock(&w->lock);
	return s;
}

static void slot_give_back(struct web *w, struct web_slot *s)
{
	pthread_mutex_lock(&w->lock);
	s->next_free = w->free_slots;
	w->free_slots = s;
	pthread_mutex_unlock(&w->lock);
}

int web_new(struct web **out, struct dispatcher *d, unsigned max_calls, size_t cache_bytes)
{
	struct web *w = calloc(1, sizeof *w);

	if (w == NULL)
		return RG_ENOMEM;
	if (web_cache_new(&w->cache, cache_bytes, cache_bytes > 0 ? WEB_CACHE_ENTRIES : 0) !=
	    RG_OK) {
		free(w);
		return RG_ENOMEM;
	}
	web_serve_init();
	w->d = d;
	w->st = dispatcher_env(d)->st;
	w->max_slots = max_calls > 0 ? max_calls : 1;
	pthread_mutex_init(&w->lock, NULL);
	if (web_render_start(w) != RG_OK) {
		web_free(w);
		return RG_EINTERNAL;
	}
	*out = w;
	return RG_OK;
}

void web_free(struct web *w)
{
	struct web_slot *s, *next;

	if (w == NULL)
		return;
	web_stop(w);
	pthread_cond_destroy(&w->render_cv);
	pthread_mutex_destroy(&w->render_lock);
	for (s = w->all_slots; s != NULL; s = next) {
		next = s->next_all;
		dispatch_slot_free(s->slot);
		pthread_cond_destroy(&s->done_cv);
		pthread_mutex_destroy(&s->lock);
		free(s->reply);
		free(s);
	}
	web_cache_free(w->cache);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* The HTTP status a page answers with when a call ends with a gRPC code. */
static unsigned status_of(int code)
{
	switch (code) {
	case GRPC_OK:
		return 0;
	case GRPC_NOT_FOUND:
		return MHD_HTTP_NOT_FOUND;
	case GRPC_UNAUTHENTICATED:
	case GRPC_PERMISSION_DENIED:
		return MHD_HTTP_UNAUTHORIZED;
	case GRPC_INVALID_ARGUMENT:
	case GRPC_OUT_OF_RANGE:
	case GRPC_FAILED_PRECONDITION:
		return MHD_HTTP_BAD_REQUEST;
	default:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
}

/* Packs the envelope of method with req's bytes; NULL on no memory. */
static uint8_t *envelope(const char *method, const ProtobufCMessage *req, size_t *len)
{
	Stdreg__V1__Request env = STDREG__V1__REQUEST__INIT;
	char full[96];
	uint8_t *payload, *buf;
	size_t plen = protobuf_c_message_get_packed_size(req);

	if ((payload = malloc(plen > 0 ? plen : 1)) == NULL)
		return NULL;
	protobuf_c_message_pack(req, payload);
	snprintf(full, sizeof full, "/stdreg.v1.Registry/%s", method);
	env.method = full;
	env.timeout_ms = CALL_TIMEOUT_MS;
	env.payload.data = payload;
	env.payload.len = plen;
	*len = stdreg__v1__request__get_packed_size(&env);
	if ((buf = malloc(*len > 0 ? *len : 1)) != NULL)
		stdreg__v1__request__pack(&env, buf);
	free(payload);
	return buf;
}

unsigned web_call(struct web_ctx *c, const char *method, const ProtobufCMessage *req,
                  const ProtobufCMessageDescriptor *out, void **reply)
{
	struct web_slot *s = slot_take(c->w);
	Stdreg__V1__Response *resp = NULL;
	ProtobufCMessage *msg = NULL;
	unsigned st = MHD_HTTP_SERVICE_UNAVAILABLE;
	uint8_t *env, *got;
	size_t env_len, got_len;

	if (s == NULL) {
		c->fail = st;
		return st;
	}
	if ((env = envelope(method, req, &env_len)) == NULL) {
		slot_give_back(c->w, s);
		c->fail = st;
		return st;
	}
	s->done = false;
	dispatch_request_via(s->slot, env, env_len, dispatch_now_ns(), "web", NULL);
	free(env);
	pthread_mutex_lock(&s->lock);
	while (!s->done)
		pthread_cond_wait(&s->done_cv, &s->lock);
	got = s->reply;
	got_len = s->reply_len;
	s->reply = NULL;
	pthread_mutex_unlock(&s->lock);
	slot_give_back(c->w, s);

	if (got != NULL)
		resp = stdreg__v1__response__unpack(NULL, got_len, got);
	free(got);
	if (resp == NULL)
		goto out;
	st = status_of(resp->status != NULL ? resp->status->code : GRPC_OK);
	// A value the daemon refused: its message says which, for the 400 page.
	if (st == MHD_HTTP_BAD_REQUEST && c->detail.len == 0 && resp->status->message != NULL) {
		html_esc(&c->detail, resp->status->message);
		c->detail_en = true;
	}
	if (resp->revision > c->revision)
		c->revision = resp->revision;
	if (st == 0) {
		msg = protobuf_c_message_unpack(out, NULL, resp->payload.len, resp->payload.data);
		if (msg == NULL)
			st = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	stdreg__v1__response__free_unpacked(resp, NULL);
out:
	if (st != 0 && st != MHD_HTTP_NOT_FOUND && c->fail == 0)
		c->fail = st;
	if (st == 0)
		*reply = msg;
	return st;
}
