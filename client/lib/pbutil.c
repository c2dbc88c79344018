/*
 * pbutil.c - reading protobuf-c descriptors: field memory layout and enum names.
 *
 * protobuf-c lays a message out as a C struct: field f lives at f->offset; a repeated field is
 * a count at f->quantifier_offset and an array pointer at f->offset; an optional scalar has a
 * has_ flag at f->quantifier_offset; a oneof member has the case number there.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

size_t stdreg_field_elem_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return sizeof(int32_t);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return sizeof(uint32_t);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return sizeof(int64_t);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return sizeof(uint64_t);
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

size_t stdreg_enum_prefix_len(const ProtobufCEnumDescriptor *e)
{
	const char *first;
	size_t n, i, j;

	if (e->n_values == 0)
		return 0;
	first = e->values[0].name;
	n = strlen(first);
	for (i = 1; i < e->n_values; i++) {
		const char *s = e->values[i].name;

		for (j = 0; j < n && s[j] == first[j]; j++)
			;
		n = j;
	}
	// Cut back to a word boundary, and never swallow a whole name.
	while (n > 0 && first[n - 1] != '_')
		n--;
	for (i = 0; i < e->n_values; i++)
		if (strlen(e->values[i].name) <= n)
			return 0;
	return n;
}

const char *stdreg_enum_short_name(const ProtobufCEnumDescriptor *e, int v, char *buf, size_t len)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(e, v);
	size_t i;

	if (ev == NULL || len == 0)
		return NULL;
	snprintf(buf, len, "%s", ev->name + stdreg_enum_prefix_len(e));
	for (i = 0; buf[i] != '\0'; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return buf;
}

int stdreg_enum_parse(const ProtobufCEnumDescriptor *e, const char *s, int *v)
{
	size_t plen = stdreg_enum_prefix_len(e), i;

	for (i = 0; i < e->n_values; i++) {
		const char *name = e->values[i].name;

		if (strcasecmp(s, name + plen) == 0 || strcasecmp(s, name) == 0) {
			*v = e->values[i].value;
			return 0;
		}
	}
	return -1;
}

void stdreg_enum_expected(const ProtobufCEnumDescriptor *e, char *buf, size_t len)
{
	size_t i, n = 0, used = 0, k = 0;
	char name[64];

	buf[0] = '\0';
	for (i = 0; i < e->n_values; i++)
		if (!(e->values[i].value == 0 && strstr(e->values[i].name, "UNSPECIFIED") != NULL))
			n++;
	for (i = 0; i < e->n_values && used < len; i++) {
		const ProtobufCEnumValue *ev = &e->values[i];
		int w;

		if (ev->value == 0 && strstr(ev->name, "UNSPECIFIED") != NULL)
			continue;
		stdreg_enum_short_name(e, ev->value, name, sizeof(name));
		k++;
		w = snprintf(buf + used, len - used, "%s%s",
		             k == 1   ? ""
		             : k == n ? " or "
		                      : ", ",
		             name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

ProtobufCMessage *stdreg_message_new(const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = malloc(d->sizeof_message);

	if (m != NULL)
		d->message_init(m);
	return m;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *stdreg_base64_encode(const uint8_t *data, size_t len)
{
	char *out = malloc((len + 2) / 3 * 4 + 1), *p;
	size_t i;

	if (out == NULL)
		return NULL;
	for (p = out, i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];

		*p++ = b64[v >> 18 & 63];
		*p++ = b64[v >> 12 & 63];
		*p++ = b64[v >> 6 & 63];
		*p++ = b64[v & 63];
	}
	if (i < len) {
		uint32_t v =
		        (uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0);

		*p++ = b64[v >> 18 & 63];
		*p++ = b64[v >> 12 & 63];
		*p++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

int stdreg_base64_decode(const char *s, uint8_t **out, size_t *outlen)
{
	size_t len = strlen(s), i, n = 0;
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	uint8_t *buf;

	if (len % 4 != 0)
		return -1;
	if (len == 0) {
		*out = NULL;
		*outlen = 0;
		return 0;
	}
	buf = malloc(len / 4 * 3);
	if (buf == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		const char *q;

		if (s[i] == '=') {
			if (i < len - 2)
				goto bad;
			pad++;
			continue;
		}
		if (pad > 0 || (q = strchr(b64, s[i])) == NULL || s[i] == '\0')
			goto bad;
		acc = acc << 6 | (uint32_t)(q - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (uint8_t)(acc >> bits);
		}
	}
	*out = buf;
	*outlen = n;
	return 0;
bad:
	free(buf);
	return -1;
}
