/*
 * test_apply_plan.c - how stdreg_apply splits records into chunks (client/lib/apply.c): every
 * chunk under the byte budget (unless one record alone is larger), none lost, order kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stdreg.h"
#include "stdreg/v1/registry.pb-c.h"

/* A BulkRecord holding a work item whose title is len bytes. */
static ProtobufCMessage *record(size_t len, uint32_t line)
{
	Stdreg__V1__BulkRecord *b = malloc(sizeof(*b));
	Stdreg__V1__WorkItem *w = malloc(sizeof(*w));

	stdreg__v1__bulk_record__init(b);
	stdreg__v1__work_item__init(w);
	w->id = strdup("item");
	w->title = malloc(len + 1);
	memset(w->title, 'x', len);
	w->title[len] = '\0';
	b->work_item = w;
	b->line = line;
	return &b->base;
}

/* The bytes records[start..end) take in an ApplyChunkRequest. */
static size_t encoded(ProtobufCMessage **recs, size_t start, size_t end)
{
	Stdreg__V1__ApplyChunkRequest req = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;

	req.records = (Stdreg__V1__BulkRecord **)recs + start;
	req.n_records = end - start;
	return stdreg__v1__apply_chunk_request__get_packed_size(&req);
}

static void check_plan(ProtobufCMessage **recs, size_t n, size_t budget)
{
	size_t *ends = calloc(n + 1, sizeof(*ends));
	size_t nchunks = stdreg_apply_plan(recs, n, budget, ends), start = 0, i;

	if (n == 0)
		assert_int_equal(nchunks, 0);
	for (i = 0; i < nchunks; i++) {
		size_t bytes;

		assert_true(ends[i] > start); // no empty chunk, order kept
		bytes = encoded(recs, start, ends[i]);
		if (ends[i] - start > 1)
			assert_true(bytes <= budget);
		// Greedy: the next record would not have fitted.
		if (ends[i] < n)
			assert_true(encoded(recs, start, ends[i] + 1) > budget);
		start = ends[i];
	}
	assert_int_equal(start, n); // none lost
	free(ends);
}

static void test_plan_sizes(void **state)
{
	static const size_t sizes[] = { 10, 100, 127, 128, 300, 1000, 5000, 16383, 16384, 70000 };
	static const size_t budgets[] = { 64, 1000, 4096, 65536, 1 << 20 };
	ProtobufCMessage *recs[200];
	size_t i, b;

	(void)state;
	for (i = 0; i < 200; i++)
		recs[i] = record(sizes[(i * 7) % 10], (uint32_t)i + 1);
	for (b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		check_plan(recs, 200, budgets[b]);
		check_plan(recs, 1, budgets[b]);
		check_plan(recs, 0, budgets[b]);
	}
	for (i = 0; i < 200; i++)
		protobuf_c_message_free_unpacked(recs[i], NULL);
}

static void test_plan_large_record_alone(void **state)
{
	ProtobufCMessage *recs[3] = { record(10, 1), record(5000, 2), record(10, 3) };
	size_t ends[3];

	(void)state;
	assert_int_equal(stdreg_apply_plan(recs, 3, 1000, ends), 3);
	assert_int_equal(ends[0], 1);
	assert_int_equal(ends[1], 2);
	assert_int_equal(ends[2], 3);
	for (size_t i = 0; i < 3; i++)
		protobuf_c_message_free_unpacked(recs[i], NULL);
}

static void test_plan_default_budget_many(void **state)
{
	size_t n = 20000, i, *ends = calloc(n, sizeof(*ends)), nchunks;
	ProtobufCMessage **recs = calloc(n, sizeof(*recs));

	(void)state;
	for (i = 0; i < n; i++)
		recs[i] = record(200 + i % 300, (uint32_t)i + 1);
	nchunks = stdreg_apply_plan(recs, n, STDREG_APPLY_CHUNK_BYTES, ends);
	assert_true(nchunks >= 5); // ~7 MB of records in 1 MiB chunks
	check_plan(recs, n, STDREG_APPLY_CHUNK_BYTES);
	for (i = 0; i < n; i++)
		protobuf_c_message_free_unpacked(recs[i], NULL);
	free(recs);
	free(ends);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_sizes),
		cmocka_unit_test(test_plan_large_record_alone),
		cmocka_unit_test(test_plan_default_budget_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
