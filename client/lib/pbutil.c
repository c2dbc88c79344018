/*
 * pbutil.c - protobuf-c helpers of libstdreg. The descriptor walking of the JSON mapping
 * (field sizes, enum names, base64) lives in pbjson (proto/json).
 */
#include <stdlib.h>

#include "internal.h"

ProtobufCMessage *stdreg_message_new(const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = malloc(d->sizeof_message);

	if (m != NULL)
		d->message_init(m);
	return m;
}
