/*
 * test_check.c - store/check.c and store/backup.c: a clean store passes; each kind of damage
 * made with raw LMDB writes is reported; a backup is a consistent store at its revision.
 */
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

struct found {
	char text[8192];
	size_t len;
	int n;
};

static void collect(void *arg, const char *what, const char *id, const char *message)
{
	struct found *f = arg;
	int w = snprintf(f->text + f->len, sizeof(f->text) - f->len, "%s '%s': %s\n", what, id,
	                 message);

	if (w > 0 && (size_t)w < sizeof(f->text) - f->len)
		f->len += (size_t)w;
	f->n++;
}

static int check(struct fx *f, struct found *out)
{
	store_txn *t;
	int rc;

	memset(out, 0, sizeof(*out));
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	rc = store_check(t, collect, out, NULL);
	store_read_free(t);
	return rc;
}

static void assert_reported(const struct found *out, const char *needle)
{
	if (strstr(out->text, needle) == NULL)
		fail_msg("'%s' not reported; found:\n%s", needle, out->text);
}

struct appoint {
	const char *area, *agency, *to, *date;
};

static int run_transfer(store_txn *t, void *arg)
{
	struct appoint *a = arg;
	struct store_actor who = { .principal = "test", .now = FX_NOW };
	ProtobufCMessage *e = NULL, *s = NULL;
	int rc = store_transfer(t, a->area, a->agency, a->to, "Fi2026/2", a->date, "", &who, &e, &s,
	                        NULL);

	if (e)
		protobuf_c_message_free_unpacked(e, NULL);
	if (s)
		protobuf_c_message_free_unpacked(s, NULL);
	return rc;
}

/* The demo set, a lead, a transfer, an update and a delete: every kind of change. */
static void populate(struct fx *f)
{
	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", STDREG__V1__ROLE__ROLE_LEAD, "Fi2026/1", "2026-01-01",
	                        NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "msb", STDREG__V1__ROLE__ROLE_SUPPORTING, "Fi2026/1",
	                        "2026-01-01", NULL, NULL));
	struct appoint a = { "ai", "digg", "pts", "2026-03-01" };
	assert_int_equal(store_write_once(f->st, run_transfer, &a, NULL), RG_OK);
	const char *areas[] = { "ai", "cyber", NULL };
	fx_put_ok(f, STORE_ITEM,
	          mk_item("iso-42001", "ISO/IEC 42001", "AI management", "jtc1-sc42", areas,
	                  "60.60"));
	fx_put_ok(f, STORE_AREA, mk_area("tmp", "Temporary", NULL));
	assert_int_equal(fx_delete(f, STORE_AREA, "tmp", 0, NULL, NULL), RG_OK);
}

static MDB_dbi dbi(MDB_txn *txn, const char *name)
{
	MDB_dbi d;

	assert_int_equal(mdb_dbi_open(txn, name, 0, &d), 0);
	return d;
}

static void put_raw(MDB_txn *txn, const char *db, const char *key, const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	MDB_val k = { strlen(key), (void *)key }, v = { len, buf };

	protobuf_c_message_pack(m, buf);
	assert_int_equal(mdb_put(txn, dbi(txn, db), &k, &v, 0), 0);
	free(buf);
}

/* --- cases ---------------------------------------------------------------------------- */

static void clean_store_passes(void **state)
{
	struct fx *f = *state;
	struct store_check_stats s;
	struct found out;
	store_txn *t;

	assert_int_equal(check(f, &out), RG_OK); /* empty */
	populate(f);
	assert_int_equal(check(f, &out), RG_OK);
	assert_int_equal(out.n, 0);
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_check(t, NULL, NULL, &s), RG_OK);
	store_read_free(t);
	assert_int_equal(s.revision, store_revision(f->st));
	assert_true(s.records >= 12);
	assert_true(s.refs >= 8);
	assert_true(s.changes >= s.revision);
	assert_int_equal(s.problems, 0);
}

static void drop_refs(MDB_txn *txn, void *arg)
{
	MDB_val k = { 3, "aai" }, v = { 10, "iiso-42001" };

	(void)arg;
	assert_int_equal(mdb_del(txn, dbi(txn, "refs"), &k, &v), 0);
}

static void dropped_refs_entry_is_reported(void **state)
{
	struct fx *f = *state;
	struct found out;

	populate(f);
	fx_raw_edit(f, drop_refs, NULL);
	assert_int_equal(check(f, &out), RG_ECORRUPT);
	assert_reported(&out, "item 'iso-42001': reference 'area_ids' -> area 'ai' has no refs");
}

static void extra_refs(MDB_txn *txn, void *arg)
{
	MDB_val k = { 6, "acyber" }, v = { 4, "apts" };

	(void)arg;
	assert_int_equal(mdb_put(txn, dbi(txn, "refs"), &k, &v, 0), 0);
}

static void refs_entry_without_reference_is_reported(void **state)
{
	struct fx *f = *state;
	struct found out;

	populate(f);
	fx_raw_edit(f, extra_refs, NULL);
	assert_int_equal(check(f, &out), RG_ECORRUPT);
	assert_reported(&out, "refs 'area 'cyber'': refs entry names area 'pts', which does not");
}

static void dangling(MDB_txn *txn, void *arg)
{
	Stdreg__V1__Meta meta = STDREG__V1__META__INIT;
	const char *areas[] = { "ghost", NULL };
	Stdreg__V1__WorkItem *w = mk_item("iso-9999", "ISO 9999", "Ghost", "iso", areas, "20.00");
	MDB_val k = { 6, "aghost" }, v = { 9, "iiso-9999" };

	(void)arg;
	meta.create_revision = meta.mod_revision = meta.version = 1;
	w->meta = &meta;
	put_raw(txn, "item", "iso-9999", &w->base);
	w->meta = NULL;
	rec_free(w);
	assert_int_equal(mdb_put(txn, dbi(txn, "refs"), &k, &v, 0), 0);
}

static void dangling_reference_is_reported(void **state)
{
	struct fx *f = *state;
	struct found out;

	populate(f);
	fx_raw_edit(f, dangling, NULL);
	assert_int_equal(check(f, &out), RG_ECORRUPT);
	assert_reported(&out, "item 'iso-9999': field 'area_ids' refers to area 'ghost', which "
	                      "does not exist");
	/* the body reference has no refs entry either, and the record no history */
	assert_reported(&out, "item 'iso-9999': reference 'body_id' -> body 'iso' has no refs");
	assert_reported(&out,
	                "item 'iso-9999': the changelog has no change of it at its mod_revision 1");
}

static void second_lead(MDB_txn *txn, void *arg)
{
	Stdreg__V1__Meta meta = STDREG__V1__META__INIT;
	Stdreg__V1__Assignment *a = mk_assignment("ai", "msb", STDREG__V1__ROLE__ROLE_LEAD,
	                                          "Fi2026/9", "2026-04-01", NULL, NULL);

	(void)arg;
	rec_set(&a->id, "ai/msb/2026-04-01");
	meta.create_revision = meta.mod_revision = meta.version = 1;
	a->meta = &meta;
	put_raw(txn, "assignment", "ai/msb/2026-04-01", &a->base);
	a->meta = NULL;
	rec_free(a);
}

/* An ended lead of pts whose period (2025-06-01 to 2026-02-01) runs into digg's (2026-01-01
 * to 2026-03-01, when pts took over), and a supporting appointment of digg from 2026-02-01
 * beside that lead, written past the checks of kinds.c. */
static void overlapping_periods(MDB_txn *txn, void *arg)
{
	Stdreg__V1__Meta meta = STDREG__V1__META__INIT;
	Stdreg__V1__Assignment *a =
	        mk_assignment("ai", "pts", STDREG__V1__ROLE__ROLE_LEAD, "Fi2025/9", "2025-06-01",
	                      "2026-02-01", "Fi2026/9");
	Stdreg__V1__Assignment *b = mk_assignment("ai", "digg", STDREG__V1__ROLE__ROLE_SUPPORTING,
	                                          "Fi2026/9", "2026-02-01", NULL, NULL);

	(void)arg;
	meta.create_revision = meta.mod_revision = meta.version = 1;
	rec_set(&a->id, "ai/pts/2025-06-01");
	a->meta = &meta;
	put_raw(txn, "assignment", "ai/pts/2025-06-01", &a->base);
	a->meta = NULL;
	rec_set(&b->id, "ai/digg/2026-02-01");
	b->meta = &meta;
	put_raw(txn, "assignment", "ai/digg/2026-02-01", &b->base);
	b->meta = NULL;
	rec_free(a);
	rec_free(b);
}

static void overlapping_periods_are_reported(void **state)
{
	struct fx *f = *state;
	struct found out;

	populate(f);
	fx_raw_edit(f, overlapping_periods, NULL);
	assert_int_equal(check(f, &out), RG_ECORRUPT);
	assert_reported(&out, "assignment 'ai/digg/2026-01-01': shares days with "
	                      "'ai/pts/2025-06-01': an area has one lead a day");
	assert_reported(&out, "assignment 'ai/digg/2026-02-01': shares days with "
	                      "'ai/digg/2026-01-01': an agency holds one appointment in an area a "
	                      "day");
}

static void two_current_leads_are_reported(void **state)
{
	struct fx *f = *state;
	struct found out;

	populate(f);
	fx_raw_edit(f, second_lead, NULL);
	assert_int_equal(check(f, &out), RG_ECORRUPT);
	assert_reported(&out, "area 'ai': area has more than one current lead");
}

static void changelog_hole(MDB_txn *txn, void *arg)
{
	uint8_t key[12] = { 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0 };
	MDB_val k = { 12, key };

	(void)arg;
	assert_int_equal(mdb_del(txn, dbi(txn, "changelog"), &k, NULL), 0);
}

static void changelog_gap_is_reported(void **state)
{
	struct fx *f = *state;
	struct found out;

	populate(f);
	fx_raw_edit(f, changelog_hole, NULL);
	assert_int_equal(check(f, &out), RG_ECORRUPT);
	assert_reported(&out, "changelog '6.0': revisions 5..5 are missing");
	assert_reported(
	        &out, "body 'jtc1-sc42': the changelog has no change of it at its mod_revision 5");
}

/* A meta "revision" ahead of the changelog: what a store migrated from schema 3 keeps when it
 * had lost its last changes (env.c). The revision stays there; check says what is missing. */
static void revision_ahead(MDB_txn *txn, void *arg)
{
	uint8_t be[8] = { 0, 0, 0, 0, 0, 0, 0x03, 0xe8 }; /* 1000 */
	MDB_val k = { 8, "revision" }, v = { 8, be };

	(void)arg;
	assert_int_equal(mdb_put(txn, dbi(txn, "meta"), &k, &v, 0), 0);
}

static void revision_ahead_of_changes_is_reported(void **state)
{
	struct fx *f = *state;
	struct found out;

	populate(f);
	fx_raw_edit(f, revision_ahead, NULL);
	assert_int_equal(store_revision(f->st), 1000);
	assert_int_equal(check(f, &out), RG_ECORRUPT);
	assert_reported(&out, "the store is at 1000");
}

/* The last change lost (the revision is the changelog's last key): the records that name the
 * lost revision are reported. */
static void last_change_lost(MDB_txn *txn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;

	(void)arg;
	assert_int_equal(mdb_cursor_open(txn, dbi(txn, "changelog"), &c), 0);
	assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_LAST), 0);
	assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_PREV), 0);
	assert_int_equal(mdb_cursor_del(c, 0), 0);
	assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_LAST), 0);
	assert_int_equal(mdb_cursor_del(c, 0), 0);
	mdb_cursor_close(c);
}

static void lost_last_changes_are_reported(void **state)
{
	struct fx *f = *state;
	struct found out;
	uint64_t before;

	populate(f);
	fx_put_ok(f, STORE_AREA, mk_area("late", "Late", NULL));
	before = store_revision(f->st);
	fx_raw_edit(f, last_change_lost, NULL);
	assert_int_equal(store_revision(f->st), before - 2);
	assert_int_equal(check(f, &out), RG_ECORRUPT);
	assert_reported(&out, "area 'late'");
}

static void garbage_record(MDB_txn *txn, void *arg)
{
	MDB_val k = { 3, "bad" }, v = { 5, "\xff\xff\xff\xff\xff" };

	(void)arg;
	assert_int_equal(mdb_put(txn, dbi(txn, "area"), &k, &v, 0), 0);
}

static void undecodable_record_is_reported(void **state)
{
	struct fx *f = *state;
	struct found out;

	populate(f);
	fx_raw_edit(f, garbage_record, NULL);
	assert_int_equal(check(f, &out), RG_ECORRUPT);
	assert_reported(&out, "area 'bad': value does not decode as stdreg.v1.Area");
}

/* --- read-only open and backup -------------------------------------------------------- */

static void read_only_open_refuses_what_is_not_a_store(void **state)
{
	struct fx *f = *state;
	struct store_opts ro = { .read_only = true };
	struct store_error err = { 0 };
	char dir[300], path[320];
	store *st;
	MDB_env *env;

	(void)f;
	snprintf(dir, sizeof(dir), "%s/plain", f->dir);
	assert_int_equal(mkdir(dir, 0750), 0);
	/* no file at all */
	assert_int_not_equal(store_open(&st, dir, &ro, &err), RG_OK);
	/* an LMDB environment without stdreg's databases */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0640), 0);
	mdb_env_close(env);
	assert_int_equal(store_open(&st, dir, &ro, &err), RG_ECORRUPT);
	assert_non_null(strstr(err.message, "not a stdreg store"));
	/* not LMDB at all */
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 4096; i++)
		fputc('x', fp);
	fclose(fp);
	assert_int_equal(store_open(&st, dir, &ro, &err), RG_ECORRUPT);
}

static void backup_is_a_consistent_copy(void **state)
{
	struct fx *f = *state;
	struct store_opts ro = { .read_only = true };
	struct store_error err = { 0 };
	struct found out;
	char dir[300], path[320];
	uint64_t rev = 0, size = 0;
	store *copy;
	store_txn *t;

	populate(f);
	snprintf(dir, sizeof(dir), "%s/restored", f->dir);
	assert_int_equal(mkdir(dir, 0750), 0);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	assert_int_equal(store_backup(f->st, path, &rev, &size), RG_OK);
	assert_int_equal(rev, store_revision(f->st));
	assert_true(size > 0);
	assert_int_equal(store_backup(f->st, path, &rev, &size), RG_EEXIST);

	assert_int_equal(store_open(&copy, dir, &ro, &err), RG_OK);
	assert_int_equal(store_revision(copy), rev);
	assert_int_equal(store_read_begin(copy, &t), RG_OK);
	memset(&out, 0, sizeof(out));
	assert_int_equal(store_check(t, collect, &out, NULL), RG_OK);
	const void *val;
	size_t len;
	assert_int_equal(store_get(t, STORE_ITEM, "iso-42001", &val, &len), RG_OK);
	store_read_free(t);
	store_close(copy);
	assert_string_equal(store_path(f->st), f->dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(clean_store_passes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(dropped_refs_entry_is_reported, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(refs_entry_without_reference_is_reported, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(dangling_reference_is_reported, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(overlapping_periods_are_reported, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(two_current_leads_are_reported, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(changelog_gap_is_reported, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(revision_ahead_of_changes_is_reported, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(lost_last_changes_are_reported, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(undecodable_record_is_reported, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(read_only_open_refuses_what_is_not_a_store,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(backup_is_a_consistent_copy, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("store check", tests, NULL, NULL);
}
