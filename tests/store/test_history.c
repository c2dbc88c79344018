/*
 * test_history.c - a record's history found from the record and the changelog (history.c):
 * a single put adds no history index entry, and every history stays exact: changes in a
 * revision of their own, several in one revision (a transfer, one record twice), deletes
 * and re-creates, and a store whose index has an entry for every change (as schema 3
 * wrote). store_check finds a broken chain and a delete missing from the index.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "stdreg/v1/registry.pb-c.h"

#define CREATE STDREG__V1__OP__OP_CREATE
#define UPDATE STDREG__V1__OP__OP_UPDATE
#define DELETE STDREG__V1__OP__OP_DELETE
#define LEAD   STDREG__V1__ROLE__ROLE_LEAD

/* --- raw access (the store closed) --------------------------------------------------- */

static MDB_dbi dbi(MDB_txn *txn, const char *name, unsigned flags)
{
	MDB_dbi d;

	assert_int_equal(mdb_dbi_open(txn, name, flags, &d), 0);
	return d;
}

static void count_index(MDB_txn *txn, void *arg)
{
	MDB_stat st;

	assert_int_equal(mdb_stat(txn, dbi(txn, "history", MDB_DUPSORT), &st), 0);
	*(size_t *)arg = st.ms_entries;
}

static size_t index_entries(struct fx *f)
{
	size_t n = 0;

	fx_raw_edit(f, count_index, &n);
	return n;
}

static char tag_of(int kind)
{
	static const char tags[] = { 0, 'a', 'b', 'g', 'i', 's', 'l', 'f' };
	return tags[kind];
}

/* What schema 3 kept: an index entry for every change. */
static void index_every_change(MDB_txn *txn, void *arg)
{
	MDB_dbi cl = dbi(txn, "changelog", 0), h = dbi(txn, "history", MDB_DUPSORT | MDB_DUPFIXED);
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	(void)arg;
	assert_int_equal(mdb_cursor_open(txn, cl, &c), 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		Stdreg__V1__Change *ch = stdreg__v1__change__unpack(NULL, v.mv_size, v.mv_data);
		char hk[200];
		uint8_t key[12];
		assert_non_null(ch);
		hk[0] = tag_of(ch->kind);
		strcpy(hk + 1, ch->id);
		memcpy(key, k.mv_data, 12);
		MDB_val hkv = { strlen(ch->id) + 1, hk }, hvv = { 12, key };
		rc = mdb_put(txn, h, &hkv, &hvv, MDB_NODUPDATA);
		assert_true(rc == 0 || rc == MDB_KEYEXIST);
		stdreg__v1__change__free_unpacked(ch, NULL);
	}
	mdb_cursor_close(c);
}

/* Deletes changelog entry rev.seq. */
static void drop_change(MDB_txn *txn, void *arg)
{
	const uint64_t *rs = arg;
	uint8_t key[12] = { 0 };
	MDB_val k = { 12, key };

	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(rs[0] >> (56 - 8 * i));
	key[11] = (uint8_t)rs[1];
	assert_int_equal(mdb_del(txn, dbi(txn, "changelog", 0), &k, NULL), 0);
}

static void drop_index(MDB_txn *txn, void *arg)
{
	(void)arg;
	assert_int_equal(mdb_drop(txn, dbi(txn, "history", MDB_DUPSORT | MDB_DUPFIXED), 0), 0);
}

/* --- reads ----------------------------------------------------------------------------- */

/* The history of (k, id) as "rev:op rev:op ..." (op c, u, d), or the error code's name. */
static void history_text(struct fx *f, enum store_kind k, const char *id, char *out, size_t size)
{
	ProtobufCMessage *h = NULL;
	struct store_error err;
	store_txn *t;
	size_t n = 0;

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	int rc = store_history(t, k, id, &h, &err);
	store_read_free(t);
	out[0] = '\0';
	if (rc != RG_OK) {
		snprintf(out, size, "%s", rg_strerror(rc));
		return;
	}
	Stdreg__V1__HistoryResponse *r = (Stdreg__V1__HistoryResponse *)h;
	for (size_t i = 0; i < r->n_entries; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%llu:%c", i ? " " : "",
		                      (unsigned long long)r->entries[i]->revision,
		                      r->entries[i]->op == CREATE   ? 'c'
		                      : r->entries[i]->op == UPDATE ? 'u'
		                      : r->entries[i]->op == DELETE ? 'd'
		                                                    : '?');
	protobuf_c_message_free_unpacked(h, NULL);
}

static void collect(void *arg, const char *what, const char *id, const char *msg)
{
	char *text = arg;
	size_t n = strlen(text);

	snprintf(text + n, 4096 - n, "%s '%s': %s\n", what, id, msg);
}

/* store_check's findings (4096 bytes of text); returns the code. */
static int check(struct fx *f, char *text)
{
	store_txn *t;

	text[0] = '\0';
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	int rc = store_check(t, collect, text, NULL);
	store_read_free(t);
	return rc;
}

#define ASSERT_HISTORY(f, k, id, want)                      \
	do {                                                \
		char got_[512];                             \
		history_text(f, k, id, got_, sizeof(got_)); \
		assert_string_equal(got_, want);            \
	} while (0)

#define ASSERT_CLEAN(f)                                            \
	do {                                                       \
		char text_[4096];                                  \
		if (check(f, text_) != RG_OK)                      \
			fail_msg("store_check found:\n%s", text_); \
	} while (0)

/* --- writes ---------------------------------------------------------------------------- */

static void rename_area(struct fx *f, const char *id, const char *name)
{
	Stdreg__V1__Area *a = fx_get(f, STORE_AREA, id, NULL);

	assert_non_null(a);
	rec_set(&a->name, name);
	fx_put_ok(f, STORE_AREA, a);
}

struct twice {
	const char *id;
};

/* One request that changes one record twice: two changes in one revision. */
static int put_twice(store_txn *t, void *arg)
{
	struct twice *w = arg;
	struct store_actor who = { .principal = "test", .now = FX_NOW };
	Stdreg__V1__Area *a = mk_area(w->id, "First", NULL);
	int rc = store_put(t, STORE_AREA, &a->base, &(struct store_put_opts){ 0 }, &who, NULL, NULL,
	                   NULL);

	if (rc == RG_OK) {
		rec_set(&a->name, "Second");
		rc = store_put(t, STORE_AREA, &a->base, &(struct store_put_opts){ 0 }, &who, NULL,
		               NULL, NULL);
	}
	rec_free(a);
	return rc;
}

static int run_transfer(store_txn *t, void *arg)
{
	struct store_actor who = { .principal = "test", .now = FX_NOW };
	ProtobufCMessage *e = NULL, *s = NULL;
	int rc = store_transfer(t, "ai", "digg", "pts", "Fi2026/2", "2026-03-01", "", &who, &e, &s,
	                        NULL);

	(void)arg;
	if (e)
		protobuf_c_message_free_unpacked(e, NULL);
	if (s)
		protobuf_c_message_free_unpacked(s, NULL);
	return rc;
}

/* --- cases ----------------------------------------------------------------------------- */

/* Puts in revisions of their own write no index entry, and their history is exact. */
static void single_puts_add_no_index_entry(void **state)
{
	struct fx *f = *state;
	uint64_t r0, r1, r2;
	char want[64];

	fx_seed(f);
	r0 = store_revision(f->st);
	fx_put_ok(f, STORE_AREA, mk_area("x", "X", NULL));
	r1 = store_revision(f->st);
	rename_area(f, "x", "X 2");
	rename_area(f, "ai", "AI 2");
	r2 = store_revision(f->st);
	assert_int_equal(r1, r0 + 1);
	assert_int_equal(index_entries(f), 0);
	snprintf(want, sizeof(want), "%llu:c %llu:u", (unsigned long long)r1,
	         (unsigned long long)r1 + 1);
	ASSERT_HISTORY(f, STORE_AREA, "x", want);
	snprintf(want, sizeof(want), "1:c %llu:u", (unsigned long long)r2);
	ASSERT_HISTORY(f, STORE_AREA, "ai", want);
	ASSERT_HISTORY(f, STORE_AREA, "nobody", rg_strerror(RG_ENOENT));
	ASSERT_CLEAN(f);
}

/* A transfer ends one assignment and starts another in one revision: both are indexed, and
 * each history holds its own change. */
static void shared_revision_found_through_index(void **state)
{
	struct fx *f = *state;
	uint64_t r1, r2;
	char want[64];

	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", LEAD, "Fi2026/1", "2026-01-01", NULL, NULL));
	r1 = store_revision(f->st);
	assert_int_equal(store_write_once(f->st, run_transfer, NULL, NULL), RG_OK);
	r2 = store_revision(f->st);
	assert_int_equal(r2, r1 + 1);
	assert_int_equal(index_entries(f), 2);
	snprintf(want, sizeof(want), "%llu:c %llu:u", (unsigned long long)r1,
	         (unsigned long long)r2);
	ASSERT_HISTORY(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", want);
	snprintf(want, sizeof(want), "%llu:c", (unsigned long long)r2);
	ASSERT_HISTORY(f, STORE_ASSIGNMENT, "ai/pts/2026-03-01", want);
	ASSERT_CLEAN(f);
}

/* One record changed twice in one revision: both changes, in order. */
static void same_record_twice_in_a_revision(void **state)
{
	struct fx *f = *state;
	struct twice w = { "twice" };
	uint64_t r;
	char want[64];

	fx_seed(f);
	assert_int_equal(store_write_once(f->st, put_twice, &w, NULL), RG_OK);
	r = store_revision(f->st);
	rename_area(f, "twice", "Third");
	snprintf(want, sizeof(want), "%llu:c %llu:u %llu:u", (unsigned long long)r,
	         (unsigned long long)r, (unsigned long long)r + 1);
	ASSERT_HISTORY(f, STORE_AREA, "twice", want);
	ASSERT_CLEAN(f);
}

/* Deleted and created again: the history keeps both lives. */
static void delete_and_recreate_keep_history(void **state)
{
	struct fx *f = *state;
	uint64_t r;
	char want[128];

	fx_seed(f);
	r = store_revision(f->st);
	fx_put_ok(f, STORE_AREA, mk_area("x", "X", NULL));
	rename_area(f, "x", "X 2");
	assert_int_equal(fx_delete(f, STORE_AREA, "x", 0, NULL, NULL), RG_OK);
	snprintf(want, sizeof(want), "%llu:c %llu:u %llu:d", (unsigned long long)r + 1,
	         (unsigned long long)r + 2, (unsigned long long)r + 3);
	ASSERT_HISTORY(f, STORE_AREA, "x", want);
	fx_put_ok(f, STORE_AREA, mk_area("x", "X again", NULL));
	rename_area(f, "x", "X again 2");
	assert_int_equal(fx_delete(f, STORE_AREA, "x", 0, NULL, NULL), RG_OK);
	fx_put_ok(f, STORE_AREA, mk_area("x", "X third", NULL));
	snprintf(want, sizeof(want), "%llu:c %llu:u %llu:d %llu:c %llu:u %llu:d %llu:c",
	         (unsigned long long)r + 1, (unsigned long long)r + 2, (unsigned long long)r + 3,
	         (unsigned long long)r + 4, (unsigned long long)r + 5, (unsigned long long)r + 6,
	         (unsigned long long)r + 7);
	ASSERT_HISTORY(f, STORE_AREA, "x", want);
	assert_int_equal(index_entries(f), 2); /* the two deletes */
	ASSERT_CLEAN(f);
}

/* A store whose index holds every change (what schema 3 wrote) reads the same. */
static void full_index_reads_the_same(void **state)
{
	struct fx *f = *state;
	char before_x[512], before_a[512], before_s[512], before_t[512], after[512];

	struct twice w = { "twice" };

	fx_seed(f);
	fx_put_ok(f, STORE_AREA, mk_area("x", "X", NULL));
	rename_area(f, "x", "X 2");
	assert_int_equal(fx_delete(f, STORE_AREA, "x", 0, NULL, NULL), RG_OK);
	fx_put_ok(f, STORE_AREA, mk_area("x", "X again", NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", LEAD, "Fi2026/1", "2026-01-01", NULL, NULL));
	assert_int_equal(store_write_once(f->st, run_transfer, NULL, NULL), RG_OK);
	assert_int_equal(store_write_once(f->st, put_twice, &w, NULL), RG_OK);
	rename_area(f, "ai", "AI 2");
	history_text(f, STORE_AREA, "x", before_x, sizeof(before_x));
	history_text(f, STORE_AREA, "ai", before_a, sizeof(before_a));
	history_text(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", before_s, sizeof(before_s));
	history_text(f, STORE_AREA, "twice", before_t, sizeof(before_t));
	fx_raw_edit(f, index_every_change, NULL);
	assert_true(index_entries(f) > 15); /* every change */
	history_text(f, STORE_AREA, "x", after, sizeof(after));
	assert_string_equal(after, before_x);
	history_text(f, STORE_AREA, "ai", after, sizeof(after));
	assert_string_equal(after, before_a);
	history_text(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", after, sizeof(after));
	assert_string_equal(after, before_s);
	history_text(f, STORE_AREA, "twice", after, sizeof(after));
	assert_string_equal(after, before_t);
	ASSERT_CLEAN(f);
}

/* A lost change in the middle of a chain: the history says corrupt, check says where. */
static void broken_chain_reported(void **state)
{
	struct fx *f = *state;
	char text[4096];
	uint64_t lost[2];

	fx_seed(f);
	fx_put_ok(f, STORE_AREA, mk_area("x", "X", NULL));
	rename_area(f, "x", "X 2");
	lost[0] = store_revision(f->st);
	lost[1] = 0;
	rename_area(f, "x", "X 3");
	fx_raw_edit(f, drop_change, lost);
	ASSERT_HISTORY(f, STORE_AREA, "x", rg_strerror(RG_ECORRUPT));
	assert_int_equal(check(f, text), RG_ECORRUPT);
	assert_non_null(strstr(text, "previous change of area 'x'"));
}

/* Without the index a delete's chain has no start: check names both sides. */
static void lost_index_reported(void **state)
{
	struct fx *f = *state;
	char text[4096];

	fx_seed(f);
	fx_put_ok(f, STORE_AREA, mk_area("x", "X", NULL));
	assert_int_equal(fx_delete(f, STORE_AREA, "x", 0, NULL, NULL), RG_OK);
	fx_raw_edit(f, drop_index, NULL);
	assert_int_equal(check(f, text), RG_ECORRUPT);
	assert_non_null(strstr(text, "change of area 'x' is not in its history index"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(single_puts_add_no_index_entry),
		T(shared_revision_found_through_index),
		T(same_record_twice_in_a_revision),
		T(delete_and_recreate_keep_history),
		T(full_index_reads_the_same),
		T(broken_chain_reported),
		T(lost_index_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
