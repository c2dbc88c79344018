/*
 * kinds.c - the record kinds and the generic record calls built on stdreg_call().
 *
 * Everything here is driven by the table below and the protobuf-c descriptors, so a new kind
 * is one row. The table holds every kind the bulk format and Watch carry; a row without
 * get/list methods is a kind with calls of its own (goals and follow-ups: AddGoal, GetGoal,
 * ListGoals, AddFollowUp), which the generic record calls refuse.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "stdreg/v1/registry.pb-c.h"

const struct stdreg_kind stdreg_kinds[] = {
	{
	        .name = "area",
	        .kind = STDREG__V1__KIND__KIND_AREA,
	        .bulk_field = "area",
	        .record = &stdreg__v1__area__descriptor,
	        .get_method = "GetArea",
	        .list_method = "ListAreas",
	        .list_response = &stdreg__v1__list_areas_response__descriptor,
	        .list_field = "areas",
	        .put_method = "PutArea",
	        .put_request = &stdreg__v1__put_area_request__descriptor,
	        .put_field = "area",
	        .delete_method = "DeleteArea",
	},
	{
	        .name = "body",
	        .kind = STDREG__V1__KIND__KIND_BODY,
	        .bulk_field = "body",
	        .record = &stdreg__v1__body__descriptor,
	        .get_method = "GetBody",
	        .list_method = "ListBodies",
	        .list_response = &stdreg__v1__list_bodies_response__descriptor,
	        .list_field = "bodies",
	        .put_method = "PutBody",
	        .put_request = &stdreg__v1__put_body_request__descriptor,
	        .put_field = "body",
	        .delete_method = "DeleteBody",
	},
	{
	        .name = "agency",
	        .kind = STDREG__V1__KIND__KIND_AGENCY,
	        .bulk_field = "agency",
	        .record = &stdreg__v1__agency__descriptor,
	        .get_method = "GetAgency",
	        .list_method = "ListAgencies",
	        .list_response = &stdreg__v1__list_agencies_response__descriptor,
	        .list_field = "agencies",
	        .put_method = "PutAgency",
	        .put_request = &stdreg__v1__put_agency_request__descriptor,
	        .put_field = "agency",
	        .delete_method = "DeleteAgency",
	},
	{
	        .name = "item",
	        .kind = STDREG__V1__KIND__KIND_ITEM,
	        .bulk_field = "work_item",
	        .record = &stdreg__v1__work_item__descriptor,
	        .get_method = "GetWorkItem",
	        .list_method = "ListWorkItems",
	        .list_response = &stdreg__v1__list_work_items_response__descriptor,
	        .list_field = "work_items",
	        .put_method = "PutWorkItem",
	        .put_request = &stdreg__v1__put_work_item_request__descriptor,
	        .put_field = "work_item",
	        .delete_method = "DeleteWorkItem",
	},
	{
	        .name = "assignment",
	        .kind = STDREG__V1__KIND__KIND_ASSIGNMENT,
	        .bulk_field = "assignment",
	        .record = &stdreg__v1__assignment__descriptor,
	        .get_method = "GetAssignment",
	        .list_method = "ListAssignments",
	        .list_response = &stdreg__v1__list_assignments_response__descriptor,
	        .list_field = "assignments",
	},
	// Goals and follow-ups have their own calls (cmd_goal.c); here only for bulk and Watch.
	{
	        .name = "goal",
	        .kind = STDREG__V1__KIND__KIND_GOAL,
	        .bulk_field = "goal",
	        .record = &stdreg__v1__goal__descriptor,
	},
	{
	        .name = "follow_up",
	        .kind = STDREG__V1__KIND__KIND_FOLLOW_UP,
	        .bulk_field = "follow_up",
	        .record = &stdreg__v1__follow_up__descriptor,
	},
	{ 0 },
};

const struct stdreg_kind *stdreg_kind_find(const char *name)
{
	const struct stdreg_kind *k;

	for (k = stdreg_kinds; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

const struct stdreg_kind *stdreg_kind_by_value(int kind)
{
	const struct stdreg_kind *k;

	for (k = stdreg_kinds; k->name != NULL; k++)
		if (k->kind == kind)
			return k;
	return NULL;
}

bool stdreg_kind_generic(const struct stdreg_kind *k)
{
	return k->get_method != NULL && k->list_method != NULL;
}

static int no_generic_calls(const struct stdreg_kind *k, struct stdreg_status *st)
{
	return stdreg_status_set(st, STDREG_UNIMPLEMENTED, true,
	                         "records of kind '%s' are not read by the generic calls", k->name);
}

int stdreg_get(stdreg_client *c, const struct stdreg_kind *k, const char *id,
               ProtobufCMessage **rec, struct stdreg_status *st)
{
	Stdreg__V1__GetRequest req = STDREG__V1__GET_REQUEST__INIT;

	if (!stdreg_kind_generic(k))
		return no_generic_calls(k, st);
	req.id = (char *)id;
	return stdreg_call(c, k->get_method, &req.base, k->record, rec, st);
}

int stdreg_list_page(stdreg_client *c, const struct stdreg_kind *k, const ProtobufCMessage *req,
                     ProtobufCMessage **page, struct stdreg_status *st)
{
	if (!stdreg_kind_generic(k))
		return no_generic_calls(k, st);
	return stdreg_call(c, k->list_method, req, k->list_response, page, st);
}

ProtobufCMessage **stdreg_list_records(const struct stdreg_kind *k, const ProtobufCMessage *page,
                                       size_t *n)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(k->list_response, k->list_field);

	*n = *(size_t *)stdreg_quantifier_ptr(page, f);
	return *(ProtobufCMessage ***)stdreg_field_ptr(page, f);
}

const char *stdreg_list_next(const struct stdreg_kind *k, const ProtobufCMessage *page)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(
	        k->list_response, "next_page_token");
	const char *s = *(char **)stdreg_field_ptr(page, f);

	return s != NULL ? s : "";
}

/* Sets a field of a request message we build and free ourselves (never free_unpacked). */
static void set_field(ProtobufCMessage *m, const char *name, const void *value, size_t size)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);

	memcpy(stdreg_field_ptr(m, f), value, size);
}

int stdreg_put(stdreg_client *c, const struct stdreg_kind *k, const ProtobufCMessage *rec,
               const struct stdreg_put_opts *o, ProtobufCMessage **out, struct stdreg_status *st)
{
	const char *decision = o != NULL && o->decision_ref != NULL ? o->decision_ref : "";
	protobuf_c_boolean create = o != NULL && o->create_only;
	uint64_t expected = o != NULL ? o->expected_mod_revision : 0;
	ProtobufCMessage *req;
	int code;

	if (k->put_method == NULL)
		return stdreg_status_set(st, STDREG_UNIMPLEMENTED, true,
		                         "records of kind '%s' are not written by put", k->name);
	req = stdreg_message_new(k->put_request);
	if (req == NULL)
		return stdreg_status_set(st, STDREG_RESOURCE_EXHAUSTED, true, "out of memory");
	// The request only borrows rec and decision: free the container, not its fields.
	set_field(req, k->put_field, &rec, sizeof(rec));
	set_field(req, "create_only", &create, sizeof(create));
	set_field(req, "expected_mod_revision", &expected, sizeof(expected));
	set_field(req, "decision_ref", &decision, sizeof(decision));
	code = stdreg_call(c, k->put_method, req, k->record, out, st);
	free(req);
	return code;
}

int stdreg_delete(stdreg_client *c, const struct stdreg_kind *k, const char *id,
                  uint64_t expected_mod_revision, const char *decision_ref,
                  struct stdreg_status *st)
{
	Stdreg__V1__DeleteRequest req = STDREG__V1__DELETE_REQUEST__INIT;

	if (k->delete_method == NULL)
		return stdreg_status_set(st, STDREG_UNIMPLEMENTED, true,
		                         "records of kind '%s' cannot be deleted", k->name);
	req.id = (char *)id;
	req.expected_mod_revision = expected_mod_revision;
	req.decision_ref = (char *)(decision_ref != NULL ? decision_ref : "");
	return stdreg_call(c, k->delete_method, &req.base, &stdreg__v1__delete_response__descriptor,
	                   NULL, st);
}
