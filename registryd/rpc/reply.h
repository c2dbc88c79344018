/*
 * reply.h - where a call's one reply goes: the contract between a face (nng/, http/) and
 * the call API. A face gives these callbacks to its dispatch slot; a call (call.h) keeps
 * them and calls the reply callback once.
 */
#ifndef REGISTRYD_REPLY_H
#define REGISTRYD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
