/*
 * cmd_goal_report.c - the goal questions of gaps and report: `gaps --goals` (prioritised
 * areas with a lead but no active goal, and active goals whose owner holds no appointment
 * on the area) from the areas, appointments and goals of one day; and `report --trend
 * quarterly` (the Trend call: the registry as it stood at each quarter end).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

static const char *sget(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Every record of kind name (all pages) appended to out. Returns the code. */
static int list_all(stdreg_client *c, const char *name, json_t *out, struct stdreg_status *st)
{
	const struct stdreg_kind *k = stdreg_kind_find(name);
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	char *token = NULL;
	int code;

	req.page_size = 1000;
	do {
		ProtobufCMessage *page = NULL, **recs;
		size_t n;

		req.page_token = token != NULL ? token : (char *)protobuf_c_empty_string;
		code = stdreg_list_page(c, k, &req.base, &page, st);
		free(token);
		token = NULL;
		if (code != STDREG_OK)
			return code;
		recs = stdreg_list_records(k, page, &n);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(out, stdreg_json_from_message(recs[i]));
		if (stdreg_list_next(k, page)[0] != '\0')
			token = strdup(stdreg_list_next(k, page));
		protobuf_c_message_free_unpacked(page, NULL);
	} while (token != NULL);
	return STDREG_OK;
}

/* Does the appointment hold on day (valid_from <= day < valid_to)? */
static bool holds_on(const json_t *as, const char *day)
{
	const char *to = sget(as, "valid_to");

	return strcmp(sget(as, "valid_from"), day) <= 0 && (to[0] == '\0' || strcmp(day, to) < 0);
}

/* The agency's appointment on the area that holds on day, of role (NULL: any), or NULL. */
static const json_t *appointment(const json_t *assignments, const char *area, const char *agency,
                                 const char *role, const char *day)
{
	const json_t *as;
	size_t i;

	json_array_foreach(assignments, i, as)
	{
		if (strcmp(sget(as, "area_id"), area) == 0 &&
		    (agency == NULL || strcmp(sget(as, "agency_id"), agency) == 0) &&
		    (role == NULL || strcmp(sget(as, "role"), role) == 0) && holds_on(as, day))
			return as;
	}
	return NULL;
}

static bool has_active_goal(const json_t *goals, const char *area)
{
	const json_t *v;
	size_t i;

	json_array_foreach(goals, i, v) if (strcmp(sget(json_object_get(v, "goal"), "area_id"),
	                                           area) == 0) return true;
	return false;
}

/* By rank (unranked last), then id: most important first, as gaps lists them. */
static int cmp_rank(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	json_int_t ra = json_integer_value(json_object_get(a, "rank"));
	json_int_t rb = json_integer_value(json_object_get(b, "rank"));

	if (ra != rb)
		return ra == 0 ? 1 : rb == 0 ? -1 : ra < rb ? -1 : 1;
	return strcmp(sget(a, "id"), sget(b, "id"));
}

static json_t *goal_gaps(const json_t *areas, const json_t *assignments, const json_t *goals,
                         const char *day)
{
	json_t *no_goal = json_array(), *unappointed = json_array();
	size_t n = json_array_size(areas), i;
	const json_t **by_rank = calloc(n ? n : 1, sizeof(*by_rank)), *a, *v;

	if (by_rank == NULL) {
		json_decref(no_goal);
		json_decref(unappointed);
		return NULL;
	}
	for (i = 0; i < n; i++)
		by_rank[i] = json_array_get(areas, i);
	qsort(by_rank, n, sizeof(*by_rank), cmp_rank);
	for (i = 0; i < n; i++) {
		const json_t *lead;

		a = by_rank[i];
		if (strcmp(sget(a, "priority"), "prioritised") != 0)
			continue;
		lead = appointment(assignments, sget(a, "id"), NULL, "lead", day);
		if (lead != NULL && !has_active_goal(goals, sget(a, "id")))
			json_array_append_new(no_goal,
			                      json_pack("{s:s, s:s, s:O?, s:s}", "area_id",
			                                sget(a, "id"), "name", sget(a, "name"),
			                                "rank", json_object_get(a, "rank"),
			                                "lead_agency_id", sget(lead, "agency_id")));
	}
	free(by_rank);
	json_array_foreach(goals, i, v)
	{
		const json_t *goal = json_object_get(v, "goal");

		if (appointment(assignments, sget(goal, "area_id"), sget(goal, "owner_agency_id"),
		                NULL, day) == NULL)
			json_array_append_new(unappointed,
			                      json_pack("{s:s, s:s, s:s, s:s}", "goal_id",
			                                sget(goal, "id"), "area_id",
			                                sget(goal, "area_id"), "owner_agency_id",
			                                sget(goal, "owner_agency_id"), "text",
			                                sget(goal, "text")));
	}
	return json_pack("{s:s, s:o, s:o}", "today", day, "areas_without_active_goal", no_goal,
	                 "goals_without_appointed_owner", unappointed);
}

static const struct column no_goal_cols[] = {
	{ "RANK", "rank", "0" },
	{ "AREA", "area_id", NULL },
	{ "NAME", "name", NULL },
	{ "LEAD", "lead_agency_id", NULL },
	{ 0 },
};

static const struct column unappointed_cols[] = {
	{ "GOAL", "goal_id", NULL },
	{ "AREA", "area_id", NULL },
	{ "OWNER", "owner_agency_id", NULL },
	{ "TEXT", "text", NULL },
	{ 0 },
};

static void print_gaps(FILE *f, const json_t *r)
{
	const json_t *no_goal = json_object_get(r, "areas_without_active_goal");
	const json_t *unappointed = json_object_get(r, "goals_without_appointed_owner");
	json_t *safe;

	fprintf(f, "goal gaps on %s\n", sget(r, "today"));
	fprintf(f, "\nprioritised areas with a lead but no active goal:%s\n",
	        json_array_size(no_goal) ? "" : " none");
	if (json_array_size(no_goal) > 0) {
		safe = json_cells_safe(no_goal);
		out_table(f, no_goal_cols, safe);
		json_decref(safe);
	}
	fprintf(f, "\nactive goals whose owner holds no appointment on the area:%s\n",
	        json_array_size(unappointed) ? "" : " none");
	if (json_array_size(unappointed) > 0) {
		safe = json_cells_safe(unappointed);
		out_table(f, unappointed_cols, safe);
		json_decref(safe);
	}
}

/* CSV of the goal gaps: one row per problem, areas first. */
static const struct column gaps_csv[] = {
	{ "PROBLEM", "problem", NULL },  { "AREA", "area_id", NULL }, { "GOAL", "goal_id", NULL },
	{ "AGENCY", "agency_id", NULL }, { "TEXT", "text", NULL },    { 0 },
};

static void csv_gaps(FILE *f, const json_t *r)
{
	json_t *rows = json_array();
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(r, "areas_without_active_goal"), i, v)
	        json_array_append_new(
	                rows, json_pack("{s:s, s:s, s:s, s:s}", "problem", "no_active_goal",
	                                "area_id", sget(v, "area_id"), "agency_id",
	                                sget(v, "lead_agency_id"), "text", sget(v, "name")));
	json_array_foreach(json_object_get(r, "goals_without_appointed_owner"), i, v)
	        json_array_append_new(
	                rows, json_pack("{s:s, s:s, s:s, s:s, s:s}", "problem",
	                                "owner_not_appointed", "area_id", sget(v, "area_id"),
	                                "goal_id", sget(v, "goal_id"), "agency_id",
	                                sget(v, "owner_agency_id"), "text", sget(v, "text")));
	out_csv_columns(f, gaps_csv, rows);
	json_decref(rows);
}

/* The output of a whole answer r in format fmt (table: print; csv: csv, which commands
 * without one never get here with). */
static int answer(struct globals *g, json_t *r, void (*print)(FILE *, const json_t *),
                  void (*csv)(FILE *, const json_t *))
{
	if (g->out == OUT_CSV && csv != NULL) {
		csv(stdout, r);
		return finish_output(EXIT_OK);
	}
	if (g->out == OUT_TABLE)
		print(stdout, r);
	else
		json_dumpf(r, stdout, g->out == OUT_JSON ? JSON_INDENT(2) : JSON_COMPACT);
	if (g->out != OUT_TABLE)
		putchar('\n');
	return finish_output(EXIT_OK);
}

static void utc_today(char out[11])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int run_gaps(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	Stdreg__V1__GoalListRequest req = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	struct stdreg_status st = STDREG_STATUS_INIT;
	json_t *areas, *assignments, *goals, *r = NULL;
	stdreg_client *c = NULL;
	char day[11];
	int rc;

	if (!a->goals)
		return run_call(g, cmd, a);
	areas = json_array();
	assignments = json_array();
	goals = json_array();
	snprintf(day, sizeof(day), "%s", sget(a->fields, "today"));
	if (day[0] == '\0')
		utc_today(day);
	if ((rc = open_client(g, &c)) != 0)
		goto out;
	req.state = STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE;
	req.as_of = day;
	if (list_all(c, "area", areas, &st) != STDREG_OK ||
	    list_all(c, "assignment", assignments, &st) != STDREG_OK ||
	    goal_list_all(c, &req, goals, &st) != STDREG_OK) {
		rc = fail_status("list the goal gaps", &st);
		goto out;
	}
	if ((r = goal_gaps(areas, assignments, goals, day)) == NULL) {
		errorf("cannot list the goal gaps (out of memory)");
		rc = EXIT_SERVER;
		goto out;
	}
	rc = answer(g, r, print_gaps, csv_gaps);
out:
	json_decref(r);
	json_decref(areas);
	json_decref(assignments);
	json_decref(goals);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return rc;
}

/* ---- report --trend ------------------------------------------------------------------- */

static const struct column trend_cols[] = {
	{ "QUARTER_END", "quarter_end", NULL },
	{ "PRIORITISED", "prioritised", "0" },
	{ "WITH_LEAD", "lead", NULL },
	{ "ACTIVE_GOAL", "active_goal", NULL },
	{ "GOALS", "goals", "0" },
	{ "MET_ON_TIME", "met_on_time", NULL },
	{ "MEAN_SLIP", "mean_slip", NULL },
	{ "BY_STATUS", "by_status", NULL },
	{ 0 },
};

static double dnum(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : 0.0;
}

static long long inum(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* One table row of a TrendRow: counts with their percentages, statuses in one cell. */
static json_t *trend_row(const json_t *t)
{
	char lead[48], active[48], met[48], slip[24], status[256] = "";
	const json_t *s;
	size_t i, used = 0;

	snprintf(lead, sizeof(lead), "%lld (%.1f%%)", inum(t, "prioritised_with_lead"),
	         dnum(t, "lead_percent"));
	snprintf(active, sizeof(active), "%lld (%.1f%%)", inum(t, "with_active_goal"),
	         dnum(t, "active_goal_percent"));
	snprintf(met, sizeof(met), "%lld of %lld (%.1f%%)", inum(t, "met_on_time"),
	         inum(t, "came_due"), dnum(t, "met_on_time_percent"));
	snprintf(slip, sizeof(slip), "%.1f", dnum(t, "mean_slip_days"));
	json_array_foreach(json_object_get(t, "by_status"), i, s)
	{
		int w = snprintf(status + used, sizeof(status) - used, "%s%s %lld", i ? ", " : "",
		                 sget(s, "status"), inum(s, "count"));
		if (w < 0 || (size_t)w >= sizeof(status) - used)
			break;
		used += (size_t)w;
	}
	return json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:s}", "quarter_end",
	                 sget(t, "quarter_end"), "prioritised", (json_int_t)inum(t, "prioritised"),
	                 "lead", lead, "active_goal", active, "goals", (json_int_t)inum(t, "goals"),
	                 "met_on_time", met, "mean_slip", slip, "by_status", status);
}

static void print_trend(FILE *f, const json_t *r)
{
	json_t *rows = json_array();
	const json_t *t;
	size_t i;

	json_array_foreach(json_object_get(r, "rows"), i, t)
	        json_array_append_new(rows, trend_row(t));
	if (json_array_size(rows) > 0)
		out_table(f, trend_cols, rows);
	fprintf(f, "%zu quarter%s\n", json_array_size(rows), json_array_size(rows) == 1 ? "" : "s");
	json_decref(rows);
}

int run_report(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	Stdreg__V1__TrendRequest req = STDREG__V1__TREND_REQUEST__INIT;
	struct stdreg_status st = STDREG_STATUS_INIT;
	ProtobufCMessage *resp = NULL;
	stdreg_client *c = NULL;
	json_t *j = NULL;
	int rc;

	if (a->trend == NULL && a->from == NULL)
		return run_call(g, cmd, a);
	if (a->trend == NULL) {
		errorf("'report --from' needs --trend quarterly (see regctl report --help)");
		return EXIT_USAGE;
	}
	if (json_object_get(a->fields, "days") != NULL) {
		errorf("'report --trend' takes no --days (the trend is per quarter)");
		return EXIT_USAGE;
	}
	req.from_date = (char *)(a->from != NULL ? a->from : "");
	req.to_date = (char *)sget(a->fields, "today");
	if ((rc = open_client(g, &c)) != 0)
		goto out;
	if (stdreg_call(c, "Trend", &req.base, &stdreg__v1__trend_response__descriptor, &resp,
	                &st) != STDREG_OK) {
		rc = fail_status("make the trend report", &st);
		goto out;
	}
	if ((j = stdreg_json_from_message(resp)) == NULL) {
		errorf("cannot make the trend report (out of memory)");
		rc = EXIT_SERVER;
		goto out;
	}
	rc = answer(g, j, print_trend, NULL);
out:
	json_decref(j);
	if (resp != NULL)
		protobuf_c_message_free_unpacked(resp, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return rc;
}
