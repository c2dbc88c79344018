/*
 * test_goal_rules.c - store/goal_rules.c, goal_status.c, goal_trend.c: every bad input of
 * a goal and a follow-up, the state machine, corrections, and a year replayed whose status
 * and trend equal a table computed by hand.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "goal_rules.h"

#define FU(t)   STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_##t
#define GS(s)   STDREG__V1__GOAL_STATE__GOAL_STATE_##s
#define DS(s)   STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_##s
#define CK(s)   STDREG__V1__GOAL_STATUS__GOAL_STATUS_##s
#define KIND(k) STDREG__V1__GOAL_KIND__GOAL_KIND_##k
#define RES(r)  STDREG__V1__GOAL_RESULT__GOAL_RESULT_##r
#define LEAD    STDREG__V1__ROLE__ROLE_LEAD
#define SUPP    STDREG__V1__ROLE__ROLE_SUPPORTING
#define PRIO    STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED
#define MONI    STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED
#define N(a)    (sizeof(a) / sizeof((a)[0]))

static bool near(double a, double b)
{
	return a - b < 1e-9 && b - a < 1e-9;
}

/* --- appointments, as the store would answer the owner check ---------------------------- */

static const struct appt {
	const char *area, *agency;
	int role;
	const char *from, *to;
} appts[] = {
	{ "ai", "digg", LEAD, "2025-09-01", "2026-07-01" }, /* ended by the transfer to pts */
	{ "ai", "pts", LEAD, "2026-07-01", "" },
	{ "ai", "msb", SUPP, "2026-01-01", "" },
	{ "iot", "msb", LEAD, "2026-06-15", "" },
};

static int holds(void *arg, const char *area, const char *agency, const char *date, bool *out)
{
	(void)arg;
	*out = false;
	for (size_t i = 0; i < N(appts); i++)
		if (strcmp(appts[i].area, area) == 0 && strcmp(appts[i].agency, agency) == 0 &&
		    strcmp(appts[i].from, date) <= 0 &&
		    (appts[i].to[0] == '\0' || strcmp(date, appts[i].to) < 0))
			*out = true;
	return RG_OK;
}

static int holds_broken(void *arg, const char *area, const char *agency, const char *date,
                        bool *out)
{
	(void)arg, (void)area, (void)agency, (void)date, (void)out;
	return RG_EIO;
}

static const struct goal_owner_check owners = { holds, NULL };

/* --- a new goal: the bad inputs of issue #15 ------------------------------------------ */

static Stdreg__V1__Goal base_goal(void)
{
	Stdreg__V1__Goal g = STDREG__V1__GOAL__INIT;

	g.id = "ai/1";
	g.area_id = "ai";
	g.owner_agency_id = "digg";
	g.text = "Swedish positions in CEN-CLC/JTC 21 on the harmonised AI standards";
	g.due = "2026-09-30";
	g.decision_ref = "I2026/00123";
	g.set_on = "2026-01-15";
	return g;
}

static void text_empty(Stdreg__V1__Goal *g)
{
	g->text = "";
}
static void text_501(Stdreg__V1__Goal *g)
{
	static char t[502];
	memset(t, 'a', 501);
	g->text = t;
}
static void text_bad_utf8(Stdreg__V1__Goal *g)
{
	g->text = "pos\xc3(itions";
}
static void text_control(Stdreg__V1__Goal *g)
{
	g->text = "positions\x1b[2J";
}
static void kind_unknown(Stdreg__V1__Goal *g)
{
	g->kind = 99;
}
static void indicator_no_unit(Stdreg__V1__Goal *g)
{
	g->kind = KIND(INDICATOR);
	g->baseline = 0;
	g->target = 10;
}
static void indicator_flat(Stdreg__V1__Goal *g)
{
	g->kind = KIND(INDICATOR);
	g->unit = "agencies";
	g->baseline = 4;
	g->target = 4;
}
static void indicator_nan_target(Stdreg__V1__Goal *g)
{
	indicator_flat(g);
	g->target = NAN;
}
static void indicator_infinite_baseline(Stdreg__V1__Goal *g)
{
	indicator_flat(g);
	g->baseline = -INFINITY;
}
static void stage_no_item(Stdreg__V1__Goal *g)
{
	g->kind = KIND(STAGE);
	g->target_stage = "60.60";
}
static void stage_no_code(Stdreg__V1__Goal *g)
{
	g->kind = KIND(STAGE);
	g->work_item_id = "iso-iec-42001";
}
static void stage_bad_code(Stdreg__V1__Goal *g)
{
	stage_no_code(g);
	g->target_stage = "61.00";
}
static void stage_cancel_code(Stdreg__V1__Goal *g)
{
	stage_no_code(g);
	g->target_stage = "95.99";
}
static void unit_on_deliverable(Stdreg__V1__Goal *g)
{
	g->unit = "agencies";
}
static void stage_on_deliverable(Stdreg__V1__Goal *g)
{
	g->target_stage = "60.60";
}
static void due_missing(Stdreg__V1__Goal *g)
{
	g->due = "";
}
static void due_not_a_day(Stdreg__V1__Goal *g)
{
	g->due = "2026-02-30";
}
static void decision_missing(Stdreg__V1__Goal *g)
{
	g->decision_ref = "";
}
static void parent_other_area(Stdreg__V1__Goal *g)
{
	g->parent_id = "iot/1";
}
static void parent_prefix_area(Stdreg__V1__Goal *g)
{
	g->parent_id = "aix/1";
}
static void parent_self(Stdreg__V1__Goal *g)
{
	g->parent_id = "ai/1";
}
static void area_missing(Stdreg__V1__Goal *g)
{
	g->area_id = "";
}
static void owner_missing(Stdreg__V1__Goal *g)
{
	g->owner_agency_id = "";
}
static void state_closed(Stdreg__V1__Goal *g)
{
	g->state = GS(CLOSED);
}
static void result_set(Stdreg__V1__Goal *g)
{
	g->result = RES(MET);
}
static void every_huge(Stdreg__V1__Goal *g)
{
	g->report_every_days = 100000;
}
static void set_on_future(Stdreg__V1__Goal *g)
{
	g->set_on = "2027-01-01";
}
static void set_on_bad(Stdreg__V1__Goal *g)
{
	g->set_on = "15/01/2026";
}
static void owner_not_appointed(Stdreg__V1__Goal *g)
{
	g->owner_agency_id = "pts";
}
static void owner_appointment_ended(Stdreg__V1__Goal *g)
{
	g->set_on = "2026-08-01"; /* digg's lead ended on 2026-07-01 */
}

static void new_goal_bad_input(void **state)
{
	static const struct {
		const char *name;
		void (*edit)(Stdreg__V1__Goal *g);
		int code;
		const char *field;
	} cases[] = {
		{ "empty text", text_empty, RG_EINVAL, "text" },
		{ "text of 501 characters", text_501, RG_EINVAL, "text" },
		{ "text not UTF-8", text_bad_utf8, RG_EINVAL, "text" },
		{ "text with a terminal escape", text_control, RG_EINVAL, "text" },
		{ "unknown kind", kind_unknown, RG_EINVAL, "kind" },
		{ "indicator without unit", indicator_no_unit, RG_EINVAL, "unit" },
		{ "indicator with baseline = target", indicator_flat, RG_EINVAL, "target" },
		{ "indicator with a target of NaN", indicator_nan_target, RG_EINVAL, "target" },
		{ "indicator with an infinite baseline", indicator_infinite_baseline, RG_EINVAL,
		  "baseline" },
		{ "stage goal without item", stage_no_item, RG_EINVAL, "work_item_id" },
		{ "stage goal without target stage", stage_no_code, RG_EINVAL, "target_stage" },
		{ "target stage not a code", stage_bad_code, RG_EINVAL, "target_stage" },
		{ "target stage a cancellation", stage_cancel_code, RG_EINVAL, "target_stage" },
		{ "unit on a deliverable", unit_on_deliverable, RG_EINVAL, "unit" },
		{ "target stage on a deliverable", stage_on_deliverable, RG_EINVAL,
		  "target_stage" },
		{ "no due date", due_missing, RG_EINVAL, "due" },
		{ "due not a calendar day", due_not_a_day, RG_EINVAL, "due" },
		{ "no decision", decision_missing, RG_EINVAL, "decision_ref" },
		{ "parent in another area", parent_other_area, RG_EINVAL, "parent_id" },
		{ "parent in an area with the same prefix", parent_prefix_area, RG_EINVAL,
		  "parent_id" },
		{ "parent is the goal (cycle)", parent_self, RG_EINVAL, "parent_id" },
		{ "no area", area_missing, RG_EINVAL, "area_id" },
		{ "no owner", owner_missing, RG_EINVAL, "owner_agency_id" },
		{ "set as closed", state_closed, RG_EINVAL, "state" },
		{ "result before a close", result_set, RG_EINVAL, "result" },
		{ "cadence of 100000 days", every_huge, RG_EINVAL, "report_every_days" },
		{ "set_on not a date", set_on_bad, RG_EINVAL, "set_on" },
		{ "set_on in the future", set_on_future, RG_EPRECOND, "set_on" },
		{ "owner without appointment", owner_not_appointed, RG_EPRECOND,
		  "owner_agency_id" },
		{ "owner whose appointment ended", owner_appointment_ended, RG_EPRECOND,
		  "owner_agency_id" },
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		Stdreg__V1__Goal g0 = base_goal(), *g;
		struct store_error err = { 0 };
		int rc;

		cases[i].edit(&g0);
		g = (void *)rec_dup(&g0.base);
		rc = goal_check_new(g, "2026-12-31", &owners, &err);
		if (rc != cases[i].code || strcmp(err.field, cases[i].field) != 0)
			fail_msg("%s: got %s on '%s' (%s), expected %s on '%s'", cases[i].name,
			         rg_strerror(rc), err.field, err.message,
			         rg_strerror(cases[i].code), cases[i].field);
		assert_true(err.message[0] != '\0');
		/* Nothing is derived from a refused goal. */
		assert_string_equal(g->original_due, "");
		rec_free(g);
	}
}

static void new_goal_owner_check_fails(void **state)
{
	Stdreg__V1__Goal g0 = base_goal(), *g = (void *)rec_dup(&g0.base);
	struct goal_owner_check broken = { holds_broken, NULL };
	struct store_error err = { 0 };

	(void)state;
	assert_int_equal(goal_check_new(g, "2026-12-31", &broken, &err), RG_EIO);
	assert_string_equal(err.field, "owner_agency_id");
	rec_free(g);
}

static void new_goal_derived(void **state)
{
	Stdreg__V1__Goal g0 = base_goal(), *g;
	struct store_error err = { 0 };
	char t500[1001];

	(void)state;
	g0.set_on = "";
	g0.owner_agency_id = "msb"; /* a supporting appointment is enough */
	/* 500 characters of two bytes each: the limit counts characters, not bytes */
	for (int i = 0; i < 500; i++)
		memcpy(t500 + 2 * i, "\xc3\xa5", 2);
	t500[1000] = '\0';
	g0.text = t500;
	g = (void *)rec_dup(&g0.base);
	assert_int_equal(goal_check_new(g, "2026-03-01", &owners, &err), RG_OK);
	assert_int_equal(g->kind, KIND(DELIVERABLE));
	assert_int_equal(g->state, GS(ACTIVE));
	assert_int_equal(g->report_every_days, GOAL_REPORT_EVERY_DEFAULT);
	assert_string_equal(g->original_due, "2026-09-30");
	assert_string_equal(g->set_on, "2026-03-01");
	rec_free(g);

	/* Proposed stays proposed; a falling indicator is a direction too; a stage goal. */
	g0 = base_goal();
	g0.state = GS(PROPOSED);
	g0.kind = KIND(INDICATOR);
	g0.unit = "days";
	g0.baseline = 30;
	g0.target = 5;
	g0.report_every_days = 30;
	g = (void *)rec_dup(&g0.base);
	assert_int_equal(goal_check_new(g, "2026-03-01", &owners, &err), RG_OK);
	assert_int_equal(g->state, GS(PROPOSED));
	assert_int_equal(g->report_every_days, 30);
	rec_free(g);

	g0 = base_goal();
	g0.kind = KIND(STAGE);
	g0.work_item_id = "iso-iec-42001";
	g0.target_stage = "60.60";
	g = (void *)rec_dup(&g0.base);
	assert_int_equal(goal_check_new(g, "2026-03-01", NULL, &err), RG_OK);
	rec_free(g);
}

/* --- edits of a stored goal --------------------------------------------------------------- */

static void ed_due(Stdreg__V1__Goal *g)
{
	g->due = "2027-03-31";
}
static void ed_owner(Stdreg__V1__Goal *g)
{
	g->owner_agency_id = "msb";
}
static void ed_owner_unappointed(Stdreg__V1__Goal *g)
{
	g->owner_agency_id = "pts";
}
static void ed_text(Stdreg__V1__Goal *g)
{
	g->text = "Swedish positions in JTC 21";
}
static void ed_text_empty(Stdreg__V1__Goal *g)
{
	g->text = "";
}
static void ed_area(Stdreg__V1__Goal *g)
{
	g->area_id = "iot";
}
static void ed_kind(Stdreg__V1__Goal *g)
{
	g->kind = KIND(STAGE);
}
static void ed_original_due(Stdreg__V1__Goal *g)
{
	g->original_due = "2026-12-31";
}
static void ed_set_on(Stdreg__V1__Goal *g)
{
	g->set_on = "2026-01-01";
}
static void ed_state(Stdreg__V1__Goal *g)
{
	g->state = GS(CLOSED);
}
static void ed_decision(Stdreg__V1__Goal *g)
{
	g->decision_ref = "I2026/99999";
}
static void ed_parent(Stdreg__V1__Goal *g)
{
	g->parent_id = "ai/7";
}
static void ed_links(Stdreg__V1__Goal *g)
{
	static char *items[] = { "cen-clc-jtc21-prai" };
	static char *contributors[] = { "pts", "msb" };
	g->n_work_item_ids = 1;
	g->work_item_ids = items;
	g->n_contributor_ids = 2;
	g->contributor_ids = contributors;
	g->source_ref = "RP2026 3.0.2 Action 1";
	g->report_every_days = 30;
}
static void ed_nothing_given(Stdreg__V1__Goal *g)
{
	/* A put that leaves out what the registry set keeps it. */
	g->kind = 0;
	g->original_due = "";
	g->set_on = "";
	g->state = 0;
}

static void edits(void **state)
{
	static const struct {
		const char *name;
		void (*edit)(Stdreg__V1__Goal *g);
		bool proposed; /* the stored goal is a proposal */
		int code;
		const char *field;
	} cases[] = {
		{ "redate by put", ed_due, false, RG_EPRECOND, "due" },
		{ "reassign by put", ed_owner, false, RG_EPRECOND, "owner_agency_id" },
		{ "retext by put", ed_text, false, RG_EPRECOND, "text" },
		{ "another decision by put", ed_decision, false, RG_EPRECOND, "decision_ref" },
		{ "another parent by put", ed_parent, false, RG_EPRECOND, "parent_id" },
		{ "another area", ed_area, false, RG_EPRECOND, "area_id" },
		{ "another kind", ed_kind, false, RG_EPRECOND, "kind" },
		{ "another original due date", ed_original_due, false, RG_EPRECOND,
		  "original_due" },
		{ "another set_on", ed_set_on, false, RG_EPRECOND, "set_on" },
		{ "closing by put", ed_state, false, RG_EPRECOND, "state" },
		{ "contributors, items, source and cadence", ed_links, false, RG_OK, "" },
		{ "fields left out", ed_nothing_given, false, RG_OK, "" },
		{ "a proposal redated", ed_due, true, RG_OK, "" },
		{ "a proposal with another owner", ed_owner, true, RG_OK, "" },
		{ "a proposal with an unappointed owner", ed_owner_unappointed, true, RG_EPRECOND,
		  "owner_agency_id" },
		{ "a proposal without text", ed_text_empty, true, RG_EINVAL, "text" },
		{ "a proposal closed by put", ed_state, true, RG_EPRECOND, "state" },
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		Stdreg__V1__Goal g0 = base_goal(), *old, *g, tmp;
		struct store_error err = { 0 };
		int rc;

		g0.state = cases[i].proposed ? GS(PROPOSED) : GS(ACTIVE);
		old = (void *)rec_dup(&g0.base);
		assert_int_equal(goal_check_new(old, "2026-02-01", &owners, &err), RG_OK);
		tmp = *old; /* a shallow copy for the edit, then a heap copy of the result */
		cases[i].edit(&tmp);
		g = (void *)rec_dup(&tmp.base);
		rc = goal_check_edit(old, g, "2026-02-01", &owners, &err);
		if (rc != cases[i].code || (rc != RG_OK && strcmp(err.field, cases[i].field) != 0))
			fail_msg("%s: got %s on '%s' (%s), expected %s on '%s'", cases[i].name,
			         rg_strerror(rc), err.field, err.message,
			         rg_strerror(cases[i].code), cases[i].field);
		if (rc == RG_OK) {
			assert_int_equal(g->kind, old->kind);
			assert_int_equal(g->state, old->state);
			assert_string_equal(g->set_on, old->set_on);
			/* original_due is the due date, until the goal comes into force */
			assert_string_equal(g->original_due,
			                    cases[i].proposed ? g->due : old->original_due);
		}
		rec_free(g);
		rec_free(old);
	}
}

/* --- follow-ups: the bad inputs --------------------------------------------------------- */

/* An active indicator goal of ai owned by msb, with one check-in of 2026-03-01. */
struct fixture_goal {
	Stdreg__V1__Goal *g;
	Stdreg__V1__FollowUp *fus[32];
	size_t n;
};

static Stdreg__V1__FollowUp fu_init(int type, const char *as_of)
{
	Stdreg__V1__FollowUp f = STDREG__V1__FOLLOW_UP__INIT;

	f.type = type;
	f.as_of = (char *)as_of;
	return f;
}

/* Appends f0 the way the registry would (checked on day today), or fails the test. */
static Stdreg__V1__FollowUp *append(struct fixture_goal *fg, const Stdreg__V1__FollowUp *f0,
                                    const char *today)
{
	Stdreg__V1__FollowUp *f = (void *)rec_dup(&f0->base);
	struct store_error err = { 0 };

	if (goal_check_follow_up(fg->g, (const Stdreg__V1__FollowUp *const *)fg->fus, fg->n, f,
	                         today, &owners, &err) != RG_OK)
		fail_msg("%s follow-up of %s refused: %s (%s)", f0->as_of, fg->g->id, err.message,
		         err.field);
	fg->fus[fg->n++] = f;
	return f;
}

static void fixture_free(struct fixture_goal *fg)
{
	for (size_t i = 0; i < fg->n; i++)
		rec_free(fg->fus[i]);
	rec_free(fg->g);
}

static Stdreg__V1__FollowUp checkin(const char *as_of, int status, const char *note)
{
	Stdreg__V1__FollowUp f = fu_init(FU(CHECK_IN), as_of);

	f.status = status;
	f.note = (char *)note;
	return f;
}

static void indicator_goal(struct fixture_goal *fg, int state)
{
	Stdreg__V1__Goal g0 = base_goal();
	struct store_error err = { 0 };
	Stdreg__V1__FollowUp c = checkin("2026-03-01", CK(ON_TRACK), "two agencies use it");

	memset(fg, 0, sizeof(*fg));
	g0.id = "ai/2";
	g0.owner_agency_id = "msb";
	g0.kind = KIND(INDICATOR);
	g0.unit = "agencies";
	g0.baseline = 0;
	g0.target = 10;
	g0.state = state;
	g0.set_on = "2026-02-01";
	g0.due = "2026-11-30";
	fg->g = (void *)rec_dup(&g0.base);
	assert_int_equal(goal_check_new(fg->g, "2026-02-01", &owners, &err), RG_OK);
	if (state == GS(ACTIVE)) {
		c.value = 2;
		c.value_set = true;
		append(fg, &c, "2026-03-01");
	}
}

static void fu_type_none(Stdreg__V1__FollowUp *f)
{
	f->type = 0;
}
static void fu_goal_other(Stdreg__V1__FollowUp *f)
{
	f->goal_id = "ai/9";
}
static void fu_seq_skips(Stdreg__V1__FollowUp *f)
{
	f->seq = 5;
}
static void fu_seq_rewrites(Stdreg__V1__FollowUp *f)
{
	f->seq = 1;
}
static void fu_id_wrong(Stdreg__V1__FollowUp *f)
{
	f->id = "ai/3/1";
}
static void fu_id_later(Stdreg__V1__FollowUp *f)
{
	f->id = "ai/2/7";
}
static void fu_no_status(Stdreg__V1__FollowUp *f)
{
	f->status = 0;
}
static void fu_empty_note(Stdreg__V1__FollowUp *f)
{
	f->note = "";
}
static void fu_future(Stdreg__V1__FollowUp *f)
{
	f->as_of = "2026-04-02";
}
static void fu_before_last(Stdreg__V1__FollowUp *f)
{
	f->as_of = "2026-02-28";
}
static void fu_not_a_day(Stdreg__V1__FollowUp *f)
{
	f->as_of = "2026-04-31";
}
static void fu_redate_no_decision(Stdreg__V1__FollowUp *f)
{
	*f = fu_init(FU(REDATE), "2026-04-01");
	f->new_due = "2027-03-31";
}
static void fu_redate_no_date(Stdreg__V1__FollowUp *f)
{
	*f = fu_init(FU(REDATE), "2026-04-01");
	f->decision_ref = "I2026/00456";
}
static void fu_redate_same(Stdreg__V1__FollowUp *f)
{
	fu_redate_no_date(f);
	f->new_due = "2026-11-30";
}
static void fu_reassign_nobody(Stdreg__V1__FollowUp *f)
{
	*f = fu_init(FU(REASSIGN), "2026-04-01");
	f->decision_ref = "I2026/00500";
}
static void fu_reassign_same(Stdreg__V1__FollowUp *f)
{
	fu_reassign_nobody(f);
	f->new_owner_agency_id = "msb";
}
static void fu_reassign_unappointed(Stdreg__V1__FollowUp *f)
{
	fu_reassign_nobody(f);
	f->new_owner_agency_id = "pts"; /* pts leads ai only from 2026-07-01 */
}
static void fu_retarget_nothing(Stdreg__V1__FollowUp *f)
{
	*f = fu_init(FU(RETARGET), "2026-04-01");
	f->decision_ref = "I2026/00501";
}
static void fu_retarget_flat(Stdreg__V1__FollowUp *f)
{
	fu_retarget_nothing(f);
	f->new_target = 0;
	f->new_target_set = true;
}
static void fu_retarget_stage_on_indicator(Stdreg__V1__FollowUp *f)
{
	fu_retarget_nothing(f);
	f->new_target_stage = "60.60";
}
static void fu_retarget_long_text(Stdreg__V1__FollowUp *f)
{
	static char t[600];
	fu_retarget_nothing(f);
	memset(t, 'x', 599);
	f->new_text = t;
}
static void fu_close_no_result(Stdreg__V1__FollowUp *f)
{
	*f = fu_init(FU(CLOSE), "2026-04-01");
	f->decision_ref = "I2026/00502";
}
static void fu_close_no_decision(Stdreg__V1__FollowUp *f)
{
	*f = fu_init(FU(CLOSE), "2026-04-01");
	f->result = RES(MET);
}
static void fu_withdraw_no_decision(Stdreg__V1__FollowUp *f)
{
	*f = fu_init(FU(WITHDRAW), "2026-04-01");
}
static void fu_activate_active(Stdreg__V1__FollowUp *f)
{
	*f = fu_init(FU(ACTIVATE), "2026-04-01");
	f->decision_ref = "I2026/00503";
}
static void fu_withdraw_active(Stdreg__V1__FollowUp *f)
{
	fu_activate_active(f);
	f->type = FU(WITHDRAW);
}
static void fu_reopen_active(Stdreg__V1__FollowUp *f)
{
	fu_activate_active(f);
	f->type = FU(REOPEN);
}
static void fu_value_on_deliverable(Stdreg__V1__FollowUp *f)
{
	f->value = 3;
	f->value_set = true;
}
static void fu_value_nan(Stdreg__V1__FollowUp *f)
{
	f->value = NAN;
	f->value_set = true;
}
static void fu_retarget_infinite(Stdreg__V1__FollowUp *f)
{
	fu_retarget_flat(f);
	f->new_target = INFINITY;
}
static void fu_check_in_with_new_due(Stdreg__V1__FollowUp *f)
{
	f->new_due = "2031-01-01";
}
static void fu_check_in_with_decision(Stdreg__V1__FollowUp *f)
{
	f->decision_ref = "I2026/00999";
}
static void fu_correction_of_check_in_with_result(Stdreg__V1__FollowUp *f)
{
	f->type = FU(CORRECTION);
	f->supersedes = "ai/2/1";
	f->result = STDREG__V1__GOAL_RESULT__GOAL_RESULT_MET;
}
static void fu_correction_nothing(Stdreg__V1__FollowUp *f)
{
	f->type = FU(CORRECTION);
}
static void fu_correction_unknown(Stdreg__V1__FollowUp *f)
{
	f->type = FU(CORRECTION);
	f->supersedes = "ai/2/7";
}
static void fu_correction_other_goal(Stdreg__V1__FollowUp *f)
{
	f->type = FU(CORRECTION);
	f->supersedes = "ai/1/1";
}
static void fu_correction_no_note(Stdreg__V1__FollowUp *f)
{
	fu_correction_unknown(f);
	f->supersedes = "ai/2/1";
	f->note = "";
}
static void fu_correction_no_status(Stdreg__V1__FollowUp *f)
{
	fu_correction_no_note(f);
	f->note = "the count was three";
	f->status = 0;
}
static void fu_supersedes_on_checkin(Stdreg__V1__FollowUp *f)
{
	f->supersedes = "ai/2/1";
}

static void follow_up_bad_input(void **state)
{
	static const struct {
		const char *name;
		void (*edit)(Stdreg__V1__FollowUp *f);
		int code;
		const char *field;
		bool deliverable; /* on a deliverable goal instead of the indicator goal */
	} cases[] = {
		{ "no type", fu_type_none, RG_EINVAL, "type", false },
		{ "another goal's entry", fu_goal_other, RG_EINVAL, "goal_id", false },
		{ "sequence with a gap", fu_seq_skips, RG_EPRECOND, "seq", false },
		{ "sequence number taken (a rewrite)", fu_seq_rewrites, RG_EPRECOND, "seq", false },
		{ "id not GOAL/SEQ", fu_id_wrong, RG_EINVAL, "id", false },
		// Waits for the entries before it, as a gap in seq does (apply tries it again).
		{ "id of a later entry", fu_id_later, RG_EPRECOND, "id", false },
		{ "check-in without status", fu_no_status, RG_EINVAL, "status", false },
		{ "check-in with an empty note", fu_empty_note, RG_EINVAL, "note", false },
		{ "as_of in the future", fu_future, RG_EPRECOND, "as_of", false },
		{ "as_of before the last entry's", fu_before_last, RG_EPRECOND, "as_of", false },
		{ "as_of not a calendar day", fu_not_a_day, RG_EINVAL, "as_of", false },
		{ "redate without decision", fu_redate_no_decision, RG_EINVAL, "decision_ref",
		  false },
		{ "redate without date", fu_redate_no_date, RG_EINVAL, "new_due", false },
		{ "redate to the same day", fu_redate_same, RG_EINVAL, "new_due", false },
		{ "reassign to nobody", fu_reassign_nobody, RG_EINVAL, "new_owner_agency_id",
		  false },
		{ "reassign to the owner", fu_reassign_same, RG_EINVAL, "new_owner_agency_id",
		  false },
		{ "reassign to an agency without appointment", fu_reassign_unappointed, RG_EPRECOND,
		  "new_owner_agency_id", false },
		{ "retarget with nothing new", fu_retarget_nothing, RG_EINVAL, "new_target",
		  false },
		{ "retarget onto the baseline", fu_retarget_flat, RG_EINVAL, "new_target", false },
		{ "retarget a stage on an indicator", fu_retarget_stage_on_indicator, RG_EINVAL,
		  "new_target_stage", false },
		{ "retarget to a text of 599 characters", fu_retarget_long_text, RG_EINVAL,
		  "new_text", false },
		{ "close without result", fu_close_no_result, RG_EINVAL, "result", false },
		{ "close without decision", fu_close_no_decision, RG_EINVAL, "decision_ref",
		  false },
		{ "withdraw without decision", fu_withdraw_no_decision, RG_EINVAL, "decision_ref",
		  false },
		{ "activate an active goal", fu_activate_active, RG_EPRECOND, "type", false },
		{ "withdraw an active goal", fu_withdraw_active, RG_EPRECOND, "type", false },
		{ "reopen an active goal", fu_reopen_active, RG_EPRECOND, "type", false },
		{ "value on a deliverable", fu_value_on_deliverable, RG_EINVAL, "value", true },
		{ "a reading of NaN", fu_value_nan, RG_EINVAL, "value", false },
		{ "a check-in with a new due date", fu_check_in_with_new_due, RG_EINVAL, "new_due",
		  false },
		{ "a check-in with a decision", fu_check_in_with_decision, RG_EINVAL,
		  "decision_ref", false },
		{ "a correction of a check-in with a result", fu_correction_of_check_in_with_result,
		  RG_EINVAL, "result", false },
		{ "retarget to infinity", fu_retarget_infinite, RG_EINVAL, "new_target", false },
		{ "correction without supersedes", fu_correction_nothing, RG_EINVAL, "supersedes",
		  false },
		{ "correction of an unknown entry", fu_correction_unknown, RG_EINVAL, "supersedes",
		  false },
		{ "correction of another goal's entry", fu_correction_other_goal, RG_EINVAL,
		  "supersedes", false },
		{ "correction of a check-in without note", fu_correction_no_note, RG_EINVAL, "note",
		  false },
		{ "correction of a check-in without status", fu_correction_no_status, RG_EINVAL,
		  "status", false },
		{ "supersedes on a check-in", fu_supersedes_on_checkin, RG_EINVAL, "supersedes",
		  false },
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct fixture_goal fg;
		Stdreg__V1__FollowUp f0 = checkin("2026-04-01", CK(AT_RISK), "one agency left"), *f;
		struct store_error err = { 0 };
		int rc;

		if (cases[i].deliverable) {
			struct store_error e2 = { 0 };
			Stdreg__V1__Goal g0 = base_goal();
			memset(&fg, 0, sizeof(fg));
			g0.owner_agency_id = "msb";
			fg.g = (void *)rec_dup(&g0.base);
			assert_int_equal(goal_check_new(fg.g, "2026-02-01", &owners, &e2), RG_OK);
		} else {
			indicator_goal(&fg, GS(ACTIVE));
		}
		cases[i].edit(&f0);
		f = (void *)rec_dup(&f0.base);
		rc = goal_check_follow_up(fg.g, (const Stdreg__V1__FollowUp *const *)fg.fus, fg.n,
		                          f, "2026-04-01", &owners, &err);
		if (rc != cases[i].code || strcmp(err.field, cases[i].field) != 0)
			fail_msg("%s: got %s on '%s' (%s), expected %s on '%s'", cases[i].name,
			         rg_strerror(rc), err.field, err.message,
			         rg_strerror(cases[i].code), cases[i].field);
		assert_true(err.message[0] != '\0');
		/* A refused entry is left as it came: nothing filled in. */
		assert_int_equal(f->seq, f0.seq);
		assert_string_equal(f->id, f0.id ? f0.id : "");
		assert_int_equal(f->old_state, 0);
		rec_free(f);
		fixture_free(&fg);
	}
}

/* --- the state machine ------------------------------------------------------------------- */

static void state_machine(void **state)
{
	static const int types[] = { FU(CHECK_IN), FU(REDATE), FU(REASSIGN), FU(RETARGET),
		                     FU(CLOSE),    FU(REOPEN), FU(ACTIVATE), FU(WITHDRAW) };
	static const int states[] = { GS(PROPOSED), GS(ACTIVE), GS(CLOSED), GS(WITHDRAWN) };
	/* allowed[type][state]: proposed, active, closed, withdrawn */
	static const bool allowed[8][4] = {
		{ 0, 1, 0, 0 }, /* check-in: only on an active goal */
		{ 1, 1, 0, 0 }, /* redate */
		{ 1, 1, 0, 0 }, /* reassign */
		{ 1, 1, 0, 0 }, /* retarget */
		{ 0, 1, 0, 0 }, /* close: an active goal, and never a closed one */
		{ 0, 0, 1, 1 }, /* reopen */
		{ 1, 0, 0, 0 }, /* activate */
		{ 1, 0, 0, 0 }, /* withdraw: before it came into force; after, close as dropped */
	};
	static const int after[8] = {
		0, 0, 0, 0, GS(CLOSED), GS(ACTIVE), GS(ACTIVE), GS(WITHDRAWN)
	};
	(void)state;

	for (size_t t = 0; t < N(types); t++)
		for (size_t s = 0; s < N(states); s++) {
			struct fixture_goal fg;
			Stdreg__V1__FollowUp f0 = fu_init(types[t], "2026-04-01"), *f;
			struct store_error err = { 0 };
			struct goal_fold fold;
			int rc;

			indicator_goal(&fg, GS(PROPOSED));
			fg.g->state = states[s]; /* as the goal stands before the entry */
			// Each type with the values it carries, and no other's.
			f0.note = "as planned";
			if (types[t] == FU(CHECK_IN))
				f0.status = CK(ON_TRACK);
			else
				f0.decision_ref = "I2026/00600";
			if (types[t] == FU(REDATE))
				f0.new_due = "2027-01-31";
			if (types[t] == FU(REASSIGN))
				f0.new_owner_agency_id = "digg";
			if (types[t] == FU(RETARGET))
				f0.new_text = "ten agencies use the AI guidance";
			if (types[t] == FU(CLOSE))
				f0.result = RES(MISSED);
			f = (void *)rec_dup(&f0.base);
			rc = goal_check_follow_up(fg.g, NULL, 0, f, "2026-04-01", &owners, &err);
			if (allowed[t][s] ? rc != RG_OK : rc != RG_EPRECOND)
				fail_msg("follow-up type %d on a %s goal: got %s (%s)", types[t],
				         s == 0   ? "proposed"
				         : s == 1 ? "active"
				         : s == 2 ? "closed"
				                  : "withdrawn",
				         rg_strerror(rc), err.message);
			if (rc == RG_OK) {
				assert_int_equal(f->old_state, states[s]);
				fg.fus[fg.n++] = f;
				goal_fold(fg.g, (const Stdreg__V1__FollowUp *const *)fg.fus, fg.n,
				          NULL, &fold);
				assert_int_equal(fold.state, after[t] ? after[t] : states[s]);
			} else {
				assert_string_equal(err.field, "type");
				rec_free(f);
			}
			fixture_free(&fg);
		}
}

static void closing_twice(void **state)
{
	struct fixture_goal fg;
	Stdreg__V1__FollowUp c = fu_init(FU(CLOSE), "2026-05-01"), *f;
	struct store_error err = { 0 };

	(void)state;
	indicator_goal(&fg, GS(ACTIVE));
	c.result = RES(MET);
	c.decision_ref = "I2026/00700";
	append(&fg, &c, "2026-05-01");
	f = (void *)rec_dup(&c.base);
	assert_int_equal(goal_check_follow_up(fg.g, (const Stdreg__V1__FollowUp *const *)fg.fus,
	                                      fg.n, f, "2026-05-02", &owners, &err),
	                 RG_EPRECOND);
	assert_non_null(strstr(err.message, "already closed"));
	rec_free(f);
	/* A check-in on the closed goal is refused too, a correction of an entry is not. */
	c = checkin("2026-05-02", CK(ON_TRACK), "late news");
	f = (void *)rec_dup(&c.base);
	assert_int_equal(goal_check_follow_up(fg.g, (const Stdreg__V1__FollowUp *const *)fg.fus,
	                                      fg.n, f, "2026-05-02", &owners, &err),
	                 RG_EPRECOND);
	assert_string_equal(err.field, "type");
	rec_free(f);
	c = checkin("2026-05-02", CK(AT_RISK), "the count was three, not two");
	c.type = FU(CORRECTION);
	c.supersedes = "ai/2/1";
	c.value = 3;
	c.value_set = true;
	f = append(&fg, &c, "2026-05-02");
	assert_string_equal(f->id, "ai/2/3");
	assert_int_equal(f->seq, 3);
	fixture_free(&fg);
}

/* --- corrections ------------------------------------------------------------------------- */

static void corrections(void **state)
{
	struct fixture_goal fg;
	Stdreg__V1__FollowUp c;
	struct goal_view v;
	struct store_error err = { 0 };

	(void)state;
	indicator_goal(&fg, GS(ACTIVE)); /* ai/2/1: on track, value 2, as of 2026-03-01 */
	c = checkin("2026-04-10", CK(AT_RISK), "the count was three");
	c.type = FU(CORRECTION);
	c.supersedes = "ai/2/1";
	c.value = 3;
	c.value_set = true;
	append(&fg, &c, "2026-04-10");
	c = checkin("2026-04-20", CK(OFF_TRACK), "the count was one");
	c.type = FU(CORRECTION);
	c.supersedes = "ai/2/1";
	c.value = 1;
	c.value_set = true;
	append(&fg, &c, "2026-04-20");

	static const struct {
		const char *day;
		int status;
		double value;
	} table[] = {
		{ "2026-03-01", DS(ON_TRACK), 2 }, /* the original entry */
		{ "2026-04-09", DS(ON_TRACK), 2 }, /* the day before the first correction */
		{ "2026-04-10", DS(AT_RISK), 3 },   { "2026-04-19", DS(AT_RISK), 3 },
		{ "2026-04-20", DS(OFF_TRACK), 1 }, /* the latest correction wins */
	};
	for (size_t i = 0; i < N(table); i++) {
		assert_int_equal(goal_view_as_of(fg.g, (const Stdreg__V1__FollowUp *const *)fg.fus,
		                                 fg.n, NULL, 0, table[i].day, &v, &err),
		                 RG_OK);
		if (v.status != table[i].status || v.current_value != table[i].value)
			fail_msg("as of %s: status %d value %g, expected %d %g", table[i].day,
			         v.status, v.current_value, table[i].status, table[i].value);
		/* The corrected entry stays the check-in; its content comes from the correction. */
		assert_ptr_equal(v.fold.check_in, fg.fus[0]);
		/* The cadence runs from the entry's as_of, not the correction's. */
		assert_string_equal(v.next_report_date, "2026-05-30");
	}
	fixture_free(&fg);
}

/* A correction of a redate moves the date from the correction's day on; one of a
 * decision needs a decision. */
static void correcting_a_decision(void **state)
{
	struct fixture_goal fg;
	Stdreg__V1__FollowUp r = fu_init(FU(REDATE), "2026-04-01"), *f;
	struct store_error err = { 0 };
	struct goal_view v;

	(void)state;
	indicator_goal(&fg, GS(ACTIVE));
	r.decision_ref = "I2026/00456";
	r.new_due = "2027-03-31";
	append(&fg, &r, "2026-04-01");
	r = fu_init(FU(CORRECTION), "2026-04-15");
	r.supersedes = "ai/2/2";
	r.new_due = "2027-02-28";
	f = (void *)rec_dup(&r.base);
	assert_int_equal(goal_check_follow_up(fg.g, (const Stdreg__V1__FollowUp *const *)fg.fus,
	                                      fg.n, f, "2026-04-15", &owners, &err),
	                 RG_EINVAL);
	assert_string_equal(err.field, "decision_ref");
	rec_free(f);
	r.decision_ref = "I2026/00456-rättelse";
	append(&fg, &r, "2026-04-15");
	/* A correction of a correction is refused: correct the original again. */
	r.supersedes = "ai/2/3";
	f = (void *)rec_dup(&r.base);
	assert_int_equal(goal_check_follow_up(fg.g, (const Stdreg__V1__FollowUp *const *)fg.fus,
	                                      fg.n, f, "2026-04-15", &owners, &err),
	                 RG_EINVAL);
	assert_string_equal(err.field, "supersedes");
	rec_free(f);

	assert_int_equal(goal_view_as_of(fg.g, (const Stdreg__V1__FollowUp *const *)fg.fus, fg.n,
	                                 NULL, 0, "2026-04-14", &v, &err),
	                 RG_OK);
	assert_string_equal(v.fold.due, "2027-03-31");
	assert_int_equal(v.slip_days, 121);
	assert_int_equal(goal_view_as_of(fg.g, (const Stdreg__V1__FollowUp *const *)fg.fus, fg.n,
	                                 NULL, 0, "2026-04-15", &v, &err),
	                 RG_OK);
	assert_string_equal(v.fold.due, "2027-02-28");
	assert_int_equal(v.slip_days, 90);
	assert_int_equal(v.fold.redate_count, 1); /* corrected, still one redate */
	fixture_free(&fg);
}

/* --- stage goals ------------------------------------------------------------------------- */

static void stage_goal_met_by_item(void **state)
{
	Stdreg__V1__Goal g0 = base_goal(), *g;
	struct store_error err = { 0 };
	struct goal_view v;
	/* An abandoned enquiry (40.98) and a withdrawal (95.99) sort above 50.00 but never
	 * meet it; the item reaches 50.20 on 2026-06-10. */
	static const struct goal_stage_step steps[] = {
		{ "2026-01-10", "40.20" }, { "2026-03-01", "40.98" }, { "2026-04-01", "95.99" },
		{ "2026-06-10", "50.20" }, { "2026-08-01", "60.60" },
	};
	static const struct {
		const char *day;
		int status;
		const char *met_on;
		bool on_time;
	} table[] = {
		{ "2026-02-01", DS(PENDING), "", false },
		{ "2026-04-15", DS(PENDING), "", false },
		{ "2026-06-09", DS(PENDING), "", false },
		{ "2026-06-10", DS(MET), "2026-06-10", true },
		{ "2026-12-31", DS(MET), "2026-06-10", true },
	};

	(void)state;
	g0.kind = KIND(STAGE);
	g0.work_item_id = "cen-clc-jtc21-prai";
	g0.target_stage = "50.00";
	g0.due = "2026-06-30";
	g = (void *)rec_dup(&g0.base);
	assert_int_equal(goal_check_new(g, "2026-01-15", &owners, &err), RG_OK);
	for (size_t i = 0; i < N(table); i++) {
		assert_int_equal(
		        goal_view_as_of(g, NULL, 0, steps, N(steps), table[i].day, &v, &err),
		        RG_OK);
		if (v.status != table[i].status || strcmp(v.met_on, table[i].met_on) != 0 ||
		    v.met_on_time != table[i].on_time)
			fail_msg("as of %s: status %d met_on '%s'", table[i].day, v.status,
			         v.met_on);
		assert_true(v.verifiable);
	}
	rec_free(g);
}

/* --- a year replayed ----------------------------------------------------------------------- */

struct year {
	struct fixture_goal goals[4];
	Stdreg__V1__Assignment a[N(appts)];
	const Stdreg__V1__Assignment *ap[N(appts)];
};

static const struct goal_stage_step etsi_steps[] = {
	{ "2026-05-01", "40.20" },
	{ "2026-08-10", "50.20" },
	{ "2026-10-20", "60.60" },
};

static void new_goal(struct fixture_goal *fg, Stdreg__V1__Goal *g0, const char *today)
{
	struct store_error err = { 0 };

	memset(fg, 0, sizeof(*fg));
	fg->g = (void *)rec_dup(&g0->base);
	if (goal_check_new(fg->g, today, &owners, &err) != RG_OK)
		fail_msg("goal %s refused: %s", g0->id, err.message);
}

/* The registry's year 2026, written through the checks in the order it happened. */
static void year_build(struct year *y)
{
	Stdreg__V1__Goal g0;
	Stdreg__V1__FollowUp f;
	struct fixture_goal *g1 = &y->goals[0], *g2 = &y->goals[1], *g3 = &y->goals[2],
	                    *g4 = &y->goals[3];

	for (size_t i = 0; i < N(appts); i++) {
		Stdreg__V1__Assignment a = STDREG__V1__ASSIGNMENT__INIT;
		a.area_id = (char *)appts[i].area;
		a.agency_id = (char *)appts[i].agency;
		a.role = appts[i].role;
		a.valid_from = (char *)appts[i].from;
		a.valid_to = (char *)appts[i].to;
		y->a[i] = a;
		y->ap[i] = &y->a[i];
	}

	/* ai/1: Swedish positions in JTC 21, digg, due 2026-09-30, linked to a work item. */
	g0 = base_goal();
	g0.n_work_item_ids = 1;
	g0.work_item_ids = (char *[]){ "cen-clc-jtc21-prai" };
	new_goal(g1, &g0, "2026-01-15");
	/* ai/2: ten agencies using the AI guidance, msb (supporting), due 2026-11-30, every 60. */
	g0 = base_goal();
	g0.id = "ai/2";
	g0.owner_agency_id = "msb";
	g0.text = "Ten agencies use the national AI guidance";
	g0.kind = KIND(INDICATOR);
	g0.unit = "agencies";
	g0.target = 10;
	g0.due = "2026-11-30";
	g0.set_on = "2026-02-01";
	g0.report_every_days = 60;
	new_goal(g2, &g0, "2026-02-01");
	/* iot/1: ETSI EN 303 645 adopted (the item at 60.60), msb (lead from 2026-06-15). */
	g0 = base_goal();
	g0.id = "iot/1";
	g0.area_id = "iot";
	g0.owner_agency_id = "msb";
	g0.text = "ETSI EN 303 645 published as SS-EN";
	g0.kind = KIND(STAGE);
	g0.work_item_id = "etsi-en-303645";
	g0.target_stage = "60.60";
	g0.due = "2026-10-31";
	g0.set_on = "2026-06-20";
	new_goal(g3, &g0, "2026-06-20");
	/* iot/2: proposed, then withdrawn. */
	g0 = base_goal();
	g0.id = "iot/2";
	g0.area_id = "iot";
	g0.owner_agency_id = "msb";
	g0.text = "Labelling scheme for consumer IoT";
	g0.state = GS(PROPOSED);
	g0.due = "2027-06-30";
	g0.set_on = "2026-07-01";
	new_goal(g4, &g0, "2026-07-01");

	f = checkin("2026-02-01", CK(ON_TRACK), "positions drafted");
	append(g1, &f, "2026-02-01");
	f = checkin("2026-03-01", CK(ON_TRACK), "two agencies");
	f.value = 2;
	f.value_set = true;
	append(g2, &f, "2026-03-01");
	f = checkin("2026-05-01", CK(AT_RISK), "comments on prEN pending");
	append(g1, &f, "2026-05-01");
	f = fu_init(FU(REDATE), "2026-06-01");
	f.decision_ref = "I2026/00456";
	f.new_due = "2026-12-31";
	append(g1, &f, "2026-06-01");
	/* digg's lead is transferred to pts on 2026-07-01; the goal follows by decision. */
	f = fu_init(FU(REASSIGN), "2026-07-01");
	f.decision_ref = "I2026/00500";
	f.new_owner_agency_id = "pts";
	append(g1, &f, "2026-07-01");
	f = fu_init(FU(WITHDRAW), "2026-08-01");
	f.decision_ref = "I2026/00510";
	append(g4, &f, "2026-08-01");
	f = checkin("2026-08-01", CK(ON_TRACK), "JTC 21 vote scheduled");
	append(g1, &f, "2026-08-01");
	f = checkin("2026-08-20", CK(OFF_TRACK), "the vote slipped: misreported on 1 August");
	f.type = FU(CORRECTION);
	f.supersedes = "ai/1/5";
	append(g1, &f, "2026-08-20");
	f = fu_init(FU(CLOSE), "2026-11-15");
	f.decision_ref = "I2026/00777";
	f.result = RES(MET);
	append(g1, &f, "2026-11-15");
}

static void year_free(struct year *y)
{
	for (size_t i = 0; i < N(y->goals); i++)
		fixture_free(&y->goals[i]);
}

static void year_goals_as_of(void **state)
{
	struct year y;
	/* Computed by hand from year_build: one row per goal and day. */
	static const struct {
		size_t goal;
		const char *day;
		int status;
		const char *due, *owner;
		long days_left, slip;
		unsigned redates;
		const char *next_report;
		double progress;
	} table[] = {
		{ 0, "2026-01-14", 0, "", "", 0, 0, 0, "", 0 }, /* not set yet */
		{ 0, "2026-01-15", DS(PENDING), "2026-09-30", "digg", 258, 0, 0, "2026-04-15", 0 },
		{ 0, "2026-03-31", DS(ON_TRACK), "2026-09-30", "digg", 183, 0, 0, "2026-05-02", 0 },
		{ 0, "2026-05-05", DS(AT_RISK), "2026-09-30", "digg", 148, 0, 0, "2026-07-30", 0 },
		{ 0, "2026-06-30", DS(AT_RISK), "2026-12-31", "digg", 184, 92, 1, "2026-07-30", 0 },
		{ 0, "2026-07-01", DS(AT_RISK), "2026-12-31", "pts", 183, 92, 1, "2026-07-30", 0 },
		/* stale: the report was due 2026-07-30, three days of grace end 2026-08-02 */
		{ 0, "2026-07-31", DS(AT_RISK), "2026-12-31", "pts", 153, 92, 1, "2026-07-30", 0 },
		{ 0, "2026-08-01", DS(ON_TRACK), "2026-12-31", "pts", 152, 92, 1, "2026-10-30", 0 },
		/* before the correction of 2026-08-20 the registry said on track */
		{ 0, "2026-08-10", DS(ON_TRACK), "2026-12-31", "pts", 143, 92, 1, "2026-10-30", 0 },
		{ 0, "2026-08-20", DS(OFF_TRACK), "2026-12-31", "pts", 133, 92, 1, "2026-10-30",
		  0 },
		{ 0, "2026-11-03", DS(STALE), "2026-12-31", "pts", 58, 92, 1, "2026-10-30", 0 },
		{ 0, "2026-11-15", DS(MET), "2026-12-31", "pts", 46, 92, 1, "2026-10-30", 1 },
		{ 1, "2026-03-31", DS(ON_TRACK), "2026-11-30", "msb", 244, 0, 0, "2026-04-30",
		  0.2 },
		{ 1, "2026-05-03", DS(ON_TRACK), "2026-11-30", "msb", 211, 0, 0, "2026-04-30",
		  0.2 },
		{ 1, "2026-05-04", DS(STALE), "2026-11-30", "msb", 210, 0, 0, "2026-04-30", 0.2 },
		{ 1, "2026-11-30", DS(STALE), "2026-11-30", "msb", 0, 0, 0, "2026-04-30", 0.2 },
		{ 1, "2026-12-01", DS(OVERDUE), "2026-11-30", "msb", -1, 0, 0, "2026-04-30", 0.2 },
		{ 2, "2026-06-30", DS(PENDING), "2026-10-31", "msb", 123, 0, 0, "2026-09-18", 0 },
		{ 2, "2026-10-19", DS(PENDING), "2026-10-31", "msb", 12, 0, 0, "2026-09-18", 0 },
		{ 2, "2026-10-20", DS(MET), "2026-10-31", "msb", 11, 0, 0, "2026-09-18", 1 },
		{ 3, "2026-07-15", DS(PROPOSED), "2027-06-30", "msb", 350, 0, 0, "2026-09-29", 0 },
		{ 3, "2026-08-01", DS(WITHDRAWN), "2027-06-30", "msb", 333, 0, 0, "2026-09-29", 0 },
	};

	(void)state;
	year_build(&y);
	for (size_t i = 0; i < N(table); i++) {
		struct fixture_goal *fg = &y.goals[table[i].goal];
		const struct goal_stage_step *steps = table[i].goal == 2 ? etsi_steps : NULL;
		struct store_error err = { 0 };
		struct goal_view v;

		assert_int_equal(
		        goal_view_as_of(fg->g, (const Stdreg__V1__FollowUp *const *)fg->fus, fg->n,
		                        steps, steps ? N(etsi_steps) : 0, table[i].day, &v, &err),
		        RG_OK);
		if (table[i].status == 0) {
			assert_false(v.fold.exists);
			assert_int_equal(v.status, 0);
			continue;
		}
		if (v.status != table[i].status || strcmp(v.fold.due, table[i].due) != 0 ||
		    strcmp(v.fold.owner_agency_id, table[i].owner) != 0 ||
		    v.days_left != table[i].days_left || v.slip_days != table[i].slip ||
		    v.fold.redate_count != table[i].redates ||
		    strcmp(v.next_report_date, table[i].next_report) != 0 ||
		    !near(v.progress, table[i].progress))
			fail_msg("%s as of %s: status %d due %s owner %s left %ld slip %ld redates "
			         "%u "
			         "next %s progress %g",
			         fg->g->id, table[i].day, v.status, v.fold.due,
			         v.fold.owner_agency_id, v.days_left, v.slip_days,
			         v.fold.redate_count, v.next_report_date, v.progress);
	}
	year_free(&y);
}

/* ai/1 met, but on 2026-11-15, after its original due date; iot/1 met on time. */
static void year_met_on_time(void **state)
{
	struct year y;
	struct store_error err = { 0 };
	struct goal_view v;

	(void)state;
	year_build(&y);
	assert_int_equal(goal_view_as_of(y.goals[0].g,
	                                 (const Stdreg__V1__FollowUp *const *)y.goals[0].fus,
	                                 y.goals[0].n, NULL, 0, "2026-12-31", &v, &err),
	                 RG_OK);
	assert_string_equal(v.met_on, "2026-11-15");
	assert_false(v.met_on_time);
	assert_true(v.verifiable);
	assert_int_equal(goal_view_as_of(y.goals[2].g, NULL, 0, etsi_steps, N(etsi_steps),
	                                 "2026-12-31", &v, &err),
	                 RG_OK);
	assert_string_equal(v.met_on, "2026-10-20");
	assert_true(v.met_on_time);
	/* A deliverable without a linked item is not verifiable. */
	assert_int_equal(goal_view_as_of(y.goals[3].g, NULL, 0, NULL, 0, "2026-12-31", &v, &err),
	                 RG_OK);
	assert_false(v.verifiable);
	year_free(&y);
}

/* goal list --as-of D: the filters apply to the goal as it stood on D. */
static void year_list_filters(void **state)
{
	static const struct {
		const char *day;
		struct goal_filter f;
		const char *want; /* the ids that pass, in order */
	} table[] = {
		{ "2026-09-30", { .area_id = "ai" }, "ai/1 ai/2" },
		{ "2026-09-30", { .agency_id = "pts" }, "ai/1" },
		{ "2026-09-30", { .agency_id = "digg" }, "" },
		{ "2026-06-30", { .agency_id = "digg" }, "ai/1" },
		{ "2026-09-30", { .agency_id = "msb" }, "ai/2 iot/1 iot/2" },
		{ "2026-09-30", { .state = GS(ACTIVE) }, "ai/1 ai/2 iot/1" },
		{ "2026-09-30", { .state = GS(WITHDRAWN) }, "iot/2" },
		{ "2026-09-30", { .status = DS(PENDING) }, "iot/1" },
		{ "2026-09-30", { .status = DS(OFF_TRACK) }, "ai/1" },
		{ "2026-08-10", { .status = DS(OFF_TRACK) }, "" }, /* before the correction */
		{ "2026-09-30", { .stale = true }, "ai/2" },
		{ "2026-09-30", { .due_within_days = 31 }, "iot/1" },
		{ "2026-09-30", { .due_within_days = 30 }, "" },
		{ "2026-09-30", { .due_within_days = 92 }, "ai/1 ai/2 iot/1" },
		{ "2026-12-31", { .overdue = true }, "ai/2" },
		{ "2026-12-31", { .due_within_days = 365 }, "" }, /* met, closed, overdue */
		{ "2026-01-14", { 0 }, "" },
		{ "2026-01-15", { 0 }, "ai/1" },
		{ "2026-07-01", { .area_id = "iot", .state = GS(PROPOSED) }, "iot/2" },
	};
	struct year y;

	(void)state;
	year_build(&y);
	for (size_t i = 0; i < N(table); i++) {
		char got[128] = "";
		size_t off = 0;

		for (size_t j = 0; j < N(y.goals); j++) {
			struct fixture_goal *fg = &y.goals[j];
			const struct goal_stage_step *steps = j == 2 ? etsi_steps : NULL;
			struct store_error err = { 0 };
			struct goal_view v;

			assert_int_equal(
			        goal_view_as_of(fg->g, (const Stdreg__V1__FollowUp *const *)fg->fus,
			                        fg->n, steps, steps ? N(etsi_steps) : 0,
			                        table[i].day, &v, &err),
			        RG_OK);
			if (goal_view_matches(fg->g, &v, &table[i].f))
				off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%s",
				                        off ? " " : "", fg->g->id);
		}
		if (strcmp(got, table[i].want) != 0)
			fail_msg("row %zu as of %s: '%s', expected '%s'", i, table[i].day, got,
			         table[i].want);
	}
	year_free(&y);
}

/* The GoalView message packs, and reads as the goal stood on its day. */
static void year_view_message(void **state)
{
	static const struct {
		const char *day;
		int status, check_in_status;
		const char *note;
	} table[] = {
		{ "2026-08-10", DS(ON_TRACK), CK(ON_TRACK), "JTC 21 vote scheduled" },
		{ "2026-08-20", DS(OFF_TRACK), CK(OFF_TRACK),
		  "the vote slipped: misreported on 1 August" },
	};
	struct year y;

	(void)state;
	year_build(&y);
	for (size_t i = 0; i < N(table); i++) {
		struct fixture_goal *g1 = &y.goals[0];
		struct store_error err = { 0 };
		Stdreg__V1__GoalView out, *back;
		Stdreg__V1__Goal goal;
		Stdreg__V1__FollowUp check_in;
		struct goal_view v;
		uint8_t buf[4096];
		size_t len;

		assert_int_equal(goal_view_as_of(g1->g,
		                                 (const Stdreg__V1__FollowUp *const *)g1->fus,
		                                 g1->n, NULL, 0, table[i].day, &v, &err),
		                 RG_OK);
		goal_view_message(g1->g, &v, table[i].day, &out, &goal, &check_in);
		len = protobuf_c_message_get_packed_size(&out.base);
		assert_true(len < sizeof(buf));
		protobuf_c_message_pack(&out.base, buf);
		back = stdreg__v1__goal_view__unpack(NULL, len, buf);
		assert_non_null(back);
		assert_string_equal(back->as_of, table[i].day);
		assert_int_equal(back->status, table[i].status);
		assert_string_equal(back->goal->id, "ai/1");
		assert_string_equal(back->goal->due, "2026-12-31");
		assert_string_equal(back->goal->original_due, "2026-09-30");
		assert_string_equal(back->goal->owner_agency_id, "pts");
		assert_int_equal(back->goal->state, GS(ACTIVE));
		assert_int_equal(back->slip_days, 92);
		assert_int_equal(back->redate_count, 1);
		assert_string_equal(back->next_report_date, "2026-10-30");
		assert_non_null(back->last_check_in);
		/* the entry keeps its id and day; its words are the correction's from 20 August */
		assert_string_equal(back->last_check_in->id, "ai/1/5");
		assert_string_equal(back->last_check_in->as_of, "2026-08-01");
		assert_int_equal(back->last_check_in->status, table[i].check_in_status);
		assert_string_equal(back->last_check_in->note, table[i].note);
		stdreg__v1__goal_view__free_unpacked(back, NULL);
	}
	year_free(&y);
}

/* A stored history is checked whole, as store_check and apply need it. */
static void year_history_checked(void **state)
{
	struct year y;
	struct store_error err = { 0 };
	struct fixture_goal *g1;
	const Stdreg__V1__FollowUp *gap[8];
	char *saved;
	int type;

	(void)state;
	year_build(&y);
	for (size_t i = 0; i < N(y.goals); i++)
		if (goal_check_history(y.goals[i].g,
		                       (const Stdreg__V1__FollowUp *const *)y.goals[i].fus,
		                       y.goals[i].n, "2026-12-31", &owners, &err) != RG_OK)
			fail_msg("%s: %s", y.goals[i].g->id, err.message);
	g1 = &y.goals[0];
	assert_int_equal(g1->n, 7);

	/* An entry taken out leaves a gap. */
	for (size_t i = 0, j = 0; i < g1->n; i++)
		if (i != 2)
			gap[j++] = g1->fus[i];
	assert_int_equal(goal_check_history(g1->g, gap, 6, "2026-12-31", &owners, &err),
	                 RG_EPRECOND);
	assert_string_equal(err.field, "seq");

	/* as_of out of order: the check-in of 1 August moved before the reassign. */
	saved = g1->fus[4]->as_of;
	g1->fus[4]->as_of = "2026-05-15";
	assert_int_equal(goal_check_history(g1->g, (const Stdreg__V1__FollowUp *const *)g1->fus,
	                                    g1->n, "2026-12-31", &owners, &err),
	                 RG_EPRECOND);
	assert_string_equal(err.field, "as_of");
	assert_non_null(strstr(err.message, "ai/1/5"));
	g1->fus[4]->as_of = saved;

	/* The reassign dated before pts was appointed. */
	saved = g1->fus[3]->as_of;
	g1->fus[3]->as_of = "2026-06-15";
	assert_int_equal(goal_check_history(g1->g, (const Stdreg__V1__FollowUp *const *)g1->fus,
	                                    g1->n, "2026-12-31", &owners, &err),
	                 RG_EPRECOND);
	assert_string_equal(err.field, "new_owner_agency_id");
	g1->fus[3]->as_of = saved;

	/* A redate that claims another old due date. */
	saved = g1->fus[2]->old_due;
	g1->fus[2]->old_due = "2026-10-31";
	assert_int_equal(goal_check_history(g1->g, (const Stdreg__V1__FollowUp *const *)g1->fus,
	                                    g1->n, "2026-12-31", &owners, &err),
	                 RG_EINVAL);
	assert_string_equal(err.field, "old_due");
	g1->fus[2]->old_due = saved;

	/* One state machine: an activate of the active goal (the redate's new due date, no
	 * value of an activate, taken out too). */
	type = g1->fus[2]->type;
	g1->fus[2]->type = FU(ACTIVATE);
	saved = g1->fus[2]->new_due;
	g1->fus[2]->new_due = "";
	assert_int_equal(goal_check_history(g1->g, (const Stdreg__V1__FollowUp *const *)g1->fus,
	                                    g1->n, "2026-12-31", &owners, &err),
	                 RG_EPRECOND);
	assert_string_equal(err.field, "type");
	g1->fus[2]->type = type;
	g1->fus[2]->new_due = saved;

	/* An entry from the future of the day checked. */
	assert_int_equal(goal_check_history(g1->g, (const Stdreg__V1__FollowUp *const *)g1->fus,
	                                    g1->n, "2026-11-01", &owners, &err),
	                 RG_EPRECOND);
	assert_string_equal(err.field, "as_of");

	/* The owner was not appointed when the goal was set. */
	saved = g1->g->owner_agency_id;
	g1->g->owner_agency_id = "pts";
	assert_int_equal(goal_check_history(g1->g, (const Stdreg__V1__FollowUp *const *)g1->fus,
	                                    g1->n, "2026-12-31", &owners, &err),
	                 RG_EPRECOND);
	assert_string_equal(err.field, "owner_agency_id");
	g1->g->owner_agency_id = saved;

	assert_int_equal(goal_check_history(g1->g, (const Stdreg__V1__FollowUp *const *)g1->fus,
	                                    g1->n, "2026-12-31", &owners, &err),
	                 RG_OK);
	year_free(&y);
}

/* The goal as it was set comes back from the current record and the old_* values. */
static void year_initial_goal(void **state)
{
	struct year y;
	struct fixture_goal *g1;
	struct goal_fold now;
	Stdreg__V1__Goal current, initial;

	(void)state;
	year_build(&y);
	g1 = &y.goals[0];
	goal_fold(g1->g, (const Stdreg__V1__FollowUp *const *)g1->fus, g1->n, NULL, &now);
	current = *g1->g;
	current.due = (char *)now.due;
	current.owner_agency_id = (char *)now.owner_agency_id;
	current.state = now.state;
	current.result = now.result;
	assert_string_equal(current.due, "2026-12-31");
	assert_string_equal(current.owner_agency_id, "pts");
	goal_initial(&current, (const Stdreg__V1__FollowUp *const *)g1->fus, g1->n, &initial);
	assert_string_equal(initial.due, "2026-09-30");
	assert_string_equal(initial.owner_agency_id, "digg");
	assert_int_equal(initial.state, GS(ACTIVE));
	assert_int_equal(initial.result, 0);
	assert_string_equal(g1->fus[2]->old_due, "2026-09-30");
	assert_string_equal(g1->fus[3]->old_owner_agency_id, "digg");
	/* iot/2 was set as proposed. */
	current = *y.goals[3].g;
	current.state = GS(WITHDRAWN);
	goal_initial(&current, (const Stdreg__V1__FollowUp *const *)y.goals[3].fus, y.goals[3].n,
	             &initial);
	assert_int_equal(initial.state, GS(PROPOSED));
	year_free(&y);
}

static void year_trend(void **state)
{
	/* ai prioritised since mid-2025; iot monitored, prioritised from 2026-05-01 (a version
	 * stored later with an earlier priority_since); quantum from 2026-08-01. */
	static const struct goal_area_version versions[] = {
		{ "ai", PRIO, "2025-06-01" },
		{ "iot", MONI, "2025-01-01" },
		{ "quantum", PRIO, "2026-08-01" },
		{ "iot", PRIO, "2026-05-01" },
	};
	/* Computed by hand from year_build, appts and versions. */
	static const struct {
		const char *end;
		unsigned prio, lead;
		double lead_pct;
		unsigned active;
		double active_pct;
		unsigned goals, on_track, at_risk, off_track, pending, stale, overdue, met,
		        withdrawn;
		unsigned came_due, on_time;
		double on_time_pct, slip;
	} table[] = {
		{ "2026-03-31", 1, 1, 100, 1, 100, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "2026-06-30", 2, 2, 100, 2, 100, 3, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 92.0 / 3 },
		{ "2026-09-30", 3, 2, 200.0 / 3, 2, 200.0 / 3, 4, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0,
		  92.0 / 3 },
		{ "2026-12-31", 3, 2, 200.0 / 3, 2, 200.0 / 3, 4, 0, 0, 0, 0, 0, 1, 2, 1, 3, 1,
		  100.0 / 3, 92.0 / 3 },
	};
	struct year y;
	struct goal_trend_goal tg[4];
	struct goal_trend_input in = { versions, N(versions), NULL, 0, tg, 4 };
	struct goal_trend_row *rows = NULL;
	struct store_error err = { 0 };
	size_t n = 0;

	(void)state;
	year_build(&y);
	in.appointments = y.ap;
	in.nappointments = N(appts);
	for (size_t i = 0; i < 4; i++) {
		tg[i] = (struct goal_trend_goal){
			y.goals[i].g, (const Stdreg__V1__FollowUp *const *)y.goals[i].fus,
			y.goals[i].n, NULL, 0
		};
	}
	tg[2].steps = etsi_steps;
	tg[2].nsteps = N(etsi_steps);

	assert_int_equal(goal_trend(&in, "2026-01-01", "2026-12-31", &rows, &n, &err), RG_OK);
	assert_int_equal(n, N(table));
	for (size_t i = 0; i < n; i++) {
		const struct goal_trend_row *r = &rows[i];
		const unsigned *s = r->by_status;

		assert_string_equal(r->quarter_end, table[i].end);
		if (r->prioritised != table[i].prio || r->prioritised_with_lead != table[i].lead ||
		    !near(r->lead_percent, table[i].lead_pct) ||
		    r->with_active_goal != table[i].active ||
		    !near(r->active_goal_percent, table[i].active_pct) ||
		    r->goals != table[i].goals || s[DS(ON_TRACK)] != table[i].on_track ||
		    s[DS(AT_RISK)] != table[i].at_risk || s[DS(OFF_TRACK)] != table[i].off_track ||
		    s[DS(PENDING)] != table[i].pending || s[DS(STALE)] != table[i].stale ||
		    s[DS(OVERDUE)] != table[i].overdue || s[DS(MET)] != table[i].met ||
		    s[DS(WITHDRAWN)] != table[i].withdrawn || r->came_due != table[i].came_due ||
		    r->met_on_time != table[i].on_time ||
		    !near(r->met_on_time_percent, table[i].on_time_pct) ||
		    !near(r->mean_slip_days, table[i].slip))
			fail_msg("%s: prio %u lead %u (%g%%) active %u (%g%%) goals %u "
			         "[on %u risk %u off %u pend %u stale %u over %u met %u wd %u] "
			         "due %u on time %u (%g%%) slip %g",
			         r->quarter_end, r->prioritised, r->prioritised_with_lead,
			         r->lead_percent, r->with_active_goal, r->active_goal_percent,
			         r->goals, s[DS(ON_TRACK)], s[DS(AT_RISK)], s[DS(OFF_TRACK)],
			         s[DS(PENDING)], s[DS(STALE)], s[DS(OVERDUE)], s[DS(MET)],
			         s[DS(WITHDRAWN)], r->came_due, r->met_on_time,
			         r->met_on_time_percent, r->mean_slip_days);
	}
	free(rows);

	/* A range inside the year: the quarter ends within it. */
	assert_int_equal(goal_trend(&in, "2026-02-15", "2026-09-30", &rows, &n, &err), RG_OK);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].quarter_end, "2026-03-31");
	assert_string_equal(rows[2].quarter_end, "2026-09-30");
	free(rows);
	assert_int_equal(goal_trend(&in, "2026-12-31", "2026-01-01", &rows, &n, &err), RG_EINVAL);
	assert_int_equal(goal_trend(&in, "2026-13-01", "2026-12-31", &rows, &n, &err), RG_EINVAL);
	assert_string_equal(err.field, "from");
	year_free(&y);
}

/* The calendar's last quarter ends the trend (the day after it once wrapped to a date
 * before it, and the trend never ended); a hundred years is the most it covers. */
static void trend_range(void **state)
{
	struct goal_trend_input in = { 0 };
	struct goal_trend_row *rows = NULL;
	struct store_error err;
	size_t n;

	(void)state;
	assert_int_equal(goal_trend(&in, "9999-01-01", "9999-12-31", &rows, &n, &err), RG_OK);
	assert_int_equal(n, 4);
	assert_string_equal(rows[3].quarter_end, "9999-12-31");
	free(rows);
	assert_int_equal(goal_trend(&in, "9900-01-01", "9999-12-31", &rows, &n, &err), RG_OK);
	assert_int_equal(n, GOAL_TREND_MAX_QUARTERS);
	assert_string_equal(rows[0].quarter_end, "9900-03-31");
	free(rows);
	assert_int_equal(goal_trend(&in, "9899-12-31", "9999-12-31", &rows, &n, &err), RG_EINVAL);
	assert_string_equal(err.field, "from");
	assert_non_null(strstr(err.message, "401 quarters, at most 400"));
	assert_int_equal(goal_trend(&in, "1900-01-01", "9999-12-30", &rows, &n, &err), RG_EINVAL);
	/* No quarter ends inside the range: no rows. */
	assert_int_equal(goal_trend(&in, "2026-04-01", "2026-06-29", &rows, &n, &err), RG_OK);
	assert_int_equal(n, 0);
	free(rows);
}

/* The trend counts statuses in an array sized by the enum's largest value. */
static void derived_status_bound(void **state)
{
	const ProtobufCEnumDescriptor *d = &stdreg__v1__derived_status__descriptor;

	(void)state;
	for (unsigned i = 0; i < d->n_values; i++)
		assert_true(d->values[i].value >= 0 &&
		            d->values[i].value <= GOAL_DERIVED_STATUS_MAX);
}

static void dates(void **state)
{
	static const struct {
		const char *date;
		long n;
		const char *want;
	} cases[] = {
		{ "1970-01-01", 0, "1970-01-01" },
		{ "2026-02-01", 90, "2026-05-02" },
		{ "2028-02-28", 1, "2028-02-29" },
		{ "2100-02-28", 1, "2100-03-01" },
		{ "2026-12-31", 1, "2027-01-01" },
		{ "2026-03-01", -1, "2026-02-28" },
		{ "2000-02-29", 366, "2001-03-01" },
		// Held to the dates the registry takes: past them YYYY-MM-DD would not fit.
		{ "9999-12-31", 1, "9999-12-31" },
		{ "9999-12-20", 30, "9999-12-31" },
		{ "1900-01-01", -1, "1900-01-01" },
		{ "1901-05-05", -730, "1900-01-01" },
		{ "2026-01-01", 100000000, "9999-12-31" },
	};
	char out[11];

	(void)state;
	assert_int_equal(goal_date_days("1970-01-01"), 0);
	assert_int_equal(goal_date_days("2026-12-31") - goal_date_days("2026-09-30"), 92);
	for (size_t i = 0; i < N(cases); i++) {
		goal_date_add(cases[i].date, cases[i].n, out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s + %ld = %s, expected %s", cases[i].date, cases[i].n, out,
			         cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_goal_bad_input),
		cmocka_unit_test(new_goal_owner_check_fails),
		cmocka_unit_test(new_goal_derived),
		cmocka_unit_test(edits),
		cmocka_unit_test(follow_up_bad_input),
		cmocka_unit_test(state_machine),
		cmocka_unit_test(closing_twice),
		cmocka_unit_test(corrections),
		cmocka_unit_test(correcting_a_decision),
		cmocka_unit_test(stage_goal_met_by_item),
		cmocka_unit_test(year_goals_as_of),
		cmocka_unit_test(year_met_on_time),
		cmocka_unit_test(year_list_filters),
		cmocka_unit_test(year_view_message),
		cmocka_unit_test(year_history_checked),
		cmocka_unit_test(year_initial_goal),
		cmocka_unit_test(year_trend),
		cmocka_unit_test(trend_range),
		cmocka_unit_test(derived_status_bound),
		cmocka_unit_test(dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
