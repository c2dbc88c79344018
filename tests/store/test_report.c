/*
 * test_report.c - store/report.c: coverage, load per agency, items per status, overdue items
 * and stage changes in a window, each case in its own temporary store (fixture.c). Every
 * expected figure is counted by hand from the registry that seed() builds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "stdreg/v1/registry.pb-c.h"

#define LEAD       STDREG__V1__ROLE__ROLE_LEAD
#define SUPPORTING STDREG__V1__ROLE__ROLE_SUPPORTING
#define TODAY      "2026-09-21"

/* cmocka's assert_float_equal compares floats; the percentage is a double. */
#define assert_near(a, b, eps) assert_true((a) - (b) < (eps) && (b) - (a) < (eps))

static void put_item(struct fx *f, const char *id, const char *const *areas, const char *stage,
                     const char *target)
{
	Stdreg__V1__WorkItem *w = mk_item(id, id, "Title", "jtc1-sc42", areas, stage);

	if (target)
		rec_set(&w->target_date, target);
	fx_put_ok(f, STORE_ITEM, w);
}

static void set_stage(struct fx *f, const char *id, const char *stage, const char *date)
{
	Stdreg__V1__WorkItem *w = fx_get(f, STORE_ITEM, id, NULL);

	assert_non_null(w);
	f->now = fx_day(date);
	rec_set(&w->stage, stage);
	fx_put_ok(f, STORE_ITEM, w);
}

/*
 * The registry of every case, on 2026-09-21:
 *   areas    ai, cyber, ai-risk prioritised; quantum monitored
 *   leads    digg ai (current), digg quantum (current), pts cyber (ended 2025-06-01),
 *            msb ai-risk (from 2027-01-01: not yet)
 *   support  pts ai, pts cyber (both current)
 *   items    i1 ai          40.20  target 2026-01-01  overdue
 *            i2 ai, cyber   50.00  target 2027-01-01
 *            i3 ai          60.60  target 2025-01-01  published: not overdue
 *            i4 cyber       30.98  target 2025-01-01  cancelled: not overdue
 *            i5 cyber       20.00  target 2026-09-21  due today: not overdue
 *            i6 cyber       10.00  target 2026-09-20  overdue
 *            i7 quantum     40.60  no target
 * Stage changes (updates only; creations are not changes of stage):
 *   i3 50.00 -> 60.60 on 2026-09-10, i2 40.20 -> 50.00 on 2026-09-11, i1's title on
 *   2026-09-15 (no stage change), i5 10.00 -> 20.00 on 2026-09-20.
 */
static void seed(struct fx *f)
{
	static const char *const ai[] = { "ai", NULL }, *const cyber[] = { "cyber", NULL };
	static const char *const both[] = { "ai", "cyber", NULL }, *const q[] = { "quantum", NULL };
	Stdreg__V1__Area *quantum = mk_area("quantum", "Quantum technologies", NULL);
	Stdreg__V1__Assignment *ended;
	Stdreg__V1__WorkItem *w;

	f->now = fx_day("2026-08-01");
	fx_seed(f);
	quantum->priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	fx_put_ok(f, STORE_AREA, quantum);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", LEAD, "I2025/1", "2025-01-01", NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("quantum", "digg", LEAD, "I2025/2", "2025-01-01", NULL, NULL));
	ended = mk_assignment("cyber", "pts", LEAD, "I2024/1", "2024-01-01", "2025-06-01",
	                      "I2025/9");
	fx_put_ok(f, STORE_ASSIGNMENT, ended);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai-risk", "msb", LEAD, "I2026/1", "2027-01-01", NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "pts", SUPPORTING, "I2025/3", "2025-02-01", NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "pts", SUPPORTING, "I2025/4", "2025-06-01", NULL, NULL));

	put_item(f, "i1", ai, "40.20", "2026-01-01");
	put_item(f, "i2", both, "40.20", "2027-01-01");
	put_item(f, "i3", ai, "50.00", "2025-01-01");
	put_item(f, "i4", cyber, "30.98", "2025-01-01");
	put_item(f, "i5", cyber, "10.00", TODAY);
	put_item(f, "i6", cyber, "10.00", "2026-09-20");
	put_item(f, "i7", q, "40.60", NULL);

	set_stage(f, "i3", "60.60", "2026-09-10");
	set_stage(f, "i2", "50.00", "2026-09-11");
	w = fx_get(f, STORE_ITEM, "i1", NULL);
	f->now = fx_day("2026-09-15");
	rec_set(&w->title, "Title, renamed");
	fx_put_ok(f, STORE_ITEM, w);
	set_stage(f, "i5", "20.00", "2026-09-20");
}

/* Runs store_report in a read transaction; *out is the response (free with rec_free). */
static int report(struct fx *f, const char *today, uint32_t days, Stdreg__V1__ReportResponse **out,
                  struct store_error *err)
{
	ProtobufCMessage *m = NULL;
	store_txn *t;
	int rc;

	memset(err, 0, sizeof *err);
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	rc = store_report(t, today, days, &m, err);
	store_read_free(t);
	*out = (Stdreg__V1__ReportResponse *)m;
	return rc;
}

static Stdreg__V1__ReportResponse *report_ok(struct fx *f, const char *today, uint32_t days)
{
	Stdreg__V1__ReportResponse *r;
	struct store_error err;
	int rc = report(f, today, days, &r, &err);

	if (rc != RG_OK)
		fail_msg("store_report: %s (%s)", rg_strerror(rc), err.message);
	return r;
}

/* --- cases --------------------------------------------------------------------------- */

/* Three prioritised areas, one with a lead today (ai): cyber's lead ended, ai-risk's has
 * not begun, and quantum's lead does not count (monitored, not prioritised). */
static void coverage_of_prioritised_areas(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__ReportResponse *r;

	seed(f);
	r = report_ok(f, TODAY, 0);
	assert_string_equal(r->today, TODAY);
	assert_int_equal(r->prioritised, 3);
	assert_int_equal(r->prioritised_with_lead, 1);
	assert_near(r->coverage_percent, 100.0 / 3, 1e-9);
	rec_free(r);
	/* On 2027-01-01 msb leads ai-risk too. */
	r = report_ok(f, "2027-01-01", 0);
	assert_int_equal(r->prioritised_with_lead, 2);
	assert_near(r->coverage_percent, 200.0 / 3, 1e-9);
	rec_free(r);
	/* Before anyone led anything: no lead, and no division by zero on an empty store. */
	r = report_ok(f, "2023-01-01", 0);
	assert_int_equal(r->prioritised_with_lead, 0);
	assert_near(r->coverage_percent, 0.0, 1e-9);
	rec_free(r);
}

static void coverage_of_empty_store(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__ReportResponse *r = report_ok(f, TODAY, 0);

	assert_int_equal(r->prioritised, 0);
	assert_near(r->coverage_percent, 0.0, 1e-9);
	assert_int_equal(r->n_agencies, 0);
	assert_int_equal(r->n_overdue, 0);
	assert_int_equal(r->n_stage_changes, 0);
	assert_int_equal(r->n_stage_groups, 3);
	for (size_t i = 0; i < r->n_stage_groups; i++)
		assert_int_equal(r->stage_groups[i]->count, 0);
	rec_free(r);
}

/*
 * digg leads ai and quantum: items i1 i2 i3 (ai) and i7 (quantum), i1 overdue.
 * pts supports ai and cyber (its ended cyber lead is not counted): i1 i2 i3 and i2 i4 i5
 * i6, i2 once: six items, i1 and i6 overdue. msb holds nothing today and is not listed.
 */
static void load_per_agency(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__ReportResponse *r;

	seed(f);
	r = report_ok(f, TODAY, 0);
	assert_int_equal(r->n_agencies, 2);
	assert_string_equal(r->agencies[0]->agency_id, "digg");
	assert_int_equal(r->agencies[0]->areas_led, 2);
	assert_int_equal(r->agencies[0]->areas_supported, 0);
	assert_int_equal(r->agencies[0]->work_items, 4);
	assert_int_equal(r->agencies[0]->overdue, 1);
	assert_string_equal(r->agencies[1]->agency_id, "pts");
	assert_int_equal(r->agencies[1]->areas_led, 0);
	assert_int_equal(r->agencies[1]->areas_supported, 2);
	assert_int_equal(r->agencies[1]->work_items, 6);
	assert_int_equal(r->agencies[1]->overdue, 2);
	rec_free(r);
}

/* Many items, each in both areas pts supports: each counted once. */
static void load_counts_each_item_once(void **state)
{
	static const char *const both[] = { "ai", "cyber", NULL }, *const ai[] = { "ai", NULL };
	struct fx *f = *state;
	Stdreg__V1__ReportResponse *r;
	enum { N = 600 };

	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "pts", SUPPORTING, "I2025/3", "2025-02-01", NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "pts", LEAD, "I2025/4", "2025-06-01", NULL, NULL));
	for (int i = 0; i < N; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%04d", N - i); /* written in reverse id order */
		put_item(f, id, i % 3 ? both : ai, "40.20", i % 2 ? "2026-01-01" : NULL);
	}
	r = report_ok(f, TODAY, 0);
	assert_int_equal(r->n_agencies, 1);
	assert_string_equal(r->agencies[0]->agency_id, "pts");
	assert_int_equal(r->agencies[0]->areas_led, 1);
	assert_int_equal(r->agencies[0]->areas_supported, 1);
	assert_int_equal(r->agencies[0]->work_items, N);
	assert_int_equal(r->agencies[0]->overdue, N / 2);
	rec_free(r);
}

/* in development i1 i2 i5 i6 i7, published i3, cancelled i4. */
static void items_per_status(void **state)
{
	static const struct {
		const char *group;
		uint32_t count;
	} want[] = { { "in_development", 5 }, { "published", 1 }, { "cancelled", 1 } };
	struct fx *f = *state;
	Stdreg__V1__ReportResponse *r;

	seed(f);
	r = report_ok(f, TODAY, 0);
	assert_int_equal(r->n_stage_groups, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(r->stage_groups[i]->group, want[i].group);
		assert_int_equal(r->stage_groups[i]->count, want[i].count);
	}
	rec_free(r);
}

/* Target passed and still in development: i1 and i6 today; i5 (due today) from tomorrow;
 * never the published i3 or the cancelled i4. */
static void overdue_items(void **state)
{
	static const struct {
		const char *today;
		size_t n;
		const char *ids[3];
	} rows[] = {
		{ "2025-12-31", 0, { NULL } },
		{ "2026-01-02", 1, { "i1" } },
		{ TODAY, 2, { "i1", "i6" } },
		{ "2026-09-22", 3, { "i1", "i5", "i6" } },
	};
	struct fx *f = *state;

	seed(f);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		Stdreg__V1__ReportResponse *r = report_ok(f, rows[i].today, 0);
		if (r->n_overdue != rows[i].n)
			fail_msg("on %s: %zu overdue, want %zu", rows[i].today, r->n_overdue,
			         rows[i].n);
		for (size_t j = 0; j < rows[i].n; j++)
			assert_string_equal(r->overdue[j]->id, rows[i].ids[j]);
		rec_free(r);
	}
}

/* The window is the last `days` days up to today, its first day included; newest first. */
static void stage_changes_in_window(void **state)
{
	static const struct {
		uint32_t days;
		size_t n;
		const char *ids[3];
	} rows[] = {
		{ 1, 1, { "i5" } },              /* from 2026-09-20 */
		{ 9, 1, { "i5" } },              /* from 2026-09-12 */
		{ 10, 2, { "i5", "i2" } },       /* from 2026-09-11 */
		{ 11, 3, { "i5", "i2", "i3" } }, /* from 2026-09-10 */
		{ 0, 3, { "i5", "i2", "i3" } },  /* 45 days */
	};
	struct fx *f = *state;
	Stdreg__V1__ReportResponse *r;

	seed(f);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		r = report_ok(f, TODAY, rows[i].days);
		assert_int_equal(r->days, rows[i].days ? rows[i].days : 45);
		if (r->n_stage_changes != rows[i].n)
			fail_msg("%u days: %zu stage changes, want %zu", rows[i].days,
			         r->n_stage_changes, rows[i].n);
		for (size_t j = 0; j < rows[i].n; j++)
			assert_string_equal(r->stage_changes[j]->work_item_id, rows[i].ids[j]);
		rec_free(r);
	}
	r = report_ok(f, TODAY, 10);
	assert_string_equal(r->stage_changes[0]->old_stage, "10.00");
	assert_string_equal(r->stage_changes[0]->new_stage, "20.00");
	assert_string_equal(r->stage_changes[1]->old_stage, "40.20");
	assert_string_equal(r->stage_changes[1]->new_stage, "50.00");
	assert_string_equal(r->stage_changes[1]->reference, "i2");
	assert_true(r->stage_changes[0]->revision > r->stage_changes[1]->revision);
	assert_int_equal(strncmp(r->stage_changes[1]->time, "2026-09-11", 10), 0);
	rec_free(r);
}

static void bad_arguments(void **state)
{
	static const struct {
		const char *today;
		uint32_t days;
		const char *field;
	} rows[] = {
		{ "2026-02-30", 0, "today" },
		{ "21/09/2026", 0, "today" },
		{ TODAY, 36501, "days" },
	};
	struct fx *f = *state;
	Stdreg__V1__ReportResponse *r;
	struct store_error err;

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		r = NULL;
		assert_int_equal(report(f, rows[i].today, rows[i].days, &r, &err), RG_EINVAL);
		assert_null(r);
		assert_string_equal(err.field, rows[i].field);
	}
	r = report_ok(f, TODAY, 36500);
	rec_free(r);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(coverage_of_prioritised_areas), T(coverage_of_empty_store), T(load_per_agency),
		T(load_counts_each_item_once),    T(items_per_status),        T(overdue_items),
		T(stage_changes_in_window),       T(bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
