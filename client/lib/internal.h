/*
 * internal.h - helpers shared by the files of libstdreg; not installed.
 */
#ifndef STDREG_CLIENT_INTERNAL_H
#define STDREG_CLIENT_INTERNAL_H

#include "stdreg.h"

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

/* The size of one element of field f in a message's memory. */
size_t stdreg_field_elem_size(const ProtobufCFieldDescriptor *f);

/* The length of the prefix every value name of e shares, up to and including its last '_'
 * ("AREA_PRIORITY_" -> 14). */
size_t stdreg_enum_prefix_len(const ProtobufCEnumDescriptor *e);

/* Finds the value of e named s: its short name ("prioritised") or its full name
 * ("AREA_PRIORITY_PRIORITISED"), either in any case. Returns 0 and sets *v, or -1. */
int stdreg_enum_parse(const ProtobufCEnumDescriptor *e, const char *s, int *v);

/* Writes "prioritised, monitored or retired" (the short names, without an UNSPECIFIED zero
 * value) into buf. */
void stdreg_enum_expected(const ProtobufCEnumDescriptor *e, char *buf, size_t len);

/* A new zero-initialised message of d, or NULL when out of memory. */
ProtobufCMessage *stdreg_message_new(const ProtobufCMessageDescriptor *d);

/* base64 (RFC 4648, with padding). encode returns a malloc'd string or NULL; decode returns 0
 * and a malloc'd buffer (NULL when empty), or -1 for invalid input or no memory. */
char *stdreg_base64_encode(const uint8_t *data, size_t len);
int stdreg_base64_decode(const char *s, uint8_t **out, size_t *outlen);

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
