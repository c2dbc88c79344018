/*
 * test_dedupe.c - safe retries (DESIGN §5): a write resent with the same request_id is
 * answered as the first send and applied once; the cache itself (dedupe.c) keeps its
 * bounds in entries, bytes and time.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "call.h"
#include "dedupe.h"
#include "fixture.h"
#include "inflight.h"
#include "status.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define M(n) "/stdreg.v1.Registry/" n

/* A PutArea request for area id, created only if it does not exist. */
static uint8_t *put_area_request(const char *id, const char *name, uint64_t request_id, size_t *len)
{
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;

	a.id = (char *)id;
	a.name = (char *)name;
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	p.area = &a;
	p.create_only = true;
	return fixture_request(M("PutArea"), request_id, 0, &p.base, len);
}

/* The packed reply, re-packed: two replies are the same iff these bytes are. */
static size_t packed(const Stdreg__V1__Response *r, uint8_t *buf, size_t n)
{
	size_t len = stdreg__v1__response__get_packed_size(r);

	assert_true(len <= n);
	return stdreg__v1__response__pack(r, buf);
}

static void assert_same_reply(const Stdreg__V1__Response *a, const Stdreg__V1__Response *b)
{
	uint8_t x[4096], y[4096];
	size_t nx = packed(a, x, sizeof x), ny = packed(b, y, sizeof y);

	assert_int_equal(nx, ny);
	assert_memory_equal(x, y, nx);
}

static void test_resend_is_applied_once(void **state)
{
	struct fixture *f = *state;
	uint64_t id = fixture_next_id(), before = store_revision(f->st);
	size_t len;
	uint8_t *req = put_area_request("resent", "Resent", id, &len);
	Stdreg__V1__Response *r1 = fixture_call_raw(f, req, len, 0);
	uint32_t writes_at_first = f->admin_writes_at_reply;
	Stdreg__V1__Response *r2 = fixture_call_raw(f, req, len, 0);

	// Each answer leaves no write of the principal in flight: its next write may come at
	// once, and at --max-writes-per-principal it would otherwise be refused.
	assert_int_equal(writes_at_first, 0);
	assert_int_equal(f->admin_writes_at_reply, 0);
	// create_only: applied twice, the second would be ALREADY_EXISTS.
	assert_int_equal(r1->status->code, GRPC_OK);
	assert_int_equal(r1->request_id, id);
	assert_int_equal(r1->revision, before + 1);
	assert_same_reply(r1, r2);
	assert_int_equal(store_revision(f->st), before + 1);
	stdreg__v1__response__free_unpacked(r1, NULL);
	stdreg__v1__response__free_unpacked(r2, NULL);
	free(req);
}

static void test_request_id_zero_is_not_remembered(void **state)
{
	struct fixture *f = *state;
	uint64_t before = store_revision(f->st);
	size_t len;
	uint8_t *req = put_area_request("zero", "Zero", 0, &len);
	Stdreg__V1__Response *r1 = fixture_call_raw(f, req, len, 0);
	Stdreg__V1__Response *r2 = fixture_call_raw(f, req, len, 0);

	assert_int_equal(r1->status->code, GRPC_OK);
	assert_int_equal(r2->status->code, GRPC_ALREADY_EXISTS); /* it ran again */
	assert_int_equal(store_revision(f->st), before + 1);
	stdreg__v1__response__free_unpacked(r1, NULL);
	stdreg__v1__response__free_unpacked(r2, NULL);
	free(req);
}

static void test_refusal_is_remembered_too(void **state)
{
	struct fixture *f = *state;
	uint64_t id = fixture_next_id();
	size_t len;
	uint8_t *first = put_area_request("twice", "Twice", fixture_next_id(), &len);
	uint8_t *req;
	Stdreg__V1__Response *r0, *r1, *r2;

	r0 = fixture_call_raw(f, first, len, 0);
	assert_int_equal(r0->status->code, GRPC_OK);
	free(first);
	req = put_area_request("twice", "Twice", id, &len);
	r1 = fixture_call_raw(f, req, len, 0);
	assert_int_equal(r1->status->code, GRPC_ALREADY_EXISTS);
	r2 = fixture_call_raw(f, req, len, 0);
	assert_same_reply(r1, r2);
	stdreg__v1__response__free_unpacked(r0, NULL);
	stdreg__v1__response__free_unpacked(r1, NULL);
	stdreg__v1__response__free_unpacked(r2, NULL);
	free(req);
}

static void test_reused_id_for_another_request_is_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t id = fixture_next_id(), before;
	size_t len;
	uint8_t *req = put_area_request("one", "One", id, &len);
	Stdreg__V1__Response *r = fixture_call_raw(f, req, len, 0);

	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(req);
	before = store_revision(f->st);
	req = put_area_request("two", "Two", id, &len);
	r = fixture_call_raw(f, req, len, 0);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->violations[0]->field, "request_id");
	assert_int_equal(store_revision(f->st), before);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(req);
}

static void test_same_id_of_another_principal_is_its_own(void **state)
{
	struct fixture *f = *state;
	struct store_error err = { 0 };
	char other[STORE_TOKEN_LEN + 1];
	uint64_t id = fixture_next_id(), before = store_revision(f->st);
	size_t len;
	uint8_t *req;
	Stdreg__V1__Response *r;

	assert_int_equal(store_token_create(f->st, "other-admin",
	                                    STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_ADMIN, NULL,
	                                    other, &err),
	                 RG_OK);
	req = put_area_request("mine", "Mine", id, &len);
	r = fixture_call_raw(f, req, len, 0);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(req);
	fixture_set_token(other);
	req = put_area_request("theirs", "Theirs", id, &len);
	r = fixture_call_raw(f, req, len, 0);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(req);
	fixture_set_token(f->admin_token);
	assert_int_equal(store_revision(f->st), before + 2);
}

/* Sent on several slots at once: the later ones arrive while the first is in flight (or
 * just after); every one gets the same reply and the write happens once. */
static void test_concurrent_resends_apply_once(void **state)
{
	enum { N = 8 };
	struct fixture *f = *state;
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	struct async_call c[N];
	Stdreg__V1__Response *r[N];
	uint64_t id = fixture_next_id(), before = store_revision(f->st);
	int i;

	a.id = "burst";
	a.name = "Burst";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	p.area = &a;
	p.create_only = true;
	for (i = 0; i < N; i++)
		async_init(f, &c[i], false);
	for (i = 0; i < N; i++)
		async_send(&c[i], M("PutArea"), id, 0, &p.base);
	for (i = 0; i < N; i++) {
		r[i] = async_wait(&c[i], 1, 5000);
		assert_non_null(r[i]);
	}
	assert_int_equal(r[0]->status->code, GRPC_OK);
	for (i = 1; i < N; i++)
		assert_same_reply(r[0], r[i]);
	assert_int_equal(store_revision(f->st), before + 1);
	// Each resend, waiting or answered from memory, gave its count back.
	assert_int_equal(inflight_count(dispatcher_env(f->d)->writes, "fixture-admin"), 0);
	for (i = 0; i < N; i++) {
		stdreg__v1__response__free_unpacked(r[i], NULL);
		async_release(&c[i]);
	}
}

/* --- the cache itself --------------------------------------------------------------- */

struct waiter {
	struct dedupe_waiter w;
	int calls;
	int code;
	uint8_t buf[16];
	size_t len;
};

static void waiter_done(struct dedupe_waiter *w, int code, const uint8_t *buf, size_t len)
{
	struct waiter *x = (struct waiter *)w;

	x->calls++;
	x->code = code;
	assert_true(len <= sizeof x->buf);
	memcpy(x->buf, buf, len);
	x->len = len;
}

#define MS 1000000ull

static enum dedupe_result begin(struct dedupe *dd, const char *who, uint64_t id, uint64_t now,
                                struct waiter *w, uint8_t **reply, size_t *len)
{
	int code = -1;

	*reply = NULL;
	return dedupe_begin(dd, who, id, 42, now, &w->w, &code, reply, len);
}

static void test_cache_waiter_gets_the_first_reply(void **state)
{
	struct dedupe *dd;
	struct waiter w1 = { .w.done = waiter_done }, w2 = { .w.done = waiter_done };
	uint8_t *reply;
	size_t len;

	(void)state;
	assert_int_equal(dedupe_new(&dd, 10, 1024, 1000), RG_OK);
	assert_int_equal(begin(dd, "a", 7, 0, &w1, &reply, &len), DEDUPE_NEW);
	assert_int_equal(begin(dd, "a", 7, 1, &w1, &reply, &len), DEDUPE_WAITING);
	assert_int_equal(begin(dd, "a", 7, 2, &w2, &reply, &len), DEDUPE_WAITING);
	assert_int_equal(dedupe_begin(dd, "a", 7, 43, 3, &w2.w, &(int){ 0 }, &reply, &len),
	                 DEDUPE_MISMATCH);
	assert_int_equal(w1.calls + w2.calls, 0);
	dedupe_complete(dd, "a", 7, GRPC_OK, (const uint8_t *)"abc", 3, 5);
	assert_int_equal(w1.calls, 1);
	assert_int_equal(w2.calls, 1);
	assert_int_equal(w2.len, 3);
	assert_memory_equal(w2.buf, "abc", 3);
	assert_int_equal(begin(dd, "a", 7, 6, &w1, &reply, &len), DEDUPE_DONE);
	assert_int_equal(len, 3);
	assert_memory_equal(reply, "abc", 3);
	free(reply);
	dedupe_free(dd);
}

static void test_cache_forgets_transient_failures(void **state)
{
	struct dedupe *dd;
	struct waiter w = { .w.done = waiter_done };
	uint8_t *reply;
	size_t len;

	(void)state;
	assert_int_equal(dedupe_new(&dd, 10, 1024, 1000), RG_OK);
	assert_int_equal(begin(dd, "a", 1, 0, &w, &reply, &len), DEDUPE_NEW);
	assert_int_equal(begin(dd, "a", 1, 0, &w, &reply, &len), DEDUPE_WAITING);
	dedupe_complete(dd, "a", 1, GRPC_UNAVAILABLE, (const uint8_t *)"x", 1, 0);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.code, GRPC_UNAVAILABLE);
	assert_int_equal(dedupe_count(dd), 0);
	assert_int_equal(begin(dd, "a", 1, 0, &w, &reply, &len), DEDUPE_NEW);
	dedupe_complete(dd, "a", 1, GRPC_DEADLINE_EXCEEDED, (const uint8_t *)"x", 1, 0);
	assert_int_equal(dedupe_count(dd), 0);
	dedupe_free(dd);
}

static void test_cache_bounds(void **state)
{
	struct dedupe *dd;
	struct waiter w = { .w.done = waiter_done };
	uint8_t *reply;
	size_t len;
	uint64_t id;

	(void)state;
	// Entries: at most 3, the oldest completed go first; in-flight ones stay.
	assert_int_equal(dedupe_new(&dd, 3, 1024, 1000), RG_OK);
	for (id = 1; id <= 3; id++)
		assert_int_equal(begin(dd, "a", id, 0, &w, &reply, &len), DEDUPE_NEW);
	assert_int_equal(begin(dd, "a", 4, 0, &w, &reply, &len), DEDUPE_SKIP); /* all in flight */
	for (id = 1; id <= 3; id++)
		dedupe_complete(dd, "a", id, GRPC_OK, (const uint8_t *)"r", 1, 0);
	assert_int_equal(begin(dd, "a", 4, 0, &w, &reply, &len), DEDUPE_NEW);
	assert_int_equal(dedupe_count(dd), 3);
	// 1 went for 4: 2 is still remembered, 1 is new again.
	assert_int_equal(begin(dd, "a", 2, 0, &w, &reply, &len), DEDUPE_DONE);
	free(reply);
	assert_int_equal(begin(dd, "a", 1, 0, &w, &reply, &len), DEDUPE_NEW);
	dedupe_free(dd);

	// Time: a reply is kept ttl_ms after it completed.
	assert_int_equal(dedupe_new(&dd, 10, 1024, 1000), RG_OK);
	assert_int_equal(begin(dd, "a", 1, 0, &w, &reply, &len), DEDUPE_NEW);
	dedupe_complete(dd, "a", 1, GRPC_OK, (const uint8_t *)"r", 1, 10 * MS);
	assert_int_equal(begin(dd, "a", 1, 1009 * MS, &w, &reply, &len), DEDUPE_DONE);
	free(reply);
	assert_int_equal(begin(dd, "a", 1, 1010 * MS, &w, &reply, &len), DEDUPE_NEW);
	dedupe_free(dd);

	// Bytes: at most 10 bytes of replies; a reply bigger than that is not kept at all.
	assert_int_equal(dedupe_new(&dd, 10, 10, 1000), RG_OK);
	assert_int_equal(begin(dd, "a", 1, 0, &w, &reply, &len), DEDUPE_NEW);
	dedupe_complete(dd, "a", 1, GRPC_OK, (const uint8_t *)"123456", 6, 0);
	assert_int_equal(begin(dd, "a", 2, 0, &w, &reply, &len), DEDUPE_NEW);
	dedupe_complete(dd, "a", 2, GRPC_OK, (const uint8_t *)"123456", 6, 0);
	assert_int_equal(dedupe_count(dd), 1); /* 1 went for 2 */
	assert_int_equal(begin(dd, "a", 2, 0, &w, &reply, &len), DEDUPE_DONE);
	free(reply);
	assert_int_equal(begin(dd, "a", 3, 0, &w, &reply, &len), DEDUPE_NEW);
	dedupe_complete(dd, "a", 3, GRPC_OK, (const uint8_t *)"12345678901", 11, 0);
	assert_int_equal(begin(dd, "a", 3, 0, &w, &reply, &len), DEDUPE_NEW);
	dedupe_free(dd);
}

/* One principal's writes evict its own replies, not another's: "b" keeps its one reply
 * while "a" writes twenty times past the bound (entries, then bytes). */
static void test_cache_budget_is_per_principal(void **state)
{
	struct dedupe *dd;
	struct waiter w = { .w.done = waiter_done };
	uint8_t *reply;
	size_t len;

	(void)state;
	assert_int_equal(dedupe_new(&dd, 4, 1024, 1000), RG_OK);
	assert_int_equal(begin(dd, "b", 1, 0, &w, &reply, &len), DEDUPE_NEW);
	dedupe_complete(dd, "b", 1, GRPC_OK, (const uint8_t *)"r", 1, 0);
	for (uint64_t id = 1; id <= 20; id++) {
		assert_int_equal(begin(dd, "a", id, 0, &w, &reply, &len), DEDUPE_NEW);
		dedupe_complete(dd, "a", id, GRPC_OK, (const uint8_t *)"r", 1, 0);
	}
	assert_int_equal(begin(dd, "b", 1, 0, &w, &reply, &len), DEDUPE_DONE);
	free(reply);
	assert_int_equal(begin(dd, "a", 20, 0, &w, &reply, &len), DEDUPE_DONE);
	free(reply);
	dedupe_free(dd);

	assert_int_equal(dedupe_new(&dd, 100, 10, 1000), RG_OK);
	assert_int_equal(begin(dd, "b", 1, 0, &w, &reply, &len), DEDUPE_NEW);
	dedupe_complete(dd, "b", 1, GRPC_OK, (const uint8_t *)"1234", 4, 0);
	for (uint64_t id = 1; id <= 20; id++) {
		assert_int_equal(begin(dd, "a", id, 0, &w, &reply, &len), DEDUPE_NEW);
		dedupe_complete(dd, "a", id, GRPC_OK, (const uint8_t *)"1234", 4, 0);
	}
	assert_int_equal(begin(dd, "b", 1, 0, &w, &reply, &len), DEDUPE_DONE);
	free(reply);
	dedupe_free(dd);
}

/* A backup is a read: it never goes through the resend memory, so it cannot evict a
 * write's remembered reply (the memory here holds one entry). */
static void test_backup_does_not_evict_a_write(void **state)
{
	struct fixture *f = *state;
	struct dispatch_limits l;
	Stdreg__V1__BackupRequest b = STDREG__V1__BACKUP_REQUEST__INIT;
	Stdreg__V1__Response *first, *again, *r;
	uint8_t *req;
	size_t len;
	uint64_t id = fixture_next_id(), rev;

	dispatch_limits_default(&l);
	l.dedupe_max_entries = 1;
	fixture_set_limits(f, &l);
	req = put_area_request("ai", "AI", id, &len);
	first = fixture_call_raw(f, req, len, 0);
	assert_int_equal(first->status->code, GRPC_OK);
	rev = store_revision(f->st);
	r = fixture_call(f, M("Backup"), fixture_next_id(), 0, &b.base);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	// The resend is answered from memory: the same reply (OK, not ALREADY_EXISTS).
	again = fixture_call_raw(f, req, len, 0);
	assert_same_reply(first, again);
	assert_int_equal(store_revision(f->st), rev);
	stdreg__v1__response__free_unpacked(first, NULL);
	stdreg__v1__response__free_unpacked(again, NULL);
	free(req);
}

#define CASE(t) cmocka_unit_test_setup_teardown(t, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_resend_is_applied_once),
		CASE(test_request_id_zero_is_not_remembered),
		CASE(test_refusal_is_remembered_too),
		CASE(test_reused_id_for_another_request_is_refused),
		CASE(test_same_id_of_another_principal_is_its_own),
		CASE(test_concurrent_resends_apply_once),
		cmocka_unit_test(test_cache_waiter_gets_the_first_reply),
		cmocka_unit_test(test_cache_forgets_transient_failures),
		cmocka_unit_test(test_cache_bounds),
		cmocka_unit_test(test_cache_budget_is_per_principal),
		CASE(test_backup_does_not_evict_a_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
