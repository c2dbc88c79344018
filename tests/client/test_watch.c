/*
 * test_watch.c - where regctl watch resumes (client/regctl/watch.c): no change printed twice,
 * none skipped, --count stops inside a reply, a revision's changes stay together.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "regctl.h"

struct sink {
	uint64_t got[64];
	size_t n;
	int fail_at; /* emit fails on this call (1-based); 0 = never */
};

static int emit(void *arg, const void *change)
{
	struct sink *s = arg;

	if (s->fail_at != 0 && (int)s->n + 1 == s->fail_at)
		return -1;
	s->got[s->n++] = *(const uint64_t *)change;
	return 0;
}

/* A reply of the given revisions. */
static size_t reply(const uint64_t *revs, size_t n, struct stdreg_change_view *v)
{
	for (size_t i = 0; i < n; i++) {
		v[i].revision = revs[i];
		v[i].change = &revs[i];
	}
	return n;
}

static void test_advances_to_next_revision(void **state)
{
	static const uint64_t revs[] = { 5, 6, 6, 9 };
	struct stdreg_change_view v[4];
	struct watch_cursor w = { .since = 4 };
	struct sink s = { 0 };

	(void)state;
	assert_int_equal(watch_take(&w, v, reply(revs, 4, v), 9, 0, emit, &s), 4);
	assert_int_equal(w.since, 9);
	// An empty reply (wait ran out) moves to its next_revision, never back.
	assert_int_equal(watch_take(&w, v, 0, 12, 0, emit, &s), 0);
	assert_int_equal(w.since, 12);
	assert_int_equal(watch_take(&w, v, 0, 3, 0, emit, &s), 0);
	assert_int_equal(w.since, 12);
	assert_false(w.done);
}

static void test_repeats_skipped(void **state)
{
	static const uint64_t first[] = { 3, 4 }, again[] = { 3, 4, 5 };
	struct stdreg_change_view v[3];
	struct watch_cursor w = { .since = 2 };
	struct sink s = { 0 };

	(void)state;
	watch_take(&w, v, reply(first, 2, v), 0, 0, emit, &s); // no next_revision sent
	assert_int_equal(w.since, 4);
	// A reply that starts over (after a reconnect to a server that resent) adds only 5.
	assert_int_equal(watch_take(&w, v, reply(again, 3, v), 5, 0, emit, &s), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.got[0], 3);
	assert_int_equal(s.got[1], 4);
	assert_int_equal(s.got[2], 5);
}

static void test_count_stops_inside_reply(void **state)
{
	static const uint64_t revs[] = { 10, 11, 12, 13 };
	struct stdreg_change_view v[4];
	struct watch_cursor w = { .since = 9, .left = 2 };
	struct sink s = { 0 };

	(void)state;
	assert_int_equal(watch_take(&w, v, reply(revs, 4, v), 13, 0, emit, &s), 2);
	assert_true(w.done);
	assert_int_equal(w.since, 11);
	assert_int_equal(s.n, 2);
}

static void test_failed_emit_keeps_revision_unprinted(void **state)
{
	static const uint64_t revs[] = { 20, 21, 21, 22 };
	struct stdreg_change_view v[4];
	struct watch_cursor w = { .since = 19 };
	struct sink s = { .fail_at = 3 };

	(void)state;
	// The second change of revision 21 fails: the cursor stays before 21, so a retry would
	// start with 21 again rather than skip its other change.
	assert_int_equal(watch_take(&w, v, reply(revs, 4, v), 22, 0, emit, &s), -1);
	assert_int_equal(w.since, 20);
}

static void test_revision_in_parts(void **state)
{
	static const uint64_t part1[] = { 30, 31, 31 }, part2[] = { 31, 31, 32 };
	struct stdreg_change_view v[3];
	struct watch_cursor w = { .since = 29 };
	struct sink s = { 0 };

	(void)state;
	// The reply ends inside revision 31 (two of its changes sent): the cursor takes the
	// server's place, not "31 done", so the rest of 31 is asked for and printed.
	assert_int_equal(watch_take(&w, v, reply(part1, 3, v), 30, 2, emit, &s), 3);
	assert_int_equal(w.since, 30);
	assert_int_equal(w.since_change, 2);
	assert_int_equal(watch_take(&w, v, reply(part2, 3, v), 32, 0, emit, &s), 3);
	assert_int_equal(w.since, 32);
	assert_int_equal(w.since_change, 0);
	assert_int_equal(s.n, 6);
	// A place at revision 0 is a place: the first revision comes in parts too.
	w = (struct watch_cursor){ 0 };
	watch_take(&w, v, reply(part1 + 1, 2, v), 0, 2, emit, &s);
	assert_int_equal(w.since, 0);
	assert_int_equal(w.since_change, 2);
	// A later place within the same revision moves the cursor; an earlier one does not.
	w = (struct watch_cursor){ .since = 40, .since_change = 5 };
	watch_take(&w, v, 0, 40, 3, emit, &s);
	assert_int_equal(w.since_change, 5);
	watch_take(&w, v, 0, 40, 9, emit, &s);
	assert_int_equal(w.since_change, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_advances_to_next_revision),
		cmocka_unit_test(test_repeats_skipped),
		cmocka_unit_test(test_count_stops_inside_reply),
		cmocka_unit_test(test_failed_emit_keeps_revision_unprinted),
		cmocka_unit_test(test_revision_in_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
