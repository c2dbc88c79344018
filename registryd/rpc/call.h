/*
 * call.h - the call API: one request on its way through registryd, what handlers read of
 * it and the one way each to answer it: call_read_begin opens a read (or refuses),
 * call_reply_message answers with a message, call_fail / call_fail_store refuse, call_pack
 * sends bytes already packed. Handlers include this file and never the dispatcher's: what
 * they need of the daemon (the store, the writer, the watch hub, staged uploads) comes
 * through the accessors below. The dispatcher (dispatch.c) makes calls and runs the method
 * table (methods.c), which is the only place that includes the handlers.
 */
#ifndef REGISTRYD_CALL_H
#define REGISTRYD_CALL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <protobuf-c/protobuf-c.h>

#include "auth.h"
#include "clock.h"
#include "peer.h"
#include "reply.h"
#include "status.h"
#include "store.h"

#include "stdreg/v1/envelope.pb-c.h"

struct dedupe;
struct watch_hub;
struct workers;
struct uploads;
struct metrics;
struct inflight;

/*
 * What every call shares of the daemon: filled once by dispatcher_new(), read by the call
 * API (call.c); handlers use the accessors, never the fields.
 */
struct call_env {
	store *st;
	store_writer *writer;
	struct watch_hub *watch; /* parked Watch calls (watch.c) */
	struct uploads *uploads; /* staged bulk uploads (uploads.c) */
	struct metrics *metrics; /* request counters (metrics.c) */
	struct inflight *writes; /* writes in flight per principal (inflight.c) */
	atomic_size_t decoding;  /* decoded bytes of requests being handled or parked */
	// lock orders store_writer_submit() against dispatcher_shutdown(): once shutting_down
	// is set under it, no thread can still be about to submit to a writer being stopped.
	pthread_mutex_t lock;
	bool shutting_down; /* under lock */
};

struct call;

/* What a handler did with the call. */
enum call_result {
	CALL_DONE,    /* c->out holds the packed reply (through call_pack) */
	CALL_PENDING, /* the handler took the call over and will send the reply itself */
};

typedef enum call_result (*call_handler)(struct call *c);

/* One row of the dispatch table. */
struct method {
	const char *name;                          /* "/stdreg.v1.Registry/GetArea" */
	call_handler handler;                      /* generic per operation ... */
	enum store_kind kind;                      /* ... parameterised by the record kind */
	const ProtobufCMessageDescriptor *request; /* the payload's message */
	enum perm perm;                            /* what the caller must hold */
	/* Changes state a client may resend (a write, or staging a chunk): the one decision
	 * for the resend memory (dedupe.c) and writes in flight; reads (backups too) never. */
	bool is_write;
	bool long_running; /* runs on a worker thread (workers.c) */
	bool parks;        /* may keep the call after its handler returns (Watch) */
	/* Its request is a large batch of records that outlives the call (ApplyChunk): decoded
	 * into an arena of its own (arena_new_owned), which the handler may take with it. */
	bool bulk_request;
	size_t index; /* its row in the table (the metrics' method number) */
};

/* The i-th row of the method table (methods.c), NULL past the end (for tests). */
const struct method *dispatch_method_at(size_t i);
/* The number of rows of the method table, and the name of the i-th (NULL past the end). */
size_t dispatch_method_count(void);
const char *dispatch_method_name(size_t i);

struct call {
	struct call_env *env; /* the dispatcher's, kept once the call has left the slot */
	/* The slot's reused read transaction (reset between requests; renewed by each read);
	 * NULL once the call is parked. */
	store_txn *rtxn;
	dispatch_park_fn park; /* the slot's (see dispatch_park_fn); NULL: never parks */
	void *park_arg;
	dispatch_reply_fn reply; /* where the reply goes: the slot's, unless the call was parked */
	void *reply_arg;
	const struct method *m;  /* NULL until the method is known */
	const char *method;      /* for the log: m->name, or what the peer sent (borrowed) */
	const char *face;        /* for the log: the face it came through ("nng"; static) */
	struct metrics *metrics; /* the dispatcher's, counted in call_send (also once parked) */
	uint64_t request_id;
	uint64_t received_ns;
	uint64_t deadline_ns; /* 0 = none */
	struct auth_principal who;
	/* The peer, by dispatch_peer's key ("" when unknown): whom an anonymous caller's
	 * budgets are counted for. */
	char peer_key[PEER_KEY_MAX];
	uint64_t conn;                /* the connection it came on (dispatch_peer), 0 = unknown */
	bool (*gone)(void *gone_arg); /* dispatch_peer's, NULL = never asked */
	void *gone_arg;
	struct dedupe *dedupe; /* set when dedupe_begin said DEDUPE_NEW: call_send completes */
	ProtobufCMessage *req; /* the decoded payload; owned by the call */
	/* Where req and out live: NULL (malloc), or the dispatcher's arena for a plain read,
	 * which is answered within its dispatch; anything that may outlive it is malloc'd. */
	ProtobufCAllocator *alloc;
	/* A bulk request's own arena (alloc is its allocator), freed by call_send unless the
	 * handler took it along with req. */
	struct arena *req_arena;
	size_t payload_len; /* its packed size, as received */
	size_t decoded;     /* what decoding it took (wirecheck.h estimate), counted in the
	                     * dispatcher's decoding until call_send */
	bool write_counted; /* counted in the dispatcher's writes in flight until call_send */
	struct status st;
	uint64_t revision;
	/* More violations for the reply (after the one of st.field, if any); borrowed until
	 * call_pack, which is the only reader. */
	Stdreg__V1__FieldViolation *const *violations;
	size_t n_violations;
	uint8_t *out; /* the packed Response: from alloc, or fallback */
	size_t out_len;
	uint8_t fallback[96]; /* a RESOURCE_EXHAUSTED reply when there is no memory */
};

/*
 * Packs the Response of c: request_id, c->st, c->revision and payload/len (borrowed; only
 * sent when c->st.code is OK) into c->out. Never fails: without memory the reply becomes
 * RESOURCE_EXHAUSTED.
 */
void call_pack(struct call *c, const uint8_t *payload, size_t len);

/*
 * Logs the request, hands c->out to the slot's reply callback and frees c->out and c->req.
 * The call's last step: after it the slot may already be serving another request.
 */
void call_send(struct call *c);

/* Gives back what the call holds of the dispatcher's budgets (its decoded bytes, its place
 * among writes in flight); call_send does it. Idempotent. */
void call_release(struct call *c);

/* Packs m as the OK reply of c (RESOURCE_EXHAUSTED without memory). Returns CALL_DONE. */
enum call_result call_reply_message(struct call *c, const ProtobufCMessage *m);

/* Sets c->st to an error (printf message, optional field) and packs the reply: the one
 * line every handler ends an early refusal with. Returns CALL_DONE. */
enum call_result call_fail(struct call *c, int code, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* As call_fail, with the status of a store error: rc and err (may be NULL) as
 * status_from_store() maps them, the field if not NULL. Returns CALL_DONE. */
enum call_result call_fail_store(struct call *c, int rc, const struct store_error *err,
                                 const char *field);

/*
 * Opens a read: renews the slot's read transaction and sets c->revision to its snapshot's.
 * Returns the transaction, which the handler resets (store_read_reset) once it has packed
 * its reply; or NULL when it cannot be renewed: the error reply is then packed and the
 * handler returns CALL_DONE.
 */
store_txn *call_read_begin(struct call *c);

/*
 * Parks c: from now on its reply goes wherever the slot's park callback says, and the slot
 * may take the next request at once (without a park callback the call keeps the slot).
 * The caller must be done with the slot (its read transaction reset) before calling.
 * Returns false if the slot's owner cannot park it; c is then unchanged.
 */
bool call_park(struct call *c);

/*
 * Submits j to the writer unless the daemon is shutting down (then false: nothing was
 * submitted). The one gate between writes and dispatcher_shutdown().
 */
bool call_submit_write(struct call *c, struct store_job *j);

/* What the daemon is, for handlers. */
store *call_store(const struct call *c);
/* The slot's read transaction (NULL once parked): reset, renew before reading. */
store_txn *call_rtxn(const struct call *c);
struct watch_hub *call_watch(const struct call *c);
struct uploads *call_uploads(const struct call *c);

#endif
