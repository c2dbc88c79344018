/*
 * nouns.c - per noun: which flag sets which field, which filters list takes, which columns
 * the table shows. Everything else about a noun comes from its protobuf descriptors.
 */
#include <string.h>

#include "stdreg/v1/records.pb-c.h"

#include "regctl.h"

static const struct flag_def area_fields[] = {
	{ "name", "name" },
	{ "name-sv", "name_sv" },
	{ "description", "description" },
	{ "priority", "priority" },
	{ "priority-since", "priority_since" },
	{ "rank", "rank" },
	{ "parent", "parent_id" },
	{ "source-ref", "source_ref" },
	{ "goal", "goal" },
	{ "tag", "tags" },
	{ 0 },
};

static const struct flag_def area_filters[] = {
	{ "priority", "priority" },
	{ "parent", "area_id" },
	{ 0 },
};

static const struct column area_columns[] = {
	{ "ID", "id", NULL },
	{ "RANK", "rank", NULL },
	{ "PRIORITY", "priority", NULL },
	{ "NAME", "name", NULL },
	{ 0 },
};

static const struct flag_def body_fields[] = {
	{ "acronym", "acronym" }, { "name", "name" },
	{ "level", "level" },     { "country", "country" },
	{ "url", "url" },         { "parent", "parent_id" },
	{ "mirror", "mirrors" },  { 0 },
};

static const struct flag_def body_filters[] = {
	{ "parent", "body_id" },
	{ 0 },
};

static const struct column body_columns[] = {
	{ "ID", "id", NULL },
	{ "ACRONYM", "acronym", NULL },
	{ "LEVEL", "level", NULL },
	{ "NAME", "name", NULL },
	{ 0 },
};

static const struct flag_def agency_fields[] = {
	{ "name", "name" },
	{ "short-name", "short_name" },
	{ "org-number", "org_number" },
	{ "department", "department" },
	{ "url", "url" },
	{ "contact", "contact" },
	{ 0 },
};

static const struct flag_def agency_filters[] = {
	{ 0 },
};

static const struct column agency_columns[] = {
	{ "ID", "id", NULL },
	{ "ORG_NUMBER", "org_number", NULL },
	{ "NAME", "name", NULL },
	{ 0 },
};

static const struct flag_def item_fields[] = {
	{ "reference", "reference" },
	{ "title", "title" },
	{ "body", "body_id" },
	{ "area", "area_ids" },
	{ "type", "deliverable_type" },
	{ "stage", "stage" },
	{ "stage-scheme", "stage_scheme" },
	{ "status", "status" },
	{ "target-date", "target_date" },
	{ "priority", "priority" },
	{ "url", "url" },
	{ "notes", "notes" },
	{ 0 },
};

static const struct flag_def item_filters[] = {
	{ "area", "area_id" },
	{ "body", "body_id" },
	{ "stage-from", "stage_from" },
	{ "stage-to", "stage_to" },
	{ "status", "status" },
	{ "text", "text" },
	{ 0 },
};

static const struct column item_columns[] = {
	{ "ID", "id", NULL },
	{ "REFERENCE", "reference", NULL },
	{ "STAGE", "stage", NULL },
	{ "STATUS", "status", NULL },
	{ "BODY", "body_id", NULL },
	{ "AREAS", "area_ids", NULL },
	{ "TARGET", "target_date", NULL },
	{ 0 },
};

static const struct flag_def assignment_filters[] = {
	{ "area", "area_id" },
	{ "agency", "agency_id" },
	{ "current", "current_only" },
	{ "on", "holds_on" },
	{ 0 },
};

static const struct column assignment_columns[] = {
	{ "ID", "id", NULL },
	{ "AREA", "area_id", NULL },
	{ "AGENCY", "agency_id", NULL },
	{ "ROLE", "role", NULL },
	{ "FROM", "valid_from", NULL },
	{ "TO", "valid_to", NULL },
	{ "DECISION", "decision_ref", NULL },
	{ 0 },
};

const struct noun regctl_nouns[] = {
	{ "area", area_fields, area_filters, area_columns },
	{ "body", body_fields, body_filters, body_columns },
	{ "agency", agency_fields, agency_filters, agency_columns },
	{ "item", item_fields, item_filters, item_columns },
	// Appointments are written by assign / unassign / transfer, never by put.
	{ "assignment", NULL, assignment_filters, assignment_columns },
	{ 0 },
};

const struct noun *noun_find(const char *name)
{
	const struct noun *n;

	for (n = regctl_nouns; n->name != NULL; n++)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

int noun_check_put(const struct noun *n, const json_t *flags, const ProtobufCMessage *rec)
{
	const Stdreg__V1__WorkItem *w = (const Stdreg__V1__WorkItem *)rec;

	if (strcmp(n->name, "item") != 0 || json_object_get(flags, "status") == NULL)
		return 0;
	if (w->stage_scheme == NULL || w->stage_scheme[0] == '\0' ||
	    strcmp(w->stage_scheme, "iso") == 0) {
		errorf("cannot put item '%s' (--status is derived from --stage under the iso "
		       "stage scheme; set it only with --stage-scheme for another scheme)",
		       w->id);
		return EXIT_USAGE;
	}
	return 0;
}
