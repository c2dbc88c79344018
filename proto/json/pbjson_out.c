/*
 * pbjson_out.c - protobuf-c message -> JSON (see pbjson.h for the dialect).
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A JSON string for s; bytes that are not UTF-8 become '?' rather than failing the record
 * (the daemon checks text at the wire, so this only guards against old data). */
static json_t *string_value(const char *s)
{
	json_t *j = json_string(s != NULL ? s : "");
	char *copy;

	if (j != NULL || s == NULL)
		return j;
	if ((copy = strdup(s)) == NULL)
		return NULL;
	for (char *c = copy; *c != '\0'; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static json_t *enum_value(const ProtobufCFieldDescriptor *f, int v, unsigned flags)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
	char buf[128];

	if (ev == NULL)
		return json_integer(v); /* a value newer than our descriptors */
	if (!(flags & PBJSON_FRIENDLY_ENUMS))
		return json_string(ev->name);
	return json_string(pbjson_enum_short_name(f->descriptor, v, buf, sizeof buf));
}

static json_t *double_value(double d)
{
	// JSON has no NaN or infinities: ProtoJSON spells them as strings.
	if (isnan(d))
		return json_string("NaN");
	if (isinf(d))
		return json_string(d > 0 ? "Infinity" : "-Infinity");
	return json_real(d);
}

static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *p, unsigned flags)
{
	char buf[32];

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
		if (flags & PBJSON_INT64_NUMBERS)
			return json_integer(*(const int64_t *)p);
		snprintf(buf, sizeof buf, "%" PRId64, *(const int64_t *)p);
		return json_string(buf);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: {
		uint64_t v = *(const uint64_t *)p;

		// Strings keep every value exact, also past JavaScript's 2^53 and jansson's 2^63.
		if ((flags & PBJSON_INT64_NUMBERS) && v <= (uint64_t)LLONG_MAX)
			return json_integer((json_int_t)v);
		snprintf(buf, sizeof buf, "%" PRIu64, v);
		return json_string(buf);
	}
	case PROTOBUF_C_TYPE_FLOAT:
		return double_value(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return double_value(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
		return enum_value(f, *(const int *)p, flags);
	case PROTOBUF_C_TYPE_STRING:
		return string_value(*(char *const *)p);
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		char *s = pbjson_base64_encode(b->data, b->len);
		json_t *j = s != NULL ? json_string(s) : NULL;

		free(s);
		return j;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return pbjson_from_message(*(ProtobufCMessage *const *)p, flags);
	}
	return NULL;
}

/* Whether a proto3 field without presence holds its default, and is left out. */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	static const uint8_t zero[8];

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
		return *(const float *)p == 0 && !signbit(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0 && !signbit(*(const double *)p);
	default:
		return memcmp(p, zero, pbjson_elem_size(f)) == 0;
	}
}

static bool is_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, unsigned flags)
{
	const void *p = pbjson_field_ptr(m, f);

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)pbjson_quantifier_ptr(m, f) == f->id;
	switch (f->label) {
	case PROTOBUF_C_LABEL_REPEATED:
		return *(const size_t *)pbjson_quantifier_ptr(m, f) > 0;
	case PROTOBUF_C_LABEL_OPTIONAL:
		// Optional strings and messages have no has_ flag: NULL means absent.
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
			return *(void *const *)p != NULL;
		return *(const protobuf_c_boolean *)pbjson_quantifier_ptr(m, f);
	case PROTOBUF_C_LABEL_REQUIRED:
		return true;
	case PROTOBUF_C_LABEL_NONE:
		break;
	}
	if ((flags & PBJSON_ALWAYS_ID) && f->type == PROTOBUF_C_TYPE_STRING &&
	    strcmp(f->name, "id") == 0)
		return true;
	return !is_default(f, p);
}

/* A map's entries as an object; the keys are the entries' keys as text. */
static json_t *map_to_json(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                           unsigned flags)
{
	size_t n = *(const size_t *)pbjson_quantifier_ptr(m, f);
	ProtobufCMessage *const *entries =
	        *(ProtobufCMessage *const *const *)pbjson_field_ptr(m, f);
	const ProtobufCMessageDescriptor *d = f->descriptor;
	json_t *o = json_object();

	for (size_t i = 0; o != NULL && i < n; i++) {
		json_t *k =
		        value_to_json(&d->fields[0], pbjson_field_ptr(entries[i], &d->fields[0]),
		                      flags & ~(unsigned)PBJSON_INT64_NUMBERS);
		json_t *v = value_to_json(&d->fields[1],
		                          pbjson_field_ptr(entries[i], &d->fields[1]), flags);
		char key[32];
		const char *ks = key;

		if (json_is_string(k))
			ks = json_string_value(k);
		else if (json_is_boolean(k))
			ks = json_is_true(k) ? "true" : "false";
		else
			snprintf(key, sizeof key, "%" JSON_INTEGER_FORMAT, json_integer_value(k));
		if (k == NULL || json_object_set_new(o, ks, v) != 0) {
			json_decref(o);
			o = NULL;
		}
		json_decref(k);
	}
	return o;
}

static json_t *repeated_to_json(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                                unsigned flags)
{
	size_t n = *(const size_t *)pbjson_quantifier_ptr(m, f), i;
	const char *base = *(char *const *)pbjson_field_ptr(m, f);
	size_t size = pbjson_elem_size(f);
	json_t *a = json_array();

	for (i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, value_to_json(f, base + i * size, flags)) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

json_t *pbjson_from_message(const ProtobufCMessage *m, unsigned flags)
{
	const ProtobufCMessageDescriptor *d;
	json_t *o;

	if ((o = json_object()) == NULL || m == NULL)
		return o;
	d = m->descriptor;
	// protoc-c emits the field descriptors sorted by field number: proto order.
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		json_t *v;

		if (!is_present(m, f, flags))
			continue;
		if (pbjson_is_map(f))
			v = map_to_json(m, f, flags);
		else if (f->label == PROTOBUF_C_LABEL_REPEATED)
			v = repeated_to_json(m, f, flags);
		else
			v = value_to_json(f, pbjson_field_ptr(m, f), flags);
		if (json_object_set_new(o, f->name, v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

char *pbjson_dumps(const ProtobufCMessage *m, unsigned flags)
{
	json_t *j = pbjson_from_message(m, flags);
	char *s;

	if (j == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}
