/*
 * json_out.c - protobuf-c message -> JSON: pbjson (proto/json) in regctl's dialect.
 */
#include "internal.h"
#include "pbjson.h"

json_t *stdreg_json_from_message(const ProtobufCMessage *m)
{
	return pbjson_from_message(m, STDREG_PBJSON_FLAGS);
}

const char *stdreg_enum_short_name(const ProtobufCEnumDescriptor *e, int v, char *buf, size_t len)
{
	return pbjson_enum_short_name(e, v, buf, len);
}
