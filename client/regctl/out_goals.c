/*
 * out_goals.c - goals in the answers of mine, report and history: the calls that fetch
 * them after the command's own call (a command row's `more`), and the table sections that
 * show them.
 */
#include <stdlib.h>
#include <string.h>

#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

/* Every goal view of ListGoals for req (all pages) appended to out. Returns the code. */
int goal_list_all(stdreg_client *c, Stdreg__V1__GoalListRequest *req, json_t *out,
                  struct stdreg_status *st)
{
	char *token = NULL;
	int code = STDREG_OK;

	req->page_size = 1000;
	do {
		Stdreg__V1__GoalListResponse *page = NULL;

		req->page_token = token != NULL ? token : (char *)protobuf_c_empty_string;
		code = stdreg_call(c, "ListGoals", &req->base,
		                   &stdreg__v1__goal_list_response__descriptor,
		                   (ProtobufCMessage **)&page, st);
		free(token);
		token = NULL;
		if (code != STDREG_OK)
			break;
		for (size_t i = 0; i < page->n_goals; i++)
			json_array_append_new(out, stdreg_json_from_message(&page->goals[i]->base));
		if (page->next_page_token != NULL && page->next_page_token[0] != '\0')
			token = strdup(page->next_page_token);
		stdreg__v1__goal_list_response__free_unpacked(page, NULL);
	} while (token != NULL);
	req->page_token = (char *)protobuf_c_empty_string;
	return code;
}

static const char *field_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* mine: the agency's goals, as of today. */
int more_mine(stdreg_client *c, const struct cmd_args *a, json_t *resp, struct stdreg_status *st)
{
	Stdreg__V1__GoalListRequest req = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	json_t *goals = json_array();
	int code;

	req.agency_id = (char *)field_str(a->fields, "agency_id");
	code = goal_list_all(c, &req, goals, st);
	json_object_set_new(resp, "goals", goals);
	return code;
}

/* report: goals by status, and per owner agency its goals, overdue and stale. */
static json_t *count_by(const json_t *goals, const char *path)
{
	json_t *counts = json_object(), *rows = json_array(), *v;
	const char *key;
	size_t i;

	json_array_foreach(goals, i, v)
	{
		const json_t *s = json_path(v, path);
		const char *name = json_is_string(s) ? json_string_value(s) : "-";
		json_t *n = json_object_get(counts, name);

		json_object_set_new(counts, name,
		                    json_integer(n != NULL ? json_integer_value(n) + 1 : 1));
	}
	json_object_foreach(counts, key, v)
	        json_array_append_new(rows, json_pack("{s:s, s:O}", "key", key, "count", v));
	json_decref(counts);
	return rows;
}

static json_t *per_agency(const json_t *goals)
{
	json_t *by = json_object(), *rows = json_array(), *v;
	const char *key;
	size_t i;

	json_array_foreach(goals, i, v)
	{
		const char *owner = json_string_value(json_path(v, "goal.owner_agency_id"));
		const char *status = json_string_value(json_object_get(v, "status"));
		json_t *row;

		if (owner == NULL)
			owner = "-";
		if ((row = json_object_get(by, owner)) == NULL) {
			row = json_pack("{s:s, s:i, s:i, s:i}", "agency_id", owner, "goals", 0,
			                "overdue", 0, "stale", 0);
			json_object_set_new(by, owner, row);
		}
		json_object_set_new(
		        row, "goals",
		        json_integer(json_integer_value(json_object_get(row, "goals")) + 1));
		if (status != NULL &&
		    (strcmp(status, "overdue") == 0 || strcmp(status, "stale") == 0))
			json_object_set_new(
			        row, status,
			        json_integer(json_integer_value(json_object_get(row, status)) + 1));
	}
	json_object_foreach(by, key, v) json_array_append(rows, v);
	json_decref(by);
	return rows;
}

int more_report(stdreg_client *c, const struct cmd_args *a, json_t *resp, struct stdreg_status *st)
{
	Stdreg__V1__GoalListRequest req = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	json_t *goals = json_array();
	int code;

	(void)a;
	// The goals of the report's day: the day the server reported for.
	req.as_of = (char *)field_str(resp, "today");
	code = goal_list_all(c, &req, goals, st);
	if (code == STDREG_OK) {
		json_object_set_new(resp, "goals_by_status", count_by(goals, "status"));
		json_object_set_new(resp, "goals_per_agency", per_agency(goals));
	}
	json_decref(goals);
	return code;
}

/* history goal ID: its follow-ups too (each is the change it made, or a check-in). */
int more_history(stdreg_client *c, const struct cmd_args *a, json_t *resp, struct stdreg_status *st)
{
	Stdreg__V1__GoalGetRequest req = STDREG__V1__GOAL_GET_REQUEST__INIT;
	Stdreg__V1__GoalGetResponse *r = NULL;
	json_t *ups = json_array();
	int code;

	if (strcmp(field_str(a->fields, "kind"), "goal") != 0) {
		json_decref(ups);
		return STDREG_OK;
	}
	req.id = (char *)field_str(a->fields, "id");
	code = stdreg_call(c, "GetGoal", &req.base, &stdreg__v1__goal_get_response__descriptor,
	                   (ProtobufCMessage **)&r, st);
	if (code == STDREG_OK) {
		for (size_t i = 0; i < r->n_follow_ups; i++)
			json_array_append_new(ups,
			                      stdreg_json_from_message(&r->follow_ups[i]->base));
		stdreg__v1__goal_get_response__free_unpacked(r, NULL);
	}
	json_object_set_new(resp, "follow_ups", ups);
	return code;
}

/* ---- tables ---------------------------------------------------------------------------- */

static const struct column mine_goal_cols[] = {
	{ "GOAL", "goal.id", NULL },   { "STATUS", "status", NULL },
	{ "DUE", "goal.due", NULL },   { "NEXT_REPORT", "next_report_date", NULL },
	{ "TEXT", "goal.text", NULL }, { 0 },
};

static const struct column status_cols[] = {
	{ "STATUS", "key", NULL },
	{ "GOALS", "count", "0" },
	{ 0 },
};

static const struct column agency_goal_cols[] = {
	{ "AGENCY", "agency_id", NULL },
	{ "GOALS", "goals", "0" },
	{ "OVERDUE", "overdue", "0" },
	{ "STALE", "stale", "0" },
	{ 0 },
};

static void goal_section(FILE *f, const char *title, const struct column *cols, const json_t *rows)
{
	if (json_array_size(rows) == 0) {
		fprintf(f, "\n%s: none\n", title);
		return;
	}
	fprintf(f, "\n%s:\n", title);
	out_table(f, cols, rows);
}

int table_mine_goals(FILE *f, const json_t *resp)
{
	table_mine(f, resp);
	goal_section(f, "goals", mine_goal_cols, json_object_get(resp, "goals"));
	return ferror(f) ? -1 : 0;
}

int table_report_goals(FILE *f, const json_t *resp)
{
	table_report(f, resp);
	goal_section(f, "goals by status", status_cols, json_object_get(resp, "goals_by_status"));
	goal_section(f, "goals per agency", agency_goal_cols,
	             json_object_get(resp, "goals_per_agency"));
	return ferror(f) ? -1 : 0;
}

static long long revision_of(const json_t *v, const char *path)
{
	const json_t *r = json_path(v, path);

	if (json_is_integer(r))
		return (long long)json_integer_value(r);
	return json_is_string(r) ? atoll(json_string_value(r)) : 0;
}

static void print_follow_up(FILE *f, const json_t *u)
{
	fprintf(f, "  follow-up %s  %s  as of %s", field_str(u, "id"), field_str(u, "type"),
	        field_str(u, "as_of"));
	if (*field_str(u, "status"))
		fprintf(f, "  %s", field_str(u, "status"));
	if (*field_str(u, "supersedes"))
		fprintf(f, "  supersedes %s", field_str(u, "supersedes"));
	if (*field_str(u, "note"))
		fprintf(f, "  \"%s\"", field_str(u, "note"));
	fputc('\n', f);
}

/* The goal's revisions with its follow-ups, in revision order: a follow-up under the
 * revision it made (a check-in changes no term of the goal: it stands on its own). */
int table_history_goal(FILE *f, const json_t *resp)
{
	const json_t *ups = json_object_get(resp, "follow_ups"), *entries, *e, *u;
	size_t i, j = 0;

	if (!json_is_array(ups))
		return table_history(f, resp);
	entries = json_object_get(resp, "entries");
	json_array_foreach(entries, i, e)
	{
		json_t *one = json_pack("{s:O, s:O, s:[O]}", "kind", json_object_get(resp, "kind"),
		                        "id", json_object_get(resp, "id"), "entries", e);
		long long rev = revision_of(e, "revision");

		for (; (u = json_array_get(ups, j)) != NULL &&
		       revision_of(u, "meta.create_revision") < rev;
		     j++) {
			fprintf(f, "revision %lld\n", revision_of(u, "meta.create_revision"));
			print_follow_up(f, u);
			fputc('\n', f);
		}
		table_history(f, one);
		json_decref(one);
		for (; (u = json_array_get(ups, j)) != NULL &&
		       revision_of(u, "meta.create_revision") == rev;
		     j++)
			print_follow_up(f, u);
		fputc('\n', f);
	}
	for (; (u = json_array_get(ups, j)) != NULL; j++) {
		fprintf(f, "revision %lld\n", revision_of(u, "meta.create_revision"));
		print_follow_up(f, u);
	}
	return ferror(f) ? -1 : 0;
}
