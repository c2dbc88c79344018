/*
 * out_follow.c - the tables of the workflow and follow-up answers. Each takes the response's
 * generic JSON mapping (so zero values are absent) and writes text for people; scripts use
 * -o json, which is the mapping itself.
 */
#include <stdlib.h>
#include <string.h>

#include "regctl.h"

/* The string at path, or dflt when absent or empty. */
static const char *str(const json_t *o, const char *path, const char *dflt)
{
	const json_t *v = json_path(o, path);

	return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : dflt;
}

/* The integer at path; 0 when absent. */
static long long num(const json_t *o, const char *path)
{
	const json_t *v = json_path(o, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* An array at key (an empty one when absent); borrowed from o or a static empty array. */
static const json_t *arr(const json_t *o, const char *key)
{
	static json_t *empty;
	const json_t *v = json_object_get(o, key);

	if (json_is_array(v))
		return v;
	if (empty == NULL)
		empty = json_array();
	return empty;
}

/* out_table with each line indented by prefix. */
static int indented_table(FILE *f, const char *prefix, const struct column *cols,
                          const json_t *rows)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return -1;
	out_table(m, cols, rows);
	fclose(m);
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		fprintf(f, "%s%s\n", prefix, line);
	free(buf);
	return ferror(f) ? -1 : 0;
}

int table_assignment(FILE *f, const json_t *resp)
{
	return out_record(f, OUT_TABLE, noun_find("assignment"), (json_t *)resp);
}

int table_item(FILE *f, const json_t *resp)
{
	return out_record(f, OUT_TABLE, noun_find("item"), (json_t *)resp);
}

static const struct column appointment_cols[] = {
	{ "", "change", NULL },
	{ "ID", "id", NULL },
	{ "AGENCY", "agency_id", NULL },
	{ "ROLE", "role", NULL },
	{ "FROM", "valid_from", NULL },
	{ "TO", "valid_to", NULL },
	{ "DECISION", "decision_ref", NULL },
	{ 0 },
};

/* A copy of the assignment at key with "change": label added, appended to rows. */
static void add_row(json_t *rows, const json_t *resp, const char *key, const char *label)
{
	json_t *a = json_object_get(resp, key), *row;

	if (!json_is_object(a))
		return;
	row = json_pack("{s:s}", "change", label);
	json_object_update(row, a);
	json_array_append_new(rows, row);
}

int table_transfer(FILE *f, const json_t *resp)
{
	json_t *rows = json_array();
	int rv;

	add_row(rows, resp, "ended", "ended");
	add_row(rows, resp, "started", "started");
	rv = out_table(f, appointment_cols, rows);
	json_decref(rows);
	return rv;
}

static const struct column mine_item_cols[] = {
	{ "STAGE", "group", NULL },
	{ "ID", "id", NULL },
	{ "REFERENCE", "reference", NULL },
	{ "CODE", "stage", NULL },
	{ "TARGET", "target_date", NULL },
	{ "TITLE", "title", NULL },
	{ 0 },
};

/* The work items of one MineArea's stage groups as rows with their group's name. */
static json_t *mine_rows(const json_t *area)
{
	const json_t *groups = arr(area, "stages"), *g, *item;
	json_t *rows = json_array();
	size_t i, j;

	json_array_foreach(groups, i, g)
	{
		char label[64];

		const char *stage = str(g, "stage", "?"), *name = str(g, "name", "");

		// "40 enquiry"; a group named as its code ("other") is shown once.
		if (name[0] == '\0' || strcmp(name, stage) == 0)
			snprintf(label, sizeof(label), "%s", stage);
		else
			snprintf(label, sizeof(label), "%s %s", stage, name);
		json_array_foreach(arr(g, "work_items"), j, item)
		{
			json_t *row = json_pack("{s:s}", "group", label);

			json_object_update(row, (json_t *)item);
			json_array_append_new(rows, row);
		}
	}
	return rows;
}

/* The line under an area's work items: none, or how many of them the reply lists when it
 * lists them in part (a group at most 100, a reply 1 000), with the command for them all. */
static void mine_more(FILE *f, const json_t *area, size_t shown)
{
	const json_t *g;
	long long total = 0;
	size_t i;

	json_array_foreach(arr(area, "stages"), i, g)
	{
		total += num(g, "total");
	}
	if (total == 0 && shown == 0)
		fputs("  no work items\n", f);
	else if (total > (long long)shown)
		fprintf(f,
		        "  %zu of %lld work items shown; all of them: regctl item list --area %s\n",
		        shown, total, str(area, "area.id", "-"));
}

int table_mine(FILE *f, const json_t *resp)
{
	const json_t *areas = arr(resp, "areas"), *a;
	size_t i;

	fprintf(f, "agency %s: %zu area%s\n", str(resp, "agency_id", "-"), json_array_size(areas),
	        json_array_size(areas) == 1 ? "" : "s");
	json_array_foreach(areas, i, a)
	{
		json_t *rows = mine_rows(a);

		fprintf(f, "\nAREA %s (%s): %s since %s, decision %s, assignment %s\n",
		        str(a, "area.id", "-"), str(a, "area.name", "-"),
		        str(a, "assignment.role", "-"), str(a, "assignment.valid_from", "-"),
		        str(a, "assignment.decision_ref", "-"), str(a, "assignment.id", "-"));
		if (json_array_size(rows) > 0)
			indented_table(f, "  ", mine_item_cols, rows);
		mine_more(f, a, json_array_size(rows));
		json_decref(rows);
	}
	return ferror(f) ? -1 : 0;
}

static const struct column gaps_cols[] = {
	{ "RANK", "area.rank", "0" },
	{ "AREA", "area.id", NULL },
	{ "NAME", "area.name", NULL },
	{ "WITHOUT_LEAD_SINCE", "without_lead_since", NULL },
	{ "DAYS", "days_without_lead", "0" },
	{ "LAST_LEAD", "last_lead_agency_id", NULL },
	{ 0 },
};

int table_gaps(FILE *f, const json_t *resp)
{
	const json_t *gaps = arr(resp, "gaps");

	if (json_array_size(gaps) > 0)
		out_table(f, gaps_cols, gaps);
	fprintf(f, "%zu of %lld prioritised areas without a lead\n", json_array_size(gaps),
	        num(resp, "prioritised"));
	return ferror(f) ? -1 : 0;
}

const struct column gaps_csv_cols[] = {
	{ "RANK", "area.rank", NULL },
	{ "AREA", "area.id", NULL },
	{ "NAME", "area.name", NULL },
	{ "WITHOUT_LEAD_SINCE", "without_lead_since", NULL },
	{ "DAYS", "days_without_lead", NULL },
	{ "LAST_LEAD", "last_lead_agency_id", NULL },
	{ 0 },
};

const struct column history_csv_cols[] = {
	{ "REVISION", "revision", NULL },
	{ "TIME", "time", NULL },
	{ "PRINCIPAL", "principal", NULL },
	{ "DECISION", "decision_ref", NULL },
	{ "OP", "op", NULL },
	{ "FIELD", "field", NULL },
	{ "OLD", "old_value", NULL },
	{ "NEW", "new_value", NULL },
	{ 0 },
};

json_t *history_rows(const json_t *resp)
{
	const json_t *e, *ch;
	json_t *rows = json_array(), *row;
	size_t i, j;

	json_array_foreach(arr(resp, "entries"), i, e)
	{
		const json_t *changes = arr(e, "changes");

		for (j = 0; j == 0 || j < json_array_size(changes); j++) {
			row = json_deep_copy(e);
			json_object_del(row, "changes");
			if ((ch = json_array_get(changes, j)) != NULL)
				json_object_update(row, (json_t *)ch);
			json_array_append_new(rows, row);
		}
	}
	return rows;
}

static const struct column as_of_cols[] = {
	{ "ROLE", "role", NULL },
	{ "AGENCY", "agency_id", NULL },
	{ "ASSIGNMENT", "id", NULL },
	{ "DECISION", "decision_ref", NULL },
	{ "FROM", "valid_from", NULL },
	{ "TO", "valid_to", NULL },
	{ 0 },
};

int table_as_of(FILE *f, const json_t *resp)
{
	const json_t *lead = json_object_get(resp, "lead"), *s;
	json_t *rows = json_array();
	size_t i;

	fprintf(f, "area %s on %s\n", str(resp, "area_id", "-"), str(resp, "date", "-"));
	if (json_is_object(lead))
		json_array_append(rows, (json_t *)lead);
	json_array_foreach(arr(resp, "supporting"), i, s) json_array_append(rows, (json_t *)s);
	if (json_array_size(rows) > 0)
		out_table(f, as_of_cols, rows);
	if (!json_is_object(lead))
		fputs("no lead on that date\n", f);
	json_decref(rows);
	return ferror(f) ? -1 : 0;
}

int table_history(FILE *f, const json_t *resp)
{
	const json_t *entries = arr(resp, "entries"), *e, *ch;
	size_t i, j;

	if (json_array_size(entries) == 0)
		fprintf(f, "no changes to %s '%s'\n", str(resp, "kind", "-"), str(resp, "id", "-"));
	json_array_foreach(entries, i, e)
	{
		fprintf(f, "%srevision %lld  %s  by %s  decision %s  %s\n", i > 0 ? "\n" : "",
		        num(e, "revision"), str(e, "time", "-"), str(e, "principal", "-"),
		        str(e, "decision_ref", "-"), str(e, "op", "-"));
		json_array_foreach(arr(e, "changes"), j, ch)
		        fprintf(f, "  %s: %s \u2192 %s\n", str(ch, "field", "?"),
		                str(ch, "old_value", "-"), str(ch, "new_value", "-"));
	}
	return ferror(f) ? -1 : 0;
}

static const struct column load_cols[] = {
	{ "AGENCY", "agency_id", NULL },         { "LED", "areas_led", "0" },
	{ "SUPPORTED", "areas_supported", "0" }, { "ITEMS", "work_items", "0" },
	{ "OVERDUE", "overdue", "0" },           { 0 },
};

static const struct column group_cols[] = {
	{ "STATUS", "group", NULL },
	{ "ITEMS", "count", "0" },
	{ 0 },
};

static const struct column overdue_cols[] = {
	{ "ID", "id", NULL },          { "REFERENCE", "reference", NULL },
	{ "STAGE", "stage", NULL },    { "TARGET", "target_date", NULL },
	{ "AREAS", "area_ids", NULL }, { 0 },
};

static const struct column change_cols[] = {
	{ "REVISION", "revision", "0" },
	{ "TIME", "time", NULL },
	{ "ITEM", "work_item_id", NULL },
	{ "REFERENCE", "reference", NULL },
	{ "FROM", "old_stage", NULL },
	{ "TO", "new_stage", NULL },
	{ 0 },
};

/* A titled table, or "TITLE: none". A list the server cut to fewer rows than total says so
 * in its title: "TITLE: TOTAL (the N WHICH shown)"; total < 0 when the list is never cut. */
static void section(FILE *f, const char *title, const struct column *cols, const json_t *rows,
                    long long total, const char *which)
{
	size_t shown = json_array_size(rows);

	if (shown == 0 && total <= 0) {
		fprintf(f, "\n%s: none\n", title);
		return;
	}
	if (total > (long long)shown)
		fprintf(f, "\n%s: %lld (the %zu %s shown)\n", title, total, shown, which);
	else
		fprintf(f, "\n%s:\n", title);
	out_table(f, cols, rows);
}

int table_report(FILE *f, const json_t *resp)
{
	const json_t *pct = json_object_get(resp, "coverage_percent");
	char title[64];

	fprintf(f, "report of %s\n", str(resp, "today", "-"));
	fprintf(f, "prioritised areas with a lead: %lld of %lld (%.1f%%)\n",
	        num(resp, "prioritised_with_lead"), num(resp, "prioritised"),
	        json_is_number(pct) ? json_number_value(pct) : 0.0);
	section(f, "load per agency", load_cols, arr(resp, "agencies"), -1, "");
	section(f, "work items by status", group_cols, arr(resp, "stage_groups"), -1, "");
	section(f, "overdue items", overdue_cols, arr(resp, "overdue"), num(resp, "overdue_total"),
	        "longest overdue");
	snprintf(title, sizeof(title), "stage changes in the last %lld days",
	         num(resp, "days") != 0 ? num(resp, "days") : 45);
	section(f, title, change_cols, arr(resp, "stage_changes"), num(resp, "stage_changes_total"),
	        "newest");
	return ferror(f) ? -1 : 0;
}

int table_change(FILE *f, const json_t *change_raw)
{
	json_t *change = json_cells_safe(change_raw);

	fprintf(f, "%lld %s %s %s %s\n", num(change, "revision"), str(change, "op", "-"),
	        str(change, "kind", "-"), str(change, "id", "-"), str(change, "principal", "-"));
	json_decref(change);
	return ferror(f) ? -1 : 0;
}
