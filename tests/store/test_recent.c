/*
 * test_recent.c - store/recent.c: the changelog newest first, page by page, filtered, with
 * a bounded read per page, and a bad page token refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "stdreg/v1/registry.pb-c.h"

static Stdreg__V1__ListChangesResponse *back(struct fx *f, const char *token, char *const *ids,
                                             size_t nids, uint32_t size)
{
	store_txn *t;
	ProtobufCMessage *out = NULL;
	struct store_error err = { 0 };

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	if (store_changes_back(t, token, NULL, 0, ids, nids, size, &out, &err) != RG_OK)
		fail_msg("store_changes_back: %s", err.message);
	store_read_free(t);
	return (Stdreg__V1__ListChangesResponse *)out;
}

/* Ten areas, one revision each: pages of four go back 10..7, 6..3, 2..1, then end. */
static void pages_newest_first(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__ListChangesResponse *r;
	char *token = NULL;
	uint64_t want = 10;

	for (int i = 1; i <= 10; i++) {
		char id[8];

		snprintf(id, sizeof id, "a%d", i);
		fx_put_ok(f, STORE_AREA, mk_area(id, "Area", NULL));
	}
	for (int page = 0; page < 3; page++) {
		r = back(f, token, NULL, 0, 4);
		assert_int_equal(r->n_changes, page < 2 ? 4 : 2);
		for (size_t i = 0; i < r->n_changes; i++)
			assert_int_equal(r->changes[i]->revision, want--);
		free(token);
		token = strdup(r->next_page_token);
		assert_int_equal(token[0] == '\0', page == 2);
		rec_free(r);
	}
	assert_int_equal(want, 0);
	free(token);
}

/* The newest changes of a bulk revision come first, from inside it; a filter that matches
 * only the oldest change reads at most STORE_WATCH_SCAN_MAX per page and goes on. */
static void bulk_revision_and_bounded_read(void **state)
{
	struct fx *f = *state;
	char *first[] = { "b000000" };
	Stdreg__V1__ListChangesResponse *r;
	uint64_t rev;
	char *token;

	assert_int_equal(store_write_once(f->st, fx_put_many_areas, "b", &rev), RG_OK);
	r = back(f, NULL, NULL, 0, 3);
	assert_int_equal(r->n_changes, 3);
	assert_string_equal(r->changes[0]->id, "b065545");
	assert_string_equal(r->changes[2]->id, "b065543");
	rec_free(r);

	r = back(f, "", first, 1, 0);
	assert_int_equal(r->n_changes, 0); /* b000000 is past the first 65 536 read */
	assert_string_not_equal(r->next_page_token, "");
	token = strdup(r->next_page_token);
	rec_free(r);
	r = back(f, token, first, 1, 0);
	assert_int_equal(r->n_changes, 1);
	assert_string_equal(r->changes[0]->id, "b000000");
	assert_string_equal(r->next_page_token, "");
	rec_free(r);
	free(token);
}

static void bad_token_refused(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = { "x", "1", "1:", ":1", "1:2x", "-1:0", "1:99999999999" };
	store_txn *t;

	fx_put_ok(f, STORE_AREA, mk_area("ai", "AI", NULL));
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ProtobufCMessage *out = NULL;
		struct store_error err = { 0 };

		assert_int_equal(store_changes_back(t, bad[i], NULL, 0, NULL, 0, 0, &out, &err),
		                 RG_EINVAL);
		assert_null(out);
		assert_string_equal(err.field, "page_token");
	}
	store_read_free(t);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(pages_newest_first),
		T(bulk_revision_and_bounded_read),
		T(bad_token_refused),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
