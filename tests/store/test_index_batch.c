/*
 * test_index_batch.c - index entries held back and written in key order (index_batch.c):
 * what lands is what writing each entry at once would have left, whatever the order the
 * entries came in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk_mem.h"
#include "fixture.h"
#include "store_int.h"

/* One entry to add (or delete) through a batch. */
struct op {
	const char *key, *val;
	bool add;
};

struct batch_job {
	const struct op *ops;
	size_t n;
	bool sorted;      /* through a batch; false: each entry written at once */
	size_t max_bytes; /* the batch's bound; 0: as store_apply's */
};

static int run_ops(store_txn *t, void *arg)
{
	const struct batch_job *j = arg;
	struct index_batch b;
	struct store_error err = { 0 };
	int rc = RG_OK;

	index_batch_init(&b, t->st->report);
	if (j->max_bytes > 0)
		b.max_bytes = j->max_bytes;
	for (size_t i = 0; i < j->n && rc == RG_OK; i++) {
		MDB_val k = { strlen(j->ops[i].key), (void *)j->ops[i].key };
		MDB_val v = { strlen(j->ops[i].val), (void *)j->ops[i].val };

		if (j->sorted)
			rc = index_batch_add(t, &b, &k, &v, j->ops[i].add, &err);
		else if (j->ops[i].add)
			txn_put(t, t->st->report, &k, &v, MDB_NODUPDATA, &err);
		else
			txn_del(t, t->st->report, &k, &v, &err);
	}
	if (rc == RG_OK && j->sorted)
		rc = index_batch_write(t, &b, &err);
	index_batch_release(&b);
	return rc == RG_OK ? txn_status(t, &err) : rc;
}

/* Every entry of the report database as "key=value\n", in the database's order. */
static char *dump(struct fx *f)
{
	store_txn *t;
	MDB_cursor *c;
	MDB_val k, v;
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);
	int rc;

	assert_non_null(out);
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(mdb_cursor_open(t->txn, f->st->report, &c), 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		int w = snprintf(out + len, cap - len, "%.*s=%.*s\n", (int)k.mv_size,
		                 (const char *)k.mv_data, (int)v.mv_size, (const char *)v.mv_data);
		assert_true(w > 0 && (size_t)w < cap - len);
		len += (size_t)w;
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(c);
	store_read_free(t);
	return out;
}

/* The same operations, one store written entry by entry and one through a batch of at most
 * max_bytes (0: as store_apply's). */
static void assert_same_as_at_once(const struct op *ops, size_t n, size_t max_bytes)
{
	struct fx a = { 0 }, b = { 0 };
	struct batch_job ja = { ops, n, false, 0 }, jb = { ops, n, true, max_bytes };
	char *da, *db;

	fx_open(&a, NULL);
	fx_open(&b, NULL);
	assert_int_equal(store_write_once(a.st, run_ops, &ja, NULL), RG_OK);
	assert_int_equal(store_write_once(b.st, run_ops, &jb, NULL), RG_OK);
	da = dump(&a);
	db = dump(&b);
	assert_string_equal(db, da);
	free(da);
	free(db);
	fx_close(&a);
	fx_close(&b);
}

/* Entries out of order, values that agree on their first 24 bytes and differ after, keys
 * that are prefixes of each other, a value listed twice, a delete of what is not there. */
static void sorted_as_the_database_orders(void **state)
{
	static const struct op ops[] = {
		{ "s3", "2026-05-05item-with-a-long-id-b", true },
		{ "aarea-2", "32026-05-05x1", true },
		{ "s3", "2026-05-05item-with-a-long-id-a", true },
		{ "s3", "2026-05-05item-with-a-long-id", true },
		{ "aarea", "32026-05-05x1", true },
		{ "s1", "          x9", true },
		{ "aarea-2", "32026-05-05x1", true },
		{ "s3", "2026-05-05item-with-a-long-id-c", false },
		{ "aarea-10", "12027-01-01x2", true },
	};

	(void)state;
	assert_same_as_at_once(ops, sizeof ops / sizeof ops[0], 0);
	assert_same_as_at_once(ops, sizeof ops / sizeof ops[0], 300); /* in runs of a few */
}

/* A delete and a put of one entry keep the order they came in: put then delete leaves
 * nothing, delete then put leaves the entry. */
static void delete_and_put_keep_their_order(void **state)
{
	static const struct op ops[] = {
		{ "s2", "2026-01-01gone", true }, { "s2", "2026-01-01gone", false },
		{ "s2", "2026-01-01back", true }, { "s2", "2026-01-01back", false },
		{ "s2", "2026-01-01back", true },
	};

	(void)state;
	// In one run, and in runs of one or two entries, so that a put and its delete fall
	// into different runs.
	for (size_t max = 0; max <= 200; max += 100) {
		struct batch_job j = { ops, sizeof ops / sizeof ops[0], true, max };
		struct fx f = { 0 };
		char *d;

		fx_open(&f, NULL);
		assert_int_equal(store_write_once(f.st, run_ops, &j, NULL), RG_OK);
		d = dump(&f);
		assert_string_equal(d, "s2=2026-01-01back\n");
		free(d);
		fx_close(&f);
		assert_same_as_at_once(ops, sizeof ops / sizeof ops[0], max);
	}
}

/* Enough entries to outgrow the batch's first mappings many times over: every one lands. */
#define MANY 60000

/* The i-th of them: values out of order within each key, as target dates come. */
static void many_entry(unsigned i, char key[8], char val[64], MDB_val *k, MDB_val *v)
{
	unsigned scrambled = (i * 7919u) % MANY; /* 7919 is prime: a permutation of 0..MANY-1 */

	k->mv_size = (size_t)snprintf(key, 8, "s%u", i % 7);
	k->mv_data = key;
	v->mv_size = (size_t)snprintf(val, 64, "2026-%02u-%02uitem-%06u", 1 + scrambled % 12,
	                              1 + scrambled % 28, scrambled);
	v->mv_data = val;
}

struct many_job {
	size_t max_bytes; /* the batch's bound; 0: as store_apply's */
	size_t mapped;    /* out: the most the batch's mappings held */
};

static int run_many(store_txn *t, void *arg)
{
	struct many_job *j = arg;
	struct index_batch b;
	struct store_error err = { 0 };
	int rc = RG_OK;

	index_batch_init(&b, t->st->report);
	if (j->max_bytes > 0)
		b.max_bytes = j->max_bytes;
	for (unsigned i = 0; i < MANY && rc == RG_OK; i++) {
		char key[8], val[64];
		MDB_val k, v;

		many_entry(i, key, val, &k, &v);
		rc = index_batch_add(t, &b, &k, &v, true, &err);
		if (b.entries_size + b.bytes_size > j->mapped)
			j->mapped = b.entries_size + b.bytes_size;
	}
	if (rc == RG_OK)
		rc = index_batch_write(t, &b, &err);
	index_batch_release(&b);
	return rc;
}

/* Every one of the MANY entries is in the database, after a batch of at most max_bytes. */
static void assert_many_land(size_t max_bytes, size_t *mapped)
{
	struct many_job j = { max_bytes, 0 };
	struct fx f = { 0 };
	store_txn *t;
	MDB_stat ms;

	fx_open(&f, NULL);
	assert_int_equal(store_write_once(f.st, run_many, &j, NULL), RG_OK);
	assert_int_equal(store_read_begin(f.st, &t), RG_OK);
	assert_int_equal(mdb_stat(t->txn, f.st->report, &ms), 0);
	assert_int_equal(ms.ms_entries, MANY);
	for (unsigned i = 0; i < MANY; i += 997) {
		char key[8], val[64];
		MDB_val k, v;
		MDB_cursor *c;

		many_entry(i, key, val, &k, &v);
		assert_int_equal(mdb_cursor_open(t->txn, f.st->report, &c), 0);
		assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_GET_BOTH), 0);
		mdb_cursor_close(c);
	}
	store_read_free(t);
	fx_close(&f);
	*mapped = j.mapped;
}

static void grows_past_its_first_mappings(void **state)
{
	size_t mapped;

	(void)state;
	assert_many_land(0, &mapped);
	assert_true(mapped > 2 * BULK_MEM_UNIT); /* what the bounded test below stays under */
}

/* A batch bounded at 1 MiB writes the same entries in runs, in no more than one unit for its
 * entries and one for their bytes: its memory does not grow with the apply. */
static void holds_at_most_its_bound(void **state)
{
	size_t mapped;

	(void)state;
	assert_many_land((size_t)1 << 20, &mapped);
	assert_true(mapped <= 2 * BULK_MEM_UNIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorted_as_the_database_orders),
		cmocka_unit_test(delete_and_put_keep_their_order),
		cmocka_unit_test(grows_past_its_first_mappings),
		cmocka_unit_test(holds_at_most_its_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
