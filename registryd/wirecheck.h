/*
 * wirecheck.h - refuse text fields that protobuf-c would silently cut short.
 */
#ifndef REGISTRYD_WIRECHECK_H
#define REGISTRYD_WIRECHECK_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/*
 * Walks the packed message buf/len of descriptor d (nested messages, map entries
 * included) and checks every string field: valid UTF-8 with no NUL byte.
 * Returns RG_OK, or RG_EINVAL with *bad_field naming the offending field (NULL when the
 * bytes are not a well-formed message at all).
 */
int wire_check_text(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
                    const char **bad_field);

#endif
