/*
 * json_in.c - JSON (and command-line text) -> protobuf-c message, driven by the descriptors.
 *
 * Every value is checked before it is stored, and every error names the field by its path
 * ("meta.version", "areas[1].name"). A message under construction is always in a state that
 * protobuf_c_message_free_unpacked() can free: strings and arrays are malloc'd, counts only
 * cover filled elements.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PATH_MAX_LEN 256

struct parse {
	char *err;
	size_t errlen;
	char path[PATH_MAX_LEN]; /* of the value being read; "" at the top */
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "field 'rank': <what>", or just <what> at the top level / for text. */
static int fail(struct parse *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->path[0] != '\0')
		snprintf(p->err, p->errlen, "field '%s': %s", p->path, what);
	else
		snprintf(p->err, p->errlen, "%s", what);
	return -1;
}

static bool is_signed_int(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 ||
	       t == PROTOBUF_C_TYPE_SFIXED32 || t == PROTOBUF_C_TYPE_INT64 ||
	       t == PROTOBUF_C_TYPE_SINT64 || t == PROTOBUF_C_TYPE_SFIXED64;
}

static bool is_unsigned_int(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_UINT32 || t == PROTOBUF_C_TYPE_FIXED32 ||
	       t == PROTOBUF_C_TYPE_UINT64 || t == PROTOBUF_C_TYPE_FIXED64;
}

static bool is_64(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_INT64 || t == PROTOBUF_C_TYPE_SINT64 ||
	       t == PROTOBUF_C_TYPE_SFIXED64 || t == PROTOBUF_C_TYPE_UINT64 ||
	       t == PROTOBUF_C_TYPE_FIXED64;
}

/*
 * Parses a decimal integer in text (optional '-', digits, nothing else). Returns 0 with the
 * value in *neg / *mag, or -1 (not a number) or -2 (more than 64 bits).
 */
static int parse_decimal(const char *s, bool *neg, uint64_t *mag)
{
	char *end;

	*neg = s[0] == '-';
	if (*neg)
		s++;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*mag = strtoull(s, &end, 10);
	if (*end != '\0')
		return -1;
	if (errno == ERANGE)
		return -2;
	return 0;
}

/* Checks that the integer (neg, mag) fits field f and stores it at slot. */
static int store_integer(struct parse *p, const ProtobufCFieldDescriptor *f, bool neg, uint64_t mag,
                         const char *shown, void *slot)
{
	if (neg && mag != 0 && is_unsigned_int(f->type))
		return fail(p, "must not be negative");
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (neg ? mag > (uint64_t)INT32_MAX + 1 : mag > INT32_MAX)
			return fail(p, "%s is out of range", shown);
		*(int32_t *)slot = neg ? (int32_t)(0 - mag) : (int32_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (mag > UINT32_MAX)
			return fail(p, "%s is out of range", shown);
		*(uint32_t *)slot = (uint32_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > INT64_MAX)
			return fail(p, "%s is out of range", shown);
		*(int64_t *)slot = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return 0;
	default:
		*(uint64_t *)slot = mag;
		return 0;
	}
}

static int integer_from_json(struct parse *p, const ProtobufCFieldDescriptor *f, const json_t *v,
                             void *slot)
{
	char shown[32];
	uint64_t mag;
	bool neg;
	int rv;

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		neg = x < 0;
		mag = neg ? 0 - (uint64_t)x : (uint64_t)x;
		snprintf(shown, sizeof(shown), "%" JSON_INTEGER_FORMAT, x);
		return store_integer(p, f, neg, mag, shown, slot);
	}
	if (json_is_real(v))
		return fail(p, "expected an integer");
	// 64-bit values may come as decimal strings (the output side writes those past 2^63).
	if (json_is_string(v) && is_64(f->type)) {
		rv = parse_decimal(json_string_value(v), &neg, &mag);
		if (rv == -1)
			return fail(p, "expected a number");
		if (rv == -2)
			return fail(p, "%s is out of range", json_string_value(v));
		return store_integer(p, f, neg, mag, json_string_value(v), slot);
	}
	return fail(p, "expected a number");
}

static int enum_from_name(struct parse *p, const ProtobufCFieldDescriptor *f, const char *s,
                          int *out)
{
	char expected[256];

	if (stdreg_enum_parse(f->descriptor, s, out) == 0)
		return 0;
	stdreg_enum_expected(f->descriptor, expected, sizeof(expected));
	return fail(p, "unknown value '%s'; expected %s", s, expected);
}

static int message_from_json(struct parse *p, const json_t *j, const ProtobufCMessageDescriptor *d,
                             ProtobufCMessage **out);

/* Reads one element of field f from v into slot. Writes slot only on success. */
static int value_from_json(struct parse *p, const ProtobufCFieldDescriptor *f, const json_t *v,
                           void *slot)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE:
		if (!json_is_number(v))
			return fail(p, "expected a number");
		if (f->type == PROTOBUF_C_TYPE_FLOAT)
			*(float *)slot = (float)json_number_value(v);
		else
			*(double *)slot = json_number_value(v);
		return 0;
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			return fail(p, "expected true or false");
		*(protobuf_c_boolean *)slot = json_is_true(v);
		return 0;
	case PROTOBUF_C_TYPE_ENUM:
		if (!json_is_string(v))
			return fail(p, "expected a string");
		return enum_from_name(p, f, json_string_value(v), slot);
	case PROTOBUF_C_TYPE_STRING: {
		char *s;

		if (!json_is_string(v))
			return fail(p, "expected a string");
		if (strlen(json_string_value(v)) != json_string_length(v))
			return fail(p, "contains a NUL character");
		if ((s = strdup(json_string_value(v))) == NULL)
			return fail(p, "out of memory");
		*(char **)slot = s;
		return 0;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *b = slot;

		if (!json_is_string(v))
			return fail(p, "expected a base64 string");
		if (stdreg_base64_decode(json_string_value(v), &b->data, &b->len) != 0)
			return fail(p, "not valid base64");
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return message_from_json(p, v, f->descriptor, slot);
	default:
		return integer_from_json(p, f, v, slot);
	}
}

static int repeated_from_json(struct parse *p, const ProtobufCMessage *m,
                              const ProtobufCFieldDescriptor *f, const json_t *v)
{
	size_t n = json_array_size(v), size = stdreg_field_elem_size(f), len = strlen(p->path), i;
	size_t *count = stdreg_quantifier_ptr(m, f);
	char *arr;

	if (!json_is_array(v))
		return fail(p, "expected an array");
	if (n == 0)
		return 0;
	if ((arr = calloc(n, size)) == NULL)
		return fail(p, "out of memory");
	*(char **)stdreg_field_ptr(m, f) = arr;
	for (i = 0; i < n; i++) {
		snprintf(p->path + len, sizeof(p->path) - len, "[%zu]", i);
		if (value_from_json(p, f, json_array_get(v, i), arr + i * size) != 0)
			return -1;
		*count = i + 1;
	}
	p->path[len] = '\0';
	return 0;
}

static int field_from_json(struct parse *p, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                           const json_t *v)
{
	if (json_is_null(v))
		return 0;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return repeated_from_json(p, m, f, v);
	// Members of a oneof share their memory: a second one would overwrite the first.
	if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    *(uint32_t *)stdreg_quantifier_ptr(m, f) != 0)
		return fail(p, "conflicts with another field of its oneof");
	if (value_from_json(p, f, v, stdreg_field_ptr(m, f)) != 0)
		return -1;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)stdreg_quantifier_ptr(m, f) = f->id;
	else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
	         f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)stdreg_quantifier_ptr(m, f) = 1;
	return 0;
}

static int message_from_json(struct parse *p, const json_t *j, const ProtobufCMessageDescriptor *d,
                             ProtobufCMessage **out)
{
	size_t len = strlen(p->path);
	ProtobufCMessage *m;
	const char *key;
	json_t *v;

	if (!json_is_object(j))
		return fail(p, len == 0 ? "expected a JSON object" : "expected an object");
	if ((m = stdreg_message_new(d)) == NULL)
		return fail(p, "out of memory");
	json_object_foreach((json_t *)j, key, v)
	{
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(d, key);

		snprintf(p->path + len, sizeof(p->path) - len, "%s%s", len > 0 ? "." : "", key);
		if (f == NULL) {
			char name[PATH_MAX_LEN];

			snprintf(name, sizeof(name), "%s", p->path);
			p->path[0] = '\0';
			fail(p, "unknown field '%s'", name);
			goto fail;
		}
		if (field_from_json(p, m, f, v) != 0)
			goto fail;
		p->path[len] = '\0';
	}
	*out = m;
	return 0;
fail:
	protobuf_c_message_free_unpacked(m, NULL);
	return -1;
}

int stdreg_json_to_message(const json_t *j, const ProtobufCMessageDescriptor *d,
                           ProtobufCMessage **out, char *err, size_t errlen)
{
	struct parse p = { .err = err, .errlen = errlen };

	return message_from_json(&p, j, d, out);
}

int stdreg_message_merge_json(ProtobufCMessage *m, const json_t *fields, char *err, size_t errlen)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	struct parse p = { .err = err, .errlen = errlen };
	ProtobufCMessage *part;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)fields, key, v)
	{
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(d, key);

		// Members of a oneof share memory of different sizes: swapping one is not safe.
		if (f != NULL && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			return fail(&p, "field '%s': cannot merge a oneof field", key);
	}
	if (message_from_json(&p, fields, d, &part) != 0)
		return -1;
	// Swap each named field (and its count or has_ flag) between m and the parsed part,
	// then free the part, which now holds m's old values.
	json_object_foreach((json_t *)fields, key, v)
	{
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(d, key);
		size_t size = f->label == PROTOBUF_C_LABEL_REPEATED ? sizeof(void *)
		                                                    : stdreg_field_elem_size(f);
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

int stdreg_json_value_from_text(const ProtobufCMessageDescriptor *d, const char *field,
                                const char *text, json_t **out, char *err, size_t errlen)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(d, field);
	struct parse p = { .err = err, .errlen = errlen };
	json_t *v = NULL;
	char name[64];
	uint64_t mag;
	bool neg;
	int rv, e;

	if (f == NULL)
		return fail(&p, "unknown field '%s'", field);
	if (is_signed_int(f->type) || is_unsigned_int(f->type)) {
		union {
			int32_t i32;
			uint32_t u32;
			int64_t i64;
			uint64_t u64;
		} slot;

		rv = parse_decimal(text, &neg, &mag);
		if (rv == -1)
			return fail(&p, "expected a number");
		if (rv == -2 || store_integer(&p, f, neg, mag, text, &slot) != 0)
			return rv == -2 ? fail(&p, "%s is out of range", text) : -1;
		if (neg)
			v = json_integer(-(json_int_t)(mag - 1) - 1);
		else if (mag <= (uint64_t)LLONG_MAX)
			v = json_integer((json_int_t)mag);
		else
			v = json_string(text);
	} else if (f->type == PROTOBUF_C_TYPE_FLOAT || f->type == PROTOBUF_C_TYPE_DOUBLE) {
		char *end;
		double x = strtod(text, &end);

		if (text[0] == '\0' || *end != '\0' || !isfinite(x))
			return fail(&p, "expected a number");
		v = json_real(x);
	} else if (f->type == PROTOBUF_C_TYPE_BOOL) {
		if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "1"))
			v = json_true();
		else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "0"))
			v = json_false();
		else
			return fail(&p, "expected true or false");
	} else if (f->type == PROTOBUF_C_TYPE_ENUM) {
		if (enum_from_name(&p, f, text, &e) != 0)
			return -1;
		v = json_string(stdreg_enum_short_name(f->descriptor, e, name, sizeof(name)));
	} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		json_error_t jerr;

		v = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(v)) {
			json_decref(v);
			return fail(&p, "expected a JSON object");
		}
	} else {
		v = json_string(text); // strings, and bytes as base64 text
		if (v == NULL)
			return fail(&p, "not valid UTF-8");
	}
	if (v == NULL)
		return fail(&p, "out of memory");
	*out = v;
	return 0;
}
