/*
 * test_goal_trend.c - store/goal_trend.c against a plain reading of its rules, on random
 * registries: areas with several priority versions (in any order, some without a date),
 * appointments that start and end, goals proposed, active, closed, reopened and withdrawn.
 * goal_trend and goal_trend_day index the input by area so that a quarter costs the size
 * of the registry, not its square; the reference below looks everything up for every
 * area, as the rules read, and every row must be the same to the last bit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "goal_rules.h"

#define FU(t)  STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_##t
#define GS(s)  STDREG__V1__GOAL_STATE__GOAL_STATE_##s
#define DS(s)  STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_##s
#define CK(s)  STDREG__V1__GOAL_STATUS__GOAL_STATUS_##s
#define RES(r) STDREG__V1__GOAL_RESULT__GOAL_RESULT_##r
#define PRIO   STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED
#define MONI   STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED
#define N(a)   (sizeof(a) / sizeof((a)[0]))

#define MAX_VERSIONS 24
#define MAX_APPTS    24
#define MAX_GOALS    16
#define MAX_FUS      8
#define TODAY        "2099-12-31"

/* --- the reference: every area looks through every list ------------------------------ */

static bool ref_version_in_force(const struct goal_trend_input *in, size_t i, const char *day)
{
	const struct goal_area_version *v = &in->versions[i];

	if (v->priority_since != NULL && strcmp(v->priority_since, day) > 0)
		return false;
	for (size_t j = i + 1; j < in->nversions; j++) {
		const struct goal_area_version *w = &in->versions[j];
		if (strcmp(w->area_id, v->area_id) == 0 &&
		    (w->priority_since == NULL || strcmp(w->priority_since, day) <= 0))
			return false;
	}
	return true;
}

static bool ref_lead_on(const struct goal_trend_input *in, const char *area_id, const char *day)
{
	for (size_t i = 0; i < in->nappointments; i++) {
		const Stdreg__V1__Assignment *a = in->appointments[i];
		if (a->role == STDREG__V1__ROLE__ROLE_LEAD && strcmp(a->area_id, area_id) == 0 &&
		    strcmp(a->valid_from, day) <= 0 &&
		    (a->valid_to == NULL || *a->valid_to == '\0' || strcmp(day, a->valid_to) < 0))
			return true;
	}
	return false;
}

static double ref_percent(unsigned part, unsigned whole)
{
	return whole == 0 ? 0 : 100.0 * part / whole;
}

static void ref_day(const struct goal_trend_input *in, const char *day, struct goal_trend_row *out)
{
	struct goal_trend_row r = { 0 };
	struct goal_view views[MAX_GOALS] = { 0 };
	long slip_sum = 0;
	unsigned slip_n = 0;

	snprintf(r.quarter_end, sizeof(r.quarter_end), "%s", day);
	for (size_t i = 0; i < in->ngoals; i++) {
		const struct goal_trend_goal *tg = &in->goals[i];
		struct goal_view *v = &views[i];

		goal_view_as_of(tg->goal, tg->fus, tg->n, tg->steps, tg->nsteps, day, v, NULL);
		if (!v->fold.exists)
			continue;
		r.goals++;
		if (v->status > 0 && v->status <= GOAL_DERIVED_STATUS_MAX)
			r.by_status[v->status]++;
		if (v->fold.state != GS(ACTIVE) && v->fold.state != GS(CLOSED))
			continue;
		slip_sum += v->slip_days;
		slip_n++;
		if (strcmp(tg->goal->original_due, day) < 0) {
			r.came_due++;
			if (v->status == DS(MET) && v->met_on_time)
				r.met_on_time++;
		}
	}
	for (size_t i = 0; i < in->nversions; i++) {
		const struct goal_area_version *a = &in->versions[i];
		if (!ref_version_in_force(in, i, day) || a->priority != PRIO)
			continue;
		r.prioritised++;
		if (ref_lead_on(in, a->area_id, day))
			r.prioritised_with_lead++;
		for (size_t j = 0; j < in->ngoals; j++)
			if (views[j].fold.exists && views[j].fold.state == GS(ACTIVE) &&
			    strcmp(in->goals[j].goal->area_id, a->area_id) == 0) {
				r.with_active_goal++;
				break;
			}
	}
	r.lead_percent = ref_percent(r.prioritised_with_lead, r.prioritised);
	r.active_goal_percent = ref_percent(r.with_active_goal, r.prioritised);
	r.met_on_time_percent = ref_percent(r.met_on_time, r.came_due);
	r.mean_slip_days = slip_n ? (double)slip_sum / slip_n : 0;
	*out = r;
}

/* --- a random registry ------------------------------------------------------------------ */

/* Ids that share prefixes, an area only goals and appointments name ("x"), and one no
 * version is ever first for. */
static const char *const area_pool[] = { "a", "ab", "a/b", "b", "c", "dd", "e-1", "x" };
#define VERSIONED_AREAS 7 /* the first seven; "x" has no version */

struct reg {
	uint64_t number; /* the seed it was built from */
	uint64_t seed;   /* the generator's state */
	struct goal_area_version versions[MAX_VERSIONS];
	char since[MAX_VERSIONS][11];
	Stdreg__V1__Assignment appt[MAX_APPTS];
	const Stdreg__V1__Assignment *appts[MAX_APPTS];
	char from[MAX_APPTS][11], to[MAX_APPTS][11];
	Stdreg__V1__Goal *goal[MAX_GOALS];
	Stdreg__V1__FollowUp *fus[MAX_GOALS][MAX_FUS];
	struct goal_trend_goal tgoals[MAX_GOALS];
	struct goal_trend_input in;
	unsigned accepted; /* follow-ups the rules took */
};

static unsigned rnd(struct reg *g, unsigned n)
{
	g->seed = g->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(g->seed >> 33) % n;
}

/* A day of 2019-2032; a third of them on a quarter's last day or the day after, where
 * "not after day" and "before day" part. */
static void random_day(struct reg *g, char out[11])
{
	static const char *const ends[] = { "03-31", "06-30", "09-30", "12-31" };

	if (rnd(g, 3) == 0) {
		char q[32];
		snprintf(q, sizeof q, "%u-%s", 2019 + rnd(g, 13), ends[rnd(g, 4)]);
		goal_date_add(q, rnd(g, 2), out);
	} else {
		goal_date_add("2019-01-01", rnd(g, 14 * 365), out);
	}
}

static void random_versions(struct reg *g)
{
	static const int priorities[] = { PRIO, PRIO, MONI, 0 };

	g->in.nversions = 1 + rnd(g, MAX_VERSIONS);
	for (size_t i = 0; i < g->in.nversions; i++) {
		struct goal_area_version *v = &g->versions[i];
		unsigned since = rnd(g, 8);

		random_day(g, g->since[i]);
		v->area_id = area_pool[rnd(g, VERSIONED_AREAS)];
		v->priority = priorities[rnd(g, N(priorities))];
		v->priority_since = since == 0 ? NULL : since == 1 ? "" : g->since[i];
	}
	g->in.versions = g->versions;
}

static void random_appointments(struct reg *g)
{
	g->in.nappointments = rnd(g, MAX_APPTS + 1);
	for (size_t i = 0; i < g->in.nappointments; i++) {
		Stdreg__V1__Assignment a = STDREG__V1__ASSIGNMENT__INIT;
		unsigned to = rnd(g, 4);

		random_day(g, g->from[i]);
		random_day(g, g->to[i]); /* sometimes before from: it never holds */
		a.area_id = (char *)area_pool[rnd(g, N(area_pool))];
		a.agency_id = "agency";
		a.role =
		        rnd(g, 3) ? STDREG__V1__ROLE__ROLE_LEAD : STDREG__V1__ROLE__ROLE_SUPPORTING;
		a.valid_from = g->from[i];
		a.valid_to = to == 0 ? NULL : to == 1 ? "" : g->to[i];
		g->appt[i] = a;
		g->appts[i] = &g->appt[i];
	}
	g->in.appointments = g->appts;
}

/* A follow-up of a random type some days after the last; the rules take it or not. */
static void random_follow_up(struct reg *g, size_t k, char *as_of)
{
	static const int types[] = { FU(CHECK_IN), FU(CHECK_IN), FU(REDATE),  FU(CLOSE),
		                     FU(REOPEN),   FU(ACTIVATE), FU(WITHDRAW) };
	static const int statuses[] = { CK(ON_TRACK), CK(AT_RISK), CK(OFF_TRACK) };
	Stdreg__V1__FollowUp f0 = STDREG__V1__FOLLOW_UP__INIT, *f;
	struct store_error err = { 0 };
	const Stdreg__V1__FollowUp *const *prior = g->tgoals[k].fus;
	char due[11];
	size_t n = g->tgoals[k].n;

	goal_date_add(as_of, (long)rnd(g, 200), as_of);
	random_day(g, due);
	f0.type = types[rnd(g, N(types))];
	f0.as_of = as_of;
	f0.note = "as it stands";
	// Drawn for every type (the same sequence of draws), set on the types that carry them.
	int status = statuses[rnd(g, N(statuses))];
	int result = rnd(g, 2) ? RES(MET) : RES(MISSED);
	if (f0.type == FU(CHECK_IN))
		f0.status = status;
	else
		f0.decision_ref = "D-1";
	if (f0.type == FU(REDATE))
		f0.new_due = due;
	if (f0.type == FU(CLOSE))
		f0.result = result;
	f = (Stdreg__V1__FollowUp *)rec_dup(&f0.base);
	if (n < MAX_FUS &&
	    goal_check_follow_up(g->goal[k], prior, n, f, TODAY, NULL, &err) == RG_OK) {
		g->fus[k][n] = f;
		g->tgoals[k].n++;
		g->accepted++;
	} else {
		protobuf_c_message_free_unpacked(&f->base, NULL);
	}
}

static void random_goals(struct reg *g)
{
	g->in.ngoals = rnd(g, MAX_GOALS + 1);
	for (size_t k = 0; k < g->in.ngoals; k++) {
		Stdreg__V1__Goal g0 = STDREG__V1__GOAL__INIT;
		struct store_error err = { 0 };
		char set_on[11], due[11], as_of[11], id[32];
		unsigned nfus = rnd(g, MAX_FUS + 1);

		random_day(g, set_on);
		goal_date_add(set_on, (long)rnd(g, 3 * 365), due);
		snprintf(id, sizeof id, "g/%zu", k + 1);
		g0.id = id;
		g0.area_id = (char *)area_pool[rnd(g, N(area_pool))];
		g0.owner_agency_id = "agency";
		g0.text = "a goal";
		g0.due = due;
		g0.decision_ref = "D-0";
		g0.set_on = set_on;
		g0.state = rnd(g, 4) == 0 ? GS(PROPOSED) : 0;
		g->goal[k] = (Stdreg__V1__Goal *)rec_dup(&g0.base);
		if (goal_check_new(g->goal[k], TODAY, NULL, &err) != RG_OK)
			fail_msg("seed goal %s refused: %s", id, err.message);
		g->tgoals[k] = (struct goal_trend_goal){
			g->goal[k], (const Stdreg__V1__FollowUp *const *)g->fus[k], 0, NULL, 0
		};
		memcpy(as_of, set_on, sizeof as_of);
		for (unsigned j = 0; j < nfus; j++)
			random_follow_up(g, k, as_of);
	}
	g->in.goals = g->tgoals;
}

static void reg_build(struct reg *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->number = g->seed = seed;
	random_versions(g);
	random_appointments(g);
	random_goals(g);
}

static void reg_free(struct reg *g)
{
	for (size_t k = 0; k < g->in.ngoals; k++) {
		for (size_t j = 0; j < g->tgoals[k].n; j++)
			protobuf_c_message_free_unpacked(&g->fus[k][j]->base, NULL);
		protobuf_c_message_free_unpacked(&g->goal[k]->base, NULL);
	}
}

/* --- the comparison ------------------------------------------------------------------------ */

static bool rows_equal(const struct goal_trend_row *a, const struct goal_trend_row *b)
{
	return strcmp(a->quarter_end, b->quarter_end) == 0 && a->prioritised == b->prioritised &&
	       a->prioritised_with_lead == b->prioritised_with_lead &&
	       a->with_active_goal == b->with_active_goal && a->lead_percent == b->lead_percent &&
	       a->active_goal_percent == b->active_goal_percent && a->goals == b->goals &&
	       memcmp(a->by_status, b->by_status, sizeof(a->by_status)) == 0 &&
	       a->came_due == b->came_due && a->met_on_time == b->met_on_time &&
	       a->met_on_time_percent == b->met_on_time_percent &&
	       a->mean_slip_days == b->mean_slip_days;
}

static void expect_row(const struct reg *g, const struct goal_trend_row *got)
{
	struct goal_trend_row want;

	ref_day(&g->in, got->quarter_end, &want);
	if (!rows_equal(got, &want))
		fail_msg(
		        "registry %llu, %s: prioritised %u/%u, with lead %u/%u, active goal %u/%u, "
		        "goals %u/%u, came due %u/%u, met on time %u/%u, slip %g/%g (got/want)",
		        (unsigned long long)g->number, got->quarter_end, got->prioritised,
		        want.prioritised, got->prioritised_with_lead, want.prioritised_with_lead,
		        got->with_active_goal, want.with_active_goal, got->goals, want.goals,
		        got->came_due, want.came_due, got->met_on_time, want.met_on_time,
		        got->mean_slip_days, want.mean_slip_days);
}

/* What the registries covered: a row where only some prioritised areas had a lead or an
 * active goal, and goals that came due and were met on time. */
struct coverage {
	unsigned some_leads, some_active, came_due, met_on_time, follow_ups;
};

static void cover(struct coverage *c, const struct goal_trend_row *r)
{
	c->some_leads += r->prioritised_with_lead > 0 && r->prioritised_with_lead < r->prioritised;
	c->some_active += r->with_active_goal > 0 && r->with_active_goal < r->prioritised;
	c->came_due += r->came_due > 0;
	c->met_on_time += r->met_on_time > 0;
}

static void trend_matches_reference(void **state)
{
	struct reg *g = malloc(sizeof(*g));
	struct coverage c = { 0 };

	(void)state;
	assert_non_null(g);
	for (uint64_t seed = 1; seed <= 300; seed++) {
		struct goal_trend_row *rows = NULL, row;
		struct store_error err = { 0 };
		size_t n = 0;

		reg_build(g, seed);
		// Every quarter of 2019-2032, the index built once for all of them.
		assert_int_equal(goal_trend(&g->in, "2019-01-01", "2032-12-31", &rows, &n, &err),
		                 RG_OK);
		assert_int_equal(n, 14 * 4);
		for (size_t i = 0; i < n; i++) {
			expect_row(g, &rows[i]);
			cover(&c, &rows[i]);
		}
		free(rows);
		// Single days, quarter ends or not.
		for (int i = 0; i < 20; i++) {
			char day[11];
			random_day(g, day);
			assert_int_equal(goal_trend_day(&g->in, day, &row), RG_OK);
			assert_string_equal(row.quarter_end, day);
			expect_row(g, &row);
		}
		c.follow_ups += g->accepted;
		reg_free(g);
	}
	free(g);
	if (c.some_leads < 1000 || c.some_active < 1000 || c.came_due < 1000 ||
	    c.met_on_time < 1000 || c.follow_ups < 1000)
		fail_msg("the random registries cover too little: rows with some leads %u, some "
		         "active goals %u, goals come due %u, met on time %u; follow-ups %u",
		         c.some_leads, c.some_active, c.came_due, c.met_on_time, c.follow_ups);
}

/* No versions, appointments or goals: every row is zero but its date. */
static void trend_of_nothing(void **state)
{
	struct goal_trend_input in = { 0 };
	struct goal_trend_row *rows = NULL, want = { 0 };
	struct store_error err = { 0 };
	size_t n = 0;

	(void)state;
	assert_int_equal(goal_trend(&in, "2026-01-01", "2026-12-31", &rows, &n, &err), RG_OK);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		snprintf(want.quarter_end, sizeof want.quarter_end, "%s", rows[i].quarter_end);
		assert_true(rows_equal(&rows[i], &want));
	}
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trend_matches_reference),
		cmocka_unit_test(trend_of_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
