/*
 * test_dispatch.c - the envelope checks of registryd/dispatch.c, one case per status code
 * path, through dispatch_request() with no sockets. Each case has its own store.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "call.h"
#include "fixture.h"
#include "inflight.h"
#include "log.h"
#include "status.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define GET_AREA "/stdreg.v1.Registry/GetArea"
#define PUT_AREA "/stdreg.v1.Registry/PutArea"

static Stdreg__V1__Response *get_area(struct fixture *f, const char *id, uint64_t request_id)
{
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;

	g.id = (char *)id;
	return fixture_call(f, GET_AREA, request_id, 0, &g.base);
}

static void test_garbage_is_invalid_argument(void **state)
{
	// Tag 0x0f is field 1 with wire type 7, which does not exist: no decoder accepts it.
	static const uint8_t garbage[] = { 0x0f, 0xff, 0xfe, 'n', 'o', 't', ' ', 'p', 'b' };
	Stdreg__V1__Response *r = fixture_call_raw(*state, garbage, sizeof garbage, 0);

	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->message, "cannot decode request envelope");
	assert_int_equal(r->request_id, 0);
	assert_int_equal(r->payload.len, 0);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_truncated_envelope_is_invalid_argument(void **state)
{
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__Response *r;
	uint8_t *buf;
	size_t len;

	g.id = "ai";
	buf = fixture_request(GET_AREA, 9, 0, &g.base, &len);
	// Cut inside the payload field: its length now runs past the end.
	r = fixture_call_raw(*state, buf, len - 2, 0);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_int_equal(r->request_id, 0);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(buf);
}

static void test_unknown_method_is_unimplemented(void **state)
{
	Stdreg__V1__Response *r =
	        fixture_call(*state, "/stdreg.v1.Registry/Frobnicate", 11, 0, NULL);

	assert_int_equal(r->status->code, GRPC_UNIMPLEMENTED);
	assert_int_equal(r->request_id, 11);
	assert_non_null(strstr(r->status->message, "/stdreg.v1.Registry/Frobnicate"));
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_empty_message_is_unimplemented(void **state)
{
	// Zero bytes are a valid, empty Request: its method "" is not in the table.
	Stdreg__V1__Response *r = fixture_call_raw(*state, (const uint8_t *)"", 0, 0);

	assert_int_equal(r->status->code, GRPC_UNIMPLEMENTED);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_unknown_method_name_is_sanitised(void **state)
{
	// A newline in the method must not reach the reply (or the log) as it is.
	Stdreg__V1__Response *r = fixture_call(*state, "/x/\n\tbad", 12, 0, NULL);

	assert_int_equal(r->status->code, GRPC_UNIMPLEMENTED);
	assert_string_equal(r->status->message, "unknown method '/x/??bad'");
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_method_not_utf8_is_invalid_argument(void **state)
{
	// Invalid UTF-8, or a NUL that would cut "GetArea\0x" down to a real method.
	static const char nul_method[] = "/stdreg.v1.Registry/GetArea\0x";
	Stdreg__V1__Response *r = fixture_call(*state, "/x/\xff\xfe", 12, 0, NULL);

	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_non_null(strstr(r->status->message, "'method'"));
	stdreg__v1__response__free_unpacked(r, NULL);

	Stdreg__V1__Request env = STDREG__V1__REQUEST__INIT;
	uint8_t buf[256];
	size_t len;
	char placeholder[sizeof(nul_method)];
	memset(placeholder, 'p', sizeof(placeholder) - 1);
	placeholder[sizeof(placeholder) - 1] = '\0';
	env.method = placeholder;
	env.request_id = 9;
	len = stdreg__v1__request__pack(&env, buf);
	/* Overwrite the method's bytes with the NUL-carrying name of the same length. */
	assert_int_equal(buf[1], sizeof(nul_method) - 1);
	memcpy(buf + 2, nul_method, sizeof(nul_method) - 1);
	r = fixture_call_raw(*state, buf, len, 0);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_int_equal(r->request_id, 9);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* The peak resident size of this process so far, in KiB. */
static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * An envelope of an unknown method with 2 M empty metadata entries (4 MB) is refused from
 * its wire bytes, before authentication and without decoding: it used to take some 175 MB
 * to decode before "unknown method". The first case of the file, so that the peak RSS
 * measured is this request's.
 */
static void test_envelope_with_2m_metadata_is_refused_cheaply(void **state)
{
	size_t n = 2u << 20, len = 0;
	uint8_t *buf = malloc(2 * n + 64);
	Stdreg__V1__Response *r;
	long before;

	assert_non_null(buf);
	buf[len++] = 0x0a; /* method = "/x" */
	buf[len++] = 2;
	buf[len++] = '/';
	buf[len++] = 'x';
	buf[len++] = 0x10; /* request_id = 7 */
	buf[len++] = 7;
	for (size_t i = 0; i < n; i++) {
		buf[len++] = 0x2a; /* metadata (field 5), an empty entry */
		buf[len++] = 0;
	}
	before = peak_rss_kb();
	r = fixture_call_raw(*state, buf, len, 0);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_non_null(strstr(r->status->message, "envelope refused"));
	assert_int_equal(r->request_id, 7);
	// Well under what decoding takes (175 MB): not decoded at all.
	assert_true(peak_rss_kb() - before < 32 * 1024);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(buf);
}

/* A payload with too many entries in one repeated field is refused before decoding; one
 * whose decoding would go past the request's budget too. */
static void test_payload_over_budget_is_refused(void **state)
{
	struct fixture *f = *state;
	struct dispatch_limits l;
	Stdreg__V1__ApplyChunkRequest c = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;
	Stdreg__V1__BulkRecord empty = STDREG__V1__BULK_RECORD__INIT;
	Stdreg__V1__BulkRecord *recs[1000];
	Stdreg__V1__Response *r;

	for (size_t i = 0; i < 1000; i++)
		recs[i] = &empty;
	c.records = recs;
	c.n_records = 1000;
	dispatch_limits_default(&l);
	l.max_entries = 999;
	fixture_set_limits(f, &l);
	r = fixture_call(f, "/stdreg.v1.Registry/ApplyChunk", fixture_next_id(), 0, &c.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->violations[0]->field, "records");
	stdreg__v1__response__free_unpacked(r, NULL);
	l.max_entries = 1000;
	l.decode_max_request = 10000; /* 1000 empty records take more */
	fixture_set_limits(f, &l);
	r = fixture_call(f, "/stdreg.v1.Registry/ApplyChunk", fixture_next_id(), 0, &c.base);
	assert_int_equal(r->status->code, GRPC_RESOURCE_EXHAUSTED);
	stdreg__v1__response__free_unpacked(r, NULL);
	l.decode_max_request = 1u << 20;
	fixture_set_limits(f, &l);
	r = fixture_call(f, "/stdreg.v1.Registry/ApplyChunk", fixture_next_id(), 0, &c.base);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	// Nothing stays counted once the calls are answered.
	assert_int_equal(atomic_load(&dispatcher_env(f->d)->decoding), 0);
}

/* A principal with writes_per_principal writes in flight has the next one refused; reads
 * and other principals go on. (The places are taken here as writes waiting for the
 * writer would hold them.) */
static void test_writes_in_flight_per_principal(void **state)
{
	struct fixture *f = *state;
	struct dispatch_limits l;
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__Response *r;

	dispatch_limits_default(&l);
	l.writes_per_principal = 2;
	fixture_set_limits(f, &l);
	a.id = "ai";
	a.name = "AI";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	p.area = &a;
	assert_true(inflight_take(dispatcher_env(f->d)->writes, "fixture-admin", 2));
	assert_true(inflight_take(dispatcher_env(f->d)->writes, "fixture-admin", 2));
	r = fixture_call(f, PUT_AREA, fixture_next_id(), 0, &p.base);
	assert_int_equal(r->status->code, GRPC_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(r->status->message, "too many writes of 'fixture-admin'"));
	stdreg__v1__response__free_unpacked(r, NULL);
	g.id = "ai";
	r = fixture_call(f, GET_AREA, 1, 0, &g.base);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
	inflight_release(dispatcher_env(f->d)->writes, "fixture-admin");
	r = fixture_call(f, PUT_AREA, fixture_next_id(), 0, &p.base);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	// Its place was given back with the reply.
	assert_int_equal(inflight_count(dispatcher_env(f->d)->writes, "fixture-admin"), 1);
	inflight_release(dispatcher_env(f->d)->writes, "fixture-admin");
}

static void test_expired_deadline_is_deadline_exceeded(void **state)
{
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__Response *r;
	uint8_t *buf;
	size_t len;

	g.id = "ai";
	buf = fixture_request(GET_AREA, 13, 1, &g.base, &len);
	// Received at boot time with a budget of 1 ms.
	r = fixture_call_raw(*state, buf, len, 1 /* boot time: long past */);
	assert_int_equal(r->status->code, GRPC_DEADLINE_EXCEEDED);
	assert_int_equal(r->request_id, 13);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(buf);
}

static void test_expired_deadline_of_write(void **state)
{
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	Stdreg__V1__Response *r;
	uint8_t *buf;
	size_t len;

	a.id = "ai";
	a.name = "Artificial intelligence";
	p.area = &a;
	buf = fixture_request(PUT_AREA, 14, 1, &p.base, &len);
	r = fixture_call_raw(*state, buf, len, 1 /* boot time: long past */);
	assert_int_equal(r->status->code, GRPC_DEADLINE_EXCEEDED);
	stdreg__v1__response__free_unpacked(r, NULL);
	free(buf);
	r = get_area(*state, "ai", 15);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_bad_payload_is_invalid_argument(void **state)
{
	Stdreg__V1__Request req = STDREG__V1__REQUEST__INIT;
	static uint8_t bad[] = { 0x0f, 0x01 };
	Stdreg__V1__Response *r;
	uint8_t buf[128];
	size_t len;

	req.method = GET_AREA;
	req.request_id = 16;
	req.payload.data = bad;
	req.payload.len = sizeof bad;
	len = stdreg__v1__request__pack(&req, buf);
	r = fixture_call_raw(*state, buf, len, 0);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_int_equal(r->request_id, 16);
	assert_non_null(strstr(r->status->message, "stdreg.v1.GetRequest"));
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_get_on_empty_store_is_not_found(void **state)
{
	Stdreg__V1__Response *r = get_area(*state, "ai", 17);

	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	assert_string_equal(r->status->message, "area 'ai' not found");
	assert_int_equal(r->request_id, 17);
	assert_int_equal(r->payload.len, 0);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_get_without_id_is_invalid_argument(void **state)
{
	Stdreg__V1__Response *r = get_area(*state, "", 18);

	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_int_equal(r->status->n_violations, 1);
	assert_string_equal(r->status->violations[0]->field, "id");
	stdreg__v1__response__free_unpacked(r, NULL);
}

static Stdreg__V1__Response *put_area(struct fixture *f, const char *id, bool create_only)
{
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;

	a.id = (char *)id;
	a.name = "Artificial intelligence";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED;
	a.rank = 1;
	p.area = &a;
	p.create_only = create_only;
	p.decision_ref = "N2026/1";
	return fixture_call(f, PUT_AREA, fixture_next_id(), 0, &p.base);
}

static void test_put_then_get(void **state)
{
	Stdreg__V1__Response *r = put_area(*state, "ai", true);
	Stdreg__V1__Area *put, *got;
	uint64_t rev;

	assert_int_equal(r->status->code, GRPC_OK);
	assert_true(r->request_id >= 1000000); /* fixture_next_id()'s, echoed */
	assert_true(r->revision > 0);
	rev = r->revision;
	put = stdreg__v1__area__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(put);
	assert_string_equal(put->id, "ai");
	assert_non_null(put->meta);
	assert_int_equal(put->meta->version, 1);
	assert_int_equal(put->meta->create_revision, rev);
	assert_int_equal(put->meta->mod_revision, rev);
	assert_string_equal(put->meta->updated_by, "fixture-admin");
	stdreg__v1__response__free_unpacked(r, NULL);

	r = get_area(*state, "ai", 21);
	assert_int_equal(r->status->code, GRPC_OK);
	assert_int_equal(r->request_id, 21);
	assert_int_equal(r->revision, rev);
	got = stdreg__v1__area__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(got);
	assert_string_equal(got->name, "Artificial intelligence");
	assert_int_equal(got->meta->version, 1);
	assert_string_equal(got->meta->created_at, put->meta->created_at);
	stdreg__v1__area__free_unpacked(got, NULL);
	stdreg__v1__area__free_unpacked(put, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_put_create_only_twice_is_already_exists(void **state)
{
	Stdreg__V1__Response *r = put_area(*state, "ai", true);

	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = put_area(*state, "ai", true);
	assert_int_equal(r->status->code, GRPC_ALREADY_EXISTS);
	assert_non_null(strstr(r->status->message, "'ai'"));
	assert_int_equal(r->payload.len, 0);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_put_invalid_id_names_the_field(void **state)
{
	Stdreg__V1__Response *r = put_area(*state, "Not A Slug", false);

	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_int_equal(r->status->n_violations, 1);
	assert_string_equal(r->status->violations[0]->field, "id");
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_put_without_record_is_invalid_argument(void **state)
{
	Stdreg__V1__PutWorkItemRequest p = STDREG__V1__PUT_WORK_ITEM_REQUEST__INIT;
	Stdreg__V1__Response *r =
	        fixture_call(*state, "/stdreg.v1.Registry/PutWorkItem", 22, 0, &p.base);

	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_int_equal(r->status->n_violations, 1);
	assert_string_equal(r->status->violations[0]->field, "work_item");
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_delete(void **state)
{
	Stdreg__V1__DeleteRequest del = STDREG__V1__DELETE_REQUEST__INIT;
	Stdreg__V1__Response *r = put_area(*state, "ai", false);

	stdreg__v1__response__free_unpacked(r, NULL);
	del.id = "ai";
	r = fixture_call(*state, "/stdreg.v1.Registry/DeleteArea", 23, 0, &del.base);
	assert_int_equal(r->status->code, GRPC_OK);
	assert_true(r->revision > 0);
	assert_int_equal(r->payload.len, 0); /* DeleteResponse is empty */
	stdreg__v1__response__free_unpacked(r, NULL);

	r = get_area(*state, "ai", 24);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);

	r = fixture_call(*state, "/stdreg.v1.Registry/DeleteArea", 25, 0, &del.base);
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_list_pages(void **state)
{
	Stdreg__V1__ListRequest l = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__ListAreasResponse *page;
	Stdreg__V1__Response *r;
	static const char *const ids[] = { "ai", "cloud", "quantum" };
	size_t i;

	for (i = 0; i < 3; i++) {
		r = put_area(*state, ids[i], true);
		assert_int_equal(r->status->code, GRPC_OK);
		stdreg__v1__response__free_unpacked(r, NULL);
	}
	r = fixture_call(*state, "/stdreg.v1.Registry/ListAreas", 26, 0, &l.base);
	assert_int_equal(r->status->code, GRPC_OK);
	page = stdreg__v1__list_areas_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(page);
	assert_int_equal(page->n_areas, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(page->areas[i]->id, ids[i]);
		assert_int_equal(page->areas[i]->meta->version, 1);
	}
	assert_string_equal(page->next_page_token, "");
	stdreg__v1__list_areas_response__free_unpacked(page, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);

	l.page_size = 2;
	r = fixture_call(*state, "/stdreg.v1.Registry/ListAreas", 27, 0, &l.base);
	assert_int_equal(r->status->code, GRPC_OK);
	page = stdreg__v1__list_areas_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(page);
	assert_int_equal(page->n_areas, 2);
	assert_string_not_equal(page->next_page_token, "");
	l.page_token = page->next_page_token;
	stdreg__v1__response__free_unpacked(r, NULL);
	r = fixture_call(*state, "/stdreg.v1.Registry/ListAreas", 28, 0, &l.base);
	stdreg__v1__list_areas_response__free_unpacked(page, NULL);
	assert_int_equal(r->status->code, GRPC_OK);
	page = stdreg__v1__list_areas_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(page);
	assert_int_equal(page->n_areas, 1);
	assert_string_equal(page->areas[0]->id, "quantum");
	assert_string_equal(page->next_page_token, "");
	stdreg__v1__list_areas_response__free_unpacked(page, NULL);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_list_empty_store(void **state)
{
	Stdreg__V1__ListRequest l = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__Response *r =
	        fixture_call(*state, "/stdreg.v1.Registry/ListWorkItems", 29, 0, &l.base);

	assert_int_equal(r->status->code, GRPC_OK);
	assert_int_equal(r->payload.len, 0);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_list_unknown_enum_is_invalid_argument(void **state)
{
	Stdreg__V1__ListRequest l = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__Response *r;

	l.status = 42;
	r = fixture_call(*state, "/stdreg.v1.Registry/ListWorkItems", 30, 0, &l.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->violations[0]->field, "status");
	stdreg__v1__response__free_unpacked(r, NULL);

	l.status = 0;
	l.priority = -1;
	r = fixture_call(*state, "/stdreg.v1.Registry/ListAreas", 31, 0, &l.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->violations[0]->field, "priority");
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_list_bad_page_token_is_invalid_argument(void **state)
{
	Stdreg__V1__ListRequest l = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__Response *r;

	l.page_token = "!!not-a-token!!";
	r = fixture_call(*state, "/stdreg.v1.Registry/ListAreas", 32, 0, &l.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_shutting_down_is_unavailable(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__Response *r;

	dispatcher_shutdown(f->d);
	r = get_area(f, "ai", 33);
	assert_int_equal(r->status->code, GRPC_UNAVAILABLE);
	assert_int_equal(r->request_id, 33);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = put_area(f, "ai", false);
	assert_int_equal(r->status->code, GRPC_UNAVAILABLE);
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_write_after_writer_stopped_is_unavailable(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__Response *r;

	fixture_stop_writer(f);
	r = put_area(f, "ai", false);
	assert_int_equal(r->status->code, GRPC_UNAVAILABLE);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* The store's commit log fails at the fixture's third record (its admin token is the
 * first). */
static int setup_failing_log(void **state)
{
	fixture_set_store_opts(&(struct store_opts){ .no_sync = true, .log_fail_record = 3 });
	int rc = fixture_setup(state);
	fixture_set_store_opts(NULL);
	return rc;
}

/* A write whose commit log record cannot be flushed fails, and so does every write after
 * it, with a message that tells what happened and what to do; reads go on; a reopen of
 * the store (a restart) recovers it and writes again. */
static void test_a_failed_log_stops_writes_until_a_restart(void **state)
{
	struct fixture *f = *state;
	struct store_info info;
	Stdreg__V1__Response *r;

	r = put_area(f, "ai", true);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	store_get_info(f->st, &info);
	assert_int_equal(info.log_records, 2);
	assert_false(info.log_failed);
	for (int i = 0; i < 2; i++) {
		// The failed flush, then a write refused at once: both say the same.
		r = put_area(f, i == 0 ? "cyber" : "quantum", true);
		assert_int_equal(r->status->code, GRPC_INTERNAL);
		assert_non_null(strstr(r->status->message, "commit log could not be written"));
		assert_non_null(strstr(r->status->message, "restart registryd"));
		stdreg__v1__response__free_unpacked(r, NULL);
	}
	store_get_info(f->st, &info);
	assert_true(info.log_failed);
	r = get_area(f, "ai", fixture_next_id());
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);

	// A restart recovers the store: what was answered OK is there, what was refused after
	// the failure is not (the write whose flush failed may be either), and writes are
	// taken again.
	fixture_restart(f);
	r = get_area(f, "ai", fixture_next_id());
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = get_area(f, "quantum", fixture_next_id());
	assert_int_equal(r->status->code, GRPC_NOT_FOUND);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = put_area(f, "quantum", true);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);
	store_get_info(f->st, &info);
	assert_false(info.log_failed);
}

/* A reply catcher for one of many slots. */
struct catcher {
	pthread_mutex_t *lock;
	int replies;
	int code;
	uint64_t revision;
};

static void catch_code(void *arg, const uint8_t *buf, size_t len)
{
	struct catcher *c = arg;
	Stdreg__V1__Response *r = stdreg__v1__response__unpack(NULL, len, buf);

	assert_non_null(r);
	pthread_mutex_lock(c->lock);
	c->replies++;
	c->code = r->status->code;
	c->revision = r->revision;
	pthread_mutex_unlock(c->lock);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* Writes queued when the daemon stops are committed and answered before the writer ends,
 * and what was answered OK is in the store: nothing acknowledged is lost. */
static void test_queued_writes_are_answered_at_shutdown(void **state)
{
	enum { N = 16 };
	struct fixture *f = *state;
	struct dispatch_slot *slots[N];
	struct catcher caught[N];
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	store_txn *t;
	const void *val;
	char id[16];
	uint8_t *buf;
	size_t len, vlen;
	int i;

	a.name = "Area";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	a.rank = 1;
	p.area = &a;
	for (i = 0; i < N; i++) {
		caught[i] = (struct catcher){ .lock = &lock };
		assert_int_equal(dispatch_slot_new(f->d, catch_code, &caught[i], &slots[i]), RG_OK);
		snprintf(id, sizeof id, "area-%d", i);
		a.id = id;
		buf = fixture_request(PUT_AREA, 200 + i, 0, &p.base, &len);
		dispatch_request(slots[i], buf, len, dispatch_now_ns());
		free(buf);
	}
	fixture_stop_writer(f);
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	for (i = 0; i < N; i++) {
		assert_int_equal(caught[i].replies, 1);
		assert_int_equal(caught[i].code, GRPC_OK);
		assert_true(caught[i].revision > 0);
		snprintf(id, sizeof id, "area-%d", i);
		assert_int_equal(store_get(t, STORE_AREA, id, &val, &vlen), RG_OK);
		dispatch_slot_free(slots[i]);
	}
	store_read_free(t);
}

/* The request line names the face a call came through, also for a write answered later
 * from the writer thread; dispatch_request() names none. */
static void test_request_line_names_the_face(void **state)
{
	struct fixture *f = *state;
	static char text[1 << 14];
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct catcher caught = { .lock = &lock };
	struct dispatch_slot *slot;
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	FILE *tmp = tmpfile();
	uint8_t *buf;
	size_t len, got;
	int saved;

	assert_non_null(tmp);
	assert_int_equal(dispatch_slot_new(f->d, catch_code, &caught, &slot), RG_OK);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	log_set_requests(true);
	g.id = "nowhere";
	buf = fixture_request(GET_AREA, 31, 0, &g.base, &len);
	dispatch_request_via(slot, buf, len, dispatch_now_ns(), "http", "192.0.2.7:1");
	dispatch_request(slot, buf, len, dispatch_now_ns());
	free(buf);
	a.id = "faced";
	a.name = "Faced";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	a.rank = 1;
	p.area = &a;
	buf = fixture_request(PUT_AREA, fixture_next_id(), 0, &p.base, &len);
	dispatch_request_via(slot, buf, len, dispatch_now_ns(), "nng", NULL);
	free(buf);
	fixture_stop_writer(f); /* the write's reply has gone out */
	log_set_requests(getenv("REGISTRYD_TEST_LOG") != NULL);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	got = fread(text, 1, sizeof text - 1, tmp);
	text[got] = '\0';
	fclose(tmp);
	assert_int_equal(caught.replies, 3);
	assert_non_null(strstr(text, " face=http method=" GET_AREA " code=5 "));
	assert_non_null(strstr(text, " face=- method=" GET_AREA " code=5 "));
	assert_non_null(strstr(text, " face=nng method=" PUT_AREA " code=0 "));
	dispatch_slot_free(slot);
}

/* Every row of the table is reached by name: an empty payload never gets UNIMPLEMENTED. */
static void test_every_method_is_dispatched(void **state)
{
	Stdreg__V1__Response *r;
	size_t i, j;

	assert_int_equal(dispatch_method_count(), 41);
	for (i = 0; i < dispatch_method_count(); i++) {
		const char *name = dispatch_method_name(i);

		for (j = 0; j < i; j++)
			assert_string_not_equal(name, dispatch_method_name(j));
		r = fixture_call(*state, name, 100 + i, 0, NULL);
		assert_int_not_equal(r->status->code, GRPC_UNIMPLEMENTED);
		assert_int_equal(r->request_id, 100 + i);
		stdreg__v1__response__free_unpacked(r, NULL);
	}
	assert_null(dispatch_method_name(dispatch_method_count()));
}

static bool is_one_of(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(name, *names) == 0)
			return true;
	return false;
}

/* Each row is an rpc of `service Registry` with the rpc's request message, and is a write
 * exactly when it is a Put, a Delete, an appointment or stage change, or ApplyCommit; the
 * record handlers have a kind, the others none. */
static void test_table_matches_the_proto_service(void **state)
{
	const ProtobufCServiceDescriptor *svc = &stdreg__v1__registry__descriptor;
	const char *prefix = "/stdreg.v1.Registry/";
	const struct method *m;
	size_t i, j;

	(void)state;
	for (i = 0; (m = dispatch_method_at(i)) != NULL; i++) {
		const char *short_name = m->name + strlen(prefix);
		static const char *const workflow[] = { "Assign",      "Unassign",    "Transfer",
			                                "SetStage",    "ApplyCommit", "AddGoal",
			                                "AddFollowUp", NULL };
		static const char *const long_running[] = { "Mine",      "Report", "Export",
			                                    "Backup",    "Watch",  "ListChanges",
			                                    "ListGoals", "Trend",  NULL };
		/* Admin-only reads: backups hold every record and the token hashes. */
		static const char *const admin[] = { "Backup", "BackupRead", NULL };
		bool record = strncmp(short_name, "Put", 3) == 0 ||
		              strncmp(short_name, "Delete", 6) == 0 ||
		              strncmp(short_name, "Get", 3) == 0 ||
		              (strncmp(short_name, "List", 4) == 0 &&
		               strcmp(short_name, "ListChanges") != 0);
		// A staged chunk is a write too: resending it must not stage it twice.
		bool writes = strncmp(short_name, "Put", 3) == 0 ||
		              strncmp(short_name, "Delete", 6) == 0 ||
		              is_one_of(short_name, workflow) ||
		              strcmp(short_name, "ApplyChunk") == 0;
		bool needs_write = writes;

		assert_memory_equal(m->name, prefix, strlen(prefix));
		for (j = 0; j < svc->n_methods; j++)
			if (strcmp(svc->methods[j].name, short_name) == 0)
				break;
		assert_true(j < svc->n_methods);
		assert_ptr_equal(svc->methods[j].input, m->request);
		assert_int_equal(m->is_write, writes);
		/* Agencies keep their own items and agency record current; all else that
		 * writes is for coordinators. */
		enum perm want = is_one_of(short_name, admin) ? PERM_ADMIN
		                 : !needs_write               ? PERM_READ
		                 : strcmp(short_name, "PutWorkItem") == 0 ||
		                                 strcmp(short_name, "SetStage") == 0 ||
		                                 strcmp(short_name, "AddFollowUp") == 0
		                         ? PERM_ITEM
		                 : strcmp(short_name, "PutAgency") == 0 ? PERM_OWN_AGENCY
		                                                        : PERM_WRITE;
		assert_int_equal(m->perm, want);
		assert_int_equal(m->long_running, is_one_of(short_name, long_running));
		if (record)
			assert_non_null(store_kind_name(m->kind));
		else
			assert_int_equal(m->kind, 0);
	}
	assert_int_equal(i, dispatch_method_count());
	assert_int_equal(i, svc->n_methods); /* and every rpc has its row */
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_envelope_with_2m_metadata_is_refused_cheaply),
		CASE(test_payload_over_budget_is_refused),
		CASE(test_writes_in_flight_per_principal),
		CASE(test_garbage_is_invalid_argument),
		CASE(test_truncated_envelope_is_invalid_argument),
		CASE(test_unknown_method_is_unimplemented),
		CASE(test_empty_message_is_unimplemented),
		CASE(test_unknown_method_name_is_sanitised),
		CASE(test_method_not_utf8_is_invalid_argument),
		CASE(test_expired_deadline_is_deadline_exceeded),
		CASE(test_expired_deadline_of_write),
		CASE(test_bad_payload_is_invalid_argument),
		CASE(test_get_on_empty_store_is_not_found),
		CASE(test_get_without_id_is_invalid_argument),
		CASE(test_put_then_get),
		CASE(test_put_create_only_twice_is_already_exists),
		CASE(test_put_invalid_id_names_the_field),
		CASE(test_put_without_record_is_invalid_argument),
		CASE(test_delete),
		CASE(test_list_pages),
		CASE(test_list_empty_store),
		CASE(test_list_unknown_enum_is_invalid_argument),
		CASE(test_list_bad_page_token_is_invalid_argument),
		CASE(test_shutting_down_is_unavailable),
		CASE(test_write_after_writer_stopped_is_unavailable),
		cmocka_unit_test_setup_teardown(test_a_failed_log_stops_writes_until_a_restart,
		                                setup_failing_log, fixture_teardown),
		CASE(test_queued_writes_are_answered_at_shutdown),
		CASE(test_request_line_names_the_face),
		CASE(test_every_method_is_dispatched),
		cmocka_unit_test(test_table_matches_the_proto_service),
	};

	return cmocka_run_group_tests_name("registryd dispatch", tests, NULL, NULL);
}
