/*
 * cmd_goal.c - `regctl goal add|get|list` and the follow-ups (checkin, redate, reassign,
 * retarget, close, reopen, activate, withdraw, correct): one call each. The flags of add and
 * of the follow-ups set fields of the Goal and the FollowUp, which are wrapped into their
 * request (GoalAddRequest.goal, FollowUpAddRequest.follow_up) just before the call.
 */
#include <stdio.h>
#include <string.h>

#include "regctl.h"
#include "stdreg/v1/goals.pb-c.h"

#define FMT(x)  (1u << (x))
#define FMT_ALL (FMT(OUT_TABLE) | FMT(OUT_JSON) | FMT(OUT_JSONL))

static const char *const pos_area[] = { "area_id", NULL };
static const char *const pos_id[] = { "id", NULL };
static const char *const pos_goal[] = { "goal_id", NULL };
static const char *const pos_entry[] = { "supersedes", NULL };

static const struct cmd_opt add_opts[] = {
	{ "owner", "owner_agency_id", 0, "AGENCY", "the agency responsible (appointed on the area)",
	  OPTF_REQUIRED },
	{ "text", "text", 0, "TEXT", "what is to be reached (1-500 characters)", OPTF_REQUIRED },
	{ "due", "due", 0, "DATE", "the day it is due (YYYY-MM-DD)", OPTF_REQUIRED },
	{ "decision", "decision_ref", 0, "REF", "the decision that sets the goal", OPTF_REQUIRED },
	{ "kind", "kind", 0, "K", "deliverable, indicator or stage (default deliverable)", 0 },
	{ "unit", "unit", 0, "U", "indicator: the unit of its values", 0 },
	{ "baseline", "baseline", 0, "N", "indicator: the value at the start", 0 },
	{ "target", "target", 0, "N", "indicator: the value to reach", 0 },
	{ "item", "work_item_id", 0, "ITEM", "stage: the work item", 0 },
	{ "target-stage", "target_stage", 0, "CODE", "stage: the stage to reach (e.g. 60.60)", 0 },
	{ "parent", "parent_id", 0, "GOAL", "the goal of the same area this one is part of", 0 },
	{ "source-ref", "source_ref", 0, "REF", "where it comes from (e.g. M/606)", 0 },
	{ "every", "report_every_days", 0, "DAYS", "days between check-ins (default 90)", 0 },
	{ "set-on", "set_on", 0, "DATE", "the day it took effect (default today)", 0 },
	{ "proposed", NULL, LOPT_PROPOSED, NULL, "set it as proposed (activate it later)", 0 },
	{ 0 },
};

static const struct cmd_opt get_opts[] = {
	{ "as-of", "as_of", 0, "DATE", "the goal as it stood on DATE (default today)", 0 },
	{ "entries-from", "follow_ups_from", 0, "N",
	  "follow-ups from the N-th on (1 = the first; default: all, or with --entries the last)",
	  0 },
	{ "entries", "follow_ups_limit", 0, "N", "at most N follow-ups (default: all)", 0 },
	{ 0 },
};

static const struct cmd_opt list_opts[] = {
	{ "area", "area_id", 0, "AREA", "only goals of this area", 0 },
	{ "agency", "agency_id", 0, "AGENCY", "only goals this agency owns", 0 },
	{ "state", "state", 0, "S", "proposed, active, closed or withdrawn", 0 },
	{ "status", "status", 0, "S", "only goals with this status on the day", 0 },
	{ "due-within", "due_within_days", 0, "DAYS", "only goals due within DAYS of the day", 0 },
	{ "overdue", "overdue", 0, NULL, "only goals past due and not met", 0 },
	{ "stale", "stale", 0, NULL, "only goals whose check-in is late", 0 },
	{ "as-of", "as_of", 0, "DATE", "status and values as they stood on DATE", 0 },
	{ 0 },
};

static const struct cmd_opt checkin_opts[] = {
	{ "status", "status", 0, "S", "on_track, at_risk or off_track", OPTF_REQUIRED },
	{ "note", "note", 0, "TEXT", "what was done and what stands in the way", OPTF_REQUIRED },
	{ "value", "value", 0, "N", "indicator: the value reached", 0 },
	{ "as-of", "as_of", 0, "DATE", "the day it speaks for (default today)", 0 },
	{ "evidence", "evidence_ref", 0, "REF", "where the evidence is", 0 },
	{ 0 },
};

/* The flags every decision-bound follow-up takes besides its own. */
#define DECISION_OPT                                                                        \
	{                                                                                   \
		"decision", "decision_ref", 0, "REF", "the decision that makes the change", \
		        OPTF_REQUIRED                                                       \
	}
#define ENTRY_OPTS                                                                   \
	{ "as-of", "as_of", 0, "DATE", "the day it speaks for (default today)", 0 }, \
	        { "note", "note", 0, "TEXT", "why", 0 },                             \
	{                                                                            \
		"evidence", "evidence_ref", 0, "REF", "where the evidence is", 0     \
	}

static const struct cmd_opt redate_opts[] = {
	{ "due", "new_due", 0, "DATE", "the new due date", OPTF_REQUIRED },
	DECISION_OPT,
	ENTRY_OPTS,
	{ 0 },
};

static const struct cmd_opt reassign_opts[] = {
	{ "owner", "new_owner_agency_id", 0, "AGENCY", "the new owner (appointed on the area)",
	  OPTF_REQUIRED },
	DECISION_OPT,
	ENTRY_OPTS,
	{ 0 },
};

static const struct cmd_opt retarget_opts[] = {
	{ "target", "new_target", 0, "N", "indicator: the new target", 0 },
	{ "target-stage", "new_target_stage", 0, "CODE", "stage: the new stage to reach", 0 },
	{ "text", "new_text", 0, "TEXT", "the new text of the goal", 0 },
	DECISION_OPT,
	ENTRY_OPTS,
	{ 0 },
};

static const struct cmd_opt close_opts[] = {
	{ "result", "result", 0, "R", "met, missed or dropped", OPTF_REQUIRED },
	DECISION_OPT,
	ENTRY_OPTS,
	{ 0 },
};

static const struct cmd_opt decision_opts[] = {
	DECISION_OPT,
	ENTRY_OPTS,
	{ 0 },
};

static const struct cmd_opt correct_opts[] = {
	{ "status", "status", 0, "S", "check-in: on_track, at_risk or off_track", 0 },
	{ "value", "value", 0, "N", "check-in: the value reached", 0 },
	{ "due", "new_due", 0, "DATE", "redate: the due date", 0 },
	{ "owner", "new_owner_agency_id", 0, "AGENCY", "reassign: the owner", 0 },
	{ "target", "new_target", 0, "N", "retarget: the target", 0 },
	{ "target-stage", "new_target_stage", 0, "CODE", "retarget: the stage to reach", 0 },
	{ "text", "new_text", 0, "TEXT", "retarget: the text", 0 },
	{ "result", "result", 0, "R", "close: met, missed or dropped", 0 },
	{ "decision", "decision_ref", 0, "REF", "the decision behind the correction", 0 },
	ENTRY_OPTS,
	{ 0 },
};

static const struct column goal_cols[] = {
	{ "ID", "goal.id", NULL },       { "OWNER", "goal.owner_agency_id", NULL },
	{ "STATE", "goal.state", NULL }, { "STATUS", "status", NULL },
	{ "DUE", "goal.due", NULL },     { "NEXT_REPORT", "next_report_date", NULL },
	{ "TEXT", "goal.text", NULL },   { 0 },
};

static const struct column goal_csv_cols[] = {
	{ "ID", "goal.id", NULL },
	{ "AREA", "goal.area_id", NULL },
	{ "OWNER", "goal.owner_agency_id", NULL },
	{ "STATE", "goal.state", NULL },
	{ "STATUS", "status", NULL },
	{ "DUE", "goal.due", NULL },
	{ "ORIGINAL_DUE", "goal.original_due", NULL },
	{ "DAYS_LEFT", "days_left", NULL },
	{ "SLIP_DAYS", "slip_days", NULL },
	{ "NEXT_REPORT", "next_report_date", NULL },
	{ "CURRENT_VALUE", "current_value", NULL },
	{ "PROGRESS", "progress", NULL },
	{ "TEXT", "goal.text", NULL },
	{ 0 },
};

static const struct column follow_up_cols[] = {
	{ "ID", "id", NULL },
	{ "TYPE", "type", NULL },
	{ "AS_OF", "as_of", NULL },
	{ "STATUS", "status", NULL },
	{ "SUPERSEDES", "supersedes", NULL }, /* a correction names the entry it corrects */
	{ "NOTE", "note", NULL },
	{ 0 },
};

/* One goal view (the "goal" of a response) as a table of one row. */
static int table_view(FILE *f, const json_t *view)
{
	json_t *rows = json_array();
	int rc;

	if (json_is_object(view))
		json_array_append(rows, (json_t *)view);
	rc = out_table(f, goal_cols, rows);
	json_decref(rows);
	return rc;
}

static int table_goal(FILE *f, const json_t *resp)
{
	const json_t *ups = json_object_get(resp, "follow_ups");
	json_int_t total = json_integer_value(json_object_get(resp, "follow_ups_total"));
	json_int_t from = json_integer_value(json_object_get(resp, "follow_ups_from"));
	size_t n = json_array_size(ups);

	table_view(f, json_object_get(resp, "goal"));
	if (n > 0) {
		fputc('\n', f);
		out_table(f, follow_up_cols, ups);
	}
	// A range of the entries (goal get --entries-from, --entries): say which.
	if (total > 0 && n == 0)
		fprintf(f, "0 of %lld follow-ups shown\n", (long long)total);
	else if (total > 0 && (size_t)total > n)
		fprintf(f, "follow-ups %lld–%lld of %lld shown\n", (long long)from,
		        (long long)from + (long long)n - 1, (long long)total);
	return ferror(f) ? -1 : 0;
}

static int table_goals(FILE *f, const json_t *resp)
{
	const json_t *goals = json_object_get(resp, "goals");

	if (json_array_size(goals) > 0)
		out_table(f, goal_cols, goals);
	fprintf(f, "%zu goal%s as of %s\n", json_array_size(goals),
	        json_array_size(goals) == 1 ? "" : "s",
	        json_string_value(json_object_get(resp, "as_of")) != NULL
	                ? json_string_value(json_object_get(resp, "as_of"))
	                : "-");
	return ferror(f) ? -1 : 0;
}

/* The flags filled fields of the inner message: wrap them as field `name` of the request
 * (with `extra` merged into the inner message) and make the call. */
static int run_wrapped(struct globals *g, const struct command *cmd, struct cmd_args *a,
                       const char *name, const ProtobufCMessageDescriptor *request, json_t *extra)
{
	struct command outer = *cmd;
	json_t *inner = a->fields;
	char what[256];

	json_object_update(inner, extra);
	json_decref(extra);
	a->fields = json_pack("{s:O}", name, inner);
	json_decref(inner);
	if (a->fields == NULL) {
		command_what(cmd, a, what, sizeof(what));
		errorf("cannot %s (out of memory)", what);
		return EXIT_SERVER;
	}
	outer.request = request;
	return run_call(g, &outer, a);
}

static int run_add(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	struct command outer = *cmd;
	json_t *goal = a->fields;
	char what[256];

	a->fields = json_pack("{s:O, s:b}", "goal", goal, "proposed", a->proposed);
	json_decref(goal);
	if (a->fields == NULL) {
		command_what(cmd, a, what, sizeof(what));
		errorf("cannot %s (out of memory)", what);
		return EXIT_SERVER;
	}
	outer.request = &stdreg__v1__goal_add_request__descriptor;
	return run_call(g, &outer, a);
}

/* The follow-up type of each command. */
static const struct {
	const char *command;
	const char *type;
} follow_up_types[] = {
	{ "goal checkin", "FOLLOW_UP_TYPE_CHECK_IN" },
	{ "goal redate", "FOLLOW_UP_TYPE_REDATE" },
	{ "goal reassign", "FOLLOW_UP_TYPE_REASSIGN" },
	{ "goal retarget", "FOLLOW_UP_TYPE_RETARGET" },
	{ "goal close", "FOLLOW_UP_TYPE_CLOSE" },
	{ "goal reopen", "FOLLOW_UP_TYPE_REOPEN" },
	{ "goal activate", "FOLLOW_UP_TYPE_ACTIVATE" },
	{ "goal withdraw", "FOLLOW_UP_TYPE_WITHDRAW" },
	{ "goal correct", "FOLLOW_UP_TYPE_CORRECTION" },
};

/* A correction names the entry it corrects (GOAL/SEQ); its goal is that id up to the last
 * '/'. Returns 0, or -1 with the error printed. */
static int goal_of_entry(const struct cmd_args *a, json_t *extra)
{
	const char *entry = json_string_value(json_object_get(a->fields, "supersedes"));
	const char *slash = entry != NULL ? strrchr(entry, '/') : NULL;
	char goal[256];

	if (slash == NULL || slash == entry || slash[1] == '\0' ||
	    (size_t)(slash - entry) >= sizeof(goal)) {
		errorf("invalid entry '%s' (expected GOAL/SEQ, e.g. ai/1/2)",
		       entry != NULL ? entry : "");
		return -1;
	}
	snprintf(goal, sizeof(goal), "%.*s", (int)(slash - entry), entry);
	return json_object_set_new(extra, "goal_id", json_string(goal));
}

static int run_follow_up(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	json_t *extra = json_object();
	size_t i;

	for (i = 0; i < sizeof(follow_up_types) / sizeof(follow_up_types[0]); i++)
		if (strcmp(cmd->name, follow_up_types[i].command) == 0)
			json_object_set_new(extra, "type", json_string(follow_up_types[i].type));
	// A value or target of 0 is one: the registry tells it from none by *_set.
	if (json_object_get(a->fields, "value") != NULL)
		json_object_set_new(extra, "value_set", json_true());
	if (json_object_get(a->fields, "new_target") != NULL)
		json_object_set_new(extra, "new_target_set", json_true());
	if (strcmp(cmd->name, "goal retarget") == 0 &&
	    json_object_get(a->fields, "new_target") == NULL &&
	    json_object_get(a->fields, "new_target_stage") == NULL &&
	    json_object_get(a->fields, "new_text") == NULL) {
		errorf("'goal retarget' needs --target, --target-stage or --text (see regctl goal "
		       "retarget --help)");
		json_decref(extra);
		return EXIT_USAGE;
	}
	if (strcmp(cmd->name, "goal correct") == 0 && goal_of_entry(a, extra) != 0) {
		json_decref(extra);
		return EXIT_USAGE;
	}
	return run_wrapped(g, cmd, a, "follow_up", &stdreg__v1__follow_up_add_request__descriptor,
	                   extra);
}

/* A decision-bound follow-up: the goal, its own flags, --decision and the common ones. */
#define FOLLOW_UP_ROW(sub, sum, flags, options, action)                                           \
	{                                                                                         \
		.name = "goal " sub, .run = run_follow_up, .summary = sum,                        \
		.usage = "goal " sub " ID " flags "--decision REF [--as-of DATE] [--note "        \
		         "TEXT] [--evidence REF]",                                                \
		.pos = pos_goal, .min_pos = 1, .opts = options,                                   \
		.request = &stdreg__v1__follow_up__descriptor, .method = "AddFollowUp",           \
		.response = &stdreg__v1__follow_up_add_response__descriptor, .table = table_goal, \
		.what = action,                                                                   \
	}

const struct command goal_commands[] = {
	{
	        .name = "goal add",
	        .run = run_add,
	        .summary = "add a goal of an area, owned by an agency appointed on it",
	        .usage = "goal add AREA --owner AGENCY --text TEXT --due DATE --decision REF "
	                 "[--kind K] [--unit U --baseline N --target N] [--item ITEM "
	                 "--target-stage CODE] [--parent GOAL] [--source-ref REF] [--every DAYS] "
	                 "[--set-on DATE] [--proposed]",
	        .pos = pos_area,
	        .min_pos = 1,
	        .opts = add_opts,
	        .request = &stdreg__v1__goal__descriptor,
	        .method = "AddGoal",
	        .response = &stdreg__v1__goal_add_response__descriptor,
	        .table = table_goal,
	        .what = "add a goal to '{0}'",
	},
	{
	        .name = "goal get",
	        .run = run_call,
	        .summary = "a goal, its status on a day and its follow-ups",
	        .usage = "goal get ID [--as-of DATE] [--entries-from N] [--entries N]",
	        .pos = pos_id,
	        .min_pos = 1,
	        .opts = get_opts,
	        .request = &stdreg__v1__goal_get_request__descriptor,
	        .method = "GetGoal",
	        .response = &stdreg__v1__goal_get_response__descriptor,
	        .table = table_goal,
	        .what = "get goal '{0}'",
	},
	{
	        .name = "goal list",
	        .run = run_call,
	        .summary = "goals with their status and values as of a day",
	        .usage = "goal list [--area A] [--agency A] [--state S] [--status S] "
	                 "[--due-within DAYS] [--overdue] [--stale] [--as-of DATE]",
	        .opts = list_opts,
	        .request = &stdreg__v1__goal_list_request__descriptor,
	        .method = "ListGoals",
	        .response = &stdreg__v1__goal_list_response__descriptor,
	        .table = table_goals,
	        .what = "list goals",
	        .list = "goals",
	        .formats = FMT_ALL | FMT(OUT_CSV),
	        .csv = goal_csv_cols,
	},
	{
	        .name = "goal checkin",
	        .run = run_follow_up,
	        .summary = "record how a goal stands (the owner agency or a coordinator)",
	        .usage = "goal checkin ID --status S --note TEXT [--value N] [--as-of DATE] "
	                 "[--evidence REF]",
	        .pos = pos_goal,
	        .min_pos = 1,
	        .opts = checkin_opts,
	        .request = &stdreg__v1__follow_up__descriptor,
	        .method = "AddFollowUp",
	        .response = &stdreg__v1__follow_up_add_response__descriptor,
	        .table = table_goal,
	        .what = "check in on goal '{0}'",
	},
	FOLLOW_UP_ROW("redate", "move a goal's due date by decision", "--due DATE ", redate_opts,
	              "redate goal '{0}'"),
	FOLLOW_UP_ROW("reassign", "give a goal to another agency appointed on its area",
	              "--owner AGENCY ", reassign_opts, "reassign goal '{0}'"),
	FOLLOW_UP_ROW("retarget", "change a goal's target, target stage or text by decision",
	              "[--target N] [--target-stage CODE] [--text TEXT] ", retarget_opts,
	              "retarget goal '{0}'"),
	FOLLOW_UP_ROW("close", "close an active goal as met, missed or dropped", "--result R ",
	              close_opts, "close goal '{0}'"),
	FOLLOW_UP_ROW("reopen", "make a closed or withdrawn goal active again", "", decision_opts,
	              "reopen goal '{0}'"),
	FOLLOW_UP_ROW("activate", "put a proposed goal in force", "", decision_opts,
	              "activate goal '{0}'"),
	FOLLOW_UP_ROW("withdraw", "withdraw a proposed goal", "", decision_opts,
	              "withdraw goal '{0}'"),
	{
	        .name = "goal correct",
	        .run = run_follow_up,
	        .summary = "correct an earlier entry (it stays visible; the correction names it)",
	        .usage = "goal correct GOAL/SEQ [the corrected values: --status S --note TEXT "
	                 "--value N | --due DATE | --owner AGENCY | --target N --target-stage "
	                 "CODE --text TEXT | --result R] [--decision REF] [--as-of DATE] "
	                 "[--evidence REF]",
	        .pos = pos_entry,
	        .min_pos = 1,
	        .opts = correct_opts,
	        .request = &stdreg__v1__follow_up__descriptor,
	        .method = "AddFollowUp",
	        .response = &stdreg__v1__follow_up_add_response__descriptor,
	        .table = table_goal,
	        .what = "correct '{0}'",
	},
	{ 0 },
};
