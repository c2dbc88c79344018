/*
 * test_migrate.c - the write path's layout and the migrations that bring older stores to
 * it (env.c): the revision is the changelog's last key, with no meta page written per put;
 * a store written the schema-3 way (meta "revision" with every commit) opens at the same
 * revision, checks clean and goes on from there.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "store_int.h" /* STORE_SCHEMA_VERSION */

/* Opens the store in dir raw (the store closed) and runs fn in a write transaction. */
static void raw(const char *dir, void (*fn)(MDB_txn *txn, void *arg), void *arg)
{
	MDB_env *env;
	MDB_txn *txn;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(env, (size_t)256 << 20), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	fn(txn, arg);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static MDB_dbi dbi(MDB_txn *txn, const char *name)
{
	MDB_dbi d;

	assert_int_equal(mdb_dbi_open(txn, name, 0, &d), 0);
	return d;
}

struct meta_state {
	bool has_revision;
	uint64_t revision;
	uint32_t schema;
};

static uint64_t be(const void *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | ((const uint8_t *)p)[i];
	return v;
}

static void read_meta(MDB_txn *txn, void *arg)
{
	struct meta_state *m = arg;
	MDB_val k = { 8, "revision" }, v;
	int rc = mdb_get(txn, dbi(txn, "meta"), &k, &v);

	m->has_revision = rc == 0;
	m->revision = rc == 0 && v.mv_size == 8 ? be(v.mv_data, 8) : 0;
	k.mv_size = 14;
	k.mv_data = "schema_version";
	assert_int_equal(mdb_get(txn, dbi(txn, "meta"), &k, &v), 0);
	m->schema = (uint32_t)be(v.mv_data, 4);
}

/* What meta holds on disk; closes f's store to read it. */
static struct meta_state meta_of(struct fx *f)
{
	struct meta_state m;

	store_close(f->st);
	f->st = NULL;
	raw(f->dir, read_meta, &m);
	return m;
}

/* What schema 3 wrote: meta "revision" (as given) and schema version 3. */
static void write_schema_3(MDB_txn *txn, void *arg)
{
	uint64_t rev = *(const uint64_t *)arg;
	uint8_t r[8], three[4] = { 0, 0, 0, 3 };
	MDB_val k = { 8, "revision" }, v = { 8, r };

	for (int i = 0; i < 8; i++)
		r[i] = (uint8_t)(rev >> (56 - 8 * i));
	assert_int_equal(mdb_put(txn, dbi(txn, "meta"), &k, &v, 0), 0);
	k.mv_size = 14;
	k.mv_data = "schema_version";
	v.mv_size = 4;
	v.mv_data = three;
	assert_int_equal(mdb_put(txn, dbi(txn, "meta"), &k, &v, 0), 0);
}

static void count_problem(void *arg, const char *what, const char *id, const char *msg)
{
	(void)what, (void)id, (void)msg;
	(*(int *)arg)++;
}

static int problems(struct fx *f)
{
	store_txn *t;
	int n = 0;

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	store_check(t, count_problem, &n, NULL);
	store_read_free(t);
	return n;
}

/* Puts a new area "new"; *got its revision. */
static void put_new(struct fx *f, uint64_t *got)
{
	Stdreg__V1__Area *a = mk_area("new", "New", NULL);

	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, got), RG_OK);
	rec_free(a);
}

/* A put writes the record, its indexes and its change; the revision is read back from the
 * changelog, at open and in every transaction, so meta is not written at all. */
static void put_writes_no_meta_revision(void **state)
{
	struct fx *f = *state;
	struct meta_state m;
	store_txn *t;

	fx_seed(f);
	uint64_t rev = store_revision(f->st);
	assert_true(rev > 0);
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_txn_revision(t), rev);
	store_read_free(t);
	m = meta_of(f);
	assert_false(m.has_revision);
	assert_int_equal(m.schema, STORE_SCHEMA_VERSION);
	assert_int_equal(fx_reopen(f, NULL, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), rev);
	uint64_t got = 0;
	put_new(f, &got);
	assert_int_equal(got, rev + 1);
	assert_int_equal(problems(f), 0);
}

/* A store written the schema-3 way opens at its revision, checks clean, loses its meta
 * "revision" key and goes on counting from there. */
static void schema_3_store_migrates(void **state)
{
	struct fx *f = *state;
	struct meta_state m;
	uint64_t rev, got = 0;

	fx_seed(f);
	rev = store_revision(f->st);
	store_close(f->st);
	f->st = NULL;
	raw(f->dir, write_schema_3, &rev);
	m = meta_of(f);
	assert_int_equal(m.schema, 3);
	assert_true(m.has_revision);

	assert_int_equal(fx_reopen(f, NULL, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), rev);
	assert_int_equal(problems(f), 0);
	m = meta_of(f);
	assert_int_equal(m.schema, STORE_SCHEMA_VERSION);
	assert_false(m.has_revision);

	assert_int_equal(fx_reopen(f, NULL, NULL), RG_OK);
	put_new(f, &got);
	assert_int_equal(got, rev + 1);
	assert_int_equal(problems(f), 0);
}

/* A schema-3 store whose meta "revision" is ahead of its changelog (its last changes lost)
 * keeps that revision: a revision clients have seen is never handed out again. */
static void schema_3_revision_ahead_is_kept(void **state)
{
	struct fx *f = *state;
	struct meta_state m;
	uint64_t rev, ahead, got = 0;

	fx_seed(f);
	rev = store_revision(f->st);
	ahead = rev + 5;
	store_close(f->st);
	f->st = NULL;
	raw(f->dir, write_schema_3, &ahead);

	assert_int_equal(fx_reopen(f, NULL, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), ahead);
	assert_true(problems(f) > 0); /* revisions rev+1..ahead are missing */
	put_new(f, &got);
	assert_int_equal(got, ahead + 1);
	m = meta_of(f);
	assert_int_equal(m.schema, STORE_SCHEMA_VERSION);
	assert_true(m.has_revision);
	assert_int_equal(m.revision, ahead);
	assert_int_equal(fx_reopen(f, NULL, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), ahead + 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(put_writes_no_meta_revision),
		T(schema_3_store_migrates),
		T(schema_3_revision_ahead_is_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
