/*
 * test_conns.c - conns.c (connections per peer address, idle connections), counts.c under
 * it, and inflight.c (writes in flight per principal).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conns.h"
#include "counts.h"
#include "inflight.h"
#include "store.h"

/* One address gets max_per_key connections; another address still gets its own. */
static void test_per_address_cap(void **state)
{
	struct conns *c;

	(void)state;
	assert_int_equal(conns_new(&c, 3), RG_OK);
	for (uint32_t p = 1; p <= 3; p++)
		assert_int_equal(conns_add(c, p, "tcp:127.0.0.2", 0), RG_OK);
	assert_int_equal(conns_add(c, 4, "tcp:127.0.0.2", 0), RG_ENOSPC);
	assert_int_equal(conns_add(c, 5, "tcp:127.0.0.1", 0), RG_OK);
	assert_int_equal(conns_of(c, "tcp:127.0.0.2"), 3);
	conns_remove(c, 4); /* refused: never recorded */
	assert_int_equal(conns_of(c, "tcp:127.0.0.2"), 3);
	conns_remove(c, 2);
	assert_int_equal(conns_add(c, 6, "tcp:127.0.0.2", 0), RG_OK);
	for (uint32_t p = 1; p <= 6; p++)
		conns_remove(c, p);
	assert_int_equal(conns_of(c, "tcp:127.0.0.2"), 0);
	assert_int_equal(conns_of(c, "tcp:127.0.0.1"), 0);
	conns_free(c);
}

/* A key longer than the table keeps is cut the same way each time, so the cap holds for it
 * as for any other (it used to be stored cut and looked up whole: a new entry each time). */
static void test_long_key_capped(void **state)
{
	char key[3 * CONNS_KEY_MAX];
	struct conns *c;

	(void)state;
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	assert_int_equal(conns_new(&c, 2), RG_OK);
	assert_int_equal(conns_add(c, 1, key, 0), RG_OK);
	assert_int_equal(conns_add(c, 2, key, 0), RG_OK);
	assert_int_equal(conns_add(c, 3, key, 0), RG_ENOSPC);
	assert_int_equal(conns_of(c, key), 2);
	conns_remove(c, 1);
	assert_int_equal(conns_of(c, key), 1);
	conns_free(c);
}

/* counts.c, under both tables: a bound per name, and a name at zero is forgotten. */
static void test_counts(void **state)
{
	struct counts n = { 0 };

	(void)state;
	assert_int_equal(counts_take(&n, "a", 2), RG_OK);
	assert_int_equal(counts_take(&n, "a", 2), RG_OK);
	assert_int_equal(counts_take(&n, "a", 2), RG_ENOSPC);
	assert_int_equal(counts_take(&n, "b", 2), RG_OK);
	assert_int_equal(counts_take(&n, "c", 0), RG_OK); /* 0: no bound */
	assert_int_equal(counts_of(&n, "a"), 2);
	counts_give(&n, "a");
	counts_give(&n, "a");
	counts_give(&n, "a"); /* holds none: ignored */
	assert_int_equal(counts_of(&n, "a"), 0);
	assert_int_equal(counts_take(&n, "a", 1), RG_OK);
	counts_give(&n, "nobody");
	assert_int_equal(counts_of(&n, "b"), 1);
	counts_release(&n);
	assert_null(n.list);
}

/* Idle: made before the cutoff and no request yet; each returned once. */
static void test_idle_connections(void **state)
{
	struct conns *c;
	uint32_t out[8];

	(void)state;
	assert_int_equal(conns_new(&c, 0), RG_OK);
	assert_int_equal(conns_add(c, 1, "k", 100), RG_OK);
	assert_int_equal(conns_add(c, 2, "k", 100), RG_OK);
	assert_int_equal(conns_add(c, 3, "k", 500), RG_OK);
	conns_seen(c, 2);
	assert_int_equal(conns_idle(c, 200, out, 8), 1);
	assert_int_equal(out[0], 1);
	assert_int_equal(conns_idle(c, 200, out, 8), 0);
	assert_int_equal(conns_idle(c, 1000, out, 8), 1);
	assert_int_equal(out[0], 3);
	conns_free(c);
}

static void test_writes_in_flight_per_principal(void **state)
{
	struct inflight *f;

	(void)state;
	assert_int_equal(inflight_new(&f), RG_OK);
	assert_true(inflight_take(f, "anna", 2));
	assert_true(inflight_take(f, "anna", 2));
	assert_false(inflight_take(f, "anna", 2));
	assert_true(inflight_take(f, "ben", 2)); /* another principal has its own */
	inflight_release(f, "anna");
	assert_true(inflight_take(f, "anna", 2));
	assert_int_equal(inflight_count(f, "anna"), 2);
	assert_true(inflight_take(f, "anna", 0)); /* 0: no bound */
	inflight_release(f, "anna");
	inflight_release(f, "anna");
	inflight_release(f, "anna");
	inflight_release(f, "ben");
	assert_int_equal(inflight_count(f, "anna"), 0);
	inflight_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_address_cap),
		cmocka_unit_test(test_long_key_capped),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_idle_connections),
		cmocka_unit_test(test_writes_in_flight_per_principal),
	};

	return cmocka_run_group_tests_name("registryd conns", tests, NULL, NULL);
}
