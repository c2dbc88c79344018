/*
 * conns.h - connections (or streams) counted by the peer that holds them: how many each
 * key holds, and which have sent no request since they were made, so that one peer cannot
 * take them all and idle ones do not stay for ever.
 *
 * Nothing here knows a transport. The nng face (nng/server.c) calls it from its pipe
 * events and its receive callback with the pipe's id and the peer's key ("tcp:192.0.2.7",
 * "uid:1000" for ipc); the HTTP face counts its change feeds by caller (http_feed.c).
 * Thread safe: one mutex.
 */
#ifndef REGISTRYD_CONNS_H
#define REGISTRYD_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A key is cut to CONNS_KEY_MAX - 1 bytes: longer keys that share those count as one. */
#define CONNS_KEY_MAX 64

struct conns;

/* A table for connections from at most max_per_key peers of one key (0 = no bound).
 * Errors: RG_ENOMEM. */
int conns_new(struct conns **out, size_t max_per_key);

/* Frees the table. NULL is allowed. */
void conns_free(struct conns *c);

/*
 * Records connection pipe from key, made at now_ns. Returns RG_OK; RG_ENOSPC when key
 * already holds max_per_key connections (nothing recorded); RG_ENOMEM.
 */
int conns_add(struct conns *c, uint32_t pipe, const char *key, uint64_t now_ns);

/* Forgets connection pipe (closed). Unknown pipes are ignored. */
void conns_remove(struct conns *c, uint32_t pipe);

/* Connection pipe sent a request: it is no longer idle. Unknown pipes are ignored. */
void conns_seen(struct conns *c, uint32_t pipe);

/*
 * Writes to out (at most n) the connections that have sent no request and were made
 * before cutoff_ns, and marks them so they are not returned again (the caller closes
 * them). Returns how many it wrote.
 */
size_t conns_idle(struct conns *c, uint64_t cutoff_ns, uint32_t *out, size_t n);

/* Connections of key now; for tests. */
size_t conns_of(struct conns *c, const char *key);

#endif
