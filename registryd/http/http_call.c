/*
 * http_call.c - the bridge from an HTTP request to dispatch, and back.
 *
 * dispatch serves one request per slot at a time, and a slot's reply callback is fixed
 * when it is made. So the face keeps a pool of slots: a request borrows one for its call;
 * the slot's reply callback (or its park callback, for a Watch that waits) hands the slot
 * back and the reply to the request that borrowed it. Reads borrow a slot only for the
 * length of dispatch; writes until the writer has committed.
 *
 * A reply that arrives while the request's thread is still inside dispatch is simply kept;
 * one that arrives later resumes the connection, which was suspended as dispatch returned.
 * r->lock orders the two; the resume comes after it is released, since the resumed
 * connection may be answered and its request freed at once.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "log.h"
#include "store.h"

struct hslot {
	struct http_server *srv;
	struct dispatch_slot *slot;
	struct hreq *cur;        /* the request being served; set before dispatch */
	struct hslot *next_free; /* under srv->lock */
	struct hslot *next_all;  /* under srv->lock */
};

static void slot_release(struct hslot *h)
{
	struct http_server *s = h->srv;

	h->cur = NULL;
	pthread_mutex_lock(&s->lock);
	h->next_free = s->free_slots;
	s->free_slots = h;
	pthread_mutex_unlock(&s->lock);
}

/* Keeps the reply for r and wakes its connection if it already sleeps (any thread). */
static void deliver(void *arg, const uint8_t *buf, size_t len)
{
	struct hreq *r = arg;
	uint8_t *copy = malloc(len > 0 ? len : 1);

	pthread_mutex_lock(&r->lock);
	if (copy != NULL)
		memcpy(copy, buf, len);
	else
		log_event("error", "cannot allocate a reply", NULL);
	r->reply = copy; /* NULL: answered as an internal error */
	r->reply_len = copy != NULL ? len : 0;
	pthread_mutex_unlock(&r->lock);
	http_wake(r);
}

void http_wake(struct hreq *r)
{
	struct MHD_Connection *conn = r->conn;
	bool resume;

	pthread_mutex_lock(&r->lock);
	r->have_reply = true;
	resume = r->suspended;
	r->suspended = false;
	pthread_mutex_unlock(&r->lock);
	// Resumed only after the unlock: once resumed, the connection's thread may answer and
	// free r (its lock included) at once. Until then a suspended r stays put.
	if (resume)
		MHD_resume_connection(conn);
}

/* dispatch_reply_fn of every slot: the slot is free again before the reply moves on. */
static void slot_reply(void *arg, const uint8_t *buf, size_t len)
{
	struct hslot *h = arg;
	struct hreq *r = h->cur;

	slot_release(h);
	deliver(r, buf, len);
}

/* dispatch_park_fn of every slot: the parked call answers its request directly. */
static bool slot_park(void *arg, dispatch_reply_fn *reply, void **reply_arg)
{
	struct hslot *h = arg;

	*reply = deliver;
	*reply_arg = h->cur;
	slot_release(h);
	return true;
}

/*
 * dispatch_peer.gone of every request: whether r's client has closed its connection (or
 * its sending side, as nginx takes it too) or reset it. Asked by the Watch hub while r's
 * call is parked, which keeps r and its connection (suspended, so libmicrohttpd neither
 * reads it nor closes it) as they are. The socket is polled, not read: POLLRDHUP reports
 * the end even behind bytes still unread (a TLS close_notify, a request sent meanwhile).
 */
static bool client_gone(void *arg)
{
	struct hreq *r = arg;
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd p = { .events = POLLRDHUP };

	if (ci == NULL)
		return false;
	p.fd = ci->connect_fd;
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* A free slot, a new one while below the bound, or NULL. */
static struct hslot *slot_take(struct http_server *s)
{
	struct hslot *h;

	pthread_mutex_lock(&s->lock);
	h = s->free_slots;
	if (h != NULL) {
		s->free_slots = h->next_free;
		pthread_mutex_unlock(&s->lock);
		return h;
	}
	if (s->n_slots >= s->max_slots) {
		pthread_mutex_unlock(&s->lock);
		return NULL;
	}
	s->n_slots++; /* reserved; given back below if it cannot be made */
	pthread_mutex_unlock(&s->lock);
	h = calloc(1, sizeof *h);
	if (h != NULL && dispatch_slot_new(s->d, slot_reply, h, &h->slot) != RG_OK) {
		free(h);
		h = NULL;
	}
	pthread_mutex_lock(&s->lock);
	if (h == NULL) {
		s->n_slots--;
	} else {
		h->srv = s;
		dispatch_slot_set_park(h->slot, slot_park);
		h->next_all = s->all_slots;
		s->all_slots = h;
	}
	pthread_mutex_unlock(&s->lock);
	return h;
}

enum call_state http_call_start(struct hreq *r, const uint8_t *env, size_t len)
{
	struct hslot *h = slot_take(r->srv);

	if (h == NULL)
		return CALL_NO_SLOT;
	free(r->reply);
	r->reply = NULL;
	r->reply_len = 0;
	r->have_reply = false;
	h->cur = r;
	// From here the reply may arrive on any thread, even before dispatch returns.
	dispatch_request_peer(h->slot, env, len, dispatch_now_ns(),
	                      &(struct dispatch_peer){ .face = "http",
	                                               .text = r->peer,
	                                               .key = r->peer_key,
	                                               .gone = client_gone,
	                                               .gone_arg = r });
	pthread_mutex_lock(&r->lock);
	if (r->have_reply) {
		pthread_mutex_unlock(&r->lock);
		return CALL_ANSWERED;
	}
	r->suspended = true;
	MHD_suspend_connection(r->conn);
	pthread_mutex_unlock(&r->lock);
	return CALL_SUSPENDED;
}

void http_call_free_slots(struct http_server *s)
{
	struct hslot *h = s->all_slots, *next;

	for (; h != NULL; h = next) {
		next = h->next_all;
		dispatch_slot_free(h->slot);
		free(h);
	}
	s->all_slots = NULL;
	s->free_slots = NULL;
	s->n_slots = 0;
}
