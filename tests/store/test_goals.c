/*
 * test_goals.c - store/goal_kind.c and goal_store.c: goals and follow-ups as records of
 * the store (ids, the fold written back, append-only follow-ups, store_check) and the
 * goal questions, each case in its own temporary store (fixture.c). The clock is the
 * fixture's, 2026-09-21.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "goal_load.h"
#include "stdreg/v1/goals.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"
#include "store_int.h"

#define LEAD       STDREG__V1__ROLE__ROLE_LEAD
#define SUPPORTING STDREG__V1__ROLE__ROLE_SUPPORTING
#define CHECK_IN   STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN
#define REDATE     STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REDATE
#define CLOSE      STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CLOSE

/* digg leads ai since 2025-01-01; msb holds nothing. */
static void seed(struct fx *f)
{
	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", LEAD, "I2025/1", "2025-01-01", NULL, NULL));
}

static Stdreg__V1__Goal *mk_goal(const char *area, const char *owner, const char *due,
                                 const char *set_on)
{
	Stdreg__V1__Goal g = STDREG__V1__GOAL__INIT;

	g.area_id = (char *)area;
	g.owner_agency_id = (char *)owner;
	g.text = "Swedish positions in CEN-CLC/JTC 21";
	g.kind = STDREG__V1__GOAL_KIND__GOAL_KIND_DELIVERABLE;
	g.due = (char *)due;
	g.decision_ref = "I2026/10";
	g.set_on = (char *)set_on;
	return (Stdreg__V1__Goal *)rec_dup(&g.base);
}

static Stdreg__V1__FollowUp *mk_follow_up(const char *goal, int type, const char *as_of)
{
	Stdreg__V1__FollowUp u = STDREG__V1__FOLLOW_UP__INIT;

	u.goal_id = (char *)goal;
	u.type = type;
	u.as_of = (char *)as_of;
	if (type == CHECK_IN) {
		u.status = STDREG__V1__GOAL_STATUS__GOAL_STATUS_ON_TRACK;
		u.note = "drafts sent";
	} else {
		u.decision_ref = "I2026/20";
	}
	if (type == REDATE)
		u.new_due = "2027-06-30";
	if (type == CLOSE)
		u.result = STDREG__V1__GOAL_RESULT__GOAL_RESULT_MET;
	return (Stdreg__V1__FollowUp *)rec_dup(&u.base);
}

struct write {
	struct fx *f;
	ProtobufCMessage *rec;
	bool proposed;
	ProtobufCMessage *out;
	struct store_error *err;
};

static int run_goal_add(store_txn *t, void *arg)
{
	struct write *w = arg;
	struct store_actor who = { .principal = "test", .now = w->f->now };

	return store_goal_add(t, w->rec, w->proposed, &who, &w->out, w->err);
}

static int run_follow_up_add(store_txn *t, void *arg)
{
	struct write *w = arg;
	struct store_actor who = { .principal = "test", .now = w->f->now };

	return store_follow_up_add(t, w->rec, &who, &w->out, w->err);
}

/* Adds goal g (freed); *id (if not NULL, 40 bytes) receives the id given. */
static int goal_add(struct fx *f, Stdreg__V1__Goal *g, char *id, struct store_error *err)
{
	struct write w = { f, &g->base, false, NULL, err };
	int rc = store_write_once(f->st, run_goal_add, &w, NULL);

	if (rc == RG_OK && id)
		snprintf(id, 40, "%s", g->id);
	rec_free(g);
	if (w.out)
		rec_free(w.out);
	return rc;
}

static int follow_up_add(struct fx *f, Stdreg__V1__FollowUp *u, char *id, struct store_error *err)
{
	struct write w = { f, &u->base, false, NULL, err };
	int rc = store_write_once(f->st, run_follow_up_add, &w, NULL);

	if (rc == RG_OK && id)
		snprintf(id, 40, "%s", u->id);
	rec_free(u);
	if (w.out)
		rec_free(w.out);
	return rc;
}

static void goal_ok(struct fx *f, Stdreg__V1__Goal *g, const char *want_id)
{
	struct store_error err = { 0 };
	char id[40];

	assert_int_equal(goal_add(f, g, id, &err), RG_OK);
	assert_string_equal(id, want_id);
}

static void follow_up_ok(struct fx *f, Stdreg__V1__FollowUp *u, const char *want_id)
{
	struct store_error err = { 0 };
	char id[40];
	int rc = follow_up_add(f, u, id, &err);

	if (rc != RG_OK)
		fail_msg("follow-up refused: %s", err.message);
	assert_string_equal(id, want_id);
}

static void expect(int rc, const struct store_error *err, int code, const char *field)
{
	assert_int_equal(rc, code);
	if (field)
		assert_string_equal(err->field, field);
}

/* --- ids and refusals ------------------------------------------------------------- */

static void test_goal_ids_per_area(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };

	seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "msb", LEAD, "I2025/3", "2025-01-01", NULL, NULL));
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/1");
	goal_ok(f, mk_goal("cyber", "msb", "2026-12-31", "2026-01-15"), "cyber/1");
	goal_ok(f, mk_goal("ai", "digg", "2027-12-31", "2026-02-01"), "ai/2");
	/* The next number follows the largest, not the last in id order ("ai/10" < "ai/2"). */
	Stdreg__V1__Goal *ten = mk_goal("ai", "digg", "2027-12-31", "2026-02-01");
	ten->id = strdup("ai/10");     /* was protobuf-c's static "" */
	fx_put_ok(f, STORE_GOAL, ten); /* as a bulk file gives it: with its id */
	goal_ok(f, mk_goal("ai", "digg", "2027-12-31", "2026-02-01"), "ai/11");

	Stdreg__V1__Goal *g = fx_get(f, STORE_GOAL, "ai/2", NULL);
	assert_non_null(g);
	assert_string_equal(g->original_due, "2027-12-31");
	assert_int_equal(g->state, STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE);
	/* A goal is never deleted, so its number is never given again. */
	expect(fx_delete(f, STORE_GOAL, "ai/2", 0, &err, NULL), &err, RG_EPRECOND, NULL);
	rec_free(g);
}

static void test_goal_bad_input(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	Stdreg__V1__Goal *g;

	seed(f);
	/* msb holds no appointment on ai. */
	expect(goal_add(f, mk_goal("ai", "msb", "2026-12-31", "2026-01-15"), NULL, &err), &err,
	       RG_EPRECOND, "owner_agency_id");
	g = mk_goal("ai", "digg", "2026-12-31", "2026-01-15");
	rec_set(&g->decision_ref, "");
	expect(goal_add(f, g, NULL, &err), &err, RG_EINVAL, "decision_ref");
	g = mk_goal("ai", "digg", "2026-12-31", "2026-01-15");
	g->kind = STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR;
	expect(goal_add(f, g, NULL, &err), &err, RG_EINVAL, "unit");
	g = mk_goal("ai", "digg", "2026-12-31", "2026-01-15");
	rec_set(&g->id, "ai/7");
	expect(goal_add(f, g, NULL, &err), &err, RG_EINVAL, "id");
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "msb", LEAD, "I2025/3", "2025-01-01", NULL, NULL));
	goal_ok(f, mk_goal("cyber", "msb", "2026-12-31", "2026-01-15"), "cyber/1");
	/* The parent must be a goal of the same area. */
	g = mk_goal("ai", "digg", "2026-12-31", "2026-01-15");
	rec_set(&g->parent_id, "cyber/1");
	expect(goal_add(f, g, NULL, &err), &err, RG_EINVAL, "parent_id");
	/* Nothing was stored by the refusals: the next goal of ai is ai/1. */
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/1");
}

/* --- follow-ups ------------------------------------------------------------------- */

static void test_follow_ups_fold_into_the_goal(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__Goal *g;

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/1");
	follow_up_ok(f, mk_follow_up("ai/1", CHECK_IN, "2026-03-01"), "ai/1/1");
	follow_up_ok(f, mk_follow_up("ai/1", REDATE, "2026-04-01"), "ai/1/2");

	g = fx_get(f, STORE_GOAL, "ai/1", NULL);
	assert_string_equal(g->due, "2027-06-30");
	assert_string_equal(g->original_due, "2026-12-31");
	rec_free(g);

	/* The check-in left the goal as it was; the redate wrote the follow-up and the goal
	 * in one revision. */
	store_txn *t;
	ProtobufCMessage *h;
	struct store_error err = { 0 };
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_history(t, STORE_GOAL, "ai/1", &h, &err), RG_OK);
	Stdreg__V1__HistoryResponse *hr = (Stdreg__V1__HistoryResponse *)h;
	assert_int_equal(hr->n_entries, 2);
	uint64_t goal_rev = hr->entries[1]->revision;
	rec_free(h);
	assert_int_equal(store_history(t, STORE_FOLLOW_UP, "ai/1/2", &h, &err), RG_OK);
	hr = (Stdreg__V1__HistoryResponse *)h;
	assert_int_equal(hr->n_entries, 1);
	assert_int_equal(hr->entries[0]->revision, goal_rev);
	rec_free(h);
	struct store_check_stats stats;
	assert_int_equal(store_check(t, NULL, NULL, &stats), RG_OK);
	assert_int_equal(stats.problems, 0);
	store_read_free(t);
}

/* GetGoal's range of entries: want_first..want_first+want_n-1 of total, by their ids. */
static void range_is(store_txn *t, uint32_t from, uint32_t limit, uint32_t want_first,
                     size_t want_n, uint32_t total)
{
	struct store_error err = { 0 };
	ProtobufCMessage *m;
	Stdreg__V1__GoalGetResponse *r;

	assert_int_equal(store_goal_get(t, "ai/1", "2026-06-01", NULL, from, limit, &m, &err),
	                 RG_OK);
	r = (Stdreg__V1__GoalGetResponse *)m;
	assert_int_equal(r->follow_ups_total, total);
	assert_int_equal(r->follow_ups_from, want_first);
	assert_int_equal(r->n_follow_ups, want_n);
	for (size_t i = 0; i < want_n; i++) {
		char id[40];
		snprintf(id, sizeof id, "ai/1/%zu", want_first + i);
		assert_string_equal(r->follow_ups[i]->id, id);
	}
	/* The view is of every entry, whatever the range: the last check-in is the fifth. */
	assert_non_null(r->goal->last_check_in);
	assert_string_equal(r->goal->last_check_in->id, "ai/1/5");
	rec_free(m);
}

static void test_get_a_range_of_entries(void **state)
{
	struct fx *f = *state;
	store_txn *t;

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/1");
	for (unsigned i = 1; i <= 5; i++) {
		char want[40];
		snprintf(want, sizeof want, "ai/1/%u", i);
		follow_up_ok(f, mk_follow_up("ai/1", CHECK_IN, "2026-03-01"), want);
	}
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	range_is(t, 0, 0, 1, 5, 5); /* all */
	range_is(t, 2, 2, 2, 2, 5); /* from the second, two */
	range_is(t, 4, 0, 4, 2, 5); /* from the fourth on */
	range_is(t, 0, 2, 4, 2, 5); /* the last two */
	range_is(t, 0, 9, 1, 5, 5); /* the last nine: all there are */
	range_is(t, 5, 9, 5, 1, 5); /* the last one */
	range_is(t, 6, 1, 0, 0, 5); /* past the last: none, and how many there are */
	store_read_free(t);
}

static void test_follow_up_bad_input(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	Stdreg__V1__FollowUp *u;

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/1");
	expect(follow_up_add(f, mk_follow_up("ai/9", CHECK_IN, "2026-03-01"), NULL, &err), &err,
	       RG_EPRECOND, "goal_id");
	/* A later entry waits for the ones before it (a file in id order has ai/1/10 before
	 * ai/1/2; apply tries it again); an id of another goal is wrong. */
	u = mk_follow_up("ai/1", CHECK_IN, "2026-03-01");
	rec_set(&u->id, "ai/1/10");
	expect(fx_put(f, STORE_FOLLOW_UP, u, NULL, &err, NULL), &err, RG_EPRECOND, "id");
	rec_set(&u->id, "ai/2/1");
	expect(fx_put(f, STORE_FOLLOW_UP, u, NULL, &err, NULL), &err, RG_EINVAL, "id");
	rec_free(u);
	u = mk_follow_up("ai/1", CHECK_IN, "2026-03-01");
	rec_set(&u->note, "");
	expect(follow_up_add(f, u, NULL, &err), &err, RG_EINVAL, "note");
	u = mk_follow_up("ai/1", REDATE, "2026-03-01");
	rec_set(&u->decision_ref, "");
	expect(follow_up_add(f, u, NULL, &err), &err, RG_EINVAL, "decision_ref");
	expect(follow_up_add(f, mk_follow_up("ai/1", CHECK_IN, "2027-01-01"), NULL, &err), &err,
	       RG_EPRECOND, "as_of");
	follow_up_ok(f, mk_follow_up("ai/1", CHECK_IN, "2026-03-01"), "ai/1/1");
	expect(follow_up_add(f, mk_follow_up("ai/1", CHECK_IN, "2026-02-01"), NULL, &err), &err,
	       RG_EPRECOND, "as_of");
	follow_up_ok(f, mk_follow_up("ai/1", CLOSE, "2026-05-01"), "ai/1/2");
	expect(follow_up_add(f, mk_follow_up("ai/1", CLOSE, "2026-06-01"), NULL, &err), &err,
	       RG_EPRECOND, NULL);
	expect(follow_up_add(f, mk_follow_up("ai/1", CHECK_IN, "2026-06-01"), NULL, &err), &err,
	       RG_EPRECOND, NULL);
}

static void test_follow_ups_never_change(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	Stdreg__V1__FollowUp *u;
	int outcome = 0;
	struct store_put_opts o = { .outcome = &outcome };

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/1");
	follow_up_ok(f, mk_follow_up("ai/1", CHECK_IN, "2026-03-01"), "ai/1/1");

	/* The same entry again (apply of an export) is unchanged ... */
	u = fx_get(f, STORE_FOLLOW_UP, "ai/1/1", NULL);
	assert_int_equal(fx_put(f, STORE_FOLLOW_UP, u, &o, &err, NULL), RG_OK);
	assert_int_equal(outcome, STORE_UNCHANGED);
	/* ... a different one is refused, and so is a delete. */
	rec_set(&u->note, "rewritten");
	expect(fx_put(f, STORE_FOLLOW_UP, u, NULL, &err, NULL), &err, RG_EPRECOND, "id");
	rec_free(u);
	expect(fx_delete(f, STORE_FOLLOW_UP, "ai/1/1", 0, &err, NULL), &err, RG_EPRECOND, NULL);
	u = fx_get(f, STORE_FOLLOW_UP, "ai/1/1", NULL);
	assert_string_equal(u->note, "drafts sent");
	rec_free(u);
}

/* --- long histories ---------------------------------------------------------------- */

/* Follow-up of goal, with its id GOAL/seq (a file's lines need ids). */
static Stdreg__V1__FollowUp *numbered(Stdreg__V1__FollowUp *u, unsigned seq)
{
	char id[40];

	snprintf(id, sizeof(id), "%s/%u", u->goal_id, seq);
	rec_set(&u->id, id);
	return u;
}

/* Applies the follow-ups us[0..n) (freed) as one file; the apply's code, *err its error. */
static int apply_follow_ups(struct fx *f, Stdreg__V1__FollowUp **us, size_t n,
                            struct store_error *err)
{
	Stdreg__V1__BulkRecord **lines = calloc(n, sizeof(*lines));
	int rc;

	assert_non_null(lines);
	for (size_t i = 0; i < n; i++) {
		lines[i] = malloc(sizeof(**lines));
		assert_non_null(lines[i]);
		stdreg__v1__bulk_record__init(lines[i]);
		lines[i]->line = (uint32_t)i + 1;
		lines[i]->follow_up = us[i];
	}
	rc = fx_apply(f, lines, n, false, NULL, err);
	for (size_t i = 0; i < n; i++)
		rec_free(lines[i]);
	free(lines);
	return rc;
}

static void expect_absent(struct fx *f, const char *id)
{
	void *u = fx_get(f, STORE_FOLLOW_UP, id, NULL);

	if (u != NULL)
		fail_msg("follow-up %s was written", id);
}

/* A redate of goal to one of two dues by the parity of seq, so that each one moves it;
 * with its id when numbered (a file's line). */
static Stdreg__V1__FollowUp *redate_by_parity(const char *goal, unsigned seq, const char *as_of,
                                              bool with_id)
{
	Stdreg__V1__FollowUp *u = mk_follow_up(goal, REDATE, as_of);

	rec_set(&u->new_due, seq % 2 != 0 ? "2027-06-30" : "2027-07-31");
	return with_id ? numbered(u, seq) : u;
}

/*
 * One file with the entries of two goals interleaved (the apply reads each goal's entries
 * once and keeps up with what it appends), then the bounds: a goal keeps at most
 * GOAL_CHECK_INS_MAX check-ins and corrections and GOAL_FOLLOW_UPS_MAX entries in all, by
 * apply and by a single add, and a refusal writes nothing.
 */
static void test_a_goal_keeps_a_bounded_history(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__FollowUp *us[GOAL_FOLLOW_UPS_MAX + 4];
	struct store_error err = { 0 };
	struct store_check_stats stats;
	Stdreg__V1__FollowUp *c;
	Stdreg__V1__Goal *g;
	size_t n = 0;
	store_txn *t;

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/1");
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/2");
	follow_up_ok(f, mk_follow_up("ai/1", CHECK_IN, "2026-02-01"), "ai/1/1");
	for (unsigned i = 2; i < GOAL_FOLLOW_UPS_MAX; i++) {
		if (i <= GOAL_CHECK_INS_MAX)
			us[n++] = numbered(mk_follow_up("ai/1", CHECK_IN, "2026-03-01"), i);
		else
			us[n++] = redate_by_parity("ai/1", i, "2026-03-01", true);
		if (i == 10)
			us[n++] = numbered(mk_follow_up("ai/2", REDATE, "2026-03-01"), 1);
		if (i == 500) {
			/* a correction of ai/2's redate: due moves again */
			c = mk_follow_up("ai/2",
			                 STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION,
			                 "2026-03-02");
			rec_set(&c->supersedes, "ai/2/1");
			rec_set(&c->new_due, "2027-09-30");
			us[n++] = numbered(c, 2);
		}
	}
	if (apply_follow_ups(f, us, n, &err) != RG_OK)
		fail_msg("apply refused: %s", err.message);
	g = fx_get(f, STORE_GOAL, "ai/2", NULL);
	assert_string_equal(g->due, "2027-09-30");
	rec_free(g);
	c = fx_get(f, STORE_FOLLOW_UP, "ai/1/999", NULL);
	assert_non_null(c);
	assert_int_equal(c->seq, 999);
	rec_free(c);
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_check(t, NULL, NULL, &stats), RG_OK);
	assert_int_equal(stats.problems, 0);
	store_read_free(t);

	/* Its check-ins are full: the next check-in, or a correction of one, is refused, while
	 * the places kept for decisions take a decision or its correction. */
	expect(follow_up_add(f, mk_follow_up("ai/1", CHECK_IN, "2026-04-01"), NULL, &err), &err,
	       RG_EPRECOND, "goal_id");
	assert_non_null(strstr(err.message, "900 check-ins and corrections"));
	c = mk_follow_up("ai/1", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION,
	                 "2026-04-01");
	rec_set(&c->supersedes, "ai/1/2");
	rec_set(&c->note, "corrected");
	c->status = STDREG__V1__GOAL_STATUS__GOAL_STATUS_AT_RISK;
	expect(follow_up_add(f, c, NULL, &err), &err, RG_EPRECOND, "goal_id");
	expect_absent(f, "ai/1/1000");
	/* The 1 000th: a correction of the redate ai/1/999 (to 2027-06-30) fits. */
	c = mk_follow_up("ai/1", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION,
	                 "2026-04-01");
	rec_set(&c->supersedes, "ai/1/999");
	rec_set(&c->new_due, "2027-08-31");
	follow_up_ok(f, c, "ai/1/1000");

	/* The 1 001st is refused, by a file (applied not at all) and alone. */
	us[0] = redate_by_parity("ai/1", 1001, "2026-04-01", true);
	expect(apply_follow_ups(f, us, 1, &err), &err, RG_EPRECOND, "records");
	expect(follow_up_add(f, redate_by_parity("ai/1", 1001, "2026-04-02", false), NULL, &err),
	       &err, RG_EPRECOND, "goal_id");
	assert_non_null(strstr(err.message, "1000 follow-ups"));
	expect_absent(f, "ai/1/1001");
	/* Other goals are not bound by it. */
	follow_up_ok(f, mk_follow_up("ai/2", CHECK_IN, "2026-04-02"), "ai/2/3");
}

struct chain_job {
	size_t max_entries;
	size_t n1; /* ai/1's entries before the job */
};

/* goal's chain as t reads it: want entries, GOAL/1 ... GOAL/want. */
static void chain_is(store_txn *t, const char *goal, size_t want)
{
	Stdreg__V1__FollowUp **fus;
	struct store_error err = { 0 };
	bool borrowed;
	size_t n;

	assert_int_equal(goal_chain_get(t, goal, &fus, &n, &borrowed, &err), RG_OK);
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++) {
		char id[40];
		snprintf(id, sizeof(id), "%s/%zu", goal, i + 1);
		assert_string_equal(fus[i]->id, id);
	}
	if (!borrowed) {
		for (size_t i = 0; i < n; i++)
			rec_free(fus[i]);
		free(fus);
	}
}

static int run_chains(store_txn *t, void *arg)
{
	struct chain_job *j = arg;
	struct store_actor who = { .principal = "test", .now = 1790000000 };
	struct store_error err = { 0 };
	Stdreg__V1__FollowUp *u;
	int rc;

	t->goal_chains = goal_chains_new(j->max_entries);
	assert_non_null(t->goal_chains);
	chain_is(t, "ai/1", j->n1);
	chain_is(t, "ai/2", 2); /* past a bound of 3: the cache starts again */
	chain_is(t, "ai/1", j->n1);
	u = mk_follow_up("ai/1", CHECK_IN, "2026-03-01");
	rc = store_put(t, STORE_FOLLOW_UP, &u->base, NULL, &who, NULL, NULL, &err);
	rec_free(u);
	assert_int_equal(rc, RG_OK);
	chain_is(t, "ai/1", j->n1 + 1); /* what was appended since it was read */
	chain_is(t, "ai/1", j->n1 + 1);
	goal_chains_free(t->goal_chains);
	t->goal_chains = NULL;
	return RG_OK;
}

static void test_the_apply_cache_of_chains(void **state)
{
	struct fx *f = *state;
	struct chain_job j = { 3, 2 };

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/1");
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/2");
	for (int i = 1; i <= 2; i++) {
		char id[40];
		snprintf(id, sizeof(id), "ai/1/%d", i);
		follow_up_ok(f, mk_follow_up("ai/1", CHECK_IN, "2026-02-01"), id);
		snprintf(id, sizeof(id), "ai/2/%d", i);
		follow_up_ok(f, mk_follow_up("ai/2", CHECK_IN, "2026-02-01"), id);
	}
	assert_int_equal(store_write_once(f->st, run_chains, &j, NULL), RG_OK);
	j.max_entries = GOAL_CHAINS_MAX_ENTRIES;
	j.n1 = 3;
	assert_int_equal(store_write_once(f->st, run_chains, &j, NULL), RG_OK);
}

/* --- questions -------------------------------------------------------------------- */

static Stdreg__V1__GoalListResponse *list_as_of(struct fx *f, const char *day, bool overdue)
{
	Stdreg__V1__GoalListRequest q = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	struct store_error err = { 0 };
	ProtobufCMessage *out = NULL;
	store_txn *t;

	q.as_of = (char *)day;
	q.overdue = overdue;
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_goal_list(t, &q.base, "2026-09-21", &out, &err), RG_OK);
	store_read_free(t);
	return (Stdreg__V1__GoalListResponse *)out;
}

static void test_list_as_of(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__GoalListResponse *r;

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-06-30", "2026-01-15"), "ai/1");
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/2");
	follow_up_ok(f, mk_follow_up("ai/1", CHECK_IN, "2026-03-01"), "ai/1/1");

	/* 2026-02-01: no check-in yet on either. */
	r = list_as_of(f, "2026-02-01", false);
	assert_int_equal(r->n_goals, 2);
	assert_int_equal(r->goals[0]->status, STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_PENDING);
	rec_free(r);
	/* 2026-03-02: ai/1 on track by its check-in. */
	r = list_as_of(f, "2026-03-02", false);
	assert_int_equal(r->goals[0]->status, STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_ON_TRACK);
	assert_int_equal(r->goals[1]->status, STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_PENDING);
	rec_free(r);
	/* 2026-07-15: ai/1 is past due, and the only overdue one. */
	r = list_as_of(f, "2026-07-15", true);
	assert_int_equal(r->n_goals, 1);
	assert_string_equal(r->goals[0]->goal->id, "ai/1");
	rec_free(r);
	/* Before the goals were set, nothing. */
	r = list_as_of(f, "2026-01-01", false);
	assert_int_equal(r->n_goals, 0);
	rec_free(r);
}

static int goal_list_page(struct fx *f, const char *token, uint32_t size,
                          Stdreg__V1__GoalListResponse **r, struct store_error *err)
{
	Stdreg__V1__GoalListRequest q = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	ProtobufCMessage *out = NULL;
	store_txn *t;
	int rc;

	q.page_token = (char *)token;
	q.page_size = size;
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	rc = store_goal_list(t, &q.base, "2026-09-21", &out, err);
	store_read_free(t);
	*r = (Stdreg__V1__GoalListResponse *)out;
	return rc;
}

static int put_garbage_goal(store_txn *t, void *arg)
{
	MDB_val k = { strlen(arg), arg }, v = { 3, "\xff\xff\xff" };

	return txn_put(t, t->st->records[STORE_GOAL], &k, &v, 0, NULL);
}

/* The list walks the goals in id order page by page (the token is the last id shown); a
 * stored goal that does not decode stops it with an error that names it. */
static void test_list_pages_and_corrupt_goal(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	Stdreg__V1__GoalListResponse *r;

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-06-30", "2026-01-15"), "ai/1");
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/2");
	goal_ok(f, mk_goal("ai", "digg", "2026-12-31", "2026-01-15"), "ai/3");
	assert_int_equal(goal_list_page(f, NULL, 2, &r, &err), RG_OK);
	assert_int_equal(r->n_goals, 2);
	assert_string_equal(r->goals[1]->goal->id, "ai/2");
	assert_string_equal(r->next_page_token, "ai/2");
	rec_free(r);
	assert_int_equal(goal_list_page(f, "ai/2", 2, &r, &err), RG_OK);
	assert_int_equal(r->n_goals, 1);
	assert_string_equal(r->goals[0]->goal->id, "ai/3");
	assert_string_equal(r->next_page_token, "");
	rec_free(r);

	assert_int_equal(store_write_once(f->st, put_garbage_goal, "ai/2", NULL), RG_OK);
	r = NULL;
	assert_int_equal(goal_list_page(f, NULL, 0, &r, &err), RG_ECORRUPT);
	assert_null(r);
	assert_non_null(strstr(err.message, "goal 'ai/2'"));
	/* from past it, the walk never reads it */
	assert_int_equal(goal_list_page(f, "ai/2", 0, &r, &err), RG_OK);
	assert_int_equal(r->n_goals, 1);
	rec_free(r);
}

/* What names no goal, state or status is refused naming its field, as List's filters are; a
 * token of a goal that is not there is a place in the order all the same. */
static void test_list_refuses_what_names_nothing(void **state)
{
	static const char *const bad_tokens[] = { "zz", "ai/0", "ai/01", "ai/1x", "/1", "ai/" };
	struct fx *f = *state;
	Stdreg__V1__GoalListRequest q = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	struct store_error err = { 0 };
	Stdreg__V1__GoalListResponse *r;
	ProtobufCMessage *out = NULL;
	store_txn *t;

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-06-30", "2026-01-15"), "ai/1");
	for (size_t i = 0; i < sizeof bad_tokens / sizeof *bad_tokens; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(goal_list_page(f, bad_tokens[i], 0, &r, &err), RG_EINVAL);
		assert_string_equal(err.field, "page_token");
	}
	assert_int_equal(goal_list_page(f, "ai/999", 0, &r, &err), RG_OK);
	assert_int_equal(r->n_goals, 0);
	rec_free(r);
	assert_int_equal(goal_list_page(f, "a/1", 0, &r, &err), RG_OK);
	assert_int_equal(r->n_goals, 1);
	rec_free(r);

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	q.state = 99;
	assert_int_equal(store_goal_list(t, &q.base, "2026-09-21", &out, &err), RG_EINVAL);
	assert_string_equal(err.field, "state");
	q.state = STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE;
	q.status = 99;
	assert_int_equal(store_goal_list(t, &q.base, "2026-09-21", &out, &err), RG_EINVAL);
	assert_string_equal(err.field, "status");
	assert_non_null(strstr(err.message, "unknown value 99"));
	q.status = 0;
	assert_int_equal(store_goal_list(t, &q.base, "2026-09-21", &out, &err), RG_OK);
	rec_free(out);
	store_read_free(t);
}

/* The trend of quarters 2025-12-31, 2026-03-31 and 2026-06-30 (malloc'd). */
static Stdreg__V1__TrendResponse *trend(struct fx *f)
{
	struct store_error err = { 0 };
	ProtobufCMessage *out = NULL;
	store_txn *t;

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_trend(t, "2025-10-01", "2026-07-01", "2026-09-21", &out, &err),
	                 RG_OK);
	store_read_free(t);
	return (Stdreg__V1__TrendResponse *)out;
}

/* Sets area ai's priority (and priority_since) as a new version of it. */
static void set_priority(struct fx *f, int priority, const char *since)
{
	Stdreg__V1__Area *a = fx_get(f, STORE_AREA, "ai", NULL);

	assert_non_null(a);
	a->priority = priority;
	rec_set(&a->priority_since, since);
	fx_put_ok(f, STORE_AREA, a);
}

static void test_trend(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__TrendResponse *r;

	seed(f);
	goal_ok(f, mk_goal("ai", "digg", "2026-06-30", "2026-01-15"), "ai/1");
	/* ai was stored today without priority_since: it counts from today, so not in 2026. */
	r = trend(f);
	assert_int_equal(r->n_rows, 3);
	assert_string_equal(r->rows[0]->quarter_end, "2025-12-31");
	assert_int_equal(r->rows[0]->goals, 0);
	assert_int_equal(r->rows[1]->goals, 1);
	assert_int_equal(r->rows[1]->with_active_goal, 0);
	rec_free(r);
	/* Prioritised since 2025-06-01 by its decision: every quarter counts it. */
	set_priority(f, STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED, "2025-06-01");
	r = trend(f);
	assert_int_equal(r->rows[0]->with_active_goal, 0); /* no goal yet */
	assert_int_equal(r->rows[1]->with_active_goal, 1);
	assert_int_equal(r->rows[2]->with_active_goal, 1);
	rec_free(r);
	/* Then only monitored from 2026-05-01: the last quarter no longer counts it, the
	 * earlier ones still do (the version in force on each day, not today's). */
	set_priority(f, STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED, "2026-05-01");
	r = trend(f);
	assert_int_equal(r->rows[1]->with_active_goal, 1);
	assert_int_equal(r->rows[2]->with_active_goal, 0);
	assert_int_equal(r->rows[1]->prioritised, r->rows[2]->prioritised + 1);
	rec_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_goal_ids_per_area, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_goal_bad_input, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_follow_ups_fold_into_the_goal, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(test_follow_up_bad_input, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_follow_ups_never_change, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(test_get_a_range_of_entries, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_a_goal_keeps_a_bounded_history, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(test_the_apply_cache_of_chains, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(test_list_as_of, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_list_pages_and_corrupt_goal, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(test_list_refuses_what_names_nothing, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(test_trend, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
