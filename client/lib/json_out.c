/*
 * json_out.c - protobuf-c message -> JSON, driven by the descriptors alone.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A JSON string for s; bytes that are not UTF-8 become '?' rather than failing the record. */
static json_t *string_value(const char *s)
{
	json_t *j = json_string(s != NULL ? s : "");
	char *copy;
	size_t i;

	if (j != NULL)
		return j;
	if ((copy = strdup(s)) == NULL)
		return NULL;
	for (i = 0; copy[i] != '\0'; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *p)
{
	char buf[64];

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: {
		uint64_t v = *(const uint64_t *)p;

		if (v <= (uint64_t)LLONG_MAX)
			return json_integer((json_int_t)v);
		// jansson integers are signed 64-bit: past that, a decimal string (which the
		// input side accepts for 64-bit fields) keeps the value exact.
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		return json_string(buf);
	}
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;

		if (stdreg_enum_short_name(f->descriptor, v, buf, sizeof(buf)) != NULL)
			return json_string(buf);
		return json_integer(v); // a value newer than our descriptors
	}
	case PROTOBUF_C_TYPE_STRING:
		return string_value(*(char *const *)p);
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		char *s = stdreg_base64_encode(b->data, b->len);
		json_t *j = s != NULL ? json_string(s) : NULL;

		free(s);
		return j;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return stdreg_json_from_message(*(ProtobufCMessage *const *)p);
	}
	return NULL;
}

/* Whether a proto3 (no presence) field holds its default and is left out. */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;

		return s == NULL || s[0] == '\0';
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p == NULL;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p == 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0;
	default: {
		static const uint8_t zero[8];

		return memcmp(p, zero, stdreg_field_elem_size(f)) == 0;
	}
	}
}

static bool is_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *p = stdreg_field_ptr(m, f);

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)stdreg_quantifier_ptr(m, f) == f->id;
	switch (f->label) {
	case PROTOBUF_C_LABEL_REPEATED:
		return *(const size_t *)stdreg_quantifier_ptr(m, f) > 0;
	case PROTOBUF_C_LABEL_OPTIONAL:
		// Optional strings and messages have no has_ flag: NULL means absent.
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
			return *(void *const *)p != NULL;
		return *(const protobuf_c_boolean *)stdreg_quantifier_ptr(m, f);
	case PROTOBUF_C_LABEL_REQUIRED:
		return true;
	case PROTOBUF_C_LABEL_NONE:
		break;
	}
	return !is_default(f, p) || strcmp(f->name, "id") == 0;
}

static json_t *repeated_to_json(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	size_t n = *(const size_t *)stdreg_quantifier_ptr(m, f), i;
	const char *base = *(char *const *)stdreg_field_ptr(m, f);
	size_t size = stdreg_field_elem_size(f);
	json_t *a = json_array();

	for (i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, value_to_json(f, base + i * size)) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

json_t *stdreg_json_from_message(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d;
	json_t *o;
	unsigned i;

	if (m == NULL)
		return json_object();
	d = m->descriptor;
	if ((o = json_object()) == NULL)
		return NULL;
	// protoc-c emits the field descriptors sorted by field number: proto order.
	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		json_t *v;

		if (!is_present(m, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			v = repeated_to_json(m, f);
		else
			v = value_to_json(f, stdreg_field_ptr(m, f));
		if (json_object_set_new(o, f->name, v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}
