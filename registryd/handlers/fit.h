/*
 * fit.h - a page of changes or records that fits one reply: Watch and Export ask the store
 * for a page, and for half as many entries while the page packs to more than a reply may
 * hold (the next token or revision then points after the last entry of the smaller page).
 */
#ifndef REGISTRYD_FIT_H
#define REGISTRYD_FIT_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "store.h"

/* Asks the store for a page of at most max entries (0: the store's default) into *out. */
typedef int (*fit_query_fn)(void *arg, uint32_t max, ProtobufCMessage **out,
                            struct store_error *err);

/*
 * Calls q(arg, max), then again for half as many entries as its last answer held, for as
 * long as that answer packs to more than limit bytes and holds more than one entry. The
 * entries are those of the answer's repeated field named field. On success *out is the
 * last answer (malloc'd; the caller frees it with protobuf_c_message_free_unpacked).
 * Errors: q's, with err filled by it.
 */
int fit_page(fit_query_fn q, void *arg, uint32_t max, const char *field, size_t limit,
             ProtobufCMessage **out, struct store_error *err);

#endif
