/*
 * test_txn.c - store/env.c: a write transaction keeps its first failure; later writes in
 * it are no-ops that return that failure, and the commit returns it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "store_int.h"

struct sticky {
	int first, second, put;
	struct store_error first_err, second_err, put_err;
};

/* A key longer than LMDB allows fails the put without harming LMDB's transaction: only
 * the store's own record of the failure stops the writes after it. */
static int fail_then_write(store_txn *t, void *arg)
{
	struct sticky *s = arg;
	char big[600];
	MDB_val k = { sizeof big, big }, v = { 1, "x" };
	MDB_val k2 = { 2, "ok" };
	Stdreg__V1__Area *a = mk_area("late", "Written after a failure", NULL);
	struct store_actor who = { .principal = "test", .now = FX_NOW };

	memset(big, 'k', sizeof big);
	s->first = txn_put(t, t->st->refs, &k, &v, 0, &s->first_err);
	s->second = txn_put(t, t->st->refs, &k2, &v, 0, &s->second_err);
	s->put = store_put(t, STORE_AREA, &a->base, NULL, &who, NULL, NULL, &s->put_err);
	rec_free(a);
	/* A job that ignored the failures still cannot commit. */
	return RG_OK;
}

static void test_first_failure_sticks(void **state)
{
	struct fx *f = *state;
	struct sticky s = { 0 };
	uint64_t rev = 99, before = store_revision(f->st);
	int code;

	code = store_write_once(f->st, fail_then_write, &s, &rev);
	assert_int_equal(s.first, RG_EIO);
	assert_int_equal(s.second, RG_EIO);
	assert_int_equal(s.put, RG_EIO);
	assert_string_equal(s.second_err.message, s.first_err.message);
	assert_string_equal(s.put_err.message, s.first_err.message);
	assert_int_equal(code, RG_EIO);
	assert_int_equal(rev, 0);
	assert_int_equal(store_revision(f->st), before);
	assert_null(fx_get(f, STORE_AREA, "late", &code));
	assert_int_equal(code, RG_ENOENT);
}

/* A refusal (a bad record) is not a failure of the transaction: the next write goes on. */
static int refuse_then_write(store_txn *t, void *arg)
{
	struct sticky *s = arg;
	Stdreg__V1__Area *bad = mk_area("Bad Id", "Refused", NULL);
	Stdreg__V1__Area *good = mk_area("good", "Accepted", NULL);
	struct store_actor who = { .principal = "test", .now = FX_NOW };

	s->first = store_put(t, STORE_AREA, &bad->base, NULL, &who, NULL, NULL, &s->first_err);
	s->put = store_put(t, STORE_AREA, &good->base, NULL, &who, NULL, NULL, &s->put_err);
	rec_free(bad);
	rec_free(good);
	return s->put;
}

static void test_refusal_does_not_stick(void **state)
{
	struct fx *f = *state;
	struct sticky s = { 0 };
	int code;

	assert_int_equal(store_write_once(f->st, refuse_then_write, &s, NULL), RG_OK);
	assert_int_equal(s.first, RG_EINVAL);
	assert_int_equal(s.put, RG_OK);
	rec_free(fx_get(f, STORE_AREA, "good", &code));
	assert_int_equal(code, RG_OK);
}

/* A write in a read-only transaction says so instead of blaming the record. */
static void test_read_only_refuses_writes(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__Area *a = mk_area("ai", "Artificial intelligence", NULL);
	struct store_error err = { 0 };
	store_txn *t;

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_put(t, STORE_AREA, &a->base, NULL, NULL, NULL, NULL, &err),
	                 RG_EINTERNAL);
	assert_string_equal(err.message, "write in a read-only transaction");
	memset(&err, 0, sizeof err);
	assert_int_equal(store_delete(t, STORE_AREA, "ai", 0, NULL, &err), RG_EINTERNAL);
	assert_string_equal(err.message, "write in a read-only transaction");
	store_read_free(t);
	rec_free(a);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_first_failure_sticks),
		T(test_refusal_does_not_stick),
		T(test_read_only_refuses_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
