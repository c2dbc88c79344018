/*
 * pool.c - the context pool: the works that receive, dispatch and answer requests, and
 * the holders that keep parked requests (server.c's comment tells why they swap contexts).
 *
 * Each work cycles RECV -> (dispatch) -> SEND -> RECV. A read is answered inside the
 * receive callback; a write leaves the work waiting until the writer thread calls
 * work_reply(), which starts the SEND. The reply callbacks are therefore the only places
 * that start a send, whichever thread they run on.
 */
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

#include "conns.h"
#include "log.h"
#include "peer.h"
#include "server_int.h"

/*
 * Sends buf/len as the reply on ctx through aio (of a work or a holder). False (logged)
 * without memory for the message: nothing was started, and aio holds no message.
 */
static bool reply_send(nng_ctx ctx, nng_aio *aio, const uint8_t *buf, size_t len)
{
	nng_msg *msg;

	if (nng_msg_alloc(&msg, len) != 0) {
		log_event("error", "cannot allocate a reply", NULL);
		nng_aio_set_msg(aio, NULL);
		return false;
	}
	memcpy(nng_msg_body(msg), buf, len);
	nng_aio_set_msg(aio, msg);
	nng_aio_set_timeout(aio, SEND_TIMEOUT_MS);
	nng_ctx_send(ctx, aio);
	return true;
}

/*
 * An atomic counter, not one more lock every request takes twice; only the step to zero
 * takes the lock, so that server_drain(), which checks and waits under it, cannot miss it.
 */
void busy_add(struct server *s, int delta)
{
	if (delta > 0) {
		atomic_fetch_add(&s->busy, (size_t)delta);
		return;
	}
	if (atomic_fetch_sub(&s->busy, (size_t)-delta) != (size_t)-delta)
		return;
	pthread_mutex_lock(&s->lock);
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

static void work_recv(struct work *w)
{
	w->state = WORK_RECV;
	nng_aio_set_timeout(w->aio, NNG_DURATION_INFINITE);
	nng_ctx_recv(w->ctx, w->aio);
}

/* The dispatch reply callback: the packed Response of the context's current request. */
static void work_reply(void *arg, const uint8_t *buf, size_t len)
{
	struct work *w = arg;

	w->state = WORK_SEND; // before the send: its callback may run at once, on any thread
	if (!reply_send(w->ctx, w->aio, buf, len)) {
		// Cannot answer: going back to receive drops the request; the client times out.
		busy_add(w->srv, -1);
		work_recv(w);
	}
}

/* A holder's reply: the packed Response of its parked request (any thread). */
static void holder_reply(void *arg, const uint8_t *buf, size_t len)
{
	struct holder *h = arg;

	if (!reply_send(h->ctx, h->aio, buf, len))
		// Complete as a failed send, so the holder is recycled the one usual way.
		nng_sleep_aio(0, h->aio);
}

/* The send of a parked reply finished: the holder (and its now idle context) is free. */
static void holder_cb(void *arg)
{
	struct holder *h = arg;
	struct server *s = h->srv;
	nng_msg *msg = nng_aio_get_msg(h->aio);

	if (nng_aio_result(h->aio) != 0 && msg != NULL)
		nng_msg_free(msg); /* on failure the message is still ours */
	nng_aio_set_msg(h->aio, NULL);
	// busy first: the holder may be taken by another thread as soon as it is free.
	busy_add(s, -1);
	pthread_mutex_lock(&s->lock);
	h->next_free = s->free_hold;
	s->free_hold = h;
	pthread_mutex_unlock(&s->lock);
}

/*
 * dispatch_park_fn of every work: swaps contexts with a free holder (a new one if none is
 * free), which gets the parked request and is returned as the reply target; the work
 * re-arms on the holder's idle context.
 */
static bool work_park(void *arg, dispatch_reply_fn *reply, void **reply_arg)
{
	struct work *w = arg;
	struct server *s = w->srv;
	struct holder *h;
	nng_ctx idle;

	pthread_mutex_lock(&s->lock);
	h = s->free_hold;
	if (h != NULL)
		s->free_hold = h->next_free;
	pthread_mutex_unlock(&s->lock);
	if (h == NULL) {
		h = calloc(1, sizeof *h);
		if (h == NULL)
			return false;
		if (nng_aio_alloc(&h->aio, holder_cb, h) != 0) {
			free(h);
			return false;
		}
		if (nng_ctx_open(&h->ctx, s->sock) != 0) {
			nng_aio_free(h->aio);
			free(h);
			return false;
		}
		h->srv = s;
		pthread_mutex_lock(&s->lock);
		h->next_all = s->holders;
		s->holders = h;
		pthread_mutex_unlock(&s->lock);
	}
	idle = h->ctx;
	h->ctx = w->ctx;
	w->ctx = idle;
	*reply = holder_reply;
	*reply_arg = h;
	// The parked request stays counted in busy until the holder's send completes. From
	// here the slot serves the next request (possibly on another thread at once).
	work_recv(w);
	return true;
}

static void work_cb(void *arg)
{
	struct work *w = arg;
	char peer[128], key[PEER_KEY_MAX];
	nng_pipe pipe;
	nng_msg *msg;
	int rv = nng_aio_result(w->aio);

	switch (w->state) {
	case WORK_RECV:
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return; /* the socket is closing */
		if (rv != 0) {
			work_recv(w);
			return;
		}
		msg = nng_aio_get_msg(w->aio);
		pipe = nng_msg_get_pipe(msg);
		conns_seen(w->srv->conns, (uint32_t)nng_pipe_id(pipe));
		busy_add(w->srv, 1);
		w->state = WORK_BUSY;
		// The text for the log line of a refused token; the key for anonymous budgets (the
		// address the kernel reports, not anything the peer says).
		peer_text(pipe, peer, sizeof peer);
		peer_key(pipe, key, sizeof key);
		// From here work_reply() may run (and re-arm w) before dispatch returns:
		// only the local msg may be touched after it.
		dispatch_request_peer(
		        w->slot, nng_msg_body(msg), nng_msg_len(msg), dispatch_now_ns(),
		        &(struct dispatch_peer){ .face = "nng",
		                                 .text = peer,
		                                 .key = key,
		                                 .conn = (uint64_t)nng_pipe_id(pipe) });
		nng_msg_free(msg);
		return;
	case WORK_SEND:
		if (rv != 0) {
			// On failure the message is still ours (peer gone, send timed out).
			nng_msg_free(nng_aio_get_msg(w->aio));
		}
		busy_add(w->srv, -1);
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return;
		work_recv(w);
		return;
	case WORK_BUSY:
		// No operation is outstanding in this state, so no completion can arrive.
		break;
	}
}

int pool_open(struct server *s, struct dispatcher *d, size_t n)
{
	size_t i;
	int rc;

	s->works = calloc(n, sizeof *s->works);
	if (s->works == NULL)
		return RG_ENOMEM;
	s->n_works = n;
	for (i = 0; i < n; i++) {
		struct work *w = &s->works[i];

		w->srv = s;
		if (nng_aio_alloc(&w->aio, work_cb, w) != 0)
			return RG_ENOMEM;
		if (nng_ctx_open(&w->ctx, s->sock) != 0)
			return RG_EINTERNAL;
		w->ctx_open = true;
		rc = dispatch_slot_new(d, work_reply, w, &w->slot);
		if (rc != RG_OK)
			return rc;
		dispatch_slot_set_park(w->slot, work_park);
	}
	return RG_OK;
}

void pool_start(struct server *s)
{
	for (size_t i = 0; i < s->n_works; i++)
		work_recv(&s->works[i]);
}

void pool_free(struct server *s)
{
	size_t i;

	for (i = 0; i < s->n_works; i++)
		if (s->works[i].aio != NULL)
			nng_aio_stop(s->works[i].aio);
	for (struct holder *h = s->holders; h != NULL; h = h->next_all)
		nng_aio_stop(h->aio);
	while (s->holders != NULL) {
		struct holder *h = s->holders;

		s->holders = h->next_all;
		nng_ctx_close(h->ctx); /* NNG_ECLOSED after nng_close: nothing to do */
		nng_aio_free(h->aio);
		free(h);
	}
	for (i = 0; i < s->n_works; i++) {
		struct work *w = &s->works[i];

		if (w->ctx_open)
			nng_ctx_close(w->ctx); /* NNG_ECLOSED after nng_close: nothing to do */
		if (w->aio != NULL)
			nng_aio_free(w->aio);
		dispatch_slot_free(w->slot);
	}
	free(s->works);
	s->works = NULL;
	s->n_works = 0;
}
