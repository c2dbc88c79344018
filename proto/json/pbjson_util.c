/*
 * pbjson_util.c - descriptor helpers and base64 for the JSON mapping.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "internal.h"

size_t pbjson_elem_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return sizeof(uint32_t);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
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

bool pbjson_is_map(const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *d = f->descriptor;
	size_t n;

	if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
		return false;
	n = strlen(d->short_name);
	return n > 5 && strcmp(d->short_name + n - 5, "Entry") == 0 && d->n_fields == 2 &&
	       d->fields[0].id == 1 && strcmp(d->fields[0].name, "key") == 0 &&
	       d->fields[1].id == 2 && strcmp(d->fields[1].name, "value") == 0;
}

size_t pbjson_enum_prefix_len(const ProtobufCEnumDescriptor *e)
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

const char *pbjson_enum_short_name(const ProtobufCEnumDescriptor *e, int v, char *buf, size_t len)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(e, v);

	if (ev == NULL || len == 0)
		return NULL;
	snprintf(buf, len, "%s", ev->name + pbjson_enum_prefix_len(e));
	for (size_t i = 0; buf[i] != '\0'; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return buf;
}

/* Whether ev is the zero value that stands for "not set", which no one types. */
static bool is_unspecified(const ProtobufCEnumValue *ev)
{
	return ev->value == 0 && strstr(ev->name, "UNSPECIFIED") != NULL;
}

void pbjson_enum_expected(const ProtobufCEnumDescriptor *e, char *buf, size_t len)
{
	size_t n = 0, used = 0, k = 0;
	char name[64];

	buf[0] = '\0';
	for (unsigned i = 0; i < e->n_values; i++)
		n += !is_unspecified(&e->values[i]);
	for (unsigned i = 0; i < e->n_values && used < len; i++) {
		const ProtobufCEnumValue *ev = &e->values[i];
		int w;

		if (is_unspecified(ev))
			continue;
		pbjson_enum_short_name(e, ev->value, name, sizeof name);
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

bool pbjson_key_matches(const ProtobufCFieldDescriptor *f, const char *key)
{
	const char *s = f->name;
	bool upper = false;

	if (strcmp(s, key) == 0)
		return true;
	// lowerCamelCase as protoc derives json_name: drop each '_', upper-case what follows.
	for (; *s != '\0'; s++) {
		if (*s == '_') {
			upper = true;
			continue;
		}
		if (*key++ != (upper && *s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s))
			return false;
		upper = false;
	}
	return *key == '\0';
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *pbjson_base64_encode(const uint8_t *data, size_t len)
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

/* The 6-bit value of c in either alphabet, -1 if none. */
static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int pbjson_base64_decode(const char *s, size_t slen, uint8_t **out, size_t *outlen)
{
	size_t n = 0, i, len = slen;
	uint32_t acc = 0;
	int bits = 0;
	uint8_t *buf;

	// Up to two '=' of padding, and only where they complete a group of four.
	if (len % 4 == 0 && len > 0 && s[len - 1] == '=')
		len -= len > 1 && s[len - 2] == '=' ? 2 : 1;
	if (len % 4 == 1)
		return -1;
	if (len == 0) {
		*out = NULL;
		*outlen = 0;
		return 0;
	}
	if ((buf = malloc(len / 4 * 3 + 3)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		int v = b64_value(s[i]);

		if (v < 0) {
			free(buf);
			return -1;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (uint8_t)(acc >> bits);
		}
	}
	*out = buf;
	*outlen = n;
	return 0;
}
