/*
 * test_fit.c - handlers/fit.c: a page is asked again for half as many entries until it
 * packs within the limit, or holds one entry; the store's errors come through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fit.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

/* A fake store: pages of up to 64 changes (64 when max is 0), each change 4 bytes packed. */
struct fake {
	uint32_t asked[16];
	size_t n_asked;
	int fail; /* returned instead of a page when not RG_OK */
};

static int fake_query(void *arg, uint32_t max, ProtobufCMessage **out, struct store_error *err)
{
	struct fake *f = arg;
	Stdreg__V1__WatchResponse *r = malloc(sizeof *r);
	size_t n = max == 0 || max > 64 ? 64 : max;

	assert_true(f->n_asked < 16);
	f->asked[f->n_asked++] = max;
	if (f->fail != RG_OK) {
		free(r);
		err->code = f->fail;
		return f->fail;
	}
	assert_non_null(r);
	stdreg__v1__watch_response__init(r);
	r->changes = calloc(n, sizeof *r->changes);
	assert_non_null(r->changes);
	for (size_t i = 0; i < n; i++) {
		r->changes[i] = malloc(sizeof *r->changes[i]);
		assert_non_null(r->changes[i]);
		stdreg__v1__change__init(r->changes[i]);
		r->changes[i]->revision = i + 1;
	}
	r->n_changes = n;
	*out = &r->base;
	return RG_OK;
}

static void test_halves_until_it_fits(void **state)
{
	struct fake f = { .fail = RG_OK };
	struct store_error err = { 0 };
	ProtobufCMessage *m = NULL;

	(void)state;
	// 64 changes pack to 256 bytes; 8 to 32, the first page within 40.
	assert_int_equal(fit_page(fake_query, &f, 0, "changes", 40, &m, &err), RG_OK);
	assert_int_equal(f.n_asked, 4);
	assert_int_equal(f.asked[0], 0);
	assert_int_equal(f.asked[1], 32);
	assert_int_equal(f.asked[2], 16);
	assert_int_equal(f.asked[3], 8);
	assert_int_equal(((Stdreg__V1__WatchResponse *)m)->n_changes, 8);
	assert_true(protobuf_c_message_get_packed_size(m) <= 40);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void test_fitting_page_is_asked_once(void **state)
{
	struct fake f = { .fail = RG_OK };
	struct store_error err = { 0 };
	ProtobufCMessage *m = NULL;

	(void)state;
	assert_int_equal(fit_page(fake_query, &f, 10, "changes", 1 << 20, &m, &err), RG_OK);
	assert_int_equal(f.n_asked, 1);
	assert_int_equal(((Stdreg__V1__WatchResponse *)m)->n_changes, 10);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void test_one_entry_is_kept_even_when_too_big(void **state)
{
	struct fake f = { .fail = RG_OK };
	struct store_error err = { 0 };
	ProtobufCMessage *m = NULL;

	(void)state;
	assert_int_equal(fit_page(fake_query, &f, 0, "changes", 0, &m, &err), RG_OK);
	assert_int_equal(((Stdreg__V1__WatchResponse *)m)->n_changes, 1);
	assert_int_equal(f.asked[f.n_asked - 1], 1);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void test_store_error_comes_through(void **state)
{
	struct fake f = { .fail = RG_EIO };
	struct store_error err = { 0 };
	ProtobufCMessage *m = NULL;

	(void)state;
	assert_int_equal(fit_page(fake_query, &f, 0, "changes", 40, &m, &err), RG_EIO);
	assert_int_equal(err.code, RG_EIO);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_halves_until_it_fits),
		cmocka_unit_test(test_fitting_page_is_asked_once),
		cmocka_unit_test(test_one_entry_is_kept_even_when_too_big),
		cmocka_unit_test(test_store_error_comes_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
