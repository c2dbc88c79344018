/*
 * internal.h - helpers shared by the files of libstdreg; not installed.
 */
#ifndef STDREG_CLIENT_INTERNAL_H
#define STDREG_CLIENT_INTERNAL_H

#include "stdreg.h"

/* libstdreg's JSON dialect on pbjson (proto/json; json_in.c and json_out.c include pbjson.h):
 * short lowercase enum names, 64-bit integers as numbers while they fit, and "id" on every
 * record. The parser takes all that canonical proto3 JSON allows as well. */
#define STDREG_PBJSON_FLAGS (PBJSON_FRIENDLY_ENUMS | PBJSON_INT64_NUMBERS | PBJSON_ALWAYS_ID)

/* Replaces the status with code and a formatted message (local marks client-made statuses).
 * Returns code. Falls back to a static-free "" message when out of memory. */
int stdreg_status_set(struct stdreg_status *st, int code, bool local, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Where field f of message m lives. */
static inline void *stdreg_field_ptr(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	return (char *)m + f->offset;
}

/* Where the count (repeated), has_ flag (optional) or oneof case of field f lives. */
static inline void *stdreg_quantifier_ptr(const ProtobufCMessage *m,
                                          const ProtobufCFieldDescriptor *f)
{
	return (char *)m + f->quantifier_offset;
}

/* A new zero-initialised message of d, or NULL when out of memory. */
ProtobufCMessage *stdreg_message_new(const ProtobufCMessageDescriptor *d);

/*
 * The TLS configuration of a client of url (tls+tcp://HOST:PORT) from o's tls_ca, tls_cert
 * and tls_key: the server's certificate must be signed by tls_ca and name HOST. On success
 * *out holds a new configuration (nng_tls_config_free it); else st says what failed
 * (INVALID_ARGUMENT: a file is missing, unreadable or not PEM) and its code is returned.
 */
struct nng_tls_config;
int stdreg_tls_config(const char *url, const struct stdreg_client_opts *o,
                      struct nng_tls_config **out, struct stdreg_status *st);

/*
 * Exchanges SP headers (REQ's 8 bytes out, the server's 8 in) on a new connection before
 * deadline (nng_time): 0, or the nng error that ended it. On TLS this runs the handshake
 * and reports why it failed. aio is the caller's, idle. A probe must not close before the
 * server's header is written: nng 1.5.2's ipc listener stops accepting after a peer that
 * closes that early (docs/hardening.md).
 */
struct nng_stream;
struct nng_aio;
int stdreg_stream_probe(struct nng_stream *conn, struct nng_aio *aio, uint64_t deadline);

/* One place to dial (connect.c): url with the address in place of a host name, and that
 * address ("" when url is the endpoint as given). */
struct stdreg_target {
	char url[320];
	char addr[46];
};

/*
 * The places to dial for url, at most max: for a tcp:// or tls+tcp:// url naming a host,
 * one per address getaddrinfo gives, in its order; else url itself. Returns how many, or -1
 * with st set (UNAVAILABLE: the name does not resolve).
 */
int stdreg_connect_targets(const char *url, struct stdreg_target *t, size_t max,
                           struct stdreg_status *st);

/* Connects to url (with tls, may be NULL) and exchanges SP headers before deadline
 * (nng_time): 0, or the nng error (NNG_EPROTO: the peer does not speak SP, e.g. TLS). */
int stdreg_probe_url(const char *url, struct nng_tls_config *tls, uint64_t deadline);

#endif
