/*
 * test_wirecheck.c - wirecheck.c's budget: its estimate of what decoding takes is never
 * below what protobuf-c's unpack really allocates (counted with an allocator of our own,
 * peak bytes), and its entry counts and limits refuse what they should.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
#include "wirecheck.h"

#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

/* An allocator that counts live bytes and their peak (each block remembers its size). */
struct counting {
	size_t live, peak;
};

static void *count_alloc(void *data, size_t size)
{
	struct counting *c = data;
	size_t *p = malloc(sizeof(size_t) + size);

	if (p == NULL)
		return NULL;
	*p = size;
	c->live += size;
	if (c->live > c->peak)
		c->peak = c->live;
	return p + 1;
}

static void count_free(void *data, void *ptr)
{
	struct counting *c = data;
	size_t *p = ptr;

	if (p == NULL)
		return;
	c->live -= p[-1];
	free(p - 1);
}

/* Packs m, estimates it and unpacks it counting: the estimate must cover the peak. */
static size_t check_estimate(const ProtobufCMessage *m)
{
	struct counting c = { 0 };
	ProtobufCAllocator a = { count_alloc, count_free, &c };
	size_t len = protobuf_c_message_get_packed_size(m), est = 0;
	uint8_t *buf = malloc(len > 0 ? len : 1);
	ProtobufCMessage *back;
	const char *bad;

	assert_non_null(buf);
	protobuf_c_message_pack(m, buf);
	assert_int_equal(wire_check(m->descriptor, buf, len, NULL, &est, &bad), RG_OK);
	back = protobuf_c_message_unpack(m->descriptor, &a, len, buf);
	assert_non_null(back);
	protobuf_c_message_free_unpacked(back, &a);
	if (est < c.peak)
		fail_msg("%s: estimate %zu below the peak %zu", m->descriptor->name, est, c.peak);
	free(buf);
	return est;
}

static void test_estimate_covers_unpack(void **state)
{
	Stdreg__V1__ApplyChunkRequest ch = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;
	Stdreg__V1__BulkRecord empty = STDREG__V1__BULK_RECORD__INIT, *recs[5000];
	Stdreg__V1__WatchRequest w = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__Kind kinds[3] = { 1, 2, 3 };
	char *ids[100];
	Stdreg__V1__Request env = STDREG__V1__REQUEST__INIT;
	Stdreg__V1__Request__MetadataEntry me = STDREG__V1__REQUEST__METADATA_ENTRY__INIT,
	                                   *mes[1000];

	(void)state;
	for (size_t i = 0; i < 5000; i++)
		recs[i] = &empty;
	ch.records = recs;
	ch.n_records = 5000;
	check_estimate(&ch.base);
	for (size_t i = 0; i < 100; i++)
		ids[i] = i % 2 ? "ai" : "a-rather-longer-id-for-a-work-item";
	w.ids = ids;
	w.n_ids = 100;
	w.kinds = kinds;
	w.n_kinds = 3;
	check_estimate(&w.base);
	for (size_t i = 0; i < 1000; i++)
		mes[i] = &me;
	env.method = "/stdreg.v1.Registry/GetArea";
	env.token = "t";
	env.n_metadata = 1000;
	env.metadata = mes;
	check_estimate(&env.base);
}

static void test_limits(void **state)
{
	Stdreg__V1__WatchRequest w = STDREG__V1__WATCH_REQUEST__INIT;
	char *ids[10] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" };
	uint8_t buf[256];
	size_t len, est = 0;
	const char *bad;

	(void)state;
	w.ids = ids;
	w.n_ids = 10;
	len = stdreg__v1__watch_request__pack(&w, buf);
	assert_int_equal(wire_check(&stdreg__v1__watch_request__descriptor, buf, len,
	                            &(struct wire_budget){ .max_entries = 10 }, &est, &bad),
	                 RG_OK);
	assert_int_equal(wire_check(&stdreg__v1__watch_request__descriptor, buf, len,
	                            &(struct wire_budget){ .max_entries = 9 }, NULL, &bad),
	                 RG_ENOSPC);
	assert_string_equal(bad, "ids");
	assert_int_equal(wire_check(&stdreg__v1__watch_request__descriptor, buf, len,
	                            &(struct wire_budget){ .max_decoded = est - 1 }, NULL, &bad),
	                 RG_ENOSPC);
	assert_null(bad);
	// The request id of a refused envelope, read from its bytes.
	{
		Stdreg__V1__Request env = STDREG__V1__REQUEST__INIT;

		env.method = "x";
		env.request_id = 300;
		len = stdreg__v1__request__pack(&env, buf);
		assert_int_equal(wire_top_varint(buf, len, 2), 300);
		assert_int_equal(wire_top_varint(buf, len, 4), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_estimate_covers_unpack),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests_name("registryd wirecheck", tests, NULL, NULL);
}
