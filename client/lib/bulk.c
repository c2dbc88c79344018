/*
 * bulk.c - the bulk format (one JSON object per record, "kind" first) <-> stdreg.v1.BulkRecord,
 * and stdreg.v1.Change -> JSON with its records decoded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "stdreg/v1/registry.pb-c.h"

/* Where kind k's record lives in a BulkRecord. */
static ProtobufCMessage **bulk_slot(const ProtobufCMessage *bulk, const struct stdreg_kind *k)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(bulk->descriptor, k->bulk_field);

	return stdreg_field_ptr(bulk, f);
}

const ProtobufCMessage *stdreg_bulk_get(const ProtobufCMessage *bulk, const struct stdreg_kind **k)
{
	const ProtobufCMessage *found = NULL;
	const struct stdreg_kind *fk = NULL, *i;

	for (i = stdreg_kinds; i->name != NULL; i++) {
		ProtobufCMessage *m = *bulk_slot(bulk, i);

		if (m == NULL)
			continue;
		if (found != NULL)
			return NULL;
		found = m;
		fk = i;
	}
	if (k != NULL)
		*k = fk;
	return found;
}

/*
 * "kind" names the kind of a bulk line, so a record's own field of that name (a goal's kind:
 * deliverable, indicator, stage) is "goal_kind" there. Writes that key to buf; -1 when the
 * record has no field "kind".
 */
static int own_kind_key(const struct stdreg_kind *k, char *buf, size_t len)
{
	if (protobuf_c_message_descriptor_get_field_by_name(k->record, "kind") == NULL)
		return -1;
	snprintf(buf, len, "%s_kind", k->name);
	return 0;
}

/* Moves o[from] to o[to], if there. Returns 0, or -1 when out of memory. */
static int move_key(json_t *o, const char *from, const char *to)
{
	json_t *v = json_object_get(o, from);

	if (v == NULL)
		return 0;
	if (json_object_set(o, to, v) != 0)
		return -1;
	return json_object_del(o, from);
}

json_t *stdreg_json_from_bulk(const ProtobufCMessage *bulk)
{
	const struct stdreg_kind *k;
	const ProtobufCMessage *rec = stdreg_bulk_get(bulk, &k);
	json_t *o, *fields;
	char own[64];

	if (rec == NULL)
		return NULL;
	if ((fields = stdreg_json_from_message(rec)) == NULL)
		return NULL;
	json_object_del(fields, "meta");
	if (own_kind_key(k, own, sizeof(own)) == 0 && move_key(fields, "kind", own) != 0) {
		json_decref(fields);
		return NULL;
	}
	o = json_object();
	if (o == NULL || json_object_set_new(o, "kind", json_string(k->name)) != 0 ||
	    json_object_update(o, fields) != 0) {
		json_decref(o);
		o = NULL;
	}
	json_decref(fields);
	return o;
}

/* "area, body, agency, item, assignment, goal or follow_up" */
static void kind_names(char *buf, size_t len)
{
	const struct stdreg_kind *k;
	size_t used = 0;

	buf[0] = '\0';
	for (k = stdreg_kinds; k->name != NULL && used < len; k++) {
		int w = snprintf(buf + used, len - used, "%s%s",
		                 k == stdreg_kinds   ? ""
		                 : k[1].name == NULL ? " or "
		                                     : ", ",
		                 k->name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

int stdreg_bulk_from_json(const json_t *j, const char *default_kind, bool require_default,
                          uint32_t line, ProtobufCMessage **out, char *err, size_t errlen)
{
	const struct stdreg_kind *k;
	Stdreg__V1__BulkRecord *b;
	ProtobufCMessage *rec;
	const char *name;
	char names[128], own[64];
	json_t *fields, *v;
	int rv;

	if (!json_is_object(j)) {
		snprintf(err, errlen, "expected a JSON object");
		return -1;
	}
	v = json_object_get(j, "kind");
	if (v != NULL && !json_is_string(v)) {
		snprintf(err, errlen, "field 'kind': expected a string");
		return -1;
	}
	name = v != NULL ? json_string_value(v) : default_kind;
	if (name == NULL) {
		snprintf(err, errlen, "no field 'kind'");
		return -1;
	}
	if ((k = stdreg_kind_find(name)) == NULL) {
		kind_names(names, sizeof(names));
		snprintf(err, errlen, "unknown kind '%s'; expected %s", name, names);
		return -1;
	}
	if (require_default && default_kind != NULL && strcmp(name, default_kind) != 0) {
		snprintf(err, errlen, "kind '%s' where only '%s' records are expected", name,
		         default_kind);
		return -1;
	}
	if ((fields = json_copy((json_t *)j)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object_del(fields, "kind");
	json_object_del(fields, "meta"); // the store keeps meta; a file's copy is ignored
	if (own_kind_key(k, own, sizeof(own)) == 0 && move_key(fields, own, "kind") != 0) {
		json_decref(fields);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rv = stdreg_json_to_message(fields, k->record, &rec, err, errlen);
	json_decref(fields);
	if (rv != 0)
		return -1;
	if ((b = (Stdreg__V1__BulkRecord *)stdreg_message_new(
	             &stdreg__v1__bulk_record__descriptor)) == NULL) {
		protobuf_c_message_free_unpacked(rec, NULL);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	b->line = line;
	*bulk_slot(&b->base, k) = rec;
	*out = &b->base;
	return 0;
}

/* Replaces the base64 text of o[key] with the decoded record of kind k, when it decodes. */
static void decode_record(json_t *o, const char *key, const ProtobufCBinaryData *data,
                          const struct stdreg_kind *k)
{
	ProtobufCMessage *m;
	json_t *j;

	if (k == NULL || data->len == 0)
		return;
	m = protobuf_c_message_unpack(k->record, NULL, data->len, data->data);
	if (m == NULL)
		return;
	if ((j = stdreg_json_from_message(m)) != NULL)
		json_object_set_new(o, key, j);
	protobuf_c_message_free_unpacked(m, NULL);
}

json_t *stdreg_json_from_change(const ProtobufCMessage *change)
{
	const Stdreg__V1__Change *c = (const Stdreg__V1__Change *)change;
	const struct stdreg_kind *k = stdreg_kind_by_value(c->kind);
	json_t *o = stdreg_json_from_message(change);

	if (o == NULL)
		return NULL;
	decode_record(o, "before", &c->before, k);
	decode_record(o, "after", &c->after, k);
	return o;
}
