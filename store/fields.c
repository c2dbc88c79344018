/*
 * fields.c - a record's fields by name (through protobuf-c's descriptors, cached per
 * thread) and the string checks every record passes before any kind's own checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
/* --- field access through descriptors ---------------------------------------------- */

/*
 * The descriptor of a field by name. Every record operation asks this a few times per
 * record (ids, references, meta), and protobuf-c answers with a binary search of strcmps:
 * a bulk apply of 100 000 records spent a tenth of its time there. Names come from a
 * few static tables, so each thread remembers recent answers by (message, name pointer)
 * and only checks a remembered one with one strcmp of the field's own name.
 */
#define FIELD_CACHE 64

static const ProtobufCFieldDescriptor *field_desc(const ProtobufCMessage *m, const char *field)
{
	static _Thread_local struct {
		const ProtobufCMessageDescriptor *d;
		const char *name;
		const ProtobufCFieldDescriptor *f;
	} cache[FIELD_CACHE];
	uintptr_t h = ((uintptr_t)m->descriptor >> 4) ^ ((uintptr_t)field >> 3);
	size_t i = (size_t)(h ^ (h >> 7)) % FIELD_CACHE;
	const ProtobufCFieldDescriptor *f;

	if (cache[i].d == m->descriptor && cache[i].name == field &&
	    strcmp(cache[i].f->name, field) == 0)
		return cache[i].f;
	f = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, field);
	if (f != NULL) {
		cache[i].d = m->descriptor;
		cache[i].name = field;
		cache[i].f = f;
	}
	return f;
}

const char *msg_str(const ProtobufCMessage *m, const char *field)
{
	const ProtobufCFieldDescriptor *f = field_desc(m, field);
	const char *s;

	if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		return "";
	s = *(char *const *)((const char *)m + f->offset);
	return s ? s : "";
}

char **msg_strv(const ProtobufCMessage *m, const char *field, size_t *n)
{
	const ProtobufCFieldDescriptor *f = field_desc(m, field);

	if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING ||
	    f->label != PROTOBUF_C_LABEL_REPEATED) {
		*n = 0;
		return NULL;
	}
	*n = *(const size_t *)((const char *)m + f->quantifier_offset);
	return *(char **const *)((const char *)m + f->offset);
}

Stdreg__V1__Meta **msg_meta(ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *f = field_desc(m, "meta");

	return f ? (Stdreg__V1__Meta **)((char *)m + f->offset) : NULL;
}

/* The first C0 control other than TAB and LF, DEL or C1 control in s (a terminal acts on
 * them: ESC starts a sequence, CR rewrites the line, U+009B is CSI), or -1. */
static long control_at(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++) {
		if ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') || u[i] == 0x7f)
			return (long)i;
		/* C1 controls U+0080..U+009F are 0xc2 0x80..0x9f in UTF-8. */
		if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			return (long)i;
	}
	return -1;
}

static int check_one_string(const char *field, const char *s, struct store_error *err)
{
	size_t len = strlen(s);
	long at;

	if (len > STORE_TEXT_MAX)
		return store_fail(err, RG_EINVAL, field,
		                  "field '%s' is too long (%zu bytes, at most %d)", field, len,
		                  STORE_TEXT_MAX);
	if (!store_valid_text(s, len))
		return store_fail(err, RG_EINVAL, field, "field '%s' is not valid UTF-8", field);
	at = control_at(s, len);
	if (at >= 0)
		return store_fail(err, RG_EINVAL, field,
		                  "field '%s' holds a control character (byte %ld; only tab and "
		                  "line feed are allowed)",
		                  field, at + 1);
	return RG_OK;
}

int store_check_text(const char *field, const char *s, struct store_error *err)
{
	return check_one_string(field, s ? s : "", err);
}

int store_check_counts(const ProtobufCMessage *m, struct store_error *err)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t n;

		if (f->label != PROTOBUF_C_LABEL_REPEATED)
			continue;
		n = *(const size_t *)((const char *)m + f->quantifier_offset);
		if (n > STORE_VALUES_MAX)
			return store_fail(err, RG_EINVAL, f->name,
			                  "field '%s' has too many values (%zu, at most %d)",
			                  f->name, n, STORE_VALUES_MAX);
	}
	return RG_OK;
}

int msg_check_strings(const ProtobufCMessage *m, struct store_error *err)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	/* Every count before any entry is looked at: the walk below is then bounded. */
	int rc = store_check_counts(m, err);

	for (unsigned i = 0; rc == RG_OK && i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m + f->offset;

		if (f->type == PROTOBUF_C_TYPE_STRING && f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
			char **v = *(char **const *)base;
			for (size_t j = 0; j < n && rc == RG_OK; j++)
				rc = check_one_string(f->name, v[j] ? v[j] : "", err);
		} else if (f->type == PROTOBUF_C_TYPE_STRING) {
			const char *s = *(char *const *)base;
			rc = check_one_string(f->name, s ? s : "", err);
		}
	}
	return rc;
}

/* Where the records written on this thread came from (store_apply's records_alloc); NULL
 * outside an apply and for records from malloc. Per thread: only the writer applies. */
static _Thread_local const ProtobufCAllocator *records_alloc;

const ProtobufCAllocator *msg_strings_from(const ProtobufCAllocator *a)
{
	const ProtobufCAllocator *was = records_alloc;

	records_alloc = a;
	return was;
}

void msg_set_str(char **slot, char *value)
{
	/* An unpacked message leaves a string that was not on the wire pointing at protobuf-c's
	 * shared, static protobuf_c_empty_string, which free_unpacked skips and free() must not
	 * see. */
	if (*slot != protobuf_c_empty_string && records_alloc != NULL)
		records_alloc->free(records_alloc->allocator_data, *slot);
	else if (*slot != protobuf_c_empty_string)
		free(*slot);
	*slot = value;
}
