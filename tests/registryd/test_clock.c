/*
 * test_clock.c - rpc/clock.c: the daemon's clock and the absolute times its condition
 * variables wait until.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

static int64_t ns_of(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ms from now on either clock, carried into seconds: tv_nsec stays below one second. */
static void test_deadline_in(void **state)
{
	static const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };
	static const int waits[] = { 0, 1, 999, 1000, 1999, 86400000 };

	(void)state;
	for (size_t c = 0; c < sizeof clocks / sizeof clocks[0]; c++)
		for (size_t w = 0; w < sizeof waits / sizeof waits[0]; w++) {
			struct timespec before, after, d;

			clock_gettime(clocks[c], &before);
			d = clock_deadline_in(clocks[c], waits[w]);
			clock_gettime(clocks[c], &after);
			assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
			assert_true(ns_of(d) >= ns_of(before) + (int64_t)waits[w] * 1000000);
			assert_true(ns_of(d) <= ns_of(after) + (int64_t)waits[w] * 1000000);
		}
}

/* dispatch_now_ns is CLOCK_MONOTONIC in nanoseconds, and never goes back. */
static void test_now_is_monotonic(void **state)
{
	struct timespec t;
	uint64_t a, b;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t);
	a = dispatch_now_ns();
	b = dispatch_now_ns();
	assert_true(a >= (uint64_t)ns_of(t));
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline_in),
		cmocka_unit_test(test_now_is_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
