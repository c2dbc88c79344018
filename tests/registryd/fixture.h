/*
 * fixture.h - a store in a fresh temporary directory, its writer, a dispatcher and one
 * slot whose replies are caught for the test to read. No sockets.
 */
#ifndef TESTS_REGISTRYD_FIXTURE_H
#define TESTS_REGISTRYD_FIXTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "store.h"

#include "stdreg/v1/envelope.pb-c.h"

struct fixture {
	char dir[64];
	store *st;
	store_writer *writer;
	struct dispatcher *d;
	struct dispatch_slot *slot;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int replies;  /* under lock: how many times the reply callback ran */
	uint8_t *buf; /* under lock: the last reply */
	size_t len;
	/* under lock: the admin's writes in flight when the last reply was sent: a client may
	 * send its next write as soon as it has the reply, so the reply's own write must no
	 * longer count by then (0 when nothing else is in flight) */
	uint32_t admin_writes_at_reply;
	char admin_token[STORE_TOKEN_LEN + 1]; /* of principal "fixture-admin" */
};

/* The token fixture_request() puts in every request from now on ("" = anonymous). */
void fixture_set_token(const char *token);

/* The store options fixture_setup() opens the store with from now on (NULL: the default,
 * { .no_sync = true }). */
void fixture_set_store_opts(const struct store_opts *o);

/* cmocka group-less setup/teardown: state is a struct fixture *. */
int fixture_setup(void **state);
int fixture_teardown(void **state);

/* Stops the writer early (as main does on shutdown); teardown then skips it. */
void fixture_stop_writer(struct fixture *f);

/*
 * Dispatches buf/len as received at received_ns (0 = now), waits for its one reply and
 * returns it decoded; free it with stdreg__v1__response__free_unpacked(). Fails the test
 * if no reply comes within 5 s or a second reply comes.
 */
Stdreg__V1__Response *fixture_call_raw(struct fixture *f, const uint8_t *buf, size_t len,
                                       uint64_t received_ns);

/* Packs a Request {method, request_id, timeout_ms, payload = packed msg (may be NULL)}
 * into a malloc'd buffer; *len is its size. */
uint8_t *fixture_request(const char *method, uint64_t request_id, uint32_t timeout_ms,
                         const ProtobufCMessage *payload, size_t *len);

/* fixture_request + fixture_call_raw, received now. */
Stdreg__V1__Response *fixture_call(struct fixture *f, const char *method, uint64_t request_id,
                                   uint32_t timeout_ms, const ProtobufCMessage *payload);

/* A request_id not used before in this process: writes are remembered by (principal,
 * request_id) for resends (dedupe.h), so two different writes need two ids. */
uint64_t fixture_next_id(void);

/* fixture_call (with a fresh request_id) that asserts the reply is OK; returns it. */
Stdreg__V1__Response *fixture_call_ok(struct fixture *f, const char *method,
                                      const ProtobufCMessage *payload);

/* As a restart of registryd: closes the store and opens it again (with the options
 * fixture_set_store_opts() gives now), with a new writer, dispatcher and slot. */
void fixture_restart(struct fixture *f);

/* Replaces the dispatcher (and the slot) by one with these limits. */
void fixture_set_limits(struct fixture *f, const struct dispatch_limits *l);

/* Puts the sample registry: agencies "digg", "pts", "msb"; prioritised areas "ai" (rank
 * 1), "cyber" (rank 2), "quantum" (rank 3) and monitored "cloud"; body "iso"; work item
 * "iso-42001" in "ai" at stage 40.20, target 2020-01-01 (overdue). */
void fixture_seed(struct fixture *f);

/*
 * A call on a slot of its own, whose reply the test waits for later: a parked watch, a
 * queued write. With park set, the slot has a park callback, as the server's slots do:
 * a parked call's reply comes to the same catcher, and the slot is free meanwhile.
 */
struct async_call {
	struct fixture *f;
	struct dispatch_slot *slot;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int replies;  /* under lock */
	int parked;   /* under lock: park callbacks */
	uint8_t *buf; /* under lock: the last reply */
	size_t len;
};

void async_init(struct fixture *f, struct async_call *a, bool park);
void async_release(struct async_call *a);
/* Dispatches the request on a's slot and returns without waiting. */
void async_send(struct async_call *a, const char *method, uint64_t request_id, uint32_t timeout_ms,
                const ProtobufCMessage *payload);
/* As async_send, from peer p (its key and connection: anonymous budgets, closing). */
void async_send_from(struct async_call *a, const struct dispatch_peer *p, const char *method,
                     uint64_t request_id, uint32_t timeout_ms, const ProtobufCMessage *payload);
/* Waits up to ms for the n-th reply (counting from 1); NULL if it did not come. */
Stdreg__V1__Response *async_wait(struct async_call *a, int n, int ms);
/* Replies so far. */
int async_replies(struct async_call *a);

#endif
