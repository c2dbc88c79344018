/*
 * test_reopen.c - store/env.c: what survives a close and an open, and what an open refuses.
 */
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

static void records_and_revision_persist(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	store_txn *t;

	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", STDREG__V1__ROLE__ROLE_LEAD, "Fi2026/00123",
	                        "2026-01-01", NULL, NULL));
	const uint64_t rev = store_revision(f->st);
	assert_int_equal(rev, 11);

	assert_int_equal(fx_reopen(f, NULL, &err), RG_OK);
	assert_int_equal(store_revision(f->st), rev);
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_txn_revision(t), rev);
	store_read_free(t);
	Stdreg__V1__Assignment *a = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	assert_non_null(a);
	assert_int_equal(a->meta->create_revision, rev);
	rec_free(a);
	Stdreg__V1__Agency *g = fx_get(f, STORE_AGENCY, "pts", NULL);
	assert_non_null(g);
	assert_string_equal(g->org_number, "202100-4359");
	rec_free(g);

	/* the indexes came back too: the one-lead rule and the deletion guard still hold */
	Stdreg__V1__Assignment *second = mk_assignment("ai", "pts", STDREG__V1__ROLE__ROLE_LEAD,
	                                               "Fi2026/00124", "2026-02-01", NULL, NULL);
	assert_int_equal(fx_put(f, STORE_ASSIGNMENT, second, NULL, &err, NULL), RG_EPRECOND);
	rec_free(second);
	assert_int_equal(fx_delete(f, STORE_AREA, "ai", 0, &err, NULL), RG_EPRECOND);

	/* and the next write takes the next revision */
	uint64_t next;
	Stdreg__V1__Area *ar = mk_area("quantum", "Quantum technologies", NULL);
	assert_int_equal(fx_put(f, STORE_AREA, ar, NULL, NULL, &next), RG_OK);
	assert_int_equal(next, rev + 1);
	rec_free(ar);
}

static void empty_store_reopens(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_reopen(f, NULL, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), 0);
	fx_put_ok(f, STORE_AREA, mk_area("ai", "AI", NULL));
	assert_int_equal(store_revision(f->st), 1);
}

/* Writes meta "schema_version" with LMDB itself, as a newer stdreg would have. */
static void write_schema_version(const char *dir, const void *val, size_t len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { 14, "schema_version" }, v = { len, (void *)val };

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void newer_schema_refused(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	struct store_opts o = { .no_sync = true };
	const uint8_t v99[4] = { 0, 0, 0, 99 };
	store *st = NULL;

	fx_put_ok(f, STORE_AREA, mk_area("ai", "AI", NULL));
	store_close(f->st);
	f->st = NULL;
	write_schema_version(f->dir, v99, sizeof(v99));

	assert_int_equal(store_open(&st, f->dir, &o, &err), RG_ESCHEMA);
	assert_null(st);
	assert_int_equal(err.code, RG_ESCHEMA);
	assert_non_null(strstr(err.message, "schema version 99"));
	/* the code is the same without an error struct to fill */
	assert_int_equal(store_open(&st, f->dir, &o, NULL), RG_ESCHEMA);
	assert_null(st);

	/* the schema this code writes opens again */
	const uint8_t v1[4] = { 0, 0, 0, 1 };
	write_schema_version(f->dir, v1, sizeof(v1));
	assert_int_equal(fx_reopen(f, NULL, &err), RG_OK);
	void *a = fx_get(f, STORE_AREA, "ai", NULL);
	assert_non_null(a);
	rec_free(a);
}

static void malformed_schema_refused(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	const uint8_t bad[3] = { 0, 0, 1 };

	store_close(f->st);
	f->st = NULL;
	write_schema_version(f->dir, bad, sizeof(bad));
	assert_int_equal(fx_reopen(f, NULL, &err), RG_ECORRUPT);
	assert_null(f->st);
	assert_int_equal(err.code, RG_ECORRUPT);
}

static void open_missing_dir(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	char dir[300];
	store *st = NULL;

	snprintf(dir, sizeof(dir), "%s/does-not-exist", f->dir);
	assert_int_equal(store_open(&st, dir, NULL, &err), RG_ENOENT);
	assert_null(st);
	// The cause alone: the caller names the directory (no "cannot open ... (cannot open").
	assert_string_equal(err.message, "no such directory");
	assert_int_equal(store_open(&st, dir, NULL, NULL), RG_ENOENT);
	store_close(NULL); /* harmless */
}

/* A store file that is a symbolic link is refused before LMDB opens (and writes) it. */
static void open_refuses_linked_lock(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	char dir[300], lock[320], target[320], buf[16] = { 0 };
	store *st = NULL;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/linked", f->dir);
	snprintf(lock, sizeof(lock), "%s/lock.mdb", dir);
	snprintf(target, sizeof(target), "%s/target", f->dir);
	assert_int_equal(mkdir(dir, 0750), 0);
	fp = fopen(target, "w");
	assert_non_null(fp);
	fputs("precious", fp);
	fclose(fp);
	assert_int_equal(symlink(target, lock), 0);
	assert_int_equal(store_open(&st, dir, NULL, &err), RG_EINVAL);
	assert_null(st);
	assert_non_null(strstr(err.message, "is a symbolic link"));
	fp = fopen(target, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof buf, fp));
	fclose(fp);
	assert_string_equal(buf, "precious");
	unlink(lock);
	unlink(target);
	rmdir(dir);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(records_and_revision_persist),
		T(empty_store_reopens),
		T(newer_schema_refused),
		T(malformed_schema_refused),
		T(open_missing_dir),
		T(open_refuses_linked_lock),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
