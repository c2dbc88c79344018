/*
 * internal.h - reading protobuf-c descriptors, shared by pbjson's printer and parser.
 *
 * protobuf-c lays a message out as a C struct: field f lives at f->offset; a repeated field
 * is a count at f->quantifier_offset and an array pointer at f->offset; an optional scalar
 * has a has_ flag there; a oneof member has the case number (the set member's tag) there.
 * A map field is a repeated message whose type is "<Field>Entry" with key = 1, value = 2.
 */
#ifndef STDREG_PBJSON_INTERNAL_H
#define STDREG_PBJSON_INTERNAL_H

#include "pbjson.h"

static inline void *pbjson_field_ptr(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	return (char *)m + f->offset;
}

static inline void *pbjson_quantifier_ptr(const ProtobufCMessage *m,
                                          const ProtobufCFieldDescriptor *f)
{
	return (char *)m + f->quantifier_offset;
}

/* Whether f is a map field (see above). */
bool pbjson_is_map(const ProtobufCFieldDescriptor *f);

/* Length of the prefix all of e's value names share ("ROLE_"), cut at an underscore. */
size_t pbjson_enum_prefix_len(const ProtobufCEnumDescriptor *e);

/* Writes "prioritised, monitored or retired" into buf: the short names of e's values,
 * without an UNSPECIFIED zero value. */
void pbjson_enum_expected(const ProtobufCEnumDescriptor *e, char *buf, size_t len);

/* Whether key names f: its proto name, or the lowerCamelCase JSON name of it. */
bool pbjson_key_matches(const ProtobufCFieldDescriptor *f, const char *key);

#endif
