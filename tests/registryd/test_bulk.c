/*
 * test_bulk.c - staged bulk apply (ApplyChunk, ApplyCommit), Export, and List pages that
 * stay under the reply size, through dispatch_request(). Each case has its own store.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "call.h"
#include "fixture.h"
#include "status.h"
#include "uploads.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define M(n) "/stdreg.v1.Registry/" n

/* Records built for a test; freed by recs_free. */
struct recs {
	Stdreg__V1__BulkRecord *r[10000];
	size_t n;
};

static Stdreg__V1__BulkRecord *rec_new(struct recs *rs, uint32_t line)
{
	Stdreg__V1__BulkRecord *b = calloc(1, sizeof *b);

	assert_non_null(b);
	assert_true(rs->n < sizeof rs->r / sizeof rs->r[0]);
	stdreg__v1__bulk_record__init(b);
	b->line = line;
	rs->r[rs->n++] = b;
	return b;
}

static void add_area(struct recs *rs, uint32_t line, const char *id, const char *name,
                     const char *description)
{
	Stdreg__V1__BulkRecord *b = rec_new(rs, line);
	Stdreg__V1__Area *a = calloc(1, sizeof *a);

	assert_non_null(a);
	stdreg__v1__area__init(a);
	a->id = (char *)id;
	a->name = (char *)name;
	a->priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	if (description != NULL)
		a->description = (char *)description;
	b->area = a;
}

static void add_agency(struct recs *rs, uint32_t line, const char *id, const char *org)
{
	Stdreg__V1__BulkRecord *b = rec_new(rs, line);
	Stdreg__V1__Agency *a = calloc(1, sizeof *a);

	assert_non_null(a);
	stdreg__v1__agency__init(a);
	a->id = (char *)id;
	a->name = (char *)id;
	a->org_number = (char *)org;
	b->agency = a;
}

static void add_lead(struct recs *rs, uint32_t line, const char *area, const char *agency)
{
	Stdreg__V1__BulkRecord *b = rec_new(rs, line);
	Stdreg__V1__Assignment *a = calloc(1, sizeof *a);

	assert_non_null(a);
	stdreg__v1__assignment__init(a);
	a->area_id = (char *)area;
	a->agency_id = (char *)agency;
	a->role = STDREG__V1__ROLE__ROLE_LEAD;
	a->decision_ref = "N2026/1";
	a->valid_from = "2026-01-01";
	b->assignment = a;
}

static void recs_free(struct recs *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->r[i]->area);
		free(rs->r[i]->agency);
		free(rs->r[i]->assignment);
		free(rs->r[i]);
	}
	rs->n = 0;
}

/* Sends records [from, to) of rs as one chunk of upload id ("" = new); returns the reply. */
static Stdreg__V1__Response *chunk(struct fixture *f, const char *id, struct recs *rs, size_t from,
                                   size_t to)
{
	Stdreg__V1__ApplyChunkRequest c = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;

	c.upload_id = (char *)id;
	c.records = rs->r + from;
	c.n_records = to - from;
	return fixture_call(f, M("ApplyChunk"), fixture_next_id(), 0, &c.base);
}

/* chunk() that must succeed: copies the upload id to id (UPLOAD_ID_LEN + 1 bytes). */
static uint32_t chunk_ok(struct fixture *f, char *id, struct recs *rs, size_t from, size_t to)
{
	Stdreg__V1__Response *r = chunk(f, id, rs, from, to);
	Stdreg__V1__ApplyChunkResponse *cr;
	uint32_t staged;

	if (r->status->code != GRPC_OK)
		fail_msg("ApplyChunk: %d %s", r->status->code, r->status->message);
	cr = stdreg__v1__apply_chunk_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(cr);
	assert_int_equal(strlen(cr->upload_id), UPLOAD_ID_LEN);
	if (id[0] != '\0')
		assert_string_equal(cr->upload_id, id);
	strcpy(id, cr->upload_id);
	staged = cr->staged;
	stdreg__v1__apply_chunk_response__free_unpacked(cr, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
	return staged;
}

static Stdreg__V1__Response *commit(struct fixture *f, const char *id, bool dry_run)
{
	Stdreg__V1__ApplyCommitRequest c = STDREG__V1__APPLY_COMMIT_REQUEST__INIT;

	c.upload_id = (char *)id;
	c.dry_run = dry_run;
	c.decision_ref = "N2026/7";
	return fixture_call(f, M("ApplyCommit"), fixture_next_id(), 0, &c.base);
}

static const Stdreg__V1__KindCounts *counts_of(const Stdreg__V1__ApplyCommitResponse *r, int kind)
{
	for (size_t i = 0; i < r->n_counts; i++)
		if ((int)r->counts[i]->kind == kind)
			return r->counts[i];
	return NULL;
}

static int get_code(struct fixture *f, const char *method, const char *id)
{
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__Response *r;
	int code;

	g.id = (char *)id;
	r = fixture_call(f, method, 82, 0, &g.base);
	code = r->status->code;
	stdreg__v1__response__free_unpacked(r, NULL);
	return code;
}

static void test_apply_in_three_chunks_is_one_revision(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__ApplyCommitResponse *ac;
	Stdreg__V1__WatchResponse *w;
	Stdreg__V1__Response *r;
	struct recs rs = { 0 };
	char id[UPLOAD_ID_LEN + 1] = "";
	uint64_t before = store_revision(f->st);

	// The appointment comes first and refers to records of later chunks.
	add_lead(&rs, 1, "ai", "digg");
	add_area(&rs, 2, "cloud", "Cloud", NULL);
	add_area(&rs, 3, "ai", "Artificial intelligence", NULL);
	add_area(&rs, 4, "quantum", "Quantum", NULL);
	add_agency(&rs, 5, "digg", "202100-6883");
	assert_int_equal(chunk_ok(f, id, &rs, 0, 2), 2);
	assert_int_equal(chunk_ok(f, id, &rs, 2, 4), 4);
	assert_int_equal(chunk_ok(f, id, &rs, 4, 5), 5);
	assert_int_equal(uploads_count(dispatcher_env(f->d)->uploads), 1);
	// Staged only: nothing is written before the commit.
	assert_int_equal(store_revision(f->st), before);
	assert_int_equal(get_code(f, M("GetArea"), "ai"), GRPC_NOT_FOUND);

	r = commit(f, id, false);
	if (r->status->code != GRPC_OK)
		fail_msg("ApplyCommit: %d %s", r->status->code, r->status->message);
	assert_int_equal(r->revision, before + 1);
	ac = stdreg__v1__apply_commit_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(ac);
	assert_int_equal(ac->revision, before + 1);
	assert_false(ac->dry_run);
	assert_int_equal(ac->error_count, 0);
	assert_int_equal(counts_of(ac, STDREG__V1__KIND__KIND_AREA)->created, 3);
	assert_int_equal(counts_of(ac, STDREG__V1__KIND__KIND_AGENCY)->created, 1);
	assert_int_equal(counts_of(ac, STDREG__V1__KIND__KIND_ASSIGNMENT)->created, 1);
	stdreg__v1__apply_commit_response__free_unpacked(ac, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
	assert_int_equal(uploads_count(dispatcher_env(f->d)->uploads), 0);
	assert_int_equal(uploads_bytes(dispatcher_env(f->d)->uploads), 0);

	// Every record changed in the one revision.
	q.since_revision = before;
	r = fixture_call_ok(f, M("Watch"), &q.base);
	w = stdreg__v1__watch_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(w);
	assert_int_equal(w->n_changes, 5);
	for (size_t i = 0; i < w->n_changes; i++)
		assert_int_equal(w->changes[i]->revision, before + 1);
	stdreg__v1__watch_response__free_unpacked(w, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
	assert_int_equal(get_code(f, M("GetAssignment"), "ai/digg/2026-01-01"), GRPC_OK);

	// Committed once: the upload is gone.
	r = commit(f, id, false);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
	recs_free(&rs);
}

/* The record of kind method stored under id, decoded as desc (fails the test if none). */
static ProtobufCMessage *get_record(struct fixture *f, const char *method, const char *id,
                                    const ProtobufCMessageDescriptor *desc)
{
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__Response *r;
	ProtobufCMessage *m;

	g.id = (char *)id;
	r = fixture_call_ok(f, method, &g.base);
	m = protobuf_c_message_unpack(desc, NULL, r->payload.len, r->payload.data);
	assert_non_null(m);
	stdreg__v1__response__free_unpacked(r, NULL);
	return m;
}

/*
 * A staged chunk lives in an arena of its own (arena_new_owned), and the apply replaces some
 * of its strings with its own: an organisation number in its canonical form, an
 * appointment's attribution. The replaced strings go back to their chunk's arena, not to
 * free(): three chunks with arenas of their own and a small one decoded with malloc, each
 * with a string the apply replaces.
 */
#define FILLER_CHUNKS 3
#define FILLER_AREAS  3000 /* per chunk */
#define FILLER_TEXT                                                                          \
	"A description long enough that a few thousand of them make a chunk of more than a " \
	"mebibyte once decoded, as a real bulk load's chunks are."
static char filler_ids[FILLER_CHUNKS * FILLER_AREAS][16];

/* FILLER_AREAS areas with long descriptions, from filler number first on. */
static void add_fillers(struct recs *rs, size_t first)
{
	for (size_t i = first; i < first + FILLER_AREAS; i++) {
		snprintf(filler_ids[i], sizeof filler_ids[i], "filler-%04zu", i);
		add_area(rs, (uint32_t)(rs->n + 1), filler_ids[i], "Filler", FILLER_TEXT);
	}
}

static void test_strings_the_apply_replaces_in_staged_records(void **state)
{
	struct fixture *f = *state;
	struct recs rs = { 0 };
	char id[UPLOAD_ID_LEN + 1] = "";
	Stdreg__V1__Response *r;
	Stdreg__V1__Agency *ag;
	Stdreg__V1__Assignment *as;
	size_t from = 0;

	add_area(&rs, 1, "ai", "Artificial intelligence", NULL);
	add_agency(&rs, 2, "digg", "2021006883"); /* stored as 202100-6883 */
	add_fillers(&rs, 0);
	assert_int_equal(chunk_ok(f, id, &rs, from, rs.n), rs.n);
	from = rs.n;
	add_lead(&rs, (uint32_t)(rs.n + 1), "ai", "digg");
	rs.r[rs.n - 1]->assignment->appointed_by = "someone-else"; /* the server's to say */
	add_fillers(&rs, FILLER_AREAS);
	assert_int_equal(chunk_ok(f, id, &rs, from, rs.n), rs.n);
	from = rs.n;
	add_agency(&rs, (uint32_t)(rs.n + 1), "pts", "2021005448");
	add_fillers(&rs, 2 * FILLER_AREAS);
	assert_int_equal(chunk_ok(f, id, &rs, from, rs.n), rs.n);
	from = rs.n;
	add_lead(&rs, (uint32_t)(rs.n + 1), "ai", "pts");
	rs.r[rs.n - 1]->assignment->role = STDREG__V1__ROLE__ROLE_SUPPORTING; /* one lead */
	rs.r[rs.n - 1]->assignment->appointed_by = "someone-else";
	assert_int_equal(chunk_ok(f, id, &rs, from, rs.n), rs.n);
	r = commit(f, id, false);
	if (r->status->code != GRPC_OK)
		fail_msg("ApplyCommit: %d %s", r->status->code, r->status->message);
	stdreg__v1__response__free_unpacked(r, NULL);

	ag = (Stdreg__V1__Agency *)get_record(f, M("GetAgency"), "digg",
	                                      &stdreg__v1__agency__descriptor);
	assert_string_equal(ag->org_number, "202100-6883");
	stdreg__v1__agency__free_unpacked(ag, NULL);
	ag = (Stdreg__V1__Agency *)get_record(f, M("GetAgency"), "pts",
	                                      &stdreg__v1__agency__descriptor);
	assert_string_equal(ag->org_number, "202100-5448");
	stdreg__v1__agency__free_unpacked(ag, NULL);
	as = (Stdreg__V1__Assignment *)get_record(f, M("GetAssignment"), "ai/digg/2026-01-01",
	                                          &stdreg__v1__assignment__descriptor);
	assert_string_equal(as->appointed_by, "fixture-admin");
	stdreg__v1__assignment__free_unpacked(as, NULL);
	as = (Stdreg__V1__Assignment *)get_record(f, M("GetAssignment"), "ai/pts/2026-01-01",
	                                          &stdreg__v1__assignment__descriptor);
	assert_string_equal(as->appointed_by, "fixture-admin");
	stdreg__v1__assignment__free_unpacked(as, NULL);
	assert_int_equal(uploads_count(dispatcher_env(f->d)->uploads), 0);
	recs_free(&rs);
}

static void test_bad_record_applies_nothing(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__Response *r;
	struct recs rs = { 0 };
	char id[UPLOAD_ID_LEN + 1] = "";
	uint64_t before = store_revision(f->st);
	size_t i;

	add_area(&rs, 1, "ai", "Artificial intelligence", NULL);
	add_area(&rs, 2, "cloud", "Cloud", NULL);
	add_area(&rs, 3, "quantum", "Quantum", NULL);
	add_area(&rs, 5, "Not A Slug", "Bad", NULL);
	add_lead(&rs, 7, "ai", "nobody"); /* no such agency anywhere */
	chunk_ok(f, id, &rs, 0, 2);
	chunk_ok(f, id, &rs, 2, 4);
	chunk_ok(f, id, &rs, 4, 5);
	r = commit(f, id, false);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_non_null(strstr(r->status->message, "nothing was applied"));
	assert_int_equal(r->payload.len, 0);
	assert_int_equal(r->status->n_violations, 2);
	assert_string_equal(r->status->violations[0]->field, "line 5");
	assert_non_null(strstr(r->status->violations[0]->description, "Not A Slug"));
	assert_string_equal(r->status->violations[1]->field, "line 7");
	assert_non_null(strstr(r->status->violations[1]->description, "nobody"));
	for (i = 0; i < r->status->n_violations; i++)
		assert_true(r->status->violations[i]->description[0] != '\0');
	stdreg__v1__response__free_unpacked(r, NULL);
	assert_int_equal(store_revision(f->st), before);
	assert_int_equal(get_code(f, M("GetArea"), "ai"), GRPC_NOT_FOUND);
	assert_int_equal(uploads_bytes(dispatcher_env(f->d)->uploads), 0);
	recs_free(&rs);
}

/* Lines refused only for missing references: FAILED_PRECONDITION, as the same put alone. */
static void test_missing_references_are_a_failed_precondition(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__Response *r;
	struct recs rs = { 0 };
	char id[UPLOAD_ID_LEN + 1] = "";

	add_area(&rs, 1, "ai", "Artificial intelligence", NULL);
	add_lead(&rs, 2, "ai", "nobody");
	add_lead(&rs, 3, "nowhere", "nobody");
	chunk_ok(f, id, &rs, 0, 3);
	r = commit(f, id, false);
	assert_int_equal(r->status->code, GRPC_FAILED_PRECONDITION);
	assert_non_null(strstr(r->status->message, "nothing was applied"));
	assert_int_equal(r->status->n_violations, 2);
	assert_string_equal(r->status->violations[0]->field, "line 2");
	assert_non_null(strstr(r->status->violations[0]->description, "agency 'nobody' not found"));
	assert_string_equal(r->status->violations[1]->field, "line 3");
	stdreg__v1__response__free_unpacked(r, NULL);
	assert_int_equal(get_code(f, M("GetArea"), "ai"), GRPC_NOT_FOUND);
	recs_free(&rs);
}

/* Areas that are each other's parent within one file: a cycle (invalid input), said so,
 * never "not found". */
static void test_parent_cycle_in_one_file(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__Response *r;
	struct recs rs = { 0 };
	char id[UPLOAD_ID_LEN + 1] = "";

	add_area(&rs, 1, "a1", "One", NULL);
	add_area(&rs, 2, "a2", "Two", NULL);
	add_area(&rs, 3, "a3", "Three", NULL);
	rs.r[0]->area->parent_id = "a2";
	rs.r[1]->area->parent_id = "a3";
	rs.r[2]->area->parent_id = "a1";
	chunk_ok(f, id, &rs, 0, 3);
	r = commit(f, id, false);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_int_equal(r->status->n_violations, 3);
	for (size_t i = 0; i < r->status->n_violations; i++) {
		const char *d = r->status->violations[i]->description;
		if (strstr(d, "(cycle)") == NULL || strstr(d, "not found") != NULL)
			fail_msg("line %zu: %s", i + 1, d);
	}
	stdreg__v1__response__free_unpacked(r, NULL);
	recs_free(&rs);
}

static void test_dry_run_applies_nothing_and_counts(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__ApplyCommitResponse *ac;
	Stdreg__V1__Response *r;
	struct recs rs = { 0 };
	char id[UPLOAD_ID_LEN + 1] = "";
	const Stdreg__V1__KindCounts *kc;
	uint64_t before;

	fixture_seed(f);
	before = store_revision(f->st);
	add_area(&rs, 1, "ai", "Artificial intelligence, renamed", NULL); /* update */
	add_area(&rs, 2, "edge", "Edge", NULL);                           /* create */
	add_agency(&rs, 3, "digg", "202100-6883");                        /* as stored */
	chunk_ok(f, id, &rs, 0, 3);
	r = commit(f, id, true);
	if (r->status->code != GRPC_OK)
		fail_msg("ApplyCommit: %d %s", r->status->code, r->status->message);
	assert_int_equal(r->revision, before);
	ac = stdreg__v1__apply_commit_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(ac);
	assert_true(ac->dry_run);
	assert_int_equal(ac->revision, before);
	kc = counts_of(ac, STDREG__V1__KIND__KIND_AREA);
	assert_int_equal(kc->created, 1);
	assert_int_equal(kc->updated, 1);
	assert_int_equal(kc->unchanged, 0);
	kc = counts_of(ac, STDREG__V1__KIND__KIND_AGENCY);
	assert_int_equal(kc->unchanged, 1);
	assert_true(ac->n_differences >= 1);
	stdreg__v1__apply_commit_response__free_unpacked(ac, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
	assert_int_equal(store_revision(f->st), before);
	assert_int_equal(get_code(f, M("GetArea"), "edge"), GRPC_NOT_FOUND);
	recs_free(&rs);
}

static void test_unknown_upload_is_not_found(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__Response *r;
	struct recs rs = { 0 };

	add_area(&rs, 1, "ai", "Artificial intelligence", NULL);
	r = chunk(f, "00112233445566778899aabbccddeeff", &rs, 0, 1);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	assert_string_equal(r->status->violations[0]->field, "upload_id");
	stdreg__v1__response__free_unpacked(r, NULL);
	r = commit(f, "00112233445566778899aabbccddeeff", false);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = commit(f, "", false);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	stdreg__v1__response__free_unpacked(r, NULL);
	recs_free(&rs);
}

/* An upload belongs to the principal that started it: to anyone else it does not exist. */
static void test_upload_of_another_principal_is_not_found(void **state)
{
	struct fixture *f = *state;
	struct store_error err = { 0 };
	char other[STORE_TOKEN_LEN + 1], id[64] = "";
	Stdreg__V1__Response *r;
	struct recs rs = { 0 };

	add_area(&rs, 1, "ai", "Artificial intelligence", NULL);
	add_area(&rs, 2, "cyber", "Cybersecurity", NULL);
	chunk_ok(f, id, &rs, 0, 1);
	assert_int_equal(store_token_create(f->st, "other-coordinator",
	                                    STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_COORDINATOR,
	                                    NULL, other, &err),
	                 RG_OK);
	fixture_set_token(other);
	r = chunk(f, id, &rs, 1, 2);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = commit(f, id, false);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
	/* its owner still commits it, with nothing the other principal sent */
	fixture_set_token(f->admin_token);
	r = commit(f, id, false);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	assert_int_equal(store_revision(f->st), 1);
	recs_free(&rs);
}

static void test_expired_upload_is_freed(void **state)
{
	struct fixture *f = *state;
	struct dispatch_limits l;
	Stdreg__V1__Response *r;
	struct recs rs = { 0 };
	char old[UPLOAD_ID_LEN + 1] = "", fresh[UPLOAD_ID_LEN + 1] = "";
	struct timespec nap = { 0, 150 * 1000000L };
	size_t bytes;

	dispatch_limits_default(&l);
	l.upload_idle_ms = 100;
	fixture_set_limits(f, &l);
	add_area(&rs, 1, "ai", "Artificial intelligence", NULL);
	add_area(&rs, 2, "cloud", "Cloud", NULL);
	chunk_ok(f, old, &rs, 0, 2);
	assert_int_equal(uploads_count(dispatcher_env(f->d)->uploads), 1);
	assert_true(uploads_bytes(dispatcher_env(f->d)->uploads) > 0);
	nanosleep(&nap, NULL);
	// The next call sweeps: the idle upload is dropped and its memory given back.
	chunk_ok(f, fresh, &rs, 0, 1);
	assert_string_not_equal(old, fresh);
	assert_int_equal(uploads_count(dispatcher_env(f->d)->uploads), 1);
	bytes = uploads_bytes(dispatcher_env(f->d)->uploads);
	r = chunk(f, old, &rs, 1, 2);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = commit(f, old, false);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
	assert_int_equal(uploads_bytes(dispatcher_env(f->d)->uploads), bytes);
	assert_int_equal(get_code(f, M("GetArea"), "cloud"), GRPC_NOT_FOUND);
	recs_free(&rs);
}

static void test_upload_limits(void **state)
{
	struct fixture *f = *state;
	struct dispatch_limits l;
	Stdreg__V1__Response *r;
	struct recs rs = { 0 };
	char id[UPLOAD_ID_LEN + 1] = "";

	dispatch_limits_default(&l);
	l.upload_max_bytes = 4000; /* decoded bytes: a few records */
	l.uploads_max = 1;
	fixture_set_limits(f, &l);
	for (int i = 0; i < 20; i++)
		add_area(&rs, (uint32_t)i + 1, "area-with-a-long-name", "A name long enough", NULL);
	chunk_ok(f, id, &rs, 0, 1);
	r = chunk(f, id, &rs, 1, 20); /* past 4000 bytes in one upload */
	assert_int_equal(r->status->code, GRPC_RESOURCE_EXHAUSTED);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = chunk(f, "", &rs, 0, 1); /* a second upload */
	assert_int_equal(r->status->code, GRPC_RESOURCE_EXHAUSTED);
	stdreg__v1__response__free_unpacked(r, NULL);
	// The first upload is intact: one record staged.
	assert_int_equal(chunk_ok(f, id, &rs, 1, 2), 2);
	recs_free(&rs);
}

/* An ApplyChunk of n empty records (2 bytes each on the wire) to upload id. */
static Stdreg__V1__Response *empty_chunk(struct fixture *f, const char *id, size_t n)
{
	Stdreg__V1__ApplyChunkRequest c = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;
	Stdreg__V1__BulkRecord empty = STDREG__V1__BULK_RECORD__INIT;
	Stdreg__V1__BulkRecord **recs = malloc(n * sizeof *recs);
	Stdreg__V1__Response *r;

	assert_non_null(recs);
	for (size_t i = 0; i < n; i++)
		recs[i] = &empty;
	c.upload_id = (char *)id;
	c.records = recs;
	c.n_records = n;
	r = fixture_call(f, M("ApplyChunk"), fixture_next_id(), 0, &c.base);
	free(recs);
	return r;
}

/* Staged uploads count what they hold decoded: chunks of empty records, small on the wire,
 * reach the budget (they passed when the packed size was counted: 5 x 40 KB < 1 MiB). */
static void test_empty_records_hit_the_upload_budget(void **state)
{
	struct fixture *f = *state;
	struct dispatch_limits l;
	Stdreg__V1__Response *r;
	int refused = 0;

	dispatch_limits_default(&l);
	l.upload_max_bytes = 1u << 20;
	l.uploads_max_bytes = 1u << 20;
	fixture_set_limits(f, &l);
	for (int i = 0; i < 5; i++) {
		r = empty_chunk(f, "", 20000);
		if (r->status->code == GRPC_RESOURCE_EXHAUSTED)
			refused++;
		else
			assert_int_equal(r->status->code, GRPC_OK);
		stdreg__v1__response__free_unpacked(r, NULL);
	}
	assert_true(refused > 0);
	assert_true(uploads_bytes(dispatcher_env(f->d)->uploads) <= l.uploads_max_bytes);
}

/* One principal's uploads share one budget: two uploads of half of it each do not fit. */
static void test_uploads_of_one_principal_share_a_budget(void **state)
{
	struct fixture *f = *state;
	struct dispatch_limits l;
	Stdreg__V1__Response *r;

	dispatch_limits_default(&l);
	l.upload_max_bytes = 1u << 20;
	fixture_set_limits(f, &l);
	r = empty_chunk(f, "", 3000); /* over a third of it */
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = empty_chunk(f, "", 3000);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = empty_chunk(f, "", 3000);
	assert_int_equal(r->status->code, GRPC_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(r->status->message, "uploads of 'fixture-admin'"));
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_export_pages(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__ExportRequest q = STDREG__V1__EXPORT_REQUEST__INIT;
	Stdreg__V1__ExportResponse *e;
	Stdreg__V1__Response *r;
	char token[STORE_TOKEN_MAX] = "";
	char got[256] = "";
	int pages = 0;

	fixture_seed(f);
	q.page_size = 4;
	do {
		q.page_token = token;
		r = fixture_call_ok(f, M("Export"), &q.base);
		e = stdreg__v1__export_response__unpack(NULL, r->payload.len, r->payload.data);
		assert_non_null(e);
		assert_true(e->n_records <= 4);
		assert_int_equal(e->revision, store_revision(f->st));
		for (size_t i = 0; i < e->n_records; i++) {
			const Stdreg__V1__BulkRecord *b = e->records[i];
			const char *id = b->area        ? b->area->id
			                 : b->body      ? b->body->id
			                 : b->agency    ? b->agency->id
			                 : b->work_item ? b->work_item->id
			                                : b->assignment->id;

			// What apply reads: no meta.
			if (b->area != NULL)
				assert_null(b->area->meta);
			strcat(got, id);
			strcat(got, " ");
		}
		snprintf(token, sizeof token, "%s", e->next_page_token);
		stdreg__v1__export_response__free_unpacked(e, NULL);
		stdreg__v1__response__free_unpacked(r, NULL);
		pages++;
	} while (token[0] != '\0');
	assert_int_equal(pages, 3);
	// Kind then id order.
	assert_string_equal(got, "ai cloud cyber quantum iso digg msb pts iso-42001 ");

	q.page_token = "";
	q.kind = 42;
	r = fixture_call(f, M("Export"), 83, 0, &q.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* A page of big records stops before 3 MiB; the token continues exactly after it. */
static void test_list_page_stays_under_reply_size(void **state)
{
	enum { N = 450, CHUNK = 50 };
	struct fixture *f = *state;
	Stdreg__V1__ListRequest q = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__ListAreasResponse *page;
	Stdreg__V1__Response *r;
	static char ids[N][16];
	struct recs rs = { 0 };
	char id[UPLOAD_ID_LEN + 1] = "", token[STORE_TOKEN_MAX] = "";
	char *description = malloc(7001);
	size_t seen = 0, pages = 0, n;

	assert_non_null(description);
	memset(description, 'x', 7000);
	description[7000] = '\0';
	for (size_t i = 0; i < N; i += CHUNK) {
		for (n = i; n < i + CHUNK; n++) {
			snprintf(ids[n], sizeof ids[n], "area-%04zu", n);
			add_area(&rs, (uint32_t)n + 1, ids[n], "Big", description);
		}
		chunk_ok(f, id, &rs, 0, CHUNK);
		recs_free(&rs);
	}
	r = commit(f, id, false);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);

	q.page_size = 1000;
	do {
		q.page_token = token;
		r = fixture_call_ok(f, M("ListAreas"), &q.base);
		assert_true(r->payload.len <= (3u << 20));
		page = stdreg__v1__list_areas_response__unpack(NULL, r->payload.len,
		                                               r->payload.data);
		assert_non_null(page);
		assert_true(page->n_areas > 0);
		for (size_t i = 0; i < page->n_areas; i++)
			assert_string_equal(page->areas[i]->id, ids[seen++]);
		snprintf(token, sizeof token, "%s", page->next_page_token);
		stdreg__v1__list_areas_response__free_unpacked(page, NULL);
		stdreg__v1__response__free_unpacked(r, NULL);
		pages++;
	} while (token[0] != '\0');
	assert_int_equal(seen, N);
	assert_int_equal(pages, 2); /* about 7 KiB each: some 440 fit in a page */
	free(description);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_apply_in_three_chunks_is_one_revision),
		CASE(test_strings_the_apply_replaces_in_staged_records),
		CASE(test_bad_record_applies_nothing),
		CASE(test_missing_references_are_a_failed_precondition),
		CASE(test_parent_cycle_in_one_file),
		CASE(test_dry_run_applies_nothing_and_counts),
		CASE(test_unknown_upload_is_not_found),
		CASE(test_upload_of_another_principal_is_not_found),
		CASE(test_expired_upload_is_freed),
		CASE(test_upload_limits),
		CASE(test_empty_records_hit_the_upload_budget),
		CASE(test_uploads_of_one_principal_share_a_budget),
		CASE(test_export_pages),
		CASE(test_list_page_stays_under_reply_size),
	};

	return cmocka_run_group_tests_name("registryd bulk", tests, NULL, NULL);
}
