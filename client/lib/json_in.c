/*
 * json_in.c - JSON (and command-line text) -> protobuf-c message: pbjson (proto/json) with
 * libstdreg's error text ("field 'meta.version': expected an integer").
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pbjson.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* One line for e: "unknown field 'meta.foo'", "field 'rank': <why>", or <why> at the top. */
static int report(const struct pbjson_error *e, char *err, size_t errlen)
{
	if (e->field[0] == '\0')
		return fail(err, errlen, "%s", e->text);
	if (strcmp(e->text, "unknown field") == 0)
		return fail(err, errlen, "unknown field '%s'", e->field);
	return fail(err, errlen, "field '%s': %s", e->field, e->text);
}

int stdreg_json_to_message(const json_t *j, const ProtobufCMessageDescriptor *d,
                           ProtobufCMessage **out, char *err, size_t errlen)
{
	struct pbjson_error e;

	if (pbjson_to_message_flags(j, d, STDREG_PBJSON_FLAGS, out, &e) != 0)
		return report(&e, err, errlen);
	return 0;
}

int stdreg_message_merge_json(ProtobufCMessage *m, const json_t *fields, char *err, size_t errlen)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	ProtobufCMessage *part;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)fields, key, v)
	{
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(d, key);

		// The swap below finds fields by their proto names only.
		if (f == NULL)
			return fail(err, errlen, "unknown field '%s'", key);
		// Members of a oneof share memory of different sizes: swapping one is not safe.
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
			return fail(err, errlen, "field '%s': cannot merge a oneof field", key);
	}
	if (stdreg_json_to_message(fields, d, &part, err, errlen) != 0)
		return -1;
	// Swap each named field (and its count or has_ flag) between m and the parsed part,
	// then free the part, which now holds m's old values.
	json_object_foreach((json_t *)fields, key, v)
	{
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(d, key);
		size_t size = f->label == PROTOBUF_C_LABEL_REPEATED ? sizeof(void *)
		                                                    : pbjson_elem_size(f);
		size_t qsize = 0;
		uint8_t tmp[sizeof(ProtobufCBinaryData)];

		memcpy(tmp, stdreg_field_ptr(m, f), size);
		memcpy(stdreg_field_ptr(m, f), stdreg_field_ptr(part, f), size);
		memcpy(stdreg_field_ptr(part, f), tmp, size);
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			qsize = sizeof(size_t);
		else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
		         f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
			qsize = sizeof(protobuf_c_boolean);
		if (qsize > 0) {
			memcpy(tmp, stdreg_quantifier_ptr(m, f), qsize);
			memcpy(stdreg_quantifier_ptr(m, f), stdreg_quantifier_ptr(part, f), qsize);
			memcpy(stdreg_quantifier_ptr(part, f), tmp, qsize);
		}
	}
	protobuf_c_message_free_unpacked(part, NULL);
	return 0;
}

/*
 * Checks v as the value of field f of d with the JSON mapping itself, so text and JSON are
 * held to the same rules and errors. On success *out (may be NULL) is the parsed message.
 */
static int check_value(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                       json_t *v, ProtobufCMessage **out, char *err, size_t errlen)
{
	json_t *o = json_object();
	struct pbjson_error e;
	ProtobufCMessage *m;
	int rv;

	// v is one element: a repeated field gets it as a list of one.
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		v = json_pack("[O]", v);
	else
		json_incref(v);
	// json_object_set_new() takes v, also when it fails.
	if (o == NULL || json_object_set_new(o, f->name, v) != 0) {
		json_decref(o);
		json_decref(o == NULL ? v : NULL);
		return fail(err, errlen, "out of memory");
	}
	rv = pbjson_to_message_flags(o, d, STDREG_PBJSON_FLAGS, &m, &e);
	json_decref(o);
	if (rv != 0)
		return fail(err, errlen, "%s", e.text); // without the field: the caller names it
	if (out != NULL)
		*out = m;
	else
		protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}

/* An integer field's text as the JSON the mapping prints: a number, or a decimal string past
 * what jansson holds. The text is checked first, by check_value(). */
static json_t *integer_json(const char *text)
{
	unsigned long long u;

	if (text[0] == '-')
		return json_integer((json_int_t)strtoll(text, NULL, 10));
	u = strtoull(text, NULL, 10);
	return u <= (unsigned long long)LLONG_MAX ? json_integer((json_int_t)u) : json_string(text);
}

static bool is_integer(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return true;
	default:
		return false;
	}
}

/* An enum field's text as its short name, or -1 with err set. */
static int enum_json(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                     const char *text, json_t **out, char *err, size_t errlen)
{
	json_t *s = json_string(text);
	ProtobufCMessage *m;
	char name[64];
	int rv;

	if (s == NULL)
		return fail(err, errlen, "not valid UTF-8");
	rv = check_value(d, f, s, &m, err, errlen);
	json_decref(s);
	if (rv != 0)
		return -1;
	// A repeated enum holds its value in the array's first element.
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		rv = **(int **)stdreg_field_ptr(m, f);
	else
		rv = *(int *)stdreg_field_ptr(m, f);
	protobuf_c_message_free_unpacked(m, NULL);
	*out = json_string(pbjson_enum_short_name(f->descriptor, rv, name, sizeof name));
	return 0;
}

int stdreg_json_value_from_text(const ProtobufCMessageDescriptor *d, const char *field,
                                const char *text, json_t **out, char *err, size_t errlen)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(d, field);
	json_t *v = NULL;

	if (f == NULL)
		return fail(err, errlen, "unknown field '%s'", field);
	if (is_integer(f->type)) {
		// The mapping takes decimal strings for every integer type and checks the range.
		json_t *s = json_string(text);
		int rv = s != NULL ? check_value(d, f, s, NULL, err, errlen)
		                   : fail(err, errlen, "expected an integer");

		json_decref(s);
		if (rv != 0)
			return -1;
		v = integer_json(text);
	} else if (f->type == PROTOBUF_C_TYPE_FLOAT || f->type == PROTOBUF_C_TYPE_DOUBLE) {
		char *end;
		double x = strtod(text, &end);

		if (text[0] == '\0' || *end != '\0' || !isfinite(x))
			return fail(err, errlen, "expected a number");
		v = json_real(x);
	} else if (f->type == PROTOBUF_C_TYPE_BOOL) {
		if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "1"))
			v = json_true();
		else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "0"))
			v = json_false();
		else
			return fail(err, errlen, "expected true or false");
	} else if (f->type == PROTOBUF_C_TYPE_ENUM) {
		if (enum_json(d, f, text, &v, err, errlen) != 0)
			return -1;
	} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		json_error_t jerr;

		v = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(v)) {
			json_decref(v);
			return fail(err, errlen, "expected a JSON object");
		}
	} else {
		v = json_string(text); // strings, and bytes as base64 text
		if (v == NULL)
			return fail(err, errlen, "not valid UTF-8");
	}
	if (v == NULL)
		return fail(err, errlen, "out of memory");
	*out = v;
	return 0;
}
