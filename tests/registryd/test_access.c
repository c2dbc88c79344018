/*
 * test_access.c - access control (DESIGN §6) as a matrix: every method of the dispatch table
 * called by every kind of caller, with the exact status each cell must get.
 *
 * The registry is fixture_seed()'s, with agency "digg" leading area "ai" (which holds work
 * item "iso-42001") and agency "pts" leading nothing. Each cell's payload would succeed for
 * an admin (fresh ids; what it deletes or ends was made just before, as the admin), so the
 * status of a cell is the access decision alone. The payloads aim at digg's scope: its items
 * and its own agency record, which makes "digg" the agency in scope and "pts" the agency out
 * of scope. Goal "ai/N" (goal_id) is digg's, on area "ai". After every refused call the
 * store's revision is unchanged.
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

#include "auth.h"
#include "call.h"
#include "fixture.h"
#include "http.h"
#include "http_face.h"
#include "status.h"

#include "stdreg/v1/goals.pb-c.h"
#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define M(n) "/stdreg.v1.Registry/" n

enum who { ANON, READER, AGENCY_IN, AGENCY_OUT, COORD, ADMIN, REVOKED, GARBAGE, N_WHO };

static const char *const who_names[N_WHO] = {
	"anonymous",   "reader", "agency in scope", "agency out of scope",
	"coordinator", "admin",  "revoked token",   "garbage token",
};

/* The column headers of the printed matrix. */
static const char *const who_short[N_WHO] = {
	"anon", "read", "ag-in", "agout", "coord", "admin", "revkd", "garbg",
};

#define ROLE(r) STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_##r

struct ctx {
	struct fixture *f;
	char token[N_WHO][STORE_TOKEN_LEN + 1];
	char assignment_id[128]; /* digg's lead of "ai" */
	char goal_id[128];       /* a goal of "ai" that digg owns */
	int seq;                 /* for fresh ids */
	enum who caller;         /* who makes the call whose payload is being built */
	uint8_t buf[4096];       /* the payload of the cell */
	int http_port;           /* > 0: call_as() goes over the HTTP face on this port */
};

/* --- setup, as the fixture's admin -------------------------------------------------- */

static void ok(struct fixture *f, const char *method, const ProtobufCMessage *m)
{
	stdreg__v1__response__free_unpacked(fixture_call_ok(f, method, m), NULL);
}

static void make_area(struct ctx *x, const char *id)
{
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;

	a.id = (char *)id;
	a.name = (char *)id;
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	p.area = &a;
	ok(x->f, M("PutArea"), &p.base);
}

static void make_item(struct ctx *x, const char *id, const char *area, const char *stage)
{
	Stdreg__V1__PutWorkItemRequest p = STDREG__V1__PUT_WORK_ITEM_REQUEST__INIT;
	Stdreg__V1__WorkItem w = STDREG__V1__WORK_ITEM__INIT;
	char *areas[] = { (char *)area };

	w.id = (char *)id;
	w.reference = (char *)id;
	w.title = "A work item";
	w.body_id = "iso";
	w.n_area_ids = 1;
	w.area_ids = areas;
	w.stage = (char *)stage;
	p.work_item = &w;
	ok(x->f, M("PutWorkItem"), &p.base);
}

static void assign_lead(struct ctx *x, const char *area, const char *agency, char *id, size_t n)
{
	Stdreg__V1__AssignRequest a = STDREG__V1__ASSIGN_REQUEST__INIT;
	Stdreg__V1__Response *r;
	Stdreg__V1__Assignment *got;

	a.area_id = (char *)area;
	a.agency_id = (char *)agency;
	a.role = STDREG__V1__ROLE__ROLE_LEAD;
	a.decision_ref = "N2026/1";
	a.valid_from = "2024-01-01"; /* so that it may end today */
	r = fixture_call_ok(x->f, M("Assign"), &a.base);
	got = stdreg__v1__assignment__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(got);
	if (id != NULL)
		snprintf(id, n, "%s", got->id);
	stdreg__v1__assignment__free_unpacked(got, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* A goal of "ai" owned by digg, made as the admin; its id into id. */
static void make_goal(struct ctx *x, char *id, size_t n)
{
	Stdreg__V1__GoalAddRequest a = STDREG__V1__GOAL_ADD_REQUEST__INIT;
	Stdreg__V1__Goal g = STDREG__V1__GOAL__INIT;
	Stdreg__V1__GoalAddResponse *got;
	Stdreg__V1__Response *r;

	g.area_id = "ai";
	g.owner_agency_id = "digg";
	g.text = "An AI management standard in use";
	g.kind = STDREG__V1__GOAL_KIND__GOAL_KIND_DELIVERABLE;
	g.due = "2030-12-31";
	g.decision_ref = "N2026/7";
	a.goal = &g;
	r = fixture_call_ok(x->f, M("AddGoal"), &a.base);
	got = stdreg__v1__goal_add_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(got);
	assert_non_null(got->goal);
	snprintf(id, n, "%s", got->goal->goal->id);
	stdreg__v1__goal_add_response__free_unpacked(got, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* --- one payload per method: fresh, and good for an admin -------------------------- */

#define PACK(m) protobuf_c_message_pack(&(m).base, x->buf)

static char *fresh(struct ctx *x, const char *prefix, char *buf, size_t n)
{
	snprintf(buf, n, "%s-%d", prefix, ++x->seq);
	return buf;
}

/* An organisation number of its own (one agency per number): "2021NN-NNNC", Luhn digit C. */
static char *fresh_org(struct ctx *x, char buf[12])
{
	unsigned n = (unsigned)++x->seq % 100000u;
	int sum = 0;

	snprintf(buf, 12, "2021%02u-%03u0", (n / 1000) % 100, n % 1000);
	for (int i = 0, d = 0; d < 9; i++) {
		int v;
		if (buf[i] == '-')
			continue;
		v = (buf[i] - '0') * (d % 2 == 0 ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
		d++;
	}
	buf[10] = (char)('0' + (10 - sum % 10) % 10);
	return buf;
}

static size_t get_of(struct ctx *x, const char *id)
{
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;

	g.id = (char *)id;
	return PACK(g);
}

static size_t pl_get_area(struct ctx *x)
{
	return get_of(x, "ai");
}
static size_t pl_get_body(struct ctx *x)
{
	return get_of(x, "iso");
}
static size_t pl_get_agency(struct ctx *x)
{
	return get_of(x, "digg");
}
static size_t pl_get_item(struct ctx *x)
{
	return get_of(x, "iso-42001");
}
static size_t pl_get_assignment(struct ctx *x)
{
	return get_of(x, x->assignment_id);
}

static size_t pl_list(struct ctx *x)
{
	Stdreg__V1__ListRequest l = STDREG__V1__LIST_REQUEST__INIT;

	l.page_size = 10;
	return PACK(l);
}

static size_t pl_put_area(struct ctx *x)
{
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	char id[32];

	a.id = fresh(x, "area", id, sizeof id);
	a.name = "A new area";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	p.area = &a;
	return PACK(p);
}

static size_t pl_put_body(struct ctx *x)
{
	Stdreg__V1__PutBodyRequest p = STDREG__V1__PUT_BODY_REQUEST__INIT;
	Stdreg__V1__Body b = STDREG__V1__BODY__INIT;
	char id[32];

	b.id = fresh(x, "body", id, sizeof id);
	b.acronym = "NB";
	b.name = "A new body";
	b.level = STDREG__V1__BODY_LEVEL__BODY_LEVEL_NATIONAL;
	p.body = &b;
	return PACK(p);
}

/* digg's own record, with a new name each time so that the Put changes it. */
static size_t pl_put_agency(struct ctx *x)
{
	Stdreg__V1__PutAgencyRequest p = STDREG__V1__PUT_AGENCY_REQUEST__INIT;
	Stdreg__V1__Agency a = STDREG__V1__AGENCY__INIT;
	char name[32];

	a.id = "digg";
	a.name = fresh(x, "DIGG", name, sizeof name);
	a.org_number = "202100-6883";
	p.agency = &a;
	return PACK(p);
}

/* A new item in "ai", digg's area. */
static size_t pl_put_item(struct ctx *x)
{
	Stdreg__V1__PutWorkItemRequest p = STDREG__V1__PUT_WORK_ITEM_REQUEST__INIT;
	Stdreg__V1__WorkItem w = STDREG__V1__WORK_ITEM__INIT;
	char *areas[] = { "ai" };
	char id[32];

	w.id = fresh(x, "item", id, sizeof id);
	w.reference = id;
	w.title = "A new item";
	w.body_id = "iso";
	w.n_area_ids = 1;
	w.area_ids = areas;
	w.stage = "20.00";
	p.work_item = &w;
	return PACK(p);
}

static size_t delete_of(struct ctx *x, const char *id)
{
	Stdreg__V1__DeleteRequest d = STDREG__V1__DELETE_REQUEST__INIT;

	d.id = (char *)id;
	return PACK(d);
}

static size_t pl_delete_area(struct ctx *x)
{
	char id[32];

	make_area(x, fresh(x, "gone", id, sizeof id));
	return delete_of(x, id);
}

static size_t pl_delete_body(struct ctx *x)
{
	Stdreg__V1__PutBodyRequest p = STDREG__V1__PUT_BODY_REQUEST__INIT;
	Stdreg__V1__Body b = STDREG__V1__BODY__INIT;
	char id[32];

	b.id = fresh(x, "gone", id, sizeof id);
	b.acronym = "GB";
	b.name = "A body to delete";
	b.level = STDREG__V1__BODY_LEVEL__BODY_LEVEL_NATIONAL;
	p.body = &b;
	ok(x->f, M("PutBody"), &p.base);
	return delete_of(x, id);
}

static size_t pl_delete_agency(struct ctx *x)
{
	Stdreg__V1__PutAgencyRequest p = STDREG__V1__PUT_AGENCY_REQUEST__INIT;
	Stdreg__V1__Agency a = STDREG__V1__AGENCY__INIT;
	char id[32];

	char org[12];

	a.id = fresh(x, "gone", id, sizeof id);
	a.name = "An agency to delete";
	a.org_number = fresh_org(x, org);
	p.agency = &a;
	ok(x->f, M("PutAgency"), &p.base);
	return delete_of(x, id);
}

/* An item of digg's area: in scope (but deleting needs the write right). */
static size_t pl_delete_item(struct ctx *x)
{
	char id[32];

	make_item(x, fresh(x, "gone", id, sizeof id), "ai", "20.00");
	return delete_of(x, id);
}

static size_t pl_assign(struct ctx *x)
{
	Stdreg__V1__AssignRequest a = STDREG__V1__ASSIGN_REQUEST__INIT;
	char id[32];

	make_area(x, fresh(x, "led", id, sizeof id));
	a.area_id = id;
	a.agency_id = "msb";
	a.role = STDREG__V1__ROLE__ROLE_LEAD;
	a.decision_ref = "N2026/2";
	return PACK(a);
}

static size_t pl_unassign(struct ctx *x)
{
	Stdreg__V1__UnassignRequest u = STDREG__V1__UNASSIGN_REQUEST__INIT;
	char id[32];

	make_area(x, fresh(x, "ended", id, sizeof id));
	assign_lead(x, id, "msb", NULL, 0);
	u.area_id = id;
	u.agency_id = "msb";
	u.decision_ref = "N2026/3";
	return PACK(u);
}

static size_t pl_transfer(struct ctx *x)
{
	Stdreg__V1__TransferRequest t = STDREG__V1__TRANSFER_REQUEST__INIT;
	char id[32];

	make_area(x, fresh(x, "moved", id, sizeof id));
	assign_lead(x, id, "msb", NULL, 0);
	t.area_id = id;
	t.from_agency_id = "msb";
	t.to_agency_id = "pts";
	t.decision_ref = "N2026/4";
	return PACK(t);
}

/* A fresh item of digg's area, moved on a stage. */
static size_t pl_set_stage(struct ctx *x)
{
	Stdreg__V1__StageRequest s = STDREG__V1__STAGE_REQUEST__INIT;
	char id[32];

	make_item(x, fresh(x, "staged", id, sizeof id), "ai", "30.00");
	s.work_item_id = id;
	s.stage = "40.00";
	return PACK(s);
}

static size_t pl_mine(struct ctx *x)
{
	Stdreg__V1__MineRequest m = STDREG__V1__MINE_REQUEST__INIT;

	m.agency_id = "digg";
	return PACK(m);
}

static size_t pl_gaps(struct ctx *x)
{
	Stdreg__V1__GapsRequest g = STDREG__V1__GAPS_REQUEST__INIT;

	return PACK(g);
}

static size_t pl_as_of(struct ctx *x)
{
	Stdreg__V1__AsOfRequest a = STDREG__V1__AS_OF_REQUEST__INIT;

	a.area_id = "ai";
	a.date = "2026-01-01";
	return PACK(a);
}

static size_t pl_history(struct ctx *x)
{
	Stdreg__V1__HistoryRequest h = STDREG__V1__HISTORY_REQUEST__INIT;

	h.kind = STDREG__V1__KIND__KIND_AREA;
	h.id = "ai";
	return PACK(h);
}

static size_t pl_report(struct ctx *x)
{
	Stdreg__V1__ReportRequest r = STDREG__V1__REPORT_REQUEST__INIT;

	return PACK(r);
}

static size_t pl_watch(struct ctx *x)
{
	Stdreg__V1__WatchRequest w = STDREG__V1__WATCH_REQUEST__INIT;

	w.max_events = 5;
	return PACK(w);
}

static size_t pl_list_changes(struct ctx *x)
{
	Stdreg__V1__ListChangesRequest l = STDREG__V1__LIST_CHANGES_REQUEST__INIT;

	l.page_size = 5;
	return PACK(l);
}

/* One area, staged in a new upload. */
static void chunk_of(struct ctx *x, Stdreg__V1__ApplyChunkRequest *c, Stdreg__V1__BulkRecord *rec,
                     Stdreg__V1__BulkRecord **recs, Stdreg__V1__Area *a, char *id, size_t n)
{
	a->id = fresh(x, "bulk", id, n);
	a->name = "A bulk area";
	a->priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	rec->line = 1;
	rec->area = a;
	recs[0] = rec;
	c->upload_id = "";
	c->n_records = 1;
	c->records = recs;
}

static size_t pl_apply_chunk(struct ctx *x)
{
	Stdreg__V1__ApplyChunkRequest c = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;
	Stdreg__V1__BulkRecord rec = STDREG__V1__BULK_RECORD__INIT, *recs[1];
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	char id[32];

	chunk_of(x, &c, &rec, recs, &a, id, sizeof id);
	return PACK(c);
}

/* An upload staged by the caller when it may stage (an upload is its starter's alone), else
 * by the admin, and committed by the caller. */
static size_t pl_apply_commit(struct ctx *x)
{
	Stdreg__V1__ApplyChunkRequest c = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;
	Stdreg__V1__ApplyCommitRequest commit = STDREG__V1__APPLY_COMMIT_REQUEST__INIT;
	Stdreg__V1__BulkRecord rec = STDREG__V1__BULK_RECORD__INIT, *recs[1];
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	Stdreg__V1__ApplyChunkResponse *staged;
	Stdreg__V1__Response *r;
	char id[32], upload[64];
	size_t len;

	chunk_of(x, &c, &rec, recs, &a, id, sizeof id);
	if (x->caller == COORD)
		fixture_set_token(x->token[COORD]);
	r = fixture_call_ok(x->f, M("ApplyChunk"), &c.base);
	fixture_set_token(x->f->admin_token);
	staged = stdreg__v1__apply_chunk_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(staged);
	snprintf(upload, sizeof upload, "%s", staged->upload_id);
	stdreg__v1__apply_chunk_response__free_unpacked(staged, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
	commit.upload_id = upload;
	len = PACK(commit);
	return len;
}

static size_t pl_export(struct ctx *x)
{
	Stdreg__V1__ExportRequest e = STDREG__V1__EXPORT_REQUEST__INIT;

	e.page_size = 10;
	return PACK(e);
}

static size_t pl_who_am_i(struct ctx *x)
{
	Stdreg__V1__WhoAmIRequest w = STDREG__V1__WHO_AM_IREQUEST__INIT;

	return PACK(w);
}

static size_t pl_stats(struct ctx *x)
{
	Stdreg__V1__StatsRequest s = STDREG__V1__STATS_REQUEST__INIT;

	return PACK(s);
}

static size_t pl_backup(struct ctx *x)
{
	Stdreg__V1__BackupRequest b = STDREG__V1__BACKUP_REQUEST__INIT;

	return PACK(b);
}

/* A backup made by the admin, for the caller to read to its end. The one made for the
 * previous cell is read to its end first (as admin), unless that caller did, so that the
 * copies do not pile up. */
static size_t pl_backup_read(struct ctx *x)
{
	static char pending[64];
	Stdreg__V1__BackupRequest b = STDREG__V1__BACKUP_REQUEST__INIT;
	Stdreg__V1__BackupReadRequest rd = STDREG__V1__BACKUP_READ_REQUEST__INIT;
	Stdreg__V1__BackupResponse *made;
	Stdreg__V1__Response *r;

	if (pending[0] != '\0') {
		rd.backup_id = pending;
		r = fixture_call(x->f, M("BackupRead"), fixture_next_id(), 0, &rd.base);
		stdreg__v1__response__free_unpacked(r, NULL);
	}
	r = fixture_call_ok(x->f, M("Backup"), &b.base);
	made = stdreg__v1__backup_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(made);
	assert_true(made->size > 0);
	snprintf(pending, sizeof pending, "%s", made->backup_id);
	stdreg__v1__backup_response__free_unpacked(made, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
	rd.backup_id = pending;
	rd.max_bytes = 2u << 20;
	return PACK(rd);
}

static size_t pl_add_goal(struct ctx *x)
{
	Stdreg__V1__GoalAddRequest a = STDREG__V1__GOAL_ADD_REQUEST__INIT;
	Stdreg__V1__Goal g = STDREG__V1__GOAL__INIT;

	g.area_id = "ai";
	g.owner_agency_id = "digg";
	g.text = "A new goal";
	g.kind = STDREG__V1__GOAL_KIND__GOAL_KIND_DELIVERABLE;
	g.due = "2030-06-30";
	g.decision_ref = "N2026/8";
	a.goal = &g;
	return PACK(a);
}

static size_t pl_get_goal(struct ctx *x)
{
	Stdreg__V1__GoalGetRequest g = STDREG__V1__GOAL_GET_REQUEST__INIT;

	g.id = x->goal_id;
	return PACK(g);
}

static size_t pl_list_goals(struct ctx *x)
{
	Stdreg__V1__GoalListRequest l = STDREG__V1__GOAL_LIST_REQUEST__INIT;

	l.page_size = 10;
	return PACK(l);
}

/* A check-in on a fresh goal of digg's: in scope for digg, not for pts. */
static size_t pl_add_follow_up(struct ctx *x)
{
	Stdreg__V1__FollowUpAddRequest a = STDREG__V1__FOLLOW_UP_ADD_REQUEST__INIT;
	Stdreg__V1__FollowUp f = STDREG__V1__FOLLOW_UP__INIT;
	char id[128];

	make_goal(x, id, sizeof id);
	f.goal_id = id;
	f.type = STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN;
	f.status = STDREG__V1__GOAL_STATUS__GOAL_STATUS_ON_TRACK;
	f.note = "Drafting on schedule";
	a.follow_up = &f;
	return PACK(a);
}

static size_t pl_trend(struct ctx *x)
{
	Stdreg__V1__TrendRequest t = STDREG__V1__TREND_REQUEST__INIT;

	return PACK(t);
}

/* --- the matrix --------------------------------------------------------------------- */

#define OK    GRPC_OK
#define DENY  GRPC_PERMISSION_DENIED
#define UNAUT GRPC_UNAUTHENTICATED

/* Columns in the order of enum who. */
#define READ_ROW                                     \
	{                                            \
		OK, OK, OK, OK, OK, OK, UNAUT, UNAUT \
	}
#define WRITE_ROW                                             \
	{                                                     \
		UNAUT, DENY, DENY, DENY, OK, OK, UNAUT, UNAUT \
	}
#define ADMIN_ROW                                               \
	{                                                       \
		UNAUT, DENY, DENY, DENY, DENY, OK, UNAUT, UNAUT \
	}
#define SCOPE_ROW                                           \
	{                                                   \
		UNAUT, DENY, OK, DENY, OK, OK, UNAUT, UNAUT \
	}

static const struct cell_row {
	const char *method; /* after "/stdreg.v1.Registry/" */
	size_t (*payload)(struct ctx *x);
	int want[N_WHO];
	bool changes; /* an OK call commits a new revision */
} rows[] = {
	{ "GetArea", pl_get_area, READ_ROW, false },
	{ "ListAreas", pl_list, READ_ROW, false },
	{ "PutArea", pl_put_area, WRITE_ROW, true },
	{ "DeleteArea", pl_delete_area, WRITE_ROW, true },
	{ "GetBody", pl_get_body, READ_ROW, false },
	{ "ListBodies", pl_list, READ_ROW, false },
	{ "PutBody", pl_put_body, WRITE_ROW, true },
	{ "DeleteBody", pl_delete_body, WRITE_ROW, true },
	{ "GetAgency", pl_get_agency, READ_ROW, false },
	{ "ListAgencies", pl_list, READ_ROW, false },
	{ "PutAgency", pl_put_agency, SCOPE_ROW, true },
	{ "DeleteAgency", pl_delete_agency, WRITE_ROW, true },
	{ "GetWorkItem", pl_get_item, READ_ROW, false },
	{ "ListWorkItems", pl_list, READ_ROW, false },
	{ "PutWorkItem", pl_put_item, SCOPE_ROW, true },
	{ "DeleteWorkItem", pl_delete_item, WRITE_ROW, true },
	{ "GetAssignment", pl_get_assignment, READ_ROW, false },
	{ "ListAssignments", pl_list, READ_ROW, false },
	{ "Assign", pl_assign, WRITE_ROW, true },
	{ "Unassign", pl_unassign, WRITE_ROW, true },
	{ "Transfer", pl_transfer, WRITE_ROW, true },
	{ "SetStage", pl_set_stage, SCOPE_ROW, true },
	{ "Mine", pl_mine, READ_ROW, false },
	{ "Gaps", pl_gaps, READ_ROW, false },
	{ "AsOf", pl_as_of, READ_ROW, false },
	{ "History", pl_history, READ_ROW, false },
	{ "Report", pl_report, READ_ROW, false },
	{ "Watch", pl_watch, READ_ROW, false },
	{ "ListChanges", pl_list_changes, READ_ROW, false },
	{ "ApplyChunk", pl_apply_chunk, WRITE_ROW, false }, /* stages only */
	{ "ApplyCommit", pl_apply_commit, WRITE_ROW, true },
	{ "Export", pl_export, READ_ROW, false },
	{ "WhoAmI", pl_who_am_i, READ_ROW, false },
	{ "Backup", pl_backup, ADMIN_ROW, false },
	{ "BackupRead", pl_backup_read, ADMIN_ROW, false },
	{ "Stats", pl_stats, READ_ROW, false },
	{ "AddGoal", pl_add_goal, WRITE_ROW, true },
	{ "GetGoal", pl_get_goal, READ_ROW, false },
	{ "ListGoals", pl_list_goals, READ_ROW, false },
	{ "AddFollowUp", pl_add_follow_up, SCOPE_ROW, true },
	{ "Trend", pl_trend, READ_ROW, false },
};

#define N_ROWS (sizeof rows / sizeof rows[0])

static const struct cell_row *row_of(const char *full)
{
	const char *prefix = "/stdreg.v1.Registry/";

	if (strncmp(full, prefix, strlen(prefix)) != 0)
		return NULL;
	for (size_t i = 0; i < N_ROWS; i++)
		if (strcmp(rows[i].method, full + strlen(prefix)) == 0)
			return &rows[i];
	return NULL;
}

/* Calls method with payload buf/len as who; returns the status code (and frees the reply). */
static int call_as(struct ctx *x, enum who who, const char *method, size_t len)
{
	Stdreg__V1__Request env = STDREG__V1__REQUEST__INIT;
	Stdreg__V1__Response *r;
	uint8_t *req;
	size_t n;
	int code;

	if (x->http_port > 0) {
		char msg[512];
		const char *name = method + strlen(M(""));

		code = http_face_call(x->http_port, name, x->token[who], x->buf, len, msg,
		                      sizeof msg);
		if (code != GRPC_OK && code != GRPC_UNAUTHENTICATED &&
		    code != GRPC_PERMISSION_DENIED)
			print_message("%s as %s over HTTP: %d %s\n", method, who_names[who], code,
			              msg);
		return code;
	}
	env.method = (char *)method;
	env.request_id = fixture_next_id();
	env.token = x->token[who];
	env.payload.data = x->buf;
	env.payload.len = len;
	n = stdreg__v1__request__get_packed_size(&env);
	req = malloc(n);
	assert_non_null(req);
	stdreg__v1__request__pack(&env, req);
	r = fixture_call_raw(x->f, req, n, 0);
	code = r->status->code;
	if (code != GRPC_OK && code != GRPC_UNAUTHENTICATED && code != GRPC_PERMISSION_DENIED)
		print_message("%s as %s: %d %s\n", method, who_names[who], code,
		              r->status->message);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(req);
	return code;
}

static void make_token(struct ctx *x, enum who who, const char *name, int role, const char *agency)
{
	struct store_error err = { 0 };

	assert_int_equal(store_token_create(x->f->st, name, role, agency, x->token[who], &err),
	                 RG_OK);
}

static int access_setup(void **state)
{
	struct ctx *x = calloc(1, sizeof *x);
	struct store_error err = { 0 };

	assert_non_null(x);
	fixture_setup(state);
	x->f = *state;
	fixture_seed(x->f);
	assign_lead(x, "ai", "digg", x->assignment_id, sizeof x->assignment_id);
	make_goal(x, x->goal_id, sizeof x->goal_id);
	x->token[ANON][0] = '\0';
	make_token(x, READER, "a-reader", ROLE(READER), NULL);
	make_token(x, AGENCY_IN, "digg-clerk", ROLE(AGENCY), "digg");
	make_token(x, AGENCY_OUT, "pts-clerk", ROLE(AGENCY), "pts");
	make_token(x, COORD, "a-coordinator", ROLE(COORDINATOR), NULL);
	snprintf(x->token[ADMIN], sizeof x->token[ADMIN], "%s", x->f->admin_token);
	make_token(x, REVOKED, "gone-clerk", ROLE(COORDINATOR), NULL);
	assert_int_equal(store_token_revoke(x->f->st, "gone-clerk", &err), RG_OK);
	// Well-formed, but no principal holds it.
	snprintf(x->token[GARBAGE], sizeof x->token[GARBAGE], "srt_%064d", 0);
	*state = x;
	return 0;
}

static int access_teardown(void **state)
{
	struct ctx *x = *state;

	*state = x->f;
	fixture_teardown(state);
	free(x);
	return 0;
}

/* Runs every cell through call_as() and checks the whole table. */
static void run_matrix(struct ctx *x)
{
	int got[N_ROWS][N_WHO];
	size_t i, n = dispatch_method_count(), wrong = 0;
	int w;

	// Every method of the dispatch table has a row, and the rows are exactly those.
	assert_int_equal(n, N_ROWS);
	for (i = 0; i < n; i++) {
		const struct method *m = dispatch_method_at(i);
		const struct cell_row *row = row_of(m->name);
		size_t k = (size_t)(row - rows);

		if (row == NULL)
			fail_msg("method %s has no row in the access matrix", m->name);
		for (w = 0; w < N_WHO; w++) {
			x->caller = (enum who)w;
			size_t len = row->payload(x);
			uint64_t before = store_revision(x->f->st);

			got[k][w] = call_as(x, (enum who)w, m->name, len);
			if (got[k][w] != GRPC_OK)
				assert_int_equal(store_revision(x->f->st), before);
			else if (row->changes)
				assert_true(store_revision(x->f->st) > before);
			else
				assert_int_equal(store_revision(x->f->st), before);
			// The write flag of the table agrees: a row that commits is a write.
			if (row->changes)
				assert_true(m->is_write);
		}
	}
	// The whole table, then the verdict: a wrong cell is easier to read in its row.
	print_message("%-16s", "method");
	for (w = 0; w < N_WHO; w++)
		print_message(" %5.5s", who_short[w]);
	print_message("\n");
	for (i = 0; i < N_ROWS; i++) {
		print_message("%-16s", rows[i].method);
		for (w = 0; w < N_WHO; w++) {
			bool bad = got[i][w] != rows[i].want[w];

			wrong += bad;
			print_message(" %4d%s", got[i][w], bad ? "!" : " ");
		}
		print_message("\n");
	}
	assert_int_equal(wrong, 0);
}

static void test_matrix(void **state)
{
	run_matrix(*state);
}

/* The same table over HTTP (Connect, application/proto): the codes arrive as Connect's
 * error names with Connect's HTTP statuses (http_face.c checks both). */
static void test_matrix_http(void **state)
{
	struct ctx *x = *state;
	struct http_server *s = http_face_start(x->f->d, &x->http_port);

	run_matrix(x);
	x->http_port = 0;
	http_free(s);
}

/* --private: anonymous callers may not even read; principals read as before. */
static void test_private_refuses_anonymous_reads(void **state)
{
	struct ctx *x = *state;
	size_t i;

	dispatcher_set_private(x->f->d, true);
	for (i = 0; i < dispatch_method_count(); i++) {
		const struct method *m = dispatch_method_at(i);
		const struct cell_row *row = row_of(m->name);
		size_t len;

		if (m->perm != PERM_READ)
			continue;
		len = row->payload(x);
		assert_int_equal(call_as(x, ANON, m->name, len), GRPC_UNAUTHENTICATED);
		len = row->payload(x);
		assert_int_equal(call_as(x, READER, m->name, len), GRPC_OK);
	}
}

static size_t item_payload(struct ctx *x, const char *id, const char *area)
{
	Stdreg__V1__PutWorkItemRequest p = STDREG__V1__PUT_WORK_ITEM_REQUEST__INIT;
	Stdreg__V1__WorkItem w = STDREG__V1__WORK_ITEM__INIT;
	char *areas[] = { (char *)area };

	w.id = (char *)id;
	w.reference = (char *)id;
	w.title = "Moved";
	w.body_id = "iso";
	w.n_area_ids = 1;
	w.area_ids = areas;
	w.stage = "20.00";
	p.work_item = &w;
	return PACK(p);
}

/* The edges of an agency's scope: its areas as they are now, and only its own record. */
static void test_agency_scope(void **state)
{
	struct ctx *x = *state;
	Stdreg__V1__AssignRequest a = STDREG__V1__ASSIGN_REQUEST__INIT;
	Stdreg__V1__UnassignRequest u = STDREG__V1__UNASSIGN_REQUEST__INIT;
	Stdreg__V1__PutAgencyRequest pa = STDREG__V1__PUT_AGENCY_REQUEST__INIT;
	Stdreg__V1__Agency ag = STDREG__V1__AGENCY__INIT;
	Stdreg__V1__StageRequest s = STDREG__V1__STAGE_REQUEST__INIT;
	uint64_t before;
	size_t len;

	// digg may not move its item out to an area it does not lead.
	before = store_revision(x->f->st);
	len = item_payload(x, "iso-42001", "cyber");
	assert_int_equal(call_as(x, AGENCY_IN, M("PutWorkItem"), len), GRPC_PERMISSION_DENIED);
	// ... nor create an item in one.
	len = item_payload(x, "new-in-cyber", "cyber");
	assert_int_equal(call_as(x, AGENCY_IN, M("PutWorkItem"), len), GRPC_PERMISSION_DENIED);
	// ... nor change another agency's record.
	ag.id = "pts";
	ag.name = "Not yours";
	pa.agency = &ag;
	len = PACK(pa);
	assert_int_equal(call_as(x, AGENCY_IN, M("PutAgency"), len), GRPC_PERMISSION_DENIED);
	// pts may not move digg's item on.
	s.work_item_id = "iso-42001";
	s.stage = "40.60";
	len = PACK(s);
	assert_int_equal(call_as(x, AGENCY_OUT, M("SetStage"), len), GRPC_PERMISSION_DENIED);
	assert_int_equal(store_revision(x->f->st), before);

	// A supporting agency is in scope as well: pts supports "cyber".
	a.area_id = "cyber";
	a.agency_id = "pts";
	a.role = STDREG__V1__ROLE__ROLE_SUPPORTING;
	a.decision_ref = "N2026/5";
	ok(x->f, M("Assign"), &a.base);
	len = item_payload(x, "pts-item", "cyber");
	assert_int_equal(call_as(x, AGENCY_OUT, M("PutWorkItem"), len), GRPC_OK);

	// Scope is what the agency leads now: once unassigned, digg is out.
	u.area_id = "ai";
	u.agency_id = "digg";
	u.decision_ref = "N2026/6";
	ok(x->f, M("Unassign"), &u.base);
	before = store_revision(x->f->st);
	s.stage = "40.60";
	len = PACK(s);
	assert_int_equal(call_as(x, AGENCY_IN, M("SetStage"), len), GRPC_PERMISSION_DENIED);
	assert_int_equal(store_revision(x->f->st), before);
}

/* A revocation takes effect on the next request. */
static void test_revocation_is_immediate(void **state)
{
	struct ctx *x = *state;
	struct store_error err = { 0 };
	size_t len;

	len = pl_put_area(x);
	assert_int_equal(call_as(x, COORD, M("PutArea"), len), GRPC_OK);
	assert_int_equal(store_token_revoke(x->f->st, "a-coordinator", &err), RG_OK);
	len = pl_put_area(x);
	assert_int_equal(call_as(x, COORD, M("PutArea"), len), GRPC_UNAUTHENTICATED);
	len = pl_get_area(x);
	assert_int_equal(call_as(x, COORD, M("GetArea"), len), GRPC_UNAUTHENTICATED);
}

/* WhoAmI answers who the daemon thinks the caller is. */
static void test_who_am_i(void **state)
{
	struct ctx *x = *state;
	Stdreg__V1__Request env = STDREG__V1__REQUEST__INIT;
	Stdreg__V1__WhoAmIResponse *me;
	Stdreg__V1__Response *r;
	uint8_t req[256];
	size_t n;

	env.method = M("WhoAmI");
	env.request_id = 5;
	env.token = x->token[AGENCY_IN];
	n = stdreg__v1__request__pack(&env, req);
	r = fixture_call_raw(x->f, req, n, 0);
	assert_int_equal(r->status->code, GRPC_OK);
	me = stdreg__v1__who_am_iresponse__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(me);
	assert_string_equal(me->name, "digg-clerk");
	assert_int_equal(me->role, ROLE(AGENCY));
	assert_string_equal(me->agency_id, "digg");
	assert_false(me->anonymous);
	stdreg__v1__who_am_iresponse__free_unpacked(me, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* Calls method with the packed payload msg as who, into a buffer of its own size; returns
 * the status code and copies the message into msg_out. */
static int call_msg(struct ctx *x, enum who who, const char *method, const ProtobufCMessage *msg,
                    char *msg_out, size_t size)
{
	Stdreg__V1__Request env = STDREG__V1__REQUEST__INIT;
	Stdreg__V1__Response *r;
	uint8_t *payload, *req;
	size_t n;
	int code;

	payload = malloc(protobuf_c_message_get_packed_size(msg) + 1);
	assert_non_null(payload);
	env.method = (char *)method;
	env.request_id = fixture_next_id();
	env.token = x->token[who];
	env.payload.data = payload;
	env.payload.len = protobuf_c_message_pack(msg, payload);
	n = stdreg__v1__request__get_packed_size(&env);
	req = malloc(n);
	assert_non_null(req);
	stdreg__v1__request__pack(&env, req);
	r = fixture_call_raw(x->f, req, n, 0);
	code = r->status->code;
	snprintf(msg_out, size, "%s", r->status->message);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(req);
	free(payload);
	return code;
}

/* Every area an agency's write touches must be one it holds (README, roles). */
static void test_agency_scope_every_area(void **state)
{
	struct ctx *x = *state;
	Stdreg__V1__PutWorkItemRequest p = STDREG__V1__PUT_WORK_ITEM_REQUEST__INIT;
	Stdreg__V1__WorkItem w = STDREG__V1__WORK_ITEM__INIT;
	Stdreg__V1__StageRequest s = STDREG__V1__STAGE_REQUEST__INIT;
	char *both[] = { "ai", "cyber" }, *ai[] = { "ai" }, msg[512];
	uint64_t before = store_revision(x->f->st);

	w.id = "ai-and-cyber";
	w.reference = "X 1";
	w.title = "Shared";
	w.body_id = "iso";
	w.n_area_ids = 2;
	w.area_ids = both;
	w.stage = "20.00";
	p.work_item = &w;
	// digg leads ai only: no new item in [ai, cyber]
	assert_int_equal(call_msg(x, AGENCY_IN, M("PutWorkItem"), &p.base, msg, sizeof msg),
	                 GRPC_PERMISSION_DENIED);
	assert_non_null(strstr(msg, "area 'cyber'"));
	assert_int_equal(store_revision(x->f->st), before);
	// a coordinator makes it; digg may then neither edit it nor cut it down to ai
	assert_int_equal(call_msg(x, COORD, M("PutWorkItem"), &p.base, msg, sizeof msg), GRPC_OK);
	before = store_revision(x->f->st);
	w.title = "Edited by digg";
	assert_int_equal(call_msg(x, AGENCY_IN, M("PutWorkItem"), &p.base, msg, sizeof msg),
	                 GRPC_PERMISSION_DENIED);
	w.n_area_ids = 1;
	w.area_ids = ai;
	assert_int_equal(call_msg(x, AGENCY_IN, M("PutWorkItem"), &p.base, msg, sizeof msg),
	                 GRPC_PERMISSION_DENIED);
	s.work_item_id = "ai-and-cyber";
	s.stage = "30.00";
	assert_int_equal(call_msg(x, AGENCY_IN, M("SetStage"), &s.base, msg, sizeof msg),
	                 GRPC_PERMISSION_DENIED);
	assert_int_equal(store_revision(x->f->st), before);
}

/* An agency's list of area ids is bounded before any id is looked at. */
static void test_agency_area_count_first(void **state)
{
	struct ctx *x = *state;
	Stdreg__V1__PutWorkItemRequest p = STDREG__V1__PUT_WORK_ITEM_REQUEST__INIT;
	Stdreg__V1__WorkItem w = STDREG__V1__WORK_ITEM__INIT;
	size_t n = 100000;
	char **ids = calloc(n, sizeof(char *)), msg[512];

	assert_non_null(ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = "";
	w.id = "many-areas";
	w.title = "Many";
	w.body_id = "iso";
	w.n_area_ids = n;
	w.area_ids = ids;
	w.stage = "20.00";
	p.work_item = &w;
	assert_int_equal(call_msg(x, AGENCY_IN, M("PutWorkItem"), &p.base, msg, sizeof msg),
	                 GRPC_INVALID_ARGUMENT);
	assert_non_null(strstr(msg, "too many values (100000, at most 256)"));
	free(ids);
}

/* Principals are references: the agency a live token names stays, and the token may
 * update its agency but never create it. */
static void test_agency_principal_references(void **state)
{
	struct ctx *x = *state;
	Stdreg__V1__DeleteRequest d = STDREG__V1__DELETE_REQUEST__INIT;
	struct auth_principal who = { .name = "ghost-clerk", .role = ROLE(AGENCY) };
	struct store_error err = { 0 };
	store_txn *t;
	char msg[512];

	d.id = "pts";
	assert_int_equal(call_msg(x, COORD, M("DeleteAgency"), &d.base, msg, sizeof msg),
	                 GRPC_FAILED_PRECONDITION);
	assert_non_null(strstr(msg, "'pts-clerk'"));
	// an agency principal whose agency record is missing may not make it
	snprintf(who.agency_id, sizeof who.agency_id, "ghost");
	assert_int_equal(store_read_begin(x->f->st, &t), RG_OK);
	assert_int_equal(auth_scope_agency(t, &who, "ghost", &err), RG_EPERM);
	assert_non_null(strstr(err.message, "not create"));
	// its own existing record it may update
	snprintf(who.agency_id, sizeof who.agency_id, "pts");
	assert_int_equal(auth_scope_agency(t, &who, "pts", &err), RG_OK);
	store_read_free(t);
	// once the token is revoked, the agency may go
	assert_int_equal(store_token_revoke(x->f->st, "pts-clerk", &err), RG_OK);
	assert_int_equal(call_msg(x, COORD, M("DeleteAgency"), &d.base, msg, sizeof msg), GRPC_OK);
}

#define CASE(t) cmocka_unit_test_setup_teardown(t, access_setup, access_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_matrix),
		CASE(test_matrix_http),
		CASE(test_private_refuses_anonymous_reads),
		CASE(test_agency_scope),
		CASE(test_revocation_is_immediate),
		CASE(test_who_am_i),
		CASE(test_agency_scope_every_area),
		CASE(test_agency_area_count_first),
		CASE(test_agency_principal_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
