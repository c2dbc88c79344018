/*
 * dispatch.h - from the bytes of one stdreg.v1.Request to the bytes of its Response.
 *
 * Nothing here knows sockets: the server (nng/server.c) hands every received message to
 * dispatch_request() and sends what the reply callback gives it; unit tests do the same
 * with plain buffers.
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

#include "store.h"

struct dispatcher;
struct dispatch_slot;

/*
 * Receives the packed stdreg.v1.Response of a request; buf is borrowed for the call.
 * Called exactly once per dispatch_request(), on the caller's thread or on the writer
 * thread. It is the last thing dispatch does with the slot: by the time it is called the
 * slot is free to take the next request (even on another thread).
 */
typedef void (*dispatch_reply_fn)(void *arg, const uint8_t *buf, size_t len);

/*
 * Called, on the dispatching thread, when a handler parks the slot's call: a Watch that
 * waits for a change. The slot's owner sets *reply and *reply_arg to where that call's one
 * reply must go instead, and from the moment it returns the slot may take the next request
 * (the server hands the nng context holding the parked request to a holder and gives the
 * slot a fresh context). Returns false if it cannot: the call is then refused with
 * RESOURCE_EXHAUSTED through the slot as usual.
 */
typedef bool (*dispatch_park_fn)(void *arg, dispatch_reply_fn *reply, void **reply_arg);

/* Bounds on what callers may hold in the daemon; dispatch_limits_default() fills them. */
struct dispatch_limits {
	uint32_t watch_max_parked;        /* parked Watch calls; beyond: RESOURCE_EXHAUSTED */
	uint32_t watch_max_per_principal; /* parked Watch calls of one principal (anonymous
	                                   * callers count as one) */
	uint32_t watch_max_wait_ms;       /* wait_ms is capped to this */
	uint32_t workers;          /* threads for long_running methods (Report, Mine, Export) */
	uint32_t worker_queue;     /* calls waiting for a worker; beyond: RESOURCE_EXHAUSTED */
	uint32_t uploads_max;      /* staged bulk uploads at once */
	size_t upload_max_bytes;   /* decoded bytes staged in one principal's uploads */
	size_t uploads_max_bytes;  /* decoded bytes staged in all uploads together */
	uint32_t upload_idle_ms;   /* an upload untouched this long is dropped */
	size_t dedupe_max_entries; /* writes remembered for resends (dedupe.h) */
	size_t dedupe_max_bytes;   /* bytes of their replies */
	uint32_t dedupe_ttl_ms;    /* how long a reply is remembered */
	/* Decoding (wirecheck.h): estimated bytes unpacking may allocate. */
	size_t decode_max_request;        /* for one request's payload */
	size_t decode_max_total;          /* for every request being handled or parked together */
	uint32_t max_entries;             /* entries of one repeated field of a payload */
	size_t watch_max_bytes;           /* decoded bytes of all parked watches */
	size_t watch_max_bytes_principal; /* ... of one principal's */
	uint32_t writes_per_principal;    /* writes in flight of one principal; 0 = no bound */
};

#define DISPATCH_WATCH_MAX_PARKED          1024
#define DISPATCH_WATCH_MAX_WAIT_MS         60000
#define DISPATCH_WATCH_PER_PRINCIPAL       256
#define DISPATCH_WORKERS                   2
#define DISPATCH_WORKER_QUEUE              256
#define DISPATCH_UPLOADS_MAX               64
#define DISPATCH_UPLOAD_MAX_BYTES          (256u << 20)
#define DISPATCH_UPLOADS_MAX_BYTES         (512u << 20)
#define DISPATCH_UPLOAD_IDLE_MS            (10 * 60 * 1000)
#define DISPATCH_DECODE_MAX_REQUEST        ((size_t)64 << 20)
#define DISPATCH_DECODE_MAX_TOTAL          ((size_t)512 << 20)
#define DISPATCH_MAX_ENTRIES               (1u << 18)
#define DISPATCH_WATCH_MAX_BYTES           ((size_t)64 << 20)
#define DISPATCH_WATCH_MAX_BYTES_PRINCIPAL ((size_t)16 << 20)
#define DISPATCH_WRITES_PER_PRINCIPAL      64
/* The envelope, checked before it is decoded (before authentication): its metadata
 * entries, and the bytes decoding may take beyond the payload's own copy. */
#define DISPATCH_ENVELOPE_MAX_ENTRIES 64
#define DISPATCH_ENVELOPE_SLACK       ((size_t)64 << 10)

void dispatch_limits_default(struct dispatch_limits *l);

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
 * writer, so the caller may then store_writer_stop() it. Writes submitted before keep
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

/* CLOCK_MONOTONIC in nanoseconds: the clock of received_ns and of store_job.deadline_ns. */
uint64_t dispatch_now_ns(void);

/* The number of methods in the dispatch table, and the name of the i-th (for tests). */
size_t dispatch_method_count(void);
const char *dispatch_method_name(size_t i);

#endif
