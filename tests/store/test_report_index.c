/*
 * test_report_index.c - store/report_index.c and report_count.c: the report's index is kept
 * by every write (put, delete, bulk apply, the migration of an older store) so that
 * store_report's figures equal those counted from the records themselves, and its lists
 * stay bounded however many items are overdue or changed stage. store_check finds an index
 * that does not match.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "stdreg/v1/registry.pb-c.h"

#define TODAY  "2026-09-21"
#define NITEMS 120

static const char *const stages[] = { "00.00", "10.99", "20.20", "30.99", "40.20", "50.20",
	                              "60.00", "60.60", "90.93", "95.99", "40.98" };
static const char *const areas[] = { "ai", "cyber", "ai-risk" };

/* A reproducible sequence (xorshift), so a failure can be run again. */
static uint64_t rng_state;
static unsigned pick(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

/* A work item with random areas (one or two), stage and target date (or none). */
static Stdreg__V1__WorkItem *random_item(const char *id)
{
	const char *a1 = areas[pick(3)], *a2 = areas[pick(3)];
	const char *const two[] = { a1, a2, NULL }, *const one[] = { a1, NULL };
	Stdreg__V1__WorkItem *w = mk_item(id, id, "Title", "jtc1-sc42", strcmp(a1, a2) ? two : one,
	                                  stages[pick(sizeof stages / sizeof stages[0])]);

	if (pick(4) != 0) {
		char date[11];
		snprintf(date, sizeof date, "2026-%02u-%02u", 1 + pick(12), 1 + pick(28));
		rec_set(&w->target_date, date);
	}
	return w;
}

static void seed_agencies(struct fx *f)
{
	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", STDREG__V1__ROLE__ROLE_LEAD, "I1", "2025-01-01", NULL,
	                        NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "digg", STDREG__V1__ROLE__ROLE_SUPPORTING, "I2",
	                        "2025-01-01", NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "pts", STDREG__V1__ROLE__ROLE_LEAD, "I3", "2025-01-01",
	                        NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai-risk", "msb", STDREG__V1__ROLE__ROLE_LEAD, "I4", "2025-01-01",
	                        NULL, NULL));
}

static Stdreg__V1__ReportResponse *report_ok(struct fx *f, const char *today, uint32_t days)
{
	ProtobufCMessage *m = NULL;
	struct store_error err = { 0 };
	store_txn *t;
	int rc;

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	rc = store_report(t, today, days, &m, &err);
	store_read_free(t);
	if (rc != RG_OK)
		fail_msg("store_report: %s (%s)", rg_strerror(rc), err.message);
	return (Stdreg__V1__ReportResponse *)m;
}

static void count_problem(void *arg, const char *what, const char *id, const char *message)
{
	(void)id;
	if (strcmp(what, "report index") == 0)
		fprintf(stderr, "check: %s\n", message);
	++*(int *)arg;
}

/* How many problems store_check finds (each printed when it is the report index's). */
static int check_problems(struct fx *f)
{
	int problems = 0;
	store_txn *t;

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	store_check(t, count_problem, &problems, NULL);
	store_read_free(t);
	return problems;
}

/* --- the figures counted from the records --------------------------------------------- */

struct scan {
	uint32_t status[4];
	uint32_t overdue;
	char overdue_ids[NITEMS * 2][16]; /* in id order */
	/* digg holds ai and cyber, pts cyber, msb ai-risk */
	uint32_t items[3], late[3];
};

static bool holds(const Stdreg__V1__WorkItem *w, const char *area)
{
	for (size_t i = 0; i < w->n_area_ids; i++)
		if (strcmp(w->area_ids[i], area) == 0)
			return true;
	return false;
}

/* Reads every item the sequence may have made (x000 ... x239) back and counts. */
static void full_scan(struct fx *f, const char *today, struct scan *s)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < NITEMS * 2; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%03d", i);
		Stdreg__V1__WorkItem *w = fx_get(f, STORE_ITEM, id, NULL);
		if (w == NULL)
			continue;
		bool late = w->status ==
		                    STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT &&
		            w->target_date[0] != '\0' && strcmp(w->target_date, today) < 0;
		if (w->status < 4)
			s->status[w->status]++;
		if (late)
			snprintf(s->overdue_ids[s->overdue++], 16, "%s", id);
		bool in[3] = { holds(w, "ai") || holds(w, "cyber"), holds(w, "cyber"),
			       holds(w, "ai-risk") };
		for (int a = 0; a < 3; a++) {
			s->items[a] += in[a];
			s->late[a] += in[a] && late;
		}
		rec_free(w);
	}
}

/* store_report's figures on today equal the full scan's. */
static void assert_report_equals_scan(struct fx *f, const char *today)
{
	static const char *const agencies[] = { "digg", "pts", "msb" };
	struct scan s;
	Stdreg__V1__ReportResponse *r = report_ok(f, today, 0);

	full_scan(f, today, &s);
	assert_int_equal(r->n_stage_groups, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(r->stage_groups[i]->count, s.status[i + 1]);
	assert_int_equal(r->overdue_total, s.overdue);
	assert_true(r->n_overdue <= STORE_REPORT_LIST_MAX);
	if (s.overdue <= STORE_REPORT_LIST_MAX) {
		assert_int_equal(r->n_overdue, s.overdue);
		for (size_t i = 0; i < r->n_overdue; i++)
			assert_string_equal(r->overdue[i]->id, s.overdue_ids[i]);
	}
	for (int a = 0; a < 3; a++) {
		const Stdreg__V1__AgencyLoad *l = NULL;
		for (size_t i = 0; i < r->n_agencies; i++)
			if (strcmp(r->agencies[i]->agency_id, agencies[a]) == 0)
				l = r->agencies[i];
		assert_non_null(l);
		if (l->work_items != s.items[a] || l->overdue != s.late[a])
			fail_msg("%s on %s: %u items, %u overdue; the records say %u, %u",
			         agencies[a], today, l->work_items, l->overdue, s.items[a],
			         s.late[a]);
	}
	rec_free(r);
}

static void assert_all_days(struct fx *f)
{
	static const char *const days[] = { "2025-12-31", "2026-03-15", TODAY, "2027-01-01" };

	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
		assert_report_equals_scan(f, days[i]);
	assert_int_equal(check_problems(f), 0);
}

/* --- writes of every kind ------------------------------------------------------------- */

/* Creates NITEMS items, then updates (stage, target date, areas, title) and deletes at
 * random, comparing with the records after each round. */
static void counts_after_puts_and_deletes(void **state)
{
	struct fx *f = *state;

	rng_state = 42;
	seed_agencies(f);
	for (int i = 0; i < NITEMS; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%03d", i);
		fx_put_ok(f, STORE_ITEM, random_item(id));
	}
	assert_all_days(f);
	for (int round = 0; round < 3; round++) {
		for (int n = 0; n < 60; n++) {
			char id[16];
			snprintf(id, sizeof id, "x%03d", pick(NITEMS));
			Stdreg__V1__WorkItem *w = fx_get(f, STORE_ITEM, id, NULL);
			unsigned what = pick(5);
			if (w == NULL) {
				fx_put_ok(f, STORE_ITEM, random_item(id));
				continue;
			}
			if (what == 0) {
				rec_free(w);
				assert_int_equal(fx_delete(f, STORE_ITEM, id, 0, NULL, NULL),
				                 RG_OK);
				continue;
			}
			if (what == 1) {
				rec_set(&w->stage, stages[pick(sizeof stages / sizeof stages[0])]);
			} else if (what == 2) {
				rec_set(&w->target_date, pick(3) ? "2026-05-05" : "");
			} else if (what == 3) {
				Stdreg__V1__WorkItem *o = random_item(id);
				rec_free(w);
				w = o;
			} else {
				rec_set(&w->title, "Title, renamed");
			}
			fx_put_ok(f, STORE_ITEM, w);
		}
		assert_all_days(f);
	}
}

/* Puts every step-th of n random items named fmt (with their number), one put each. */
static void put_items(struct fx *f, const char *fmt, int n, int step)
{
	for (int i = 0; i < n; i += step) {
		char id[16];
		snprintf(id, sizeof id, fmt, i);
		fx_put_ok(f, STORE_ITEM, random_item(id));
	}
}

/* One apply of n random items named fmt (with their number): creates those not stored,
 * changes the others' stage or areas. */
static void apply_items(struct fx *f, const char *fmt, int n)
{
	Stdreg__V1__BulkRecord **lines = calloc((size_t)n, sizeof(*lines));

	assert_non_null(lines);
	for (int i = 0; i < n; i++) {
		char id[16];
		Stdreg__V1__BulkRecord *b = malloc(sizeof *b);
		assert_non_null(b);
		stdreg__v1__bulk_record__init(b);
		b->line = (uint32_t)i + 1;
		snprintf(id, sizeof id, fmt, i);
		b->work_item = random_item(id);
		lines[i] = b;
	}
	assert_int_equal(fx_apply(f, lines, (size_t)n, false, NULL, NULL), RG_OK);
	for (int i = 0; i < n; i++)
		rec_free(lines[i]);
	free(lines);
}

/* One apply that creates half the items and changes the other half's stage or areas. */
static void counts_after_bulk_apply(void **state)
{
	struct fx *f = *state;

	rng_state = 7;
	seed_agencies(f);
	put_items(f, "x%03d", NITEMS, 2);
	apply_items(f, "x%03d", NITEMS);
	assert_all_days(f);
}

/* An apply large enough to hold the index's entries back and write them sorted
 * (index_batch.c, from 1 024 records on): store_check finds the index it expects. */
#define LARGE_APPLY 2400

static void index_after_a_large_bulk_apply(void **state)
{
	struct fx *f = *state;

	rng_state = 11;
	seed_agencies(f);
	put_items(f, "y%04d", LARGE_APPLY, 3);
	apply_items(f, "y%04d", LARGE_APPLY);
	assert_int_equal(check_problems(f), 0);
	apply_items(f, "y%04d", LARGE_APPLY); /* every one an update now */
	assert_int_equal(check_problems(f), 0);
}

/* --- an older store ------------------------------------------------------------------- */

/* Turns the store in f->dir into what schema 3 wrote: no report database, version 3. The
 * store is left closed. */
static void schema_3(MDB_txn *txn, void *arg)
{
	(void)arg;
	assert_int_equal(mdb_drop(txn, fx_raw_dbi(txn, "report", 0), 1), 0);
	fx_raw_set_schema(txn, 3);
}

static void make_schema_3(struct fx *f)
{
	fx_raw_edit_closed(f, schema_3, NULL);
}

/* A store of schema 3 opens with its index built from its records and changelog: the same
 * figures and stage changes as before, and store_check content. Read only, it is refused
 * with the reason. */
static void index_built_for_an_older_store(void **state)
{
	struct fx *f = *state;
	struct store_opts ro = { .read_only = true };
	struct store_error err = { 0 };
	Stdreg__V1__ReportResponse *before, *after;
	store *st = NULL;

	rng_state = 3;
	seed_agencies(f);
	for (int i = 0; i < NITEMS; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%03d", i);
		fx_put_ok(f, STORE_ITEM, random_item(id));
	}
	for (int i = 0; i < NITEMS; i += 3) {
		char id[16];
		snprintf(id, sizeof id, "x%03d", i);
		Stdreg__V1__WorkItem *w = fx_get(f, STORE_ITEM, id, NULL);
		rec_set(&w->stage, strcmp(w->stage, "60.60") ? "60.60" : "50.20");
		fx_put_ok(f, STORE_ITEM, w);
	}
	before = report_ok(f, TODAY, 0);
	assert_int_equal(before->stage_changes_total, (NITEMS + 2) / 3);
	make_schema_3(f);
	assert_int_equal(store_open(&st, f->dir, &ro, &err), RG_ESCHEMA);
	assert_non_null(strstr(err.message, "migration"));
	assert_int_equal(fx_reopen(f, NULL, &err), RG_OK);
	after = report_ok(f, TODAY, 0);
	assert_int_equal(after->stage_changes_total, before->stage_changes_total);
	assert_int_equal(after->n_stage_changes, before->n_stage_changes);
	for (size_t i = 0; i < after->n_stage_changes; i++)
		assert_int_equal(after->stage_changes[i]->revision,
		                 before->stage_changes[i]->revision);
	assert_int_equal(after->overdue_total, before->overdue_total);
	rec_free(before);
	rec_free(after);
	assert_all_days(f);
}

/* Replaces the store in f->dir (closed) by a compacted copy: no free pages left, so with a
 * small map asked for, the map is the data and nothing more. */
static void compact_in_place(struct fx *f)
{
	char copy[300], from[320], to[320];
	MDB_env *env;

	snprintf(copy, sizeof copy, "%s/compact", f->dir);
	assert_int_equal(mkdir(copy, 0700), 0);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0640), 0);
	assert_int_equal(mdb_env_copy2(env, copy, MDB_CP_COMPACT), 0);
	mdb_env_close(env);
	snprintf(from, sizeof from, "%s/data.mdb", copy);
	snprintf(to, sizeof to, "%s/data.mdb", f->dir);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(rmdir(copy), 0);
}

/* The migration needs more room than a compacted store's map holds: it grows the map and
 * runs again, where the store used to refuse to open ("store is full"). */
static void migration_grows_the_map(void **state)
{
	struct fx *f = *state;
	struct store_opts small = { .map_size = 4096, .no_sync = true };
	struct store_error err = { 0 };
	Stdreg__V1__ReportResponse *r;

	rng_state = 11;
	seed_agencies(f);
	for (int i = 0; i < NITEMS * 2; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%03d", i);
		fx_put_ok(f, STORE_ITEM, random_item(id));
	}
	make_schema_3(f);
	compact_in_place(f);
	if (fx_reopen(f, &small, &err) != RG_OK)
		fail_msg("open: %s", err.message);
	r = report_ok(f, TODAY, 0);
	assert_int_equal(r->stage_groups[0]->count + r->stage_groups[1]->count +
	                         r->stage_groups[2]->count,
	                 NITEMS * 2);
	rec_free(r);
	assert_all_days(f);
}

/* --- bounded lists -------------------------------------------------------------------- */

/* 300 overdue items with long notes: the old report listed them all, a reply over the 4 MiB
 * limit. The list holds the 100 longest overdue, in id order; the total counts all. */
static void overdue_list_bounded(void **state)
{
	static const char *const ai[] = { "ai", NULL };
	struct fx *f = *state;
	char *notes = malloc(8001);
	Stdreg__V1__ReportResponse *r;

	assert_non_null(notes);
	memset(notes, 'n', 8000);
	notes[8000] = '\0';
	fx_seed(f);
	for (int i = 0; i < 300; i++) {
		char id[16], date[11];
		Stdreg__V1__WorkItem *w;
		snprintf(id, sizeof id, "o%03d", i);
		/* o000 ... o299 fall due on days that go back from 2026-09-10, one per item */
		time_t due = fx_day("2026-09-10") - (time_t)i * 86400;
		struct tm tm;
		gmtime_r(&due, &tm);
		strftime(date, sizeof date, "%Y-%m-%d", &tm);
		w = mk_item(id, id, "Title", "jtc1-sc42", ai, "40.20");
		rec_set(&w->target_date, date);
		rec_set(&w->notes, notes);
		rec_set(&w->title, notes);
		fx_put_ok(f, STORE_ITEM, w);
	}
	free(notes);
	r = report_ok(f, "2027-01-01", 0);
	assert_int_equal(r->overdue_total, 300);
	assert_int_equal(r->n_overdue, STORE_REPORT_LIST_MAX);
	assert_true(protobuf_c_message_get_packed_size(&r->base) < (4u << 20));
	/* the longest overdue are the last 100 made, listed in id order */
	for (size_t i = 0; i < r->n_overdue; i++) {
		char want[16];
		snprintf(want, sizeof want, "o%03zu", 200 + i);
		assert_string_equal(r->overdue[i]->id, want);
	}
	rec_free(r);
}

/* 150 stage changes in the window: the newest 100 listed, newest first; all counted; the
 * window still starts on its first day. */
static void stage_changes_bounded(void **state)
{
	static const char *const ai[] = { "ai", NULL };
	struct fx *f = *state;
	Stdreg__V1__ReportResponse *r;

	fx_seed(f);
	f->now = fx_day("2026-08-01");
	fx_put_ok(f, STORE_ITEM, mk_item("s1", "s1", "Title", "jtc1-sc42", ai, "10.00"));
	for (int i = 0; i < 150; i++) {
		Stdreg__V1__WorkItem *w = fx_get(f, STORE_ITEM, "s1", NULL);
		f->now = fx_day(i < 50 ? "2026-09-01" : "2026-09-15");
		rec_set(&w->stage, i % 2 ? "10.00" : "20.00");
		fx_put_ok(f, STORE_ITEM, w);
	}
	r = report_ok(f, TODAY, 0);
	assert_int_equal(r->stage_changes_total, 150);
	assert_int_equal(r->n_stage_changes, STORE_REPORT_LIST_MAX);
	for (size_t i = 1; i < r->n_stage_changes; i++)
		assert_true(r->stage_changes[i - 1]->revision > r->stage_changes[i]->revision);
	assert_int_equal(strncmp(r->stage_changes[0]->time, "2026-09-15", 10), 0);
	rec_free(r);
	/* from 2026-09-07: only the 100 of the 15th */
	r = report_ok(f, TODAY, 14);
	assert_int_equal(r->stage_changes_total, 100);
	rec_free(r);
	/* from 2026-09-16: none */
	r = report_ok(f, TODAY, 5);
	assert_int_equal(r->stage_changes_total, 0);
	assert_int_equal(r->n_stage_changes, 0);
	rec_free(r);
}

/* --- the check ------------------------------------------------------------------------ */

static void drop_status_entry(MDB_txn *txn, void *arg)
{
	MDB_dbi report = fx_raw_dbi(txn, "report", MDB_DUPSORT);
	MDB_val k = { 2, "s1" }, v = { 12, "2026-01-01i1" };

	(void)arg;
	assert_int_equal(mdb_del(txn, report, &k, &v), 0);
}

static void add_stray_entries(MDB_txn *txn, void *arg)
{
	MDB_dbi report = fx_raw_dbi(txn, "report", MDB_DUPSORT);
	MDB_val k = { 6, "acyber" }, v = { 13, "12026-01-01i1" };
	MDB_val c = { 13, "c\0\0\0\0\0\0\0\1\0\0\0\0" }, cv = { 2, "i1" };

	(void)arg;
	assert_int_equal(mdb_put(txn, report, &k, &v, 0), 0);
	assert_int_equal(mdb_put(txn, report, &c, &cv, 0), 0);
}

static void check_finds_a_damaged_index(void **state)
{
	static const char *const ai[] = { "ai", NULL };
	struct fx *f = *state;
	Stdreg__V1__WorkItem *w = mk_item("i1", "i1", "Title", "jtc1-sc42", ai, "40.20");

	fx_seed(f);
	rec_set(&w->target_date, "2026-01-01");
	fx_put_ok(f, STORE_ITEM, w);
	assert_int_equal(check_problems(f), 0);
	fx_raw_edit(f, drop_status_entry, NULL);
	assert_int_equal(check_problems(f), 1);
	fx_raw_edit(f, add_stray_entries, NULL);
	assert_int_equal(check_problems(f), 3);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(counts_after_puts_and_deletes),  T(counts_after_bulk_apply),
		T(index_after_a_large_bulk_apply), T(index_built_for_an_older_store),
		T(overdue_list_bounded),           T(stage_changes_bounded),
		T(check_finds_a_damaged_index),    T(migration_grows_the_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
