/*
 * test_pbjson.c - the JSON mapping of proto/json: canonical output, every accepted input
 * spelling, and errors that name the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>

#include "pbjson.h"
#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

static char *dump(const ProtobufCMessage *m, unsigned flags)
{
	char *s = pbjson_dumps(m, flags);

	assert_non_null(s);
	return s;
}

static ProtobufCMessage *parse_ok(const char *text, const ProtobufCMessageDescriptor *d)
{
	struct pbjson_error err = { 0 };
	ProtobufCMessage *m = NULL;

	if (pbjson_parse(text, strlen(text), d, &m, &err) != 0)
		fail_msg("parse of %s failed: %s: %s", text, err.field, err.text);
	return m;
}

static void parse_fails(const char *text, const ProtobufCMessageDescriptor *d, const char *field,
                        const char *text_part)
{
	struct pbjson_error err = { 0 };
	ProtobufCMessage *m = NULL;

	assert_int_equal(pbjson_parse(text, strlen(text), d, &m, &err), -1);
	assert_null(m);
	assert_string_equal(err.field, field);
	if (strstr(err.text, text_part) == NULL)
		fail_msg("error '%s' lacks '%s'", err.text, text_part);
}

/* Canonical output: proto names, full enum names, 64-bit as strings, defaults left out. */
static void test_canonical_output(void **state)
{
	Stdreg__V1__Meta meta = STDREG__V1__META__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	char *tags[] = { "ai", "data" };
	char *s;

	(void)state;
	meta.mod_revision = 42;
	meta.create_revision = 18446744073709551615ull;
	a.id = "ai";
	a.name_sv = "AI";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED;
	a.rank = 3;
	a.n_tags = 2;
	a.tags = tags;
	a.meta = &meta;
	s = dump(&a.base, 0);
	assert_string_equal(s,
	                    "{\"id\":\"ai\",\"name_sv\":\"AI\",\"priority\":"
	                    "\"AREA_PRIORITY_PRIORITISED\",\"rank\":3,\"tags\":[\"ai\",\"data\"],"
	                    "\"meta\":{\"create_revision\":\"18446744073709551615\","
	                    "\"mod_revision\":\"42\"}}");
	free(s);
	s = dump(&a.base, PBJSON_FRIENDLY_ENUMS | PBJSON_INT64_NUMBERS);
	assert_non_null(strstr(s, "\"priority\":\"prioritised\""));
	assert_non_null(strstr(s, "\"mod_revision\":42"));
	assert_non_null(strstr(s, "\"create_revision\":\"18446744073709551615\""));
	free(s);
}

static void test_bytes_and_maps(void **state)
{
	Stdreg__V1__Request r = STDREG__V1__REQUEST__INIT, *back;
	Stdreg__V1__Request__MetadataEntry e = STDREG__V1__REQUEST__METADATA_ENTRY__INIT, *ep = &e;
	uint8_t payload[] = { 0xfb, 0xff, 0x00, 0x41 };
	char *s;

	(void)state;
	r.method = "/stdreg.v1.Registry/GetArea";
	r.payload.data = payload;
	r.payload.len = sizeof payload;
	e.key = "trace";
	e.value = "x1";
	r.n_metadata = 1;
	r.metadata = &ep;
	s = dump(&r.base, 0);
	assert_string_equal(s, "{\"method\":\"/stdreg.v1.Registry/GetArea\",\"metadata\":"
	                       "{\"trace\":\"x1\"},\"payload\":\"+/8AQQ==\"}");
	back = (Stdreg__V1__Request *)parse_ok(s, &stdreg__v1__request__descriptor);
	assert_int_equal(back->n_metadata, 1);
	assert_string_equal(back->metadata[0]->value, "x1");
	assert_memory_equal(back->payload.data, payload, sizeof payload);
	protobuf_c_message_free_unpacked(&back->base, NULL);
	free(s);
	// URL-safe and unpadded base64 as well.
	back = (Stdreg__V1__Request *)parse_ok("{\"payload\":\"-_8AQQ\"}",
	                                       &stdreg__v1__request__descriptor);
	assert_memory_equal(back->payload.data, payload, sizeof payload);
	protobuf_c_message_free_unpacked(&back->base, NULL);
	parse_fails("{\"payload\":\"a\"}", &stdreg__v1__request__descriptor, "payload",
	            "not valid base64");
}

/* Both field-name spellings, every enum spelling, integers as numbers or strings. */
static void test_input_spellings(void **state)
{
	static const char *const inputs[] = {
		"{\"area_id\":\"ai\",\"agency_id\":\"dig\",\"role\":\"ROLE_LEAD\"}",
		"{\"areaId\":\"ai\",\"agencyId\":\"dig\",\"role\":\"lead\"}",
		"{\"areaId\":\"ai\",\"agency_id\":\"dig\",\"role\":1}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		Stdreg__V1__AssignRequest *a = (Stdreg__V1__AssignRequest *)parse_ok(
		        inputs[i], &stdreg__v1__assign_request__descriptor);

		assert_string_equal(a->area_id, "ai");
		assert_string_equal(a->agency_id, "dig");
		assert_int_equal(a->role, STDREG__V1__ROLE__ROLE_LEAD);
		protobuf_c_message_free_unpacked(&a->base, NULL);
	}
	Stdreg__V1__WatchRequest *w = (Stdreg__V1__WatchRequest *)parse_ok(
	        "{\"sinceRevision\":\"12\",\"wait_ms\":\"5\",\"kinds\":[\"KIND_AREA\",\"item\"],"
	        "\"max_events\":1e2}",
	        &stdreg__v1__watch_request__descriptor);
	assert_int_equal(w->since_revision, 12);
	assert_int_equal(w->wait_ms, 5);
	assert_int_equal(w->max_events, 100);
	assert_int_equal(w->n_kinds, 2);
	assert_int_equal(w->kinds[1], STDREG__V1__KIND__KIND_ITEM);
	protobuf_c_message_free_unpacked(&w->base, NULL);
}

/* Every refusal names the field by its path. */
static void test_errors_name_the_field(void **state)
{
	const ProtobufCMessageDescriptor *put = &stdreg__v1__put_area_request__descriptor;

	(void)state;
	parse_fails("{\"area\":{\"rank\":\"x\"}}", put, "area.rank", "expected an integer");
	parse_fails("{\"area\":{\"rank\":-1}}", put, "area.rank", "must not be negative");
	parse_fails("{\"area\":{\"rank\":4294967296}}", put, "area.rank", "out of range");
	parse_fails("{\"area\":{\"rank\":1.5}}", put, "area.rank", "expected an integer");
	parse_fails("{\"area\":{\"tags\":[\"a\",7]}}", put, "area.tags[1]", "expected a string");
	parse_fails("{\"area\":{\"tags\":[null]}}", put, "area.tags[0]", "null");
	parse_fails("{\"area\":{\"priority\":\"urgent\"}}", put, "area.priority",
	            "unknown value 'urgent'");
	parse_fails("{\"area\":{\"colour\":1}}", put, "area.colour", "unknown field");
	parse_fails("{\"create_only\":1}", put, "create_only", "expected true or false");
	parse_fails("{\"area\":[]}", put, "area", "expected an object");
	parse_fails("{\"decision_ref\":\"a\",\"decisionRef\":\"b\"}", put, "decisionRef",
	            "given twice");
	parse_fails("{\"area\":", put, "", "malformed JSON");
	parse_fails("[1]", put, "", "expected a JSON object");
	parse_fails("{\"expected_mod_revision\":\"18446744073709551616\"}", put,
	            "expected_mod_revision", "out of range");
}

/* Output parses back to the same packed bytes (the round trip HTTP clients rely on). */
static void test_round_trip(void **state)
{
	Stdreg__V1__ReportResponse r = STDREG__V1__REPORT_RESPONSE__INIT, *back;
	Stdreg__V1__AgencyLoad l = STDREG__V1__AGENCY_LOAD__INIT, *lp = &l;
	uint8_t a[256], b[256];
	size_t na, nb;
	char *s;

	(void)state;
	r.today = "2026-12-06";
	r.coverage_percent = 62.5;
	r.prioritised = 8;
	l.agency_id = "dig";
	l.overdue = 2;
	r.n_agencies = 1;
	r.agencies = &lp;
	s = dump(&r.base, 0);
	back = (Stdreg__V1__ReportResponse *)parse_ok(s, &stdreg__v1__report_response__descriptor);
	na = protobuf_c_message_pack(&r.base, a);
	nb = protobuf_c_message_pack(&back->base, b);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	protobuf_c_message_free_unpacked(&back->base, NULL);
	free(s);
}

/* "[" ITEM "," ITEM ... "]" with n items, malloc'd. */
static char *array_of(const char *item, size_t n, size_t *len)
{
	size_t il = strlen(item);
	char *s = malloc(2 + (il + 1) * n), *p = s;

	assert_non_null(s);
	*p++ = '[';
	for (size_t i = 0; i < n; i++) {
		memcpy(p, item, il);
		p += il;
		*p++ = ',';
	}
	p[-1] = ']';
	*len = (size_t)(p - s);
	return s;
}

/* What jansson's tree of text takes from the heap (0 where the allocator does not say, as
 * under AddressSanitizer). */
static size_t tree_bytes(const char *text, size_t len)
{
	struct mallinfo2 a = mallinfo2(), b;
	json_error_t e;
	json_t *j = json_loadb(text, len, 0, &e);

	assert_non_null(j);
	b = mallinfo2();
	json_decref(j);
	return b.uordblks > a.uordblks ? b.uordblks - a.uordblks : 0;
}

/* The estimate is never below what jansson takes, whatever the shape; for records it stays
 * near what they take, so a budget refuses the hostile shapes and not ordinary bodies. */
static void test_parse_cost_bounds_the_tree(void **state)
{
	static const char *const shapes[] = { "{}",         "[]",           "1",    "1.5",
		                              "\"\"",       "\"abcdefgh\"", "true", "{\"a\":1}",
		                              "{\"a\":{}}", "[[],[{}]]" };
	const char *record = "{\"kind\":\"area\",\"id\":\"area-00001\",\"name\":\"Technology "
	                     "area 1\",\"priority\":\"prioritised\",\"rank\":2}";
	bool measured = false;
	size_t len;
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		text = array_of(shapes[i], 20000, &len);
		size_t cost = pbjson_parse_cost(text, len), took = tree_bytes(text, len);
		if (took > 0)
			measured = true;
		if (cost < took)
			fail_msg("%s: estimated %zu bytes, jansson took %zu", shapes[i], cost,
			         took);
		free(text);
	}
	text = array_of("{}", 20000, &len);
	assert_true(pbjson_parse_cost(text, len) >= 75 * len);
	free(text);
	/* 4 MiB of such records stay under the daemon's budget of 64 MiB. */
	text = array_of(record, 20000, &len);
	size_t cost = pbjson_parse_cost(text, len), took = tree_bytes(text, len);
	assert_true(cost <= 15 * len);
	if (took > 0 && cost > took * 3 / 2)
		fail_msg("records: estimated %zu bytes, jansson took only %zu", cost, took);
	free(text);
	/* Braces, commas and quotes inside strings are text, not structure. */
	assert_int_equal(pbjson_parse_cost("\"{[,:\\\"{\"", 9), 96 + 9);
	if (!measured)
		print_message("the allocator does not report its use here: only the estimates were "
		              "checked\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_output),
		cmocka_unit_test(test_bytes_and_maps),
		cmocka_unit_test(test_input_spellings),
		cmocka_unit_test(test_errors_name_the_field),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_cost_bounds_the_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
