/*
 * kinds.c - what each record kind is: its message, its key tag, the fields that reference
 * other records, and the checks only it needs. Everything else (storing, indexing,
 * changelog, listing) is one generic mechanism in records.c and list.c driven by this table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_index.h"
#include "stdreg/v1/goals.pb-c.h"
#include "store_int.h"

/* --- checks shared by several kinds ------------------------------------------------ */

static int require(const ProtobufCMessage *m, const char *field, struct store_error *err)
{
	if (*msg_str(m, field) == '\0')
		return store_fail(err, RG_EINVAL, field, "field '%s' is required", field);
	return RG_OK;
}

static int check_enum(const char *field, int value, const ProtobufCEnumDescriptor *d,
                      struct store_error *err)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);

	if (v == NULL || value == 0) {
		/* Name the choices: the value names without their common prefix, lowercase. */
		char choices[160] = "";
		size_t off = 0;
		for (unsigned i = 1; i < d->n_values && off < sizeof(choices) - 1; i++) {
			const char *name = d->values[i].name;
			const char *under = strrchr(name, '_');
			/* The suffix after the enum's own prefix: "prioritised", "in_development". */
			size_t plen = strlen(d->values[0].name) - strlen("UNSPECIFIED");
			const char *shortname = strlen(name) > plen ? name + plen : under + 1;
			off += (size_t)snprintf(choices + off, sizeof(choices) - off, "%s%s",
			                        i > 1 ? ", " : "", shortname);
		}
		for (char *c = choices; *c; c++)
			*c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
		return store_fail(err, RG_EINVAL, field, "field '%s' must be one of: %s", field,
		                  choices);
	}
	return RG_OK;
}

static int check_date_field(const char *field, const char *s, bool required,
                            struct store_error *err)
{
	if (*s == '\0')
		return required ? store_fail(err, RG_EINVAL, field, "field '%s' is required", field)
		                : RG_OK;
	if (!store_valid_date(s))
		return store_fail(err, RG_EINVAL, field,
		                  "field '%s': '%s' is not a calendar date (YYYY-MM-DD)", field, s);
	return RG_OK;
}

/* Walks the parent chain: a record may not end up its own ancestor. */
static int check_parent_cycle(store_txn *t, enum store_kind k, const char *id, const char *parent,
                              struct store_error *err)
{
	char cur[STORE_ID_MAX + 1];
	const char *kname = store_kind_name(k);

	snprintf(cur, sizeof(cur), "%s", parent);
	for (int depth = 0; cur[0] != '\0'; depth++) {
		const void *val;
		size_t len;
		/* A cycle (and a chain too deep) is refused for the state of the store, not
		 * for the record alone: RG_EPRECOND, as store.h documents for store_put. */
		if (strcmp(cur, id) == 0)
			return store_fail(err, RG_EPRECOND, "parent_id",
			                  "%s '%s' cannot have '%s' as parent (cycle)", kname, id,
			                  parent);
		if (depth > 32)
			return store_fail(err, RG_EPRECOND, "parent_id",
			                  "%s '%s': parent chain is deeper than 32", kname, id);
		if (store_get(t, k, cur, &val, &len) != RG_OK)
			return RG_OK; /* missing parents are reported by the reference check */
		ProtobufCMessage *p =
		        protobuf_c_message_unpack(store_kind_descriptor(k), NULL, len, val);
		if (p == NULL)
			return store_fail(err, RG_ECORRUPT, NULL, "cannot decode %s '%s'", kname,
			                  cur);
		snprintf(cur, sizeof(cur), "%s", msg_str(p, "parent_id"));
		protobuf_c_message_free_unpacked(p, NULL);
	}
	return RG_OK;
}

/* --- the kinds --------------------------------------------------------------------- */

static int validate_area(store_txn *t, ProtobufCMessage *m, struct store_error *err)
{
	Stdreg__V1__Area *a = (Stdreg__V1__Area *)m;
	int rc = require(m, "name", err);

	if (rc == RG_OK)
		rc = check_enum("priority", a->priority, &stdreg__v1__area_priority__descriptor,
		                err);
	if (rc == RG_OK && a->parent_id && *a->parent_id)
		rc = check_parent_cycle(t, STORE_AREA, a->id, a->parent_id, err);
	return rc;
}

static int validate_body(store_txn *t, ProtobufCMessage *m, struct store_error *err)
{
	Stdreg__V1__Body *b = (Stdreg__V1__Body *)m;
	int rc = require(m, "name", err);

	if (rc == RG_OK)
		rc = check_enum("level", b->level, &stdreg__v1__body_level__descriptor, err);
	for (size_t i = 0; rc == RG_OK && i < b->n_mirrors; i++)
		if (strcmp(b->mirrors[i], b->id) == 0)
			rc = store_fail(err, RG_EINVAL, "mirrors", "body '%s' cannot mirror itself",
			                b->id);
	if (rc == RG_OK && b->parent_id && *b->parent_id)
		rc = check_parent_cycle(t, STORE_BODY, b->id, b->parent_id, err);
	return rc;
}

static int validate_agency(store_txn *t, ProtobufCMessage *m, struct store_error *err)
{
	Stdreg__V1__Agency *a = (Stdreg__V1__Agency *)m;
	char norm[12];
	int rc = require(m, "name", err);

	(void)t;
	if (rc == RG_OK)
		rc = require(m, "org_number", err);
	if (rc != RG_OK)
		return rc;
	if (!store_valid_org_number(a->org_number, norm))
		return store_fail(err, RG_EINVAL, "org_number",
		                  "field 'org_number': '%s' is not a valid organisation number "
		                  "(10 digits NNNNNN-NNNN with a Luhn check digit)",
		                  a->org_number);
	/* Store the canonical form: in place when it fits, else in a new string (store.h). */
	if (strlen(a->org_number) >= 11) {
		memcpy(a->org_number, norm, 12);
	} else {
		char *canon = strdup(norm);
		if (canon == NULL)
			return store_fail(err, RG_ENOMEM, NULL, "out of memory");
		msg_set_str(&a->org_number, canon);
	}
	return RG_OK;
}

static int validate_item(store_txn *t, ProtobufCMessage *m, struct store_error *err)
{
	Stdreg__V1__WorkItem *w = (Stdreg__V1__WorkItem *)m;
	int rc = require(m, "title", err);

	(void)t;
	if (rc == RG_OK)
		rc = require(m, "body_id", err);
	if (rc == RG_OK && w->n_area_ids == 0)
		rc = store_fail(err, RG_EINVAL, "area_ids",
		                "field 'area_ids' needs at least one area");
	/* The reference check skips empty ids, so [""] would pass as "one area" without one. */
	for (size_t i = 0; rc == RG_OK && i < w->n_area_ids; i++)
		if (w->area_ids[i] == NULL || *w->area_ids[i] == '\0')
			rc = store_fail(err, RG_EINVAL, "area_ids",
			                "field 'area_ids' has an empty id");
	for (size_t i = 0; rc == RG_OK && i < w->n_area_ids; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(w->area_ids[i], w->area_ids[j]) == 0) {
				rc = store_fail(err, RG_EINVAL, "area_ids",
				                "field 'area_ids' names '%s' twice",
				                w->area_ids[i]);
				break;
			}
	if (rc == RG_OK)
		rc = require(m, "stage", err);
	if (rc == RG_OK)
		rc = check_date_field("target_date", w->target_date ? w->target_date : "", false,
		                      err);
	if (rc != RG_OK)
		return rc;
	if (w->stage_scheme == NULL || *w->stage_scheme == '\0' ||
	    strcmp(w->stage_scheme, "iso") == 0) {
		int status = store_stage_status(w->stage);
		if (status == 0)
			return store_fail(err, RG_EINVAL, "stage",
			                  "field 'stage': '%s' is not an ISO harmonized stage code "
			                  "(such as 40.20)",
			                  w->stage);
		w->status = status;
		return RG_OK;
	}
	/* Other schemes (ETSI, W3C maturity levels ...) carry their own status. */
	return check_enum("status", w->status, &stdreg__v1__work_item_status__descriptor, err);
}

static int validate_assignment(store_txn *t, ProtobufCMessage *m, struct store_error *err)
{
	Stdreg__V1__Assignment *a = (Stdreg__V1__Assignment *)m;
	int rc = require(m, "area_id", err);

	(void)t;
	if (rc == RG_OK)
		rc = require(m, "agency_id", err);
	if (rc == RG_OK)
		rc = check_enum("role", a->role, &stdreg__v1__role__descriptor, err);
	if (rc == RG_OK)
		rc = require(m, "decision_ref", err);
	if (rc == RG_OK)
		rc = check_date_field("valid_from", a->valid_from ? a->valid_from : "", true, err);
	if (rc == RG_OK)
		rc = check_date_field("valid_to", a->valid_to ? a->valid_to : "", false, err);
	if (rc != RG_OK)
		return rc;
	if (a->valid_to && *a->valid_to && strcmp(a->valid_to, a->valid_from) <= 0)
		return store_fail(err, RG_EINVAL, "valid_to",
		                  "field 'valid_to' (%s) must be after valid_from (%s)",
		                  a->valid_to, a->valid_from);
	if (!store_valid_id(a->area_id) || !store_valid_id(a->agency_id))
		return store_fail(err, RG_EINVAL,
		                  store_valid_id(a->area_id) ? "agency_id" : "area_id",
		                  "'%s' is not a valid id",
		                  store_valid_id(a->area_id) ? a->agency_id : a->area_id);
	/* The id is derived: AREA/AGENCY/VALID_FROM, stable for the life of the appointment. */
	char id[STORE_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s/%s/%s", a->area_id, a->agency_id, a->valid_from);
	if (a->id && *a->id) {
		if (strcmp(a->id, id) != 0)
			return store_fail(
			        err, RG_EINVAL, "id",
			        "assignment id '%s' does not match '%s' (area/agency/valid_from)",
			        a->id, id);
		return RG_OK;
	}
	char *copy = strdup(id);
	if (copy == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	/* The usual case: no id given, so a->id is protobuf-c's static empty string. */
	msg_set_str(&a->id, copy);
	return RG_OK;
}

struct current_lead {
	const char *except_id;
	char *out;
};

static int current_lead_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct current_lead *c = arg;

	if (c->except_id && strcmp(a->id, c->except_id) == 0)
		return 0;
	if (a->role != STDREG__V1__ROLE__ROLE_LEAD || !str_empty(a->valid_to))
		return 0;
	snprintf(c->out, STORE_ID_MAX + 1, "%s", a->id);
	return 1;
}

/* The current lead of area other than the assignment except_id, into out (or ""). */
int assignment_current_lead(store_txn *t, const char *area_id, const char *except_id,
                            char out[STORE_ID_MAX + 1], struct store_error *err)
{
	struct current_lead c = { except_id, out };

	out[0] = '\0';
	return each_assignment_of(t, STORE_AREA, area_id, current_lead_fn, &c, err);
}

static bool same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Do the periods [from, to) of a and b share a day (an empty to: no end yet)? */
static bool periods_overlap(const Stdreg__V1__Assignment *a, const Stdreg__V1__Assignment *b)
{
	return (str_empty(b->valid_to) || strcmp(a->valid_from, b->valid_to) < 0) &&
	       (str_empty(a->valid_to) || strcmp(b->valid_from, a->valid_to) < 0);
}

struct overlap {
	const Stdreg__V1__Assignment *a; /* the appointment being written */
	struct store_error *err;
	int rc; /* RG_EPRECOND once one is found, with err filled */
};

/* Another appointment that shares a day with c->a and may not: a lead when c->a is one
 * (an area has one lead a day), or any of the same agency in the same area (an agency
 * holds one appointment in an area a day). Its message is made here: the callback's
 * message dies when it returns. */
static int overlap_fn(Stdreg__V1__Assignment *b, void *arg)
{
	struct overlap *c = arg;
	const Stdreg__V1__Assignment *a = c->a;
	bool both_lead =
	        a->role == STDREG__V1__ROLE__ROLE_LEAD && b->role == STDREG__V1__ROLE__ROLE_LEAD;
	bool same_agency = same_str(a->agency_id, b->agency_id);

	if (strcmp(a->id, b->id) == 0 || !same_str(a->area_id, b->area_id) ||
	    !(both_lead || same_agency) || !periods_overlap(a, b))
		return 0;
	if (both_lead && str_empty(b->valid_to) && str_empty(a->valid_to))
		c->rc = store_fail(c->err, RG_EPRECOND, "role",
		                   "area '%s' already has a current lead (assignment '%s'); use "
		                   "transfer",
		                   a->area_id, b->id);
	else
		c->rc = store_fail(
		        c->err, RG_EPRECOND, "valid_from",
		        "assignment '%s' (%s to %s) shares days with '%s' (%s to %s): %s", a->id,
		        a->valid_from, str_empty(a->valid_to) ? "now" : a->valid_to, b->id,
		        b->valid_from, str_empty(b->valid_to) ? "now" : b->valid_to,
		        same_agency ? "an agency holds one appointment in an area a day"
		                    : "an area has one lead a day");
	return 1;
}

/*
 * Refuses an appointment whose period another may not share (overlap_fn). The agency's
 * own appointments are read through its references, which are few; the area's, which may
 * be many, only for a lead: so an upload of an area's supporting appointments costs each
 * one its agency's appointments, not the area's.
 */
static int check_overlap(store_txn *t, const Stdreg__V1__Assignment *a, struct store_error *err)
{
	struct overlap c = { a, err, RG_OK };
	int rc = each_assignment_of(t, STORE_AGENCY, a->agency_id, overlap_fn, &c, err);

	if (rc == RG_OK && c.rc == RG_OK && a->role == STDREG__V1__ROLE__ROLE_LEAD)
		rc = each_assignment_of(t, STORE_AREA, a->area_id, overlap_fn, &c, err);
	return rc != RG_OK ? rc : c.rc;
}

/*
 * Appointments are never rewritten: an update may only end one (set valid_to with an
 * end_decision_ref) or change its note. No two leads of an area share a day, nor two
 * appointments of one agency in an area: "who led area X on day D" has one answer.
 */
static int check_update_assignment(store_txn *t, const ProtobufCMessage *oldm,
                                   const ProtobufCMessage *m, struct store_error *err)
{
	const Stdreg__V1__Assignment *o = (const Stdreg__V1__Assignment *)oldm;
	const Stdreg__V1__Assignment *a = (const Stdreg__V1__Assignment *)m;

	if (o) {
		if (o->role != a->role || !same_str(o->decision_ref, a->decision_ref))
			return store_fail(
			        err, RG_EPRECOND, "role",
			        "assignment '%s' cannot be rewritten: end it and make a new "
			        "one",
			        a->id);
		if (o->valid_to && *o->valid_to && !same_str(o->valid_to, a->valid_to))
			return store_fail(err, RG_EPRECOND, "valid_to",
			                  "assignment '%s' already ended on %s", a->id,
			                  o->valid_to);
	}
	if (a->valid_to && *a->valid_to && (!a->end_decision_ref || !*a->end_decision_ref))
		return store_fail(err, RG_EINVAL, "end_decision_ref",
		                  "field 'end_decision_ref' is required to end an assignment");
	// Ending one, or changing its note, shares no day it did not share already.
	if (o != NULL)
		return RG_OK;
	return check_overlap(t, a, err);
}

/* An organisation number names one agency (orgindex.c). */
static int check_update_agency(store_txn *t, const ProtobufCMessage *old,
                               const ProtobufCMessage *rec, struct store_error *err)
{
	const Stdreg__V1__Agency *a = (const Stdreg__V1__Agency *)rec;

	(void)old;
	return org_index_check(t, a->id, a->org_number, err);
}

static int write_index_agency(store_txn *t, const char *id, const ProtobufCMessage *old,
                              const ProtobufCMessage *rec, struct store_error *err)
{
	return org_index_update(t, id, old ? ((const Stdreg__V1__Agency *)old)->org_number : NULL,
	                        rec ? ((const Stdreg__V1__Agency *)rec)->org_number : NULL, err);
}

/* Principals are references too: an agency that a live token names stays (revoke first). */
static int check_delete_agency(store_txn *t, const char *id, struct store_error *err)
{
	char list[200];
	size_t n;
	int rc = principals_of_agency(t, id, list, sizeof(list), &n);

	if (rc != RG_OK)
		return store_fail(err, rc, NULL, "cannot read the principals");
	if (n == 0)
		return RG_OK;
	return store_fail(err, RG_EPRECOND, "id",
	                  "agency '%s' is named by %zu live token%s (%s; revoke %s first)", id, n,
	                  n == 1 ? "" : "s", list, n == 1 ? "it" : "them");
}

static const struct ref_spec area_refs[] = { { "parent_id", STORE_AREA } };
static const struct ref_spec body_refs[] = { { "parent_id", STORE_BODY },
	                                     { "mirrors", STORE_BODY } };
static const struct ref_spec item_refs[] = { { "body_id", STORE_BODY },
	                                     { "area_ids", STORE_AREA } };
static const struct ref_spec assignment_refs[] = { { "area_id", STORE_AREA },
	                                           { "agency_id", STORE_AGENCY } };

static const struct ref_spec goal_refs[] = {
	{ "area_id", STORE_AREA },           { "owner_agency_id", STORE_AGENCY },
	{ "contributor_ids", STORE_AGENCY }, { "parent_id", STORE_GOAL },
	{ "work_item_id", STORE_ITEM },      { "work_item_ids", STORE_ITEM }
};
static const struct ref_spec follow_up_refs[] = { { "goal_id", STORE_GOAL } };

#define NREFS(r) (sizeof(r) / sizeof((r)[0]))

static const struct kind_info kinds[STORE_KIND_MAX + 1] = {
	[STORE_AREA] = { .kind = STORE_AREA,
	                 .name = "area",
	                 .tag = 'a',
	                 .desc = &stdreg__v1__area__descriptor,
	                 .refs = area_refs,
	                 .nrefs = NREFS(area_refs),
	                 .validate = validate_area },
	[STORE_BODY] = { .kind = STORE_BODY,
	                 .name = "body",
	                 .tag = 'b',
	                 .desc = &stdreg__v1__body__descriptor,
	                 .refs = body_refs,
	                 .nrefs = NREFS(body_refs),
	                 .validate = validate_body },
	[STORE_AGENCY] = { .kind = STORE_AGENCY,
	                   .name = "agency",
	                   .tag = 'g',
	                   .desc = &stdreg__v1__agency__descriptor,
	                   .validate = validate_agency,
	                   .check_update = check_update_agency,
	                   .write_index = write_index_agency,
	                   .check_delete = check_delete_agency },
	[STORE_ITEM] = { .kind = STORE_ITEM,
	                 .name = "item",
	                 .tag = 'i',
	                 .desc = &stdreg__v1__work_item__descriptor,
	                 .refs = item_refs,
	                 .nrefs = NREFS(item_refs),
	                 .validate = validate_item,
	                 .write_index = report_index_update },
	[STORE_ASSIGNMENT] = { .kind = STORE_ASSIGNMENT,
	                       .name = "assignment",
	                       .tag = 's',
	                       .desc = &stdreg__v1__assignment__descriptor,
	                       .refs = assignment_refs,
	                       .nrefs = NREFS(assignment_refs),
	                       .derived_id = true,
	                       .undeletable = "appointments are history (end it with unassign)",
	                       .validate = validate_assignment,
	                       .check_update = check_update_assignment },
	[STORE_GOAL] = { .kind = STORE_GOAL,
	                 .name = "goal",
	                 .tag = 'l',
	                 .desc = &stdreg__v1__goal__descriptor,
	                 .refs = goal_refs,
	                 .nrefs = NREFS(goal_refs),
	                 .derived_id = true,
	                 .undeletable = "goals are history (withdraw or close it with a follow-up)",
	                 .validate = goal_kind_validate },
	[STORE_FOLLOW_UP] = { .kind = STORE_FOLLOW_UP,
	                      .name = "follow_up",
	                      .tag = 'f',
	                      .desc = &stdreg__v1__follow_up__descriptor,
	                      .refs = follow_up_refs,
	                      .nrefs = NREFS(follow_up_refs),
	                      .derived_id = true,
	                      .undeletable = "follow-ups are never changed or deleted (add a "
	                                     "correction)",
	                      .validate = follow_up_kind_validate,
	                      .check_update = follow_up_kind_check_update,
	                      .write_index = follow_up_kind_write_index },
};

const struct kind_info *kind_get(enum store_kind k)
{
	if ((int)k < 1 || k > STORE_KIND_MAX)
		return NULL;
	return &kinds[k];
}

const char *store_kind_name(enum store_kind k)
{
	const struct kind_info *ki = kind_get(k);

	return ki ? ki->name : NULL;
}

enum store_kind store_kind_by_name(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "work_item") == 0 || strcmp(name, "workitem") == 0)
		return STORE_ITEM;
	for (int k = 1; k <= STORE_KIND_MAX; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return (enum store_kind)k;
	return 0;
}

const ProtobufCMessageDescriptor *store_kind_descriptor(enum store_kind k)
{
	const struct kind_info *ki = kind_get(k);

	return ki ? ki->desc : NULL;
}
