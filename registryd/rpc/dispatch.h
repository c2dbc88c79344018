/*
 * dispatch.h - from the bytes of one stdreg.v1.Request to the bytes of its Response.
 *
 * Nothing here knows sockets: a face (nng/pool.c, http/) hands every received message to
 * dispatch_request_via() and sends what the reply callback (reply.h) gives it; unit tests
 * do the same with plain buffers. The bounds are in dispatch_limits.h, the clock in
 * clock.h; handlers include neither this file nor the dispatcher's.
 *
 * A dispatch_slot is where one request at a time is handled: the server has one per nng
 * context. It owns the slot's reused read transaction. Reads and errors are answered
 * before dispatch_request() returns; writes are answered later, from the writer thread,
 * once their batch has committed; long_running reads (Report, Mine, Export) from a worker
 * thread; a Watch that has to wait from the watch thread (watch.c), after parking.
 */
#ifndef REGISTRYD_DISPATCH_H
#define REGISTRYD_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "dispatch_limits.h"
#include "reply.h"
#include "store.h"

struct dispatcher;
struct dispatch_slot;

/*
 * Creates a dispatcher over an open store and a started writer; both stay the caller's
 * and must outlive the dispatcher. limits may be NULL for the defaults. Starts the watch
 * thread and the worker threads.
 * Errors: RG_ENOMEM, RG_EIO, RG_EINTERNAL (a thread cannot start).
 */
int dispatcher_new(struct dispatcher **out, store *st, store_writer *writer,
                   const struct dispatch_limits *limits);

/*
 * From now on every request is answered UNAVAILABLE and nothing more is submitted to the
 * writer, so the caller may then store_writer_close() it. Writes submitted before keep
 * their turn. Parked watches and calls waiting for a worker are answered UNAVAILABLE, a
 * call running on a worker finishes, and the watch and worker threads are joined: when it
 * returns, only writer replies are still to come. Staged uploads are dropped.
 * Safe from any thread but those threads; idempotent.
 */
void dispatcher_shutdown(struct dispatcher *d);

/* Refuses reads to anonymous callers from now on (registryd --private). Call before the
 * first request. */
void dispatcher_set_private(struct dispatcher *d, bool private_reads);

/* Counts a connection opened (delta +1) or closed (-1), for Stats and the metrics
 * endpoint. Safe from any thread. */
void dispatcher_count_connection(struct dispatcher *d, int delta);

struct stats_figures;
/* The daemon's figures for the metrics endpoint: stats_collect() (metrics.h) of d. */
int dispatcher_stats(struct dispatcher *d, struct stats_figures *out);

struct call_env;
/* What d's calls share (for the tests, which count what it holds). */
struct call_env *dispatcher_env(struct dispatcher *d);

/* Frees the dispatcher; every slot must have been freed. NULL is allowed. */
void dispatcher_free(struct dispatcher *d);

/*
 * Creates a slot whose replies go to reply(arg, ...). It begins its read transaction now
 * (and resets it) so that a read costs no allocation later.
 * Errors: RG_ENOMEM, RG_EIO.
 */
int dispatch_slot_new(struct dispatcher *d, dispatch_reply_fn reply, void *arg,
                      struct dispatch_slot **out);

/* Lets the slot's owner take parked calls off it (see dispatch_park_fn). */
void dispatch_slot_set_park(struct dispatch_slot *s, dispatch_park_fn park);

/* Frees a slot that has no request in progress. NULL is allowed. */
void dispatch_slot_free(struct dispatch_slot *s);

/*
 * Handles one request: buf/len are the bytes of a stdreg.v1.Request, borrowed for the
 * call; received_ns is when it arrived (dispatch_now_ns() clock), from which timeout_ms
 * counts. Checks, in this order: decode the envelope (INVALID_ARGUMENT), shutting down
 * (UNAVAILABLE), method known (UNIMPLEMENTED), deadline (DEADLINE_EXCEEDED), auth, decode
 * the payload (INVALID_ARGUMENT); then runs the method's handler. Exactly one reply
 * follows. The slot must not be given another request until that reply.
 */
void dispatch_request(struct dispatch_slot *s, const uint8_t *buf, size_t len,
                      uint64_t received_ns);

/*
 * As dispatch_request(), naming the peer ("tcp://192.0.2.7:51234"; borrowed for the call,
 * may be NULL) in the log line of a failed authentication.
 */
void dispatch_request_from(struct dispatch_slot *s, const uint8_t *buf, size_t len,
                           uint64_t received_ns, const char *peer);

/*
 * As dispatch_request_from(), naming also the face the request came through ("nng",
 * "http"; a static string, NULL for none) in its log line.
 */
void dispatch_request_via(struct dispatch_slot *s, const uint8_t *buf, size_t len,
                          uint64_t received_ns, const char *face, const char *peer);

/* Who sent a request, as far as its face knows (any field may be NULL or 0). */
struct dispatch_peer {
	const char *face; /* "nng", "http" (static), for its log line */
	const char *text; /* "tcp://192.0.2.7:51234", for the log line of a refused token */
	/* The peer anonymous callers' budgets are counted by: "tcp:192.0.2.7" (nng's tcp and
	 * tls+tcp, and HTTP), "uid:1000" (ipc); NULL: one shared "unknown" peer. */
	const char *key;
	/* The connection it came on, unique among open connections (nng: 1..2^31 pipe ids):
	 * dispatch_connection_closed() drops its parked calls. 0: none (HTTP). */
	uint64_t conn;
	/* Whether the peer has gone away, asked about once a second of a parked call whose
	 * face is not told of closes (HTTP: libmicrohttpd does not watch a suspended
	 * connection). NULL: never asked. gone_arg must stay valid until the call's reply. */
	bool (*gone)(void *gone_arg);
	void *gone_arg;
};

/* As dispatch_request_via(), with everything the face knows of the peer. */
void dispatch_request_peer(struct dispatch_slot *s, const uint8_t *buf, size_t len,
                           uint64_t received_ns, const struct dispatch_peer *peer);

/* Connection conn (dispatch_peer) closed: the calls it left parked are dropped, their
 * places given back, since their replies could no longer reach anyone. Any thread. */
void dispatch_connection_closed(struct dispatcher *d, uint64_t conn);

#endif
