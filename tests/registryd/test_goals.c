/*
 * test_goals.c - the goal methods (AddGoal, GetGoal, ListGoals, AddFollowUp) through
 * dispatch_request(): who may write which follow-up, status as of a day, and refusals that
 * name their field and store nothing. Each case has its own store (fixture_seed()'s, with
 * digg leading "ai" since 2025).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "status.h"

#include "stdreg/v1/goals.pb-c.h"
#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define M(n) "/stdreg.v1.Registry/" n

#define CHECK_IN STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN
#define REDATE   STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REDATE
#define AT_RISK  STDREG__V1__GOAL_STATUS__GOAL_STATUS_AT_RISK
#define ROLE(r)  STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_##r

struct ctx {
	struct fixture *f;
	char digg[STORE_TOKEN_LEN + 1];  /* an agency principal of digg, the owner */
	char coord[STORE_TOKEN_LEN + 1]; /* a coordinator */
};

static void expect(Stdreg__V1__Response *r, int code, const char *field, const char *in_message)
{
	if (r->status->code != code)
		fail_msg("expected %d, got %d: %s", code, r->status->code, r->status->message);
	if (field != NULL) {
		assert_true(r->status->n_violations >= 1);
		assert_string_equal(r->status->violations[0]->field, field);
	}
	if (in_message != NULL && strstr(r->status->message, in_message) == NULL)
		fail_msg("'%s' not in '%s'", in_message, r->status->message);
	assert_int_equal(r->payload.len, 0);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* Adds a goal of "ai" owned by digg, set on 2026-01-15, as the fixture's admin. */
static Stdreg__V1__Response *add_goal(struct ctx *x)
{
	Stdreg__V1__GoalAddRequest a = STDREG__V1__GOAL_ADD_REQUEST__INIT;
	Stdreg__V1__Goal g = STDREG__V1__GOAL__INIT;

	g.area_id = "ai";
	g.owner_agency_id = "digg";
	g.text = "An AI management standard adopted";
	g.kind = STDREG__V1__GOAL_KIND__GOAL_KIND_DELIVERABLE;
	g.due = "2030-12-31";
	g.decision_ref = "N2026/1";
	g.set_on = "2026-01-15";
	a.goal = &g;
	return fixture_call(x->f, M("AddGoal"), fixture_next_id(), 0, &a.base);
}

/* A follow-up of type on goal, sent with token. */
static Stdreg__V1__Response *follow_up(struct ctx *x, const char *token, const char *goal, int type,
                                       const char *as_of, const char *note, const char *new_due)
{
	Stdreg__V1__FollowUpAddRequest a = STDREG__V1__FOLLOW_UP_ADD_REQUEST__INIT;
	Stdreg__V1__FollowUp u = STDREG__V1__FOLLOW_UP__INIT;
	Stdreg__V1__Response *r;

	u.goal_id = (char *)goal;
	u.type = type;
	u.as_of = (char *)as_of;
	u.note = (char *)note;
	if (type == CHECK_IN)
		u.status = AT_RISK;
	if (type == REDATE) {
		u.new_due = (char *)new_due;
		u.decision_ref = "N2026/2";
	}
	a.follow_up = &u;
	fixture_set_token(token);
	r = fixture_call(x->f, M("AddFollowUp"), fixture_next_id(), 0, &a.base);
	fixture_set_token(x->f->admin_token);
	return r;
}

static void ok(Stdreg__V1__Response *r)
{
	if (r->status->code != GRPC_OK)
		fail_msg("expected OK, got %d: %s", r->status->code, r->status->message);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static int goals_setup(void **state)
{
	struct ctx *x = calloc(1, sizeof *x);
	Stdreg__V1__AssignRequest a = STDREG__V1__ASSIGN_REQUEST__INIT;
	struct store_error err = { 0 };

	assert_non_null(x);
	fixture_setup(state);
	x->f = *state;
	fixture_seed(x->f);
	a.area_id = "ai";
	a.agency_id = "digg";
	a.role = STDREG__V1__ROLE__ROLE_LEAD;
	a.decision_ref = "N2025/1";
	a.valid_from = "2025-01-01";
	stdreg__v1__response__free_unpacked(fixture_call_ok(x->f, M("Assign"), &a.base), NULL);
	assert_int_equal(
	        store_token_create(x->f->st, "digg-clerk", ROLE(AGENCY), "digg", x->digg, &err),
	        RG_OK);
	assert_int_equal(store_token_create(x->f->st, "a-coordinator", ROLE(COORDINATOR), NULL,
	                                    x->coord, &err),
	                 RG_OK);
	*state = x;
	return 0;
}

static int goals_teardown(void **state)
{
	struct ctx *x = *state;

	*state = x->f;
	fixture_teardown(state);
	free(x);
	return 0;
}

static Stdreg__V1__GoalListResponse *list_as_of(struct ctx *x, const char *day)
{
	Stdreg__V1__GoalListRequest q = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	Stdreg__V1__GoalListResponse *l;
	Stdreg__V1__Response *r;

	q.as_of = (char *)day;
	r = fixture_call_ok(x->f, M("ListGoals"), &q.base);
	l = stdreg__v1__goal_list_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(l);
	stdreg__v1__response__free_unpacked(r, NULL);
	return l;
}

/* The owner checks in; only a coordinator redates; the list tells each day apart. */
static void test_owner_and_coordinator(void **state)
{
	struct ctx *x = *state;
	Stdreg__V1__GoalAddResponse *added;
	Stdreg__V1__GoalListResponse *l;
	Stdreg__V1__GoalGetResponse *got;
	Stdreg__V1__GoalGetRequest g = STDREG__V1__GOAL_GET_REQUEST__INIT;
	Stdreg__V1__Response *r = add_goal(x);
	uint64_t before;

	assert_int_equal(r->status->code, GRPC_OK);
	added = stdreg__v1__goal_add_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(added);
	assert_string_equal(added->goal->goal->id, "ai/1");
	assert_int_equal(added->goal->goal->state, STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE);
	stdreg__v1__goal_add_response__free_unpacked(added, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);

	// digg owns it: its check-in is taken
	ok(follow_up(x, x->digg, "ai/1", CHECK_IN, "2026-03-01", "drafts late", NULL));
	// a redate needs a coordinator: digg is refused, naming the type, and nothing is stored
	before = store_revision(x->f->st);
	expect(follow_up(x, x->digg, "ai/1", REDATE, "2026-03-02", NULL, "2031-06-30"),
	       GRPC_PERMISSION_DENIED, "type", "agency 'digg'");
	assert_int_equal(store_revision(x->f->st), before);
	ok(follow_up(x, x->coord, "ai/1", REDATE, "2026-03-02", NULL, "2031-06-30"));

	g.id = "ai/1";
	r = fixture_call_ok(x->f, M("GetGoal"), &g.base);
	got = stdreg__v1__goal_get_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(got);
	assert_int_equal(got->n_follow_ups, 2);
	assert_string_equal(got->goal->goal->due, "2031-06-30");
	assert_string_equal(got->goal->goal->original_due, "2030-12-31");
	assert_int_equal(got->goal->redate_count, 1);
	stdreg__v1__goal_get_response__free_unpacked(got, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);

	// before the check-in it was pending; after it, at risk and not yet redated
	l = list_as_of(x, "2026-02-01");
	assert_int_equal(l->n_goals, 1);
	assert_int_equal(l->goals[0]->status, STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_PENDING);
	stdreg__v1__goal_list_response__free_unpacked(l, NULL);
	l = list_as_of(x, "2026-03-01");
	assert_int_equal(l->n_goals, 1);
	assert_int_equal(l->goals[0]->status, STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_AT_RISK);
	assert_string_equal(l->goals[0]->goal->due, "2030-12-31");
	stdreg__v1__goal_list_response__free_unpacked(l, NULL);
}

/* Refusals name their field and store nothing (an unknown goal is a precondition of the
 * follow-up, as the store words it). */
static void test_refusals(void **state)
{
	struct ctx *x = *state;
	uint64_t before;

	ok(add_goal(x));
	before = store_revision(x->f->st);
	expect(follow_up(x, x->coord, "ai/99", CHECK_IN, "2026-03-01", "late", NULL),
	       GRPC_FAILED_PRECONDITION, NULL, "'ai/99'");
	expect(follow_up(x, x->digg, "ai/1", CHECK_IN, "2026-03-01", "", NULL),
	       GRPC_INVALID_ARGUMENT, "note", "'note'");
	assert_int_equal(store_revision(x->f->st), before);
}

/* A correction of entry supersedes on goal, sent with token: it restates the entry with
 * status and note for a check-in, or new_due (and a decision) for a redate. */
static Stdreg__V1__Response *correction(struct ctx *x, const char *token, const char *goal,
                                        const char *supersedes, const char *new_due)
{
	Stdreg__V1__FollowUpAddRequest a = STDREG__V1__FOLLOW_UP_ADD_REQUEST__INIT;
	Stdreg__V1__FollowUp u = STDREG__V1__FOLLOW_UP__INIT;
	Stdreg__V1__Response *r;

	u.goal_id = (char *)goal;
	u.type = STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION;
	u.supersedes = (char *)supersedes;
	u.as_of = "2026-03-05";
	if (new_due != NULL) {
		u.new_due = (char *)new_due;
		u.decision_ref = "N2026/3";
	} else {
		u.status = AT_RISK;
		u.note = "corrected: the drafts went out on the 2nd";
	}
	a.follow_up = &u;
	fixture_set_token(token);
	r = fixture_call(x->f, M("AddFollowUp"), fixture_next_id(), 0, &a.base);
	fixture_set_token(x->f->admin_token);
	return r;
}

/* The owner agency corrects its check-ins, but not the coordinators' decisions: a
 * correction of a redate is a decision of its own. */
static void test_an_agency_corrects_check_ins_only(void **state)
{
	struct ctx *x = *state;
	Stdreg__V1__GoalGetRequest g = STDREG__V1__GOAL_GET_REQUEST__INIT;
	Stdreg__V1__GoalGetResponse *got;
	Stdreg__V1__Response *r;
	uint64_t before;

	ok(add_goal(x));
	ok(follow_up(x, x->coord, "ai/1", REDATE, "2026-03-01", NULL, "2031-06-30"));   /* ai/1/1 */
	ok(follow_up(x, x->digg, "ai/1", CHECK_IN, "2026-03-02", "drafts late", NULL)); /* /2 */

	before = store_revision(x->f->st);
	expect(correction(x, x->digg, "ai/1", "ai/1/1", "2040-12-31"), GRPC_PERMISSION_DENIED,
	       "supersedes", "may correct check-ins only");
	assert_int_equal(store_revision(x->f->st), before);

	ok(correction(x, x->digg, "ai/1", "ai/1/2", NULL));
	ok(correction(x, x->coord, "ai/1", "ai/1/1", "2032-03-31"));
	g.id = "ai/1";
	r = fixture_call_ok(x->f, M("GetGoal"), &g.base);
	got = stdreg__v1__goal_get_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(got);
	assert_int_equal(got->n_follow_ups, 4);
	assert_string_equal(got->goal->goal->due, "2032-03-31");
	stdreg__v1__goal_get_response__free_unpacked(got, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
}

#define CASE(t) cmocka_unit_test_setup_teardown(t, goals_setup, goals_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_owner_and_coordinator),
		CASE(test_refusals),
		CASE(test_an_agency_corrects_check_ins_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
