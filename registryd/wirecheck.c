/*
 * wirecheck.c - the text fields of a message as they are on the wire, before protobuf-c
 * unpacks them.
 *
 * protobuf-c hands string fields over as C strings, so a NUL byte inside one silently cuts
 * it short: "ai\0x" would read record "ai", a name "X\0hidden" would store "X". Checking
 * here, on the bytes, is the only place the whole string is still visible. Invalid UTF-8
 * is refused at the same time (proto3 strings are UTF-8 by definition).
 */
#include <string.h>

#include "store.h"
#include "wirecheck.h"

#define MAX_DEPTH 32

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

static int check(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end,
                 int depth, const char **bad_field)
{
	if (depth > MAX_DEPTH)
		return RG_EINVAL;
	while (p < end) {
		uint64_t tag, len;
		const ProtobufCFieldDescriptor *f;

		if (!read_varint(&p, end, &tag))
			return RG_EINVAL;
		f = tag >> 3 <= UINT32_MAX
		            ? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3))
		            : NULL;
		switch (tag & 7) {
		case 0: /* varint */
			if (!read_varint(&p, end, &len))
				return RG_EINVAL;
			break;
		case 1: /* 64-bit */
			if (end - p < 8)
				return RG_EINVAL;
			p += 8;
			break;
		case 5: /* 32-bit */
			if (end - p < 4)
				return RG_EINVAL;
			p += 4;
			break;
		case 2: /* length-delimited: strings, bytes, messages, packed numbers */
			if (!read_varint(&p, end, &len) || len > (uint64_t)(end - p))
				return RG_EINVAL;
			if (f && f->type == PROTOBUF_C_TYPE_STRING &&
			    !store_valid_text((const char *)p, (size_t)len)) {
				*bad_field = f->name;
				return RG_EINVAL;
			}
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
				int rc = check(f->descriptor, p, p + len, depth + 1, bad_field);
				if (rc != RG_OK)
					return rc;
			}
			p += len;
			break;
		default: /* groups (3, 4) are not proto3; 6 and 7 do not exist */
			return RG_EINVAL;
		}
	}
	return RG_OK;
}

int wire_check_text(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
                    const char **bad_field)
{
	*bad_field = NULL;
	if (len == 0)
		return RG_OK; /* an empty message (buf may be NULL: no pointer arithmetic on it) */
	return check(d, buf, buf + len, 0, bad_field);
}
