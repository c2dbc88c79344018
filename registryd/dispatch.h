/*
 * dispatch.h - from the bytes of one stdreg.v1.Request to the bytes of its Response.
 *
 * Nothing here knows sockets: the server (server.c) hands every received message to
 * dispatch_request() and sends what the reply callback gives it; unit tests do the same
 * with plain buffers.
 *
 * A dispatch_slot is where one request at a time is handled: the server has one per nng
 * context. It owns the slot's reused read transaction. Reads and errors are answered
 * before dispatch_request() returns; writes are answered later, from the writer thread,
 * once their batch has committed.
 */
#ifndef REGISTRYD_DISPATCH_H
#define REGISTRYD_DISPATCH_H

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
 * Creates a dispatcher over an open store and a started writer; both stay the caller's
 * and must outlive the dispatcher.
 * Errors: RG_ENOMEM.
 */
int dispatcher_new(struct dispatcher **out, store *st, store_writer *writer);

/*
 * From now on every request is answered UNAVAILABLE and nothing more is submitted to the
 * writer, so the caller may then store_writer_stop() it. Writes submitted before keep
 * their turn. Safe from any thread, idempotent.
 */
void dispatcher_shutdown(struct dispatcher *d);

/* Frees the dispatcher; every slot must have been freed. NULL is allowed. */
void dispatcher_free(struct dispatcher *d);

/*
 * Creates a slot whose replies go to reply(arg, ...). It begins its read transaction now
 * (and resets it) so that a read costs no allocation later.
 * Errors: RG_ENOMEM, RG_EIO.
 */
int dispatch_slot_new(struct dispatcher *d, dispatch_reply_fn reply, void *arg,
                      struct dispatch_slot **out);

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

/* CLOCK_MONOTONIC in nanoseconds: the clock of received_ns and of store_job.deadline_ns. */
uint64_t dispatch_now_ns(void);

/* The number of methods in the dispatch table, and the name of the i-th (for tests). */
size_t dispatch_method_count(void);
const char *dispatch_method_name(size_t i);

#endif
