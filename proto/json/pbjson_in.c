/*
 * pbjson_in.c - JSON -> protobuf-c message (see pbjson.h for what is accepted).
 *
 * Every value is checked before it is stored, and every error names the field by its path.
 * A message under construction is always in a state protobuf_c_message_free_unpacked() can
 * free: strings and arrays are malloc'd, counts only cover filled elements.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

struct parse {
	struct pbjson_error *err;
	unsigned flags;             /* enum pbjson_flags */
	char path[PBJSON_PATH_MAX]; /* of the value being read; "" at the top */
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err == NULL)
		return -1;
	snprintf(p->err->field, sizeof p->err->field, "%s", p->path);
	va_start(ap, fmt);
	vsnprintf(p->err->text, sizeof p->err->text, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_unsigned(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_UINT32 || t == PROTOBUF_C_TYPE_FIXED32 ||
	       t == PROTOBUF_C_TYPE_UINT64 || t == PROTOBUF_C_TYPE_FIXED64;
}

/* Checks that the integer (neg, mag) fits field f and stores it at slot. */
static int store_integer(struct parse *p, const ProtobufCFieldDescriptor *f, bool neg, uint64_t mag,
                         void *slot)
{
	const char *sign = neg ? "-" : "";

	if (neg && mag != 0 && is_unsigned(f->type))
		return fail(p, "must not be negative");
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (neg ? mag > (uint64_t)INT32_MAX + 1 : mag > INT32_MAX)
			return fail(p, "%s%" PRIu64 " is out of range", sign, mag);
		*(int32_t *)slot = neg ? (int32_t)(0 - mag) : (int32_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (mag > UINT32_MAX)
			return fail(p, "%" PRIu64 " is out of range", mag);
		*(uint32_t *)slot = (uint32_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > INT64_MAX)
			return fail(p, "%s%" PRIu64 " is out of range", sign, mag);
		*(int64_t *)slot = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return 0;
	default:
		*(uint64_t *)slot = mag;
		return 0;
	}
}

/* An integer from a JSON number, or from a decimal string (ProtoJSON allows both for every
 * integer type); a real is taken only when it has no fraction ("1e3"). */
static int integer_from_json(struct parse *p, const ProtobufCFieldDescriptor *f, const json_t *v,
                             void *slot)
{
	uint64_t mag;
	bool neg;

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		neg = x < 0;
		mag = neg ? 0 - (uint64_t)x : (uint64_t)x;
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		if (d != floor(d) || fabs(d) >= 18446744073709551616.0)
			return fail(p, "expected an integer");
		neg = d < 0;
		mag = (uint64_t)fabs(d);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		neg = s[0] == '-';
		if (neg)
			s++;
		if (s[0] < '0' || s[0] > '9')
			return fail(p, "expected an integer");
		errno = 0;
		mag = strtoull(s, &end, 10);
		if (*end != '\0')
			return fail(p, "expected an integer");
		if (errno == ERANGE)
			return fail(p, "%s is out of range", json_string_value(v));
	} else {
		return fail(p, "expected an integer");
	}
	return store_integer(p, f, neg, mag, slot);
}

static int real_from_json(struct parse *p, const ProtobufCFieldDescriptor *f, const json_t *v,
                          void *slot)
{
	double d;

	if (json_is_number(v)) {
		d = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		if (strcmp(s, "NaN") == 0)
			d = NAN;
		else if (strcmp(s, "Infinity") == 0)
			d = INFINITY;
		else if (strcmp(s, "-Infinity") == 0)
			d = -INFINITY;
		else if (s[0] == '\0' || (d = strtod(s, &end), *end != '\0') || !isfinite(d))
			return fail(p, "expected a number");
	} else {
		return fail(p, "expected a number");
	}
	if (f->type == PROTOBUF_C_TYPE_FLOAT)
		*(float *)slot = (float)d;
	else
		*(double *)slot = d;
	return 0;
}

/* An enum by full name ("ROLE_LEAD"), short name in any case ("lead") or number. */
static int enum_from_json(struct parse *p, const ProtobufCFieldDescriptor *f, const json_t *v,
                          int *slot)
{
	const ProtobufCEnumDescriptor *e = f->descriptor;
	size_t plen = pbjson_enum_prefix_len(e);
	const char *s;

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		// Proto3 enums are open: a number our descriptors do not name is kept.
		if (x < INT32_MIN || x > INT32_MAX)
			return fail(p, "%" JSON_INTEGER_FORMAT " is out of range", x);
		*slot = (int)x;
		return 0;
	}
	if (!json_is_string(v))
		return fail(p, "expected an enum name or number");
	s = json_string_value(v);
	for (unsigned i = 0; i < e->n_values; i++) {
		const char *name = e->values[i].name;

		if (strcmp(s, name) == 0 || strcasecmp(s, name) == 0 ||
		    strcasecmp(s, name + plen) == 0) {
			*slot = e->values[i].value;
			return 0;
		}
	}
	if (p->flags & PBJSON_FRIENDLY_ENUMS) {
		char expected[192];

		pbjson_enum_expected(e, expected, sizeof expected);
		return fail(p, "unknown value '%.64s'; expected %s", s, expected);
	}
	return fail(p, "unknown value '%.64s' of %s", s, e->name);
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
		return real_from_json(p, f, v, slot);
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			return fail(p, "expected true or false");
		*(protobuf_c_boolean *)slot = json_is_true(v);
		return 0;
	case PROTOBUF_C_TYPE_ENUM:
		return enum_from_json(p, f, v, slot);
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
		if (pbjson_base64_decode(json_string_value(v), json_string_length(v), &b->data,
		                         &b->len) != 0)
			return fail(p, "not valid base64");
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return message_from_json(p, v, f->descriptor, slot);
	default:
		return integer_from_json(p, f, v, slot);
	}
}

/* A map key from its text, as a JSON value of the key field's kind. */
static json_t *map_key(const ProtobufCFieldDescriptor *kf, const char *key)
{
	if (kf->type == PROTOBUF_C_TYPE_STRING)
		return json_string(key);
	if (kf->type == PROTOBUF_C_TYPE_BOOL)
		return strcmp(key, "true") == 0    ? json_true()
		       : strcmp(key, "false") == 0 ? json_false()
		                                   : json_null();
	return json_string(key); /* integers: parsed as decimal text */
}

static int map_from_json(struct parse *p, const ProtobufCMessage *m,
                         const ProtobufCFieldDescriptor *f, const json_t *v)
{
	const ProtobufCMessageDescriptor *d = f->descriptor;
	size_t n = json_object_size(v), len = strlen(p->path), i = 0;
	size_t *count = pbjson_quantifier_ptr(m, f);
	ProtobufCMessage **arr;
	const char *key;
	json_t *val;

	if (!json_is_object(v))
		return fail(p, "expected an object");
	if (n == 0)
		return 0;
	if ((arr = calloc(n, sizeof *arr)) == NULL)
		return fail(p, "out of memory");
	*(ProtobufCMessage ***)pbjson_field_ptr(m, f) = arr;
	json_object_foreach((json_t *)v, key, val)
	{
		ProtobufCMessage *e = malloc(d->sizeof_message);
		json_t *k = map_key(&d->fields[0], key);
		int rv;

		if (e == NULL || k == NULL) {
			free(e);
			json_decref(k);
			return fail(p, "out of memory");
		}
		d->message_init(e);
		arr[i] = e;
		*count = ++i;
		snprintf(p->path + len, sizeof p->path - len, "[\"%.64s\"]", key);
		rv = json_is_null(k) ? fail(p, "expected true or false as key")
		                     : value_from_json(p, &d->fields[0], k,
		                                       pbjson_field_ptr(e, &d->fields[0]));
		json_decref(k);
		if (rv != 0 ||
		    value_from_json(p, &d->fields[1], val, pbjson_field_ptr(e, &d->fields[1])) != 0)
			return -1;
	}
	p->path[len] = '\0';
	return 0;
}

static int repeated_from_json(struct parse *p, const ProtobufCMessage *m,
                              const ProtobufCFieldDescriptor *f, const json_t *v)
{
	size_t n = json_array_size(v), size = pbjson_elem_size(f), len = strlen(p->path), i;
	size_t *count = pbjson_quantifier_ptr(m, f);
	char *arr;

	if (!json_is_array(v))
		return fail(p, "expected an array");
	if (n == 0)
		return 0;
	if ((arr = calloc(n, size)) == NULL)
		return fail(p, "out of memory");
	*(char **)pbjson_field_ptr(m, f) = arr;
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);

		snprintf(p->path + len, sizeof p->path - len, "[%zu]", i);
		if (json_is_null(e))
			return fail(p, "null is not allowed in an array");
		if (value_from_json(p, f, e, arr + i * size) != 0)
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
	if (pbjson_is_map(f))
		return map_from_json(p, m, f, v);
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return repeated_from_json(p, m, f, v);
	// Members of a oneof share their memory: a second one would overwrite the first.
	if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    *(uint32_t *)pbjson_quantifier_ptr(m, f) != 0)
		return fail(p, "conflicts with another field of its oneof");
	if (value_from_json(p, f, v, pbjson_field_ptr(m, f)) != 0)
		return -1;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)pbjson_quantifier_ptr(m, f) = f->id;
	else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
	         f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)pbjson_quantifier_ptr(m, f) = 1;
	return 0;
}

static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d,
                                                  const char *key)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);

	for (unsigned i = 0; f == NULL && i < d->n_fields; i++)
		if (pbjson_key_matches(&d->fields[i], key))
			f = &d->fields[i];
	return f;
}

static int message_from_json(struct parse *p, const json_t *j, const ProtobufCMessageDescriptor *d,
                             ProtobufCMessage **out)
{
	size_t len = strlen(p->path);
	ProtobufCMessage *m;
	const char *key;
	json_t *v;
	// One bit per field seen, so that "area_id" and "areaId" do not both fill one field
	// (the second would leak or overwrite the first).
	uint8_t seen[64] = { 0 };

	if (!json_is_object(j))
		return fail(p, len == 0 ? "expected a JSON object" : "expected an object");
	if ((m = malloc(d->sizeof_message)) == NULL)
		return fail(p, "out of memory");
	d->message_init(m);
	json_object_foreach((json_t *)j, key, v)
	{
		const ProtobufCFieldDescriptor *f = find_field(d, key);
		size_t idx;

		snprintf(p->path + len, sizeof p->path - len, "%s%s", len > 0 ? "." : "", key);
		if (f == NULL) {
			fail(p, "unknown field");
			goto fail;
		}
		idx = (size_t)(f - d->fields);
		if (idx < sizeof seen * 8) {
			if (seen[idx / 8] & (1u << (idx % 8))) {
				fail(p, "given twice");
				goto fail;
			}
			seen[idx / 8] |= (uint8_t)(1u << (idx % 8));
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

int pbjson_to_message_flags(const json_t *j, const ProtobufCMessageDescriptor *d, unsigned flags,
                            ProtobufCMessage **out, struct pbjson_error *err)
{
	struct parse p = { .err = err, .flags = flags };

	return message_from_json(&p, j, d, out);
}

int pbjson_to_message(const json_t *j, const ProtobufCMessageDescriptor *d, ProtobufCMessage **out,
                      struct pbjson_error *err)
{
	return pbjson_to_message_flags(j, d, 0, out, err);
}

/* What each part of a tree costs jansson, rounded up from measurements (pbjson.h). */
#define COST_OBJECT 224
#define COST_ARRAY  140
#define COST_VALUE  96 /* a member's key, or a value after ',' or ':' or the first */

size_t pbjson_parse_cost(const char *text, size_t len)
{
	size_t objects = 0, arrays = 0, values = 1;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++; /* the escaped character cannot end the string */
			else if (c == '"')
				in_string = false;
			continue;
		}
		switch (c) {
		case '"':
			in_string = true;
			break;
		case '{':
			objects++;
			break;
		case '[':
			arrays++;
			break;
		case ',':
		case ':':
			values++;
			break;
		default:
			break;
		}
	}
	/* Strings' bytes are copied once: len bounds them. */
	return objects * COST_OBJECT + arrays * COST_ARRAY + values * COST_VALUE + len;
}

int pbjson_parse(const char *text, size_t len, const ProtobufCMessageDescriptor *d,
                 ProtobufCMessage **out, struct pbjson_error *err)
{
	json_error_t jerr;
	json_t *j;
	int rv;

	// An empty body is the empty message (as Connect clients send for empty requests).
	if (len == 0)
		j = json_object();
	else
		j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		if (err != NULL) {
			err->field[0] = '\0';
			snprintf(err->text, sizeof err->text,
			         "malformed JSON at line %d column %d (%s)", jerr.line, jerr.column,
			         jerr.text);
		}
		return -1;
	}
	rv = pbjson_to_message(j, d, out, err);
	json_decref(j);
	return rv;
}
