/*
 * test_workflow.c - the appointment workflow (Assign, Unassign, Transfer, SetStage) and the
 * follow-up questions (Mine, Gaps, AsOf, History, Report) through dispatch_request(), with
 * expectations worked out by hand from fixture_seed(). Each case has its own store.
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

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define M(n) "/stdreg.v1.Registry/" n

#define LEAD       STDREG__V1__ROLE__ROLE_LEAD
#define SUPPORTING STDREG__V1__ROLE__ROLE_SUPPORTING

static Stdreg__V1__Response *assign(struct fixture *f, const char *area, const char *agency,
                                    int role, const char *decision, const char *from)
{
	Stdreg__V1__AssignRequest a = STDREG__V1__ASSIGN_REQUEST__INIT;

	a.area_id = (char *)area;
	a.agency_id = (char *)agency;
	a.role = role;
	a.decision_ref = (char *)decision;
	a.valid_from = (char *)from;
	return fixture_call(f, M("Assign"), fixture_next_id(), 0, &a.base);
}

static void assign_ok(struct fixture *f, const char *area, const char *agency, int role,
                      const char *from)
{
	Stdreg__V1__Response *r = assign(f, area, agency, role, "N2026/1", from);

	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static Stdreg__V1__Response *unassign(struct fixture *f, const char *area, const char *agency,
                                      const char *to)
{
	Stdreg__V1__UnassignRequest u = STDREG__V1__UNASSIGN_REQUEST__INIT;

	u.area_id = (char *)area;
	u.agency_id = (char *)agency;
	u.decision_ref = "N2026/9";
	u.valid_to = (char *)to;
	return fixture_call(f, M("Unassign"), fixture_next_id(), 0, &u.base);
}

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

static void test_assign(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__Response *r;
	Stdreg__V1__Assignment *a;

	fixture_seed(f);
	r = assign(f, "ai", "digg", LEAD, "N2026/1", "2026-01-01");
	assert_int_equal(r->status->code, GRPC_OK);
	assert_true(r->revision > 0);
	a = stdreg__v1__assignment__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(a);
	assert_string_equal(a->id, "ai/digg/2026-01-01");
	assert_int_equal(a->role, LEAD);
	assert_string_equal(a->decision_ref, "N2026/1");
	assert_string_equal(a->valid_from, "2026-01-01");
	assert_string_equal(a->valid_to, "");
	assert_string_equal(a->appointed_by, "fixture-admin");
	// The reply is the record as stored: meta included.
	assert_non_null(a->meta);
	assert_int_equal(a->meta->version, 1);
	assert_int_equal(a->meta->create_revision, r->revision);
	stdreg__v1__assignment__free_unpacked(a, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_assign_refusals(void **state)
{
	struct fixture *f = *state;

	fixture_seed(f);
	assign_ok(f, "ai", "digg", LEAD, "2026-01-01");
	// A second current lead names the one there is.
	expect(assign(f, "ai", "pts", LEAD, "N2026/2", "2026-02-01"), GRPC_FAILED_PRECONDITION,
	       NULL, "ai/digg/2026-01-01");
	// A missing area or agency is a reference, not the record addressed: a failed
	// precondition, as for every put.
	expect(assign(f, "nowhere", "pts", LEAD, "N2026/2", ""), GRPC_FAILED_PRECONDITION,
	       "area_id", "nowhere");
	expect(assign(f, "ai", "nobody", SUPPORTING, "N2026/2", ""), GRPC_FAILED_PRECONDITION,
	       "agency_id", "nobody");
	expect(assign(f, "ai", "msb", SUPPORTING, "N2026/2", "2026-02-30"), GRPC_INVALID_ARGUMENT,
	       "valid_from", "2026-02-30");
	expect(assign(f, "cyber", "msb", LEAD, "", "2026-02-01"), GRPC_INVALID_ARGUMENT,
	       "decision_ref", "decision");
	expect(assign(f, "cyber", "msb", 7, "N2026/2", "2026-02-01"), GRPC_INVALID_ARGUMENT, "role",
	       "unknown role 7");
	expect(assign(f, "cyber", "msb", 0, "N2026/2", "2026-02-01"), GRPC_INVALID_ARGUMENT, "role",
	       NULL);
}

static Stdreg__V1__AsOfResponse *as_of(struct fixture *f, const char *area, const char *date)
{
	Stdreg__V1__AsOfRequest q = STDREG__V1__AS_OF_REQUEST__INIT;
	Stdreg__V1__Response *r;
	Stdreg__V1__AsOfResponse *a;

	q.area_id = (char *)area;
	q.date = (char *)date;
	r = fixture_call_ok(f, M("AsOf"), &q.base);
	a = stdreg__v1__as_of_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(a);
	stdreg__v1__response__free_unpacked(r, NULL);
	return a;
}

static void expect_lead(struct fixture *f, const char *area, const char *date, const char *agency)
{
	Stdreg__V1__AsOfResponse *a = as_of(f, area, date);

	if (agency == NULL) {
		assert_null(a->lead);
	} else {
		assert_non_null(a->lead);
		assert_string_equal(a->lead->agency_id, agency);
	}
	stdreg__v1__as_of_response__free_unpacked(a, NULL);
}

static void test_transfer_then_as_of(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__TransferRequest t = STDREG__V1__TRANSFER_REQUEST__INIT;
	Stdreg__V1__TransferResponse *tr;
	Stdreg__V1__Response *r;

	fixture_seed(f);
	assign_ok(f, "ai", "digg", LEAD, "2026-01-01");
	assign_ok(f, "ai", "pts", SUPPORTING, "2026-01-01");
	t.area_id = "ai";
	t.from_agency_id = "digg";
	t.to_agency_id = "pts";
	t.decision_ref = "N2026/2";
	t.valid_from = "2026-06-01";
	r = fixture_call_ok(f, M("Transfer"), &t.base);
	tr = stdreg__v1__transfer_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(tr);
	assert_string_equal(tr->ended->id, "ai/digg/2026-01-01");
	assert_string_equal(tr->ended->valid_to, "2026-06-01");
	assert_string_equal(tr->ended->end_decision_ref, "N2026/2");
	assert_int_equal(tr->ended->meta->version, 2);
	assert_string_equal(tr->started->id, "ai/pts/2026-06-01");
	assert_int_equal(tr->started->role, LEAD);
	assert_int_equal(tr->started->meta->create_revision, r->revision);
	stdreg__v1__transfer_response__free_unpacked(tr, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);

	// Half-open periods: the day before the transfer is digg's, the day itself pts's.
	expect_lead(f, "ai", "2025-12-31", NULL);
	expect_lead(f, "ai", "2026-01-01", "digg");
	expect_lead(f, "ai", "2026-05-31", "digg");
	expect_lead(f, "ai", "2026-06-01", "pts");
	expect_lead(f, "ai", "2030-01-01", "pts");

	// pts supported until it took the lead.
	Stdreg__V1__AsOfResponse *a = as_of(f, "ai", "2026-05-31");
	assert_int_equal(a->n_supporting, 1);
	assert_string_equal(a->supporting[0]->agency_id, "pts");
	stdreg__v1__as_of_response__free_unpacked(a, NULL);
	a = as_of(f, "ai", "2026-06-01");
	assert_int_equal(a->n_supporting, 0);
	stdreg__v1__as_of_response__free_unpacked(a, NULL);

	// From an agency that is not the lead: refused, naming the lead.
	t.from_agency_id = "digg";
	t.to_agency_id = "msb";
	expect(fixture_call(f, M("Transfer"), fixture_next_id(), 0, &t.base),
	       GRPC_FAILED_PRECONDITION, "from_agency_id", "ai/pts/2026-06-01");
	// To an agency that does not exist: a failed precondition naming it.
	t.from_agency_id = "pts";
	t.to_agency_id = "nobody";
	expect(fixture_call(f, M("Transfer"), fixture_next_id(), 0, &t.base),
	       GRPC_FAILED_PRECONDITION, "to_agency_id", "nobody");
}

static void test_as_of_bad_input(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__AsOfRequest q = STDREG__V1__AS_OF_REQUEST__INIT;

	fixture_seed(f);
	q.area_id = "ai";
	expect(fixture_call(f, M("AsOf"), 43, 0, &q.base), GRPC_INVALID_ARGUMENT, "date", NULL);
	q.date = "2026-13-01";
	expect(fixture_call(f, M("AsOf"), 44, 0, &q.base), GRPC_INVALID_ARGUMENT, NULL, NULL);
	q.area_id = "nowhere";
	q.date = "2026-01-01";
	expect(fixture_call(f, M("AsOf"), 45, 0, &q.base), GRPC_NOT_FOUND, NULL, "nowhere");
}

static void test_unassign(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__Response *r;
	Stdreg__V1__Assignment *a;

	fixture_seed(f);
	assign_ok(f, "ai", "msb", SUPPORTING, "2026-01-01");
	r = unassign(f, "ai", "msb", "2026-03-01");
	assert_int_equal(r->status->code, GRPC_OK);
	a = stdreg__v1__assignment__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(a);
	assert_string_equal(a->id, "ai/msb/2026-01-01");
	assert_string_equal(a->valid_to, "2026-03-01");
	assert_string_equal(a->end_decision_ref, "N2026/9");
	assert_int_equal(a->meta->mod_revision, r->revision);
	stdreg__v1__assignment__free_unpacked(a, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
	// Nothing current is left to end.
	expect(unassign(f, "ai", "msb", "2026-04-01"), GRPC_NOT_FOUND, "agency_id", "msb");
	// The area it names does not exist: a failed precondition, not the appointment missing.
	expect(unassign(f, "nowhere", "msb", "2026-04-01"), GRPC_FAILED_PRECONDITION, "area_id",
	       "nowhere");
	// An unknown role is refused before the store is asked.
	Stdreg__V1__UnassignRequest u = STDREG__V1__UNASSIGN_REQUEST__INIT;
	u.area_id = "ai";
	u.agency_id = "msb";
	u.decision_ref = "N";
	u.role = 12;
	expect(fixture_call(f, M("Unassign"), fixture_next_id(), 0, &u.base), GRPC_INVALID_ARGUMENT,
	       "role", NULL);
}

static Stdreg__V1__GapsResponse *gaps(struct fixture *f, const char *today)
{
	Stdreg__V1__GapsRequest q = STDREG__V1__GAPS_REQUEST__INIT;
	Stdreg__V1__Response *r;
	Stdreg__V1__GapsResponse *g;

	q.today = (char *)today;
	r = fixture_call_ok(f, M("Gaps"), &q.base);
	g = stdreg__v1__gaps_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(g);
	stdreg__v1__response__free_unpacked(r, NULL);
	return g;
}

static void expect_gaps(struct fixture *f, const char *today, const char *ids)
{
	Stdreg__V1__GapsResponse *g = gaps(f, today);
	char got[128] = "";

	for (size_t i = 0; i < g->n_gaps; i++) {
		strcat(got, g->gaps[i]->area->id);
		strcat(got, " ");
	}
	assert_string_equal(got, ids);
	assert_int_equal(g->prioritised, 3);
	stdreg__v1__gaps_response__free_unpacked(g, NULL);
}

/* Puts area id as prioritised since day, at rank. */
static void prioritised_since(struct fixture *f, const char *id, uint32_t rank, const char *day)
{
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;

	a.id = a.name = (char *)id;
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED;
	a.rank = rank;
	a.priority_since = (char *)day;
	p.area = &a;
	stdreg__v1__response__free_unpacked(
	        fixture_call_ok(f, "/stdreg.v1.Registry/PutArea", &p.base), NULL);
}

static void test_gaps(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__Response *r;

	fixture_seed(f);
	// Prioritised and without a lead, most important (lowest rank) first; cloud is only
	// monitored.
	expect_gaps(f, "2026-06-01", "ai cyber quantum ");
	assign_ok(f, "ai", "digg", LEAD, "2026-01-01");
	assign_ok(f, "cyber", "pts", SUPPORTING, "2026-01-01"); /* support is no lead */
	expect_gaps(f, "2026-06-01", "cyber quantum ");
	// The gap closes when a lead is assigned, and reopens when it ends.
	assign_ok(f, "cyber", "msb", LEAD, "2026-02-01");
	expect_gaps(f, "2026-06-01", "quantum ");
	r = unassign(f, "cyber", "msb", "2026-05-01");
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	expect_gaps(f, "2026-06-01", "cyber quantum ");

	Stdreg__V1__GapsResponse *g = gaps(f, "2026-06-01");
	assert_string_equal(g->gaps[0]->without_lead_since, "2026-05-01");
	assert_int_equal(g->gaps[0]->days_without_lead, 31);
	assert_string_equal(g->gaps[0]->last_lead_agency_id, "msb");
	stdreg__v1__gaps_response__free_unpacked(g, NULL);

	// An area says since when it is prioritised: never led, its gap counts from then;
	// prioritised after its last lead ended, from then too.
	prioritised_since(f, "quantum", 3, "2024-01-15");
	prioritised_since(f, "cyber", 2, "2026-05-20");
	g = gaps(f, "2026-06-01");
	assert_int_equal(g->n_gaps, 2);
	assert_string_equal(g->gaps[0]->area->id, "cyber");
	assert_string_equal(g->gaps[0]->without_lead_since, "2026-05-20");
	assert_int_equal(g->gaps[0]->days_without_lead, 12);
	assert_string_equal(g->gaps[1]->area->id, "quantum");
	assert_string_equal(g->gaps[1]->without_lead_since, "2024-01-15");
	assert_int_equal(g->gaps[1]->days_without_lead, 868);
	stdreg__v1__gaps_response__free_unpacked(g, NULL);
}

static Stdreg__V1__Response *set_stage(struct fixture *f, const char *item, const char *stage,
                                       const char *decision)
{
	Stdreg__V1__StageRequest s = STDREG__V1__STAGE_REQUEST__INIT;

	s.work_item_id = (char *)item;
	s.stage = (char *)stage;
	s.decision_ref = (char *)decision;
	return fixture_call(f, M("SetStage"), fixture_next_id(), 0, &s.base);
}

static const Stdreg__V1__FieldChange *change_of(const Stdreg__V1__HistoryEntry *e,
                                                const char *field)
{
	for (size_t i = 0; i < e->n_changes; i++)
		if (strcmp(e->changes[i]->field, field) == 0)
			return e->changes[i];
	return NULL;
}

static void test_stage_and_history(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__HistoryRequest h = STDREG__V1__HISTORY_REQUEST__INIT;
	Stdreg__V1__HistoryResponse *hr;
	Stdreg__V1__Response *r;
	Stdreg__V1__WorkItem *w;
	const Stdreg__V1__FieldChange *fc;
	uint64_t rev[2];

	fixture_seed(f);
	r = set_stage(f, "iso-42001", "50.00", "D1");
	assert_int_equal(r->status->code, GRPC_OK);
	w = stdreg__v1__work_item__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(w);
	assert_string_equal(w->stage, "50.00");
	assert_int_equal(w->meta->version, 2);
	rev[0] = r->revision;
	stdreg__v1__work_item__free_unpacked(w, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = set_stage(f, "iso-42001", "60.60", "D2");
	assert_int_equal(r->status->code, GRPC_OK);
	rev[1] = r->revision;
	stdreg__v1__response__free_unpacked(r, NULL);
	expect(set_stage(f, "iso-99999", "60.60", "D3"), GRPC_NOT_FOUND, "work_item_id", NULL);
	expect(set_stage(f, "iso-42001", "", "D3"), GRPC_INVALID_ARGUMENT, "stage", NULL);

	// Three changes, oldest first: the create, then the two stage moves with decisions.
	h.kind = STDREG__V1__KIND__KIND_ITEM;
	h.id = "iso-42001";
	r = fixture_call_ok(f, M("History"), &h.base);
	hr = stdreg__v1__history_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(hr);
	assert_int_equal(hr->n_entries, 3);
	assert_int_equal(hr->entries[0]->op, STDREG__V1__OP__OP_CREATE);
	assert_true(hr->entries[0]->revision < rev[0]);
	assert_int_equal(hr->entries[1]->revision, rev[0]);
	assert_int_equal(hr->entries[2]->revision, rev[1]);
	assert_string_equal(hr->entries[1]->decision_ref, "D1");
	assert_string_equal(hr->entries[2]->decision_ref, "D2");
	assert_string_equal(hr->entries[2]->principal, "fixture-admin");
	fc = change_of(hr->entries[1], "stage");
	assert_non_null(fc);
	assert_string_equal(fc->old_value, "40.20");
	assert_string_equal(fc->new_value, "50.00");
	fc = change_of(hr->entries[2], "stage");
	assert_non_null(fc);
	assert_string_equal(fc->old_value, "50.00");
	assert_string_equal(fc->new_value, "60.60");
	stdreg__v1__history_response__free_unpacked(hr, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);

	h.id = "never";
	expect(fixture_call(f, M("History"), 48, 0, &h.base), GRPC_NOT_FOUND, NULL, NULL);
	h.kind = 9;
	expect(fixture_call(f, M("History"), 49, 0, &h.base), GRPC_INVALID_ARGUMENT, "kind", NULL);
}

static void test_report(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__ReportRequest q = STDREG__V1__REPORT_REQUEST__INIT;
	Stdreg__V1__ReportResponse *rep;
	Stdreg__V1__Response *r;
	size_t i;

	fixture_seed(f);
	assign_ok(f, "ai", "digg", LEAD, "2020-01-01");
	assign_ok(f, "cyber", "digg", SUPPORTING, "2020-01-01");
	q.today = "2026-06-01";
	r = fixture_call_ok(f, M("Report"), &q.base);
	rep = stdreg__v1__report_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(rep);
	assert_string_equal(rep->today, "2026-06-01");
	assert_int_equal(rep->days, 45);
	assert_int_equal(rep->prioritised, 3);
	assert_int_equal(rep->prioritised_with_lead, 1);
	assert_true(rep->coverage_percent > 33.3 && rep->coverage_percent < 33.4);
	for (i = 0; i < rep->n_agencies; i++)
		if (strcmp(rep->agencies[i]->agency_id, "digg") == 0)
			break;
	assert_true(i < rep->n_agencies);
	assert_int_equal(rep->agencies[i]->areas_led, 1);
	assert_int_equal(rep->agencies[i]->areas_supported, 1);
	assert_int_equal(rep->agencies[i]->work_items, 1);
	assert_int_equal(rep->agencies[i]->overdue, 1);
	// Target 2020-01-01, stage 40.20 (not published): overdue.
	assert_int_equal(rep->n_overdue, 1);
	assert_string_equal(rep->overdue[0]->id, "iso-42001");
	stdreg__v1__report_response__free_unpacked(rep, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);

	q.today = "yesterday";
	expect(fixture_call(f, M("Report"), 50, 0, &q.base), GRPC_INVALID_ARGUMENT, "today", NULL);
}

static void test_mine(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__MineRequest q = STDREG__V1__MINE_REQUEST__INIT;
	Stdreg__V1__MineResponse *mine;
	Stdreg__V1__Response *r;

	fixture_seed(f);
	assign_ok(f, "ai", "digg", LEAD, "2026-01-01");
	q.agency_id = "digg";
	r = fixture_call_ok(f, M("Mine"), &q.base);
	mine = stdreg__v1__mine_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(mine);
	assert_string_equal(mine->agency_id, "digg");
	assert_int_equal(mine->n_areas, 1);
	assert_string_equal(mine->areas[0]->area->id, "ai");
	assert_int_equal(mine->areas[0]->assignment->role, LEAD);
	assert_int_equal(mine->areas[0]->n_stages, 1);
	assert_string_equal(mine->areas[0]->stages[0]->stage, "40");
	assert_int_equal(mine->areas[0]->stages[0]->n_work_items, 1);
	assert_string_equal(mine->areas[0]->stages[0]->work_items[0]->id, "iso-42001");
	stdreg__v1__mine_response__free_unpacked(mine, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);

	q.agency_id = "nobody";
	expect(fixture_call(f, M("Mine"), 51, 0, &q.base), GRPC_NOT_FOUND, NULL, NULL);
	q.agency_id = "";
	expect(fixture_call(f, M("Mine"), 52, 0, &q.base), GRPC_INVALID_ARGUMENT, "agency_id",
	       "agency_id is required");
}

/* A Put that changes nothing takes no revision: it answers with the revision at which the
 * store already held that content (the newest one when it ran). */
static void test_unchanged_put_reports_current_revision(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	Stdreg__V1__Area *got;
	Stdreg__V1__Response *r;
	uint64_t first, now;

	fixture_seed(f);
	a.id = "edge";
	a.name = "Edge computing";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	p.area = &a;
	r = fixture_call_ok(f, M("PutArea"), &p.base);
	first = r->revision;
	stdreg__v1__response__free_unpacked(r, NULL);
	assign_ok(f, "ai", "digg", LEAD, "2026-01-01");
	now = store_revision(f->st);
	assert_true(now > first);

	r = fixture_call_ok(f, M("PutArea"), &p.base);
	assert_int_equal(r->revision, now);
	assert_int_equal(store_revision(f->st), now);
	got = stdreg__v1__area__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(got);
	assert_int_equal(got->meta->version, 1);
	assert_int_equal(got->meta->mod_revision, first);
	stdreg__v1__area__free_unpacked(got, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* What a terminal would act on never enters the registry, whichever path writes it. */
static void test_control_characters_refused(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__AssignRequest a = STDREG__V1__ASSIGN_REQUEST__INIT;
	Stdreg__V1__UnassignRequest u = STDREG__V1__UNASSIGN_REQUEST__INIT;

	fixture_seed(f);
	a.area_id = "ai";
	a.agency_id = "digg";
	a.role = LEAD;
	a.decision_ref = "N2026/1";
	a.note = "see \x1b]8;;http://evil\x1b\\here";
	expect(fixture_call(f, M("Assign"), fixture_next_id(), 0, &a.base), GRPC_INVALID_ARGUMENT,
	       "note", "control character");
	a.note = "line one\nline two\twith a tab";
	a.decision_ref = "N2026/1\r";
	expect(fixture_call(f, M("Assign"), fixture_next_id(), 0, &a.base), GRPC_INVALID_ARGUMENT,
	       "decision_ref", "control character");
	a.decision_ref = "N2026/1";
	stdreg__v1__response__free_unpacked(fixture_call_ok(f, M("Assign"), &a.base), NULL);
	u.area_id = "ai";
	u.agency_id = "digg";
	u.decision_ref = "N2026/9\x07";
	expect(fixture_call(f, M("Unassign"), fixture_next_id(), 0, &u.base), GRPC_INVALID_ARGUMENT,
	       "end_decision_ref", "control character");
	expect(set_stage(f, "iso-42001", "40.20\x1b", "N2026/3"), GRPC_INVALID_ARGUMENT, "stage",
	       "control character");
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_assign),
		CASE(test_assign_refusals),
		CASE(test_transfer_then_as_of),
		CASE(test_as_of_bad_input),
		CASE(test_unassign),
		CASE(test_gaps),
		CASE(test_stage_and_history),
		CASE(test_report),
		CASE(test_mine),
		CASE(test_unchanged_put_reports_current_revision),
		CASE(test_control_characters_refused),
	};

	return cmocka_run_group_tests_name("registryd workflow", tests, NULL, NULL);
}
