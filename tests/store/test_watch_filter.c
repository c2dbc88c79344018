/*
 * test_watch_filter.c - the kinds and ids a watch asked for (store/watch_filter.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "store_int.h"

#define MANY 20000

/* ids "id-0" .. "id-(n-1)" in a scrambled order (a stride prime to n). */
static char **many_ids(size_t n)
{
	char **ids = calloc(n, sizeof *ids);

	assert_non_null(ids);
	for (size_t i = 0; i < n; i++) {
		char buf[32];
		snprintf(buf, sizeof buf, "id-%zu", (i * 7919) % n);
		ids[i] = strdup(buf);
		assert_non_null(ids[i]);
	}
	return ids;
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static void test_no_filter_takes_everything(void **state)
{
	struct watch_filter f;

	(void)state;
	assert_int_equal(watch_filter_init(&f, NULL, 0, NULL, 0), RG_OK);
	assert_true(watch_filter_match(&f, STORE_AREA, "ai"));
	assert_true(watch_filter_match(&f, STORE_ASSIGNMENT, "x"));
	watch_filter_free(&f);
}

static void test_kinds(void **state)
{
	const int kinds[] = { STORE_ITEM, STORE_AREA, 99, -1 };
	struct watch_filter f;

	(void)state;
	assert_int_equal(watch_filter_init(&f, kinds, 4, NULL, 0), RG_OK);
	assert_true(watch_filter_match(&f, STORE_AREA, "ai"));
	assert_true(watch_filter_match(&f, STORE_ITEM, "ai"));
	assert_false(watch_filter_match(&f, STORE_BODY, "ai"));
	assert_false(watch_filter_match(&f, 99, "ai"));
	watch_filter_free(&f);
}

/* Every one of many ids is found, and ids near them (prefixes, longer) are not; the
 * caller's array keeps its order. */
static void test_many_ids(void **state)
{
	char **ids = many_ids(MANY);
	char *first = ids[0], *last = ids[MANY - 1];
	struct watch_filter f;
	char buf[32];

	(void)state;
	assert_int_equal(watch_filter_init(&f, NULL, 0, ids, MANY), RG_OK);
	for (size_t i = 0; i < MANY; i++) {
		snprintf(buf, sizeof buf, "id-%zu", i);
		assert_true(watch_filter_match(&f, STORE_ITEM, buf));
		snprintf(buf, sizeof buf, "id-%zux", i);
		assert_false(watch_filter_match(&f, STORE_ITEM, buf));
	}
	assert_false(watch_filter_match(&f, STORE_ITEM, "id-"));
	assert_false(watch_filter_match(&f, STORE_ITEM, ""));
	assert_false(watch_filter_match(&f, STORE_ITEM, "zzz"));
	assert_ptr_equal(ids[0], first);
	assert_ptr_equal(ids[MANY - 1], last);
	watch_filter_free(&f);
	free_ids(ids, MANY);
}

/* Kinds and ids together: both must match; a repeated id is harmless. */
static void test_kinds_and_ids(void **state)
{
	const int kinds[] = { STORE_AREA };
	char *ids[] = { "ai", "cyber", "ai" };
	struct watch_filter f;

	(void)state;
	assert_int_equal(watch_filter_init(&f, kinds, 1, ids, 3), RG_OK);
	assert_true(watch_filter_match(&f, STORE_AREA, "ai"));
	assert_true(watch_filter_match(&f, STORE_AREA, "cyber"));
	assert_false(watch_filter_match(&f, STORE_ITEM, "ai"));
	assert_false(watch_filter_match(&f, STORE_AREA, "pts"));
	watch_filter_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_filter_takes_everything),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_many_ids),
		cmocka_unit_test(test_kinds_and_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
