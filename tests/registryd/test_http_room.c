/*
 * test_http_room.c - registryd/http/http_room.c: the bytes request bodies hold, bounded in
 * all and per address, and given back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "http_room.h"

static void test_bounds_in_all_and_per_key(void **state)
{
	struct http_room *r;

	(void)state;
	assert_int_equal(http_room_new(&r, 1000, 400), 0);
	assert_int_equal(http_room_take(r, "a", 300), HTTP_ROOM_TAKEN);
	assert_int_equal(http_room_take(r, "a", 100), HTTP_ROOM_TAKEN);
	/* a holds its share: one byte more is refused, and nothing is taken */
	assert_int_equal(http_room_take(r, "a", 1), HTTP_ROOM_KEY_FULL);
	assert_int_equal(http_room_held(r, "a"), 400);
	assert_int_equal(http_room_take(r, "b", 400), HTTP_ROOM_TAKEN);
	assert_int_equal(http_room_take(r, "c", 200), HTTP_ROOM_TAKEN);
	/* 1 000 of 1 000: a fourth key with room in its share is refused for the whole */
	assert_int_equal(http_room_take(r, "d", 1), HTTP_ROOM_ALL_FULL);
	assert_int_equal(http_room_held(r, NULL), 1000);
	assert_int_equal(http_room_held(r, "d"), 0);
	/* given back, it is there again for anyone */
	http_room_give(r, "b", 400);
	assert_int_equal(http_room_held(r, "b"), 0);
	assert_int_equal(http_room_take(r, "d", 400), HTTP_ROOM_TAKEN);
	assert_int_equal(http_room_held(r, NULL), 1000);
	http_room_free(r);
}

static void test_give_back_more_or_unknown(void **state)
{
	struct http_room *r;

	(void)state;
	assert_int_equal(http_room_new(&r, 1000, 1000), 0);
	assert_int_equal(http_room_take(r, "a", 10), HTTP_ROOM_TAKEN);
	http_room_give(r, "a", 50); /* never below what the key holds */
	http_room_give(r, "x", 50); /* a key that holds nothing */
	assert_int_equal(http_room_held(r, NULL), 0);
	assert_int_equal(http_room_take(r, "a", 1000), HTTP_ROOM_TAKEN);
	http_room_free(r);
}

/* Many keys come and go: each keeps its own count. */
static void test_many_keys(void **state)
{
	struct http_room *r;
	char key[HTTP_ROOM_KEY_MAX];

	(void)state;
	assert_int_equal(http_room_new(&r, 1 << 20, 1 << 10), 0);
	for (int i = 0; i < 500; i++) {
		snprintf(key, sizeof key, "http://192.0.2.%d", i);
		assert_int_equal(http_room_take(r, key, (size_t)i + 1), HTTP_ROOM_TAKEN);
	}
	for (int i = 0; i < 500; i += 2) {
		snprintf(key, sizeof key, "http://192.0.2.%d", i);
		http_room_give(r, key, (size_t)i + 1);
	}
	for (int i = 0; i < 500; i++) {
		snprintf(key, sizeof key, "http://192.0.2.%d", i);
		assert_int_equal(http_room_held(r, key), i % 2 ? (size_t)i + 1 : 0);
	}
	assert_int_equal(http_room_held(r, NULL), 250 * 251); /* 2 + 4 + ... + 500 */
	http_room_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_in_all_and_per_key),
		cmocka_unit_test(test_give_back_more_or_unknown),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
