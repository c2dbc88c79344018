/*
 * diff.c - field-by-field comparison of two records of one kind, as text: the "old -> new"
 * of history lines and of apply's dry run. Meta is bookkeeping and is not compared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* The text of one field of a record, for "old -> new" (malloc'd; NULL on no memory). */
static char *field_text(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m + f->offset;
	char buf[64];

	if (m == NULL)
		return strdup("");
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(const size_t *)((const char *)m + f->quantifier_offset), len = 1;
		char **v = *(char **const *)base;
		if (f->type != PROTOBUF_C_TYPE_STRING)
			return strdup("");
		for (size_t i = 0; i < n; i++)
			len += strlen(v[i]) + 1;
		char *s = malloc(len), *p = s;
		if (s == NULL)
			return NULL;
		*s = '\0';
		for (size_t i = 0; i < n; i++)
			p += sprintf(p, "%s%s", i ? "," : "", v[i]);
		return s;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return strdup(*(char *const *)base ? *(char *const *)base : "");
	case PROTOBUF_C_TYPE_UINT32:
		snprintf(buf, sizeof(buf), "%u", *(const uint32_t *)base);
		break;
	case PROTOBUF_C_TYPE_UINT64:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)*(const uint64_t *)base);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		snprintf(buf, sizeof(buf), "%s",
		         *(const protobuf_c_boolean *)base ? "true" : "false");
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;
		const ProtobufCEnumValue *ev =
		        protobuf_c_enum_descriptor_get_value(ed, *(const int *)base);
		const char *name = ev ? ev->name : "";
		size_t plen = strlen(ed->values[0].name) - strlen("UNSPECIFIED");
		snprintf(buf, sizeof(buf), "%s", strlen(name) > plen ? name + plen : name);
		for (char *c = buf; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
		if (ev && ev->value == 0)
			buf[0] = '\0';
		break;
	}
	default:
		buf[0] = '\0';
	}
	return strdup(buf);
}

int record_diff(const ProtobufCMessageDescriptor *d, const ProtobufCMessage *before,
                const ProtobufCMessage *after,
                int (*fn)(void *arg, const char *field, char *old_value, char *new_value),
                void *arg)
{
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_BYTES)
			continue;
		char *o = before ? field_text(before, f) : strdup("");
		char *n = after ? field_text(after, f) : strdup("");
		if (o == NULL || n == NULL) {
			free(o);
			free(n);
			return RG_ENOMEM;
		}
		if (strcmp(o, n) == 0) {
			free(o);
			free(n);
			continue;
		}
		if (fn(arg, f->name, o, n) != 0)
			break;
	}
	return RG_OK;
}
