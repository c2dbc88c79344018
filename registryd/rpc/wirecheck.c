/*
 * wirecheck.c - a message as it is on the wire, before protobuf-c unpacks it.
 *
 * protobuf-c hands string fields over as C strings, so a NUL byte inside one silently cuts
 * it short: "ai\0x" would read record "ai", a name "X\0hidden" would store "X". Checking
 * here, on the bytes, is the only place the whole string is still visible. Invalid UTF-8
 * is refused at the same time (proto3 strings are UTF-8 by definition).
 *
 * The same walk adds up what unpacking will allocate and counts repeated entries (see
 * wirecheck.h), so that a message built to blow up in memory is refused for a few
 * microseconds per kilobyte instead of hundreds of megabytes.
 */
#include <string.h>

#include "store.h"
#include "wirecheck.h"

#define MAX_DEPTH 32
// Fields of one message whose entries are counted; ours have far fewer.
#define MAX_COUNTED 64
// What unpack spends per field occurrence before building the message (its scan record,
// struct ScannedMember in protobuf-c.c), and per allocation (malloc's own header).
#define SCAN_COST  40
#define ALLOC_COST 16

struct walk {
	const struct wire_budget *b;
	size_t decoded;
	const char *bad_field;
};

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

/* The bytes one element of a repeated field takes in its array (the struct's member). */
static size_t element_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return 8;
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* Elements in a packed run of len bytes of field f (varints end in a byte < 0x80). */
static uint64_t packed_count(const ProtobufCFieldDescriptor *f, const uint8_t *p, uint64_t len)
{
	uint64_t n = 0;

	switch (f->type) {
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return len / 8;
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return len / 4;
	default:
		for (uint64_t i = 0; i < len; i++)
			n += (p[i] & 0x80) == 0;
		return n;
	}
}

static bool over(struct walk *w, size_t add)
{
	w->decoded += add;
	return w->b != NULL && w->b->max_decoded != 0 && w->decoded > w->b->max_decoded;
}

/* Counts one more entry (n of them) of counter i; false when that is past the budget. */
static bool count(struct walk *w, uint32_t *counts, size_t i, uint64_t n, const char *name)
{
	if (i >= MAX_COUNTED)
		i = MAX_COUNTED - 1; /* shared by the last fields: counted, if too strictly */
	counts[i] = n > UINT32_MAX - counts[i] ? UINT32_MAX : counts[i] + (uint32_t)n;
	if (w->b == NULL || w->b->max_entries == 0 || counts[i] <= w->b->max_entries)
		return true;
	w->bad_field = name;
	return false;
}

static int check(struct walk *w, const ProtobufCMessageDescriptor *d, const uint8_t *p,
                 const uint8_t *end, int depth)
{
	// counts[f index] for d's fields; the last slot is the unknown fields'.
	uint32_t counts[MAX_COUNTED + 1] = { 0 };

	if (depth > MAX_DEPTH)
		return RG_EINVAL;
	if (over(w, d->sizeof_message + ALLOC_COST))
		return RG_ENOSPC;
	while (p < end) {
		uint64_t tag, len;
		const ProtobufCFieldDescriptor *f;
		bool repeated;
		size_t fi;

		if (!read_varint(&p, end, &tag))
			return RG_EINVAL;
		f = tag >> 3 <= UINT32_MAX
		            ? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3))
		            : NULL;
		repeated = f != NULL && f->label == PROTOBUF_C_LABEL_REPEATED;
		fi = f != NULL ? (size_t)(f - d->fields) : 0;
		if (over(w, SCAN_COST))
			return RG_ENOSPC;
		if (f == NULL) {
			// Kept by unpack: an entry in the array of unknown fields and a copy.
			if (!count(w, counts, MAX_COUNTED, 1, "unknown fields") ||
			    over(w, sizeof(ProtobufCMessageUnknownField) + ALLOC_COST))
				return RG_ENOSPC;
		} else if (repeated && (tag & 7) != 2) {
			if (!count(w, counts, fi, 1, f->name) || over(w, element_size(f)))
				return RG_ENOSPC;
		}
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
			if (f == NULL) {
				if (over(w, (size_t)len))
					return RG_ENOSPC;
			} else if (f->type == PROTOBUF_C_TYPE_STRING ||
			           f->type == PROTOBUF_C_TYPE_BYTES ||
			           f->type == PROTOBUF_C_TYPE_MESSAGE) {
				if (repeated &&
				    (!count(w, counts, fi, 1, f->name) || over(w, element_size(f))))
					return RG_ENOSPC;
				if (f->type != PROTOBUF_C_TYPE_MESSAGE &&
				    over(w, (size_t)len + 1 + ALLOC_COST))
					return RG_ENOSPC;
			} else if (repeated) { /* a packed run of numbers */
				uint64_t n = packed_count(f, p, len);

				if (!count(w, counts, fi, n, f->name) ||
				    over(w, (size_t)n * element_size(f)))
					return RG_ENOSPC;
			}
			if (f && f->type == PROTOBUF_C_TYPE_STRING &&
			    !store_valid_text((const char *)p, (size_t)len)) {
				w->bad_field = f->name;
				return RG_EINVAL;
			}
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
				int rc = check(w, f->descriptor, p, p + len, depth + 1);
				if (rc != RG_OK)
					return rc;
			}
			p += len;
			break;
		default: /* groups (3, 4) are not proto3; 6 and 7 do not exist */
			return RG_EINVAL;
		}
	}
	// The arrays of repeated fields are one allocation each.
	for (size_t i = 0; i <= MAX_COUNTED; i++)
		if (counts[i] > 0 && over(w, ALLOC_COST))
			return RG_ENOSPC;
	return RG_OK;
}

int wire_check(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
               const struct wire_budget *b, size_t *decoded, const char **bad_field)
{
	struct walk w = { .b = b };
	int rc;

	*bad_field = NULL;
	// An empty message (buf may be NULL: no pointer arithmetic on it).
	rc = len == 0 ? (over(&w, d->sizeof_message + ALLOC_COST) ? RG_ENOSPC : RG_OK)
	              : check(&w, d, buf, buf + len, 0);
	*bad_field = w.bad_field;
	if (rc == RG_OK && decoded != NULL)
		*decoded = w.decoded;
	return rc;
}

int wire_check_text(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
                    const char **bad_field)
{
	return wire_check(d, buf, len, NULL, NULL, bad_field);
}

uint64_t wire_top_varint(const uint8_t *buf, size_t len, uint32_t field)
{
	const uint8_t *p = buf, *end = buf + len;
	uint64_t tag, v, found = 0;

	if (len == 0)
		return 0;
	while (p < end && read_varint(&p, end, &tag)) {
		switch (tag & 7) {
		case 0:
			if (!read_varint(&p, end, &v))
				return found;
			if (tag >> 3 == field)
				found = v;
			break;
		case 1:
		case 5:
			if (end - p < ((tag & 7) == 1 ? 8 : 4))
				return found;
			p += (tag & 7) == 1 ? 8 : 4;
			break;
		case 2:
			if (!read_varint(&p, end, &v) || v > (uint64_t)(end - p))
				return found;
			p += v;
			break;
		default:
			return found;
		}
	}
	return found;
}
