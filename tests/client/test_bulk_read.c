/*
 * test_bulk_read.c - bulk files into records (client/regctl/bulk_read.c) and the bulk JSON
 * mapping of libstdreg (client/lib/bulk.c): line numbers, comments and blank lines, every bad
 * line collected, CSV of work items, the round trip list -o csv -> apply, and Change decoding.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bulk_read.h"
#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

static const Stdreg__V1__BulkRecord *rec(const struct bulk_records *r, size_t i)
{
	return (const Stdreg__V1__BulkRecord *)r->v[i];
}

static void test_jsonl_lines_comments_blanks(void **state)
{
	static const char in[] = "# a comment\n"
	                         "{\"kind\":\"area\",\"id\":\"ai\",\"name\":\"AI\"}\n"
	                         "\n"
	                         "   \t\n"
	                         "  # indented comment\n"
	                         "{\"kind\":\"item\",\"id\":\"i1\",\"area_ids\":[\"ai\"]}\r\n"
	                         "{\"kind\":\"agency\",\"id\":\"dig\"}"; // no final newline
	struct bulk_records r = { 0 };
	struct line_errors e = { 0 };

	(void)state;
	assert_int_equal(bulk_read_jsonl(in, strlen(in), NULL, &r, &e), 0);
	assert_int_equal(e.total, 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(rec(&r, 0)->line, 2);
	assert_string_equal(rec(&r, 0)->area->name, "AI");
	assert_int_equal(rec(&r, 1)->line, 6);
	assert_string_equal(rec(&r, 1)->work_item->area_ids[0], "ai");
	assert_int_equal(rec(&r, 2)->line, 7);
	assert_non_null(rec(&r, 2)->agency);
	bulk_records_release(&r);
}

static const struct {
	const char *line, *error;
} bad_lines[] = {
	{ "{\"kind\":\"area\",\"id\":", "invalid JSON" },
	{ "{\"kind\":\"area\",\"id\":\"a\",\"nmae\":\"x\"}", "unknown field 'nmae'" },
	{ "{\"kind\":\"area\",\"id\":\"a\",\"rank\":\"one\"}",
	  "field 'rank': expected an integer" },
	{ "{\"kind\":\"thing\",\"id\":\"a\"}", "unknown kind 'thing'" },
	{ "{\"id\":\"a\"}", "no field 'kind'" },
	{ "[1,2]", "expected a JSON object" },
	{ "{\"kind\":\"area\",\"id\":\"a\"} x", "invalid JSON" },
	{ "{\"kind\":\"area\",\"id\":\"a\",\"id\":\"b\"}", "invalid JSON" },
	{ "{\"kind\":\"item\",\"id\":\"i\",\"status\":\"done\"}", "unknown value 'done'" },
};

static void test_jsonl_bad_lines_collected(void **state)
{
	struct bulk_records r = { 0 };
	struct line_errors e = { 0 };
	char *in = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&in, &len);

	(void)state;
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++)
		fprintf(f, "{\"kind\":\"body\",\"id\":\"ok%zu\"}\n%s\n", i, bad_lines[i].line);
	fclose(f);
	assert_int_equal(bulk_read_jsonl(in, len, NULL, &r, &e), 0);
	assert_int_equal(r.n, sizeof(bad_lines) / sizeof(bad_lines[0]));
	assert_int_equal(e.total, sizeof(bad_lines) / sizeof(bad_lines[0]));
	for (i = 0; i < e.n_shown; i++) {
		assert_int_equal(e.shown[i].line, 2 * i + 2);
		if (strstr(e.shown[i].msg, bad_lines[i].error) == NULL)
			fail_msg("line %zu: '%s' lacks '%s'", i, e.shown[i].msg,
			         bad_lines[i].error);
	}
	line_errors_release(&e);
	bulk_records_release(&r);
	free(in);
}

static void test_jsonl_error_limit(void **state)
{
	struct bulk_records r = { 0 };
	struct line_errors e = { 0 };
	char *in = NULL, *out = NULL;
	size_t len = 0, olen = 0, i;
	FILE *f = open_memstream(&in, &len);

	(void)state;
	for (i = 0; i < 25; i++)
		fputs("not json\n", f);
	fclose(f);
	assert_int_equal(bulk_read_jsonl(in, len, NULL, &r, &e), 0);
	assert_int_equal(e.total, 25);
	assert_int_equal(e.n_shown, LINE_ERRORS_SHOWN);
	f = open_memstream(&out, &olen);
	line_errors_print(f, &e, "big.jsonl");
	fclose(f);
	assert_non_null(strstr(out, "regctl: big.jsonl:1: invalid JSON"));
	assert_non_null(strstr(out, "regctl: big.jsonl:20: invalid JSON"));
	assert_null(strstr(out, "big.jsonl:21:"));
	assert_non_null(strstr(out, "regctl: big.jsonl: and 5 more bad lines\n"));
	line_errors_release(&e);
	free(in);
	free(out);
}

/* Same bytes: the packed form of two records. */
static bool same_record(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t na = protobuf_c_message_get_packed_size(a),
	       nb = protobuf_c_message_get_packed_size(b);
	uint8_t *pa = malloc(na + 1), *pb = malloc(nb + 1);
	bool same;

	assert_non_null(pa);
	assert_non_null(pb);
	protobuf_c_message_pack(a, pa);
	protobuf_c_message_pack(b, pb);
	same = na == nb && memcmp(pa, pb, na) == 0;
	free(pa);
	free(pb);
	return same;
}

/* A file read in 2..8 parts on threads gives what reading it whole gives: the same records
 * with the same line numbers, the same first errors, the same count. */
static void test_jsonl_parts_same_as_whole(void **state)
{
	struct bulk_records whole = { 0 };
	struct line_errors whole_e = { 0 };
	char *in = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&in, &len);

	(void)state;
	for (i = 0; i < 3000; i++) {
		if (i % 97 == 5)
			fputs("{broken\n", f);
		else if (i % 131 == 7)
			fputs("# a comment\n\n", f);
		else if (i % 151 == 9)
			fprintf(f, "{\"kind\":\"item\",\"id\":\"bad id %zu\",\"title\":\"x\"}\r\n",
			        i);
		else
			fprintf(f, "{\"kind\":\"area\",\"id\":\"a-%zu\",\"name\":\"Area %zu\"}\n",
			        i, i);
	}
	fputs("{\"kind\":\"area\",\"id\":\"last\",\"name\":\"no newline\"}", f);
	fclose(f);
	assert_int_equal(bulk_read_jsonl_parts(in, len, NULL, 1, &whole, &whole_e), 0);
	assert_true(whole_e.total > LINE_ERRORS_SHOWN);
	for (unsigned parts = 2; parts <= JSONL_MAX_PARTS + 1; parts++) {
		struct bulk_records r = { 0 };
		struct line_errors e = { 0 };

		assert_int_equal(bulk_read_jsonl_parts(in, len, NULL, parts, &r, &e), 0);
		assert_int_equal(r.n, whole.n);
		for (i = 0; i < r.n; i++) {
			assert_int_equal(rec(&r, i)->line, rec(&whole, i)->line);
			assert_true(same_record(r.v[i], whole.v[i]));
		}
		assert_int_equal(e.total, whole_e.total);
		assert_int_equal(e.n_shown, whole_e.n_shown);
		for (i = 0; i < e.n_shown; i++) {
			assert_int_equal(e.shown[i].line, whole_e.shown[i].line);
			assert_string_equal(e.shown[i].msg, whole_e.shown[i].msg);
		}
		bulk_records_release(&r);
		line_errors_release(&e);
	}
	bulk_records_release(&whole);
	line_errors_release(&whole_e);
	free(in);
}

static void test_jsonl_kind_option(void **state)
{
	static const char in[] = "{\"id\":\"i1\"}\n{\"kind\":\"item\",\"id\":\"i2\"}\n"
	                         "{\"kind\":\"area\",\"id\":\"a\"}\n";
	struct bulk_records r = { 0 };
	struct line_errors e = { 0 };

	(void)state;
	assert_int_equal(bulk_read_jsonl(in, strlen(in), "item", &r, &e), 0);
	assert_int_equal(r.n, 2);
	assert_non_null(rec(&r, 0)->work_item);
	assert_int_equal(e.total, 1);
	assert_int_equal(e.shown[0].line, 3);
	assert_non_null(strstr(e.shown[0].msg, "kind 'area'"));
	line_errors_release(&e);
	bulk_records_release(&r);
}

/* Meta is dropped on input; the bulk output has "kind" first and no meta. */
static void test_bulk_json_mapping(void **state)
{
	json_t *in = json_loads("{\"kind\":\"area\",\"id\":\"ai\",\"rank\":2,\"name\":\"AI\","
	                        "\"meta\":{\"version\":3}}",
	                        0, NULL);
	ProtobufCMessage *b = NULL;
	char err[200], *text;
	json_t *out;

	(void)state;
	assert_int_equal(stdreg_bulk_from_json(in, NULL, false, 9, &b, err, sizeof(err)), 0);
	assert_null(((Stdreg__V1__BulkRecord *)b)->area->meta);
	out = stdreg_json_from_bulk(b);
	text = json_dumps(out, JSON_COMPACT);
	assert_string_equal(text, "{\"kind\":\"area\",\"id\":\"ai\",\"name\":\"AI\",\"rank\":2}");
	free(text);
	json_decref(out);
	json_decref(in);
	protobuf_c_message_free_unpacked(b, NULL);
}

static void test_change_decoded(void **state)
{
	Stdreg__V1__Change ch = STDREG__V1__CHANGE__INIT;
	Stdreg__V1__Area before = STDREG__V1__AREA__INIT, after = STDREG__V1__AREA__INIT;
	uint8_t b1[64], b2[64];
	char *text;
	json_t *j;

	(void)state;
	before.id = "ai";
	before.rank = 1;
	after.id = "ai";
	after.rank = 2;
	ch.revision = 7;
	ch.kind = STDREG__V1__KIND__KIND_AREA;
	ch.id = "ai";
	ch.op = STDREG__V1__OP__OP_UPDATE;
	ch.before.data = b1;
	ch.before.len = stdreg__v1__area__pack(&before, b1);
	ch.after.data = b2;
	ch.after.len = stdreg__v1__area__pack(&after, b2);
	j = stdreg_json_from_change(&ch.base);
	text = json_dumps(j, JSON_COMPACT);
	assert_string_equal(text,
	                    "{\"revision\":7,\"kind\":\"area\",\"id\":\"ai\",\"op\":\"update\","
	                    "\"before\":{\"id\":\"ai\",\"rank\":1},"
	                    "\"after\":{\"id\":\"ai\",\"rank\":2}}");
	free(text);
	json_decref(j);
}

static const char items_csv[] =
        "id,reference,title,body_id,area_ids,deliverable_type,stage,stage_scheme,status,"
        "target_date,priority,url,notes\r\n"
        "i1,ISO/IEC 42001,\"AI, \"\"management\"\"\nsystem\",jtc1,ai;data,IS,60.60,,"
        "published,2023-12-18,2,,\r\n"
        "i2,,,,,,,,,,,,\r\n";

static void test_csv_items(void **state)
{
	struct bulk_records r = { 0 };
	struct line_errors e = { 0 };
	const Stdreg__V1__WorkItem *w;

	(void)state;
	assert_int_equal(bulk_read_csv(items_csv, strlen(items_csv), "item", &r, &e), 0);
	assert_int_equal(e.total, 0);
	assert_int_equal(r.n, 2);
	w = rec(&r, 0)->work_item;
	assert_int_equal(rec(&r, 0)->line, 2);
	assert_string_equal(w->title, "AI, \"management\"\nsystem");
	assert_int_equal(w->n_area_ids, 2);
	assert_string_equal(w->area_ids[1], "data");
	assert_int_equal(w->status, STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_PUBLISHED);
	assert_int_equal(w->priority, 2);
	assert_int_equal(rec(&r, 1)->line, 4); // the quoted title spans lines 2 and 3
	bulk_records_release(&r);
}

static const struct {
	const char *in, *error;
	uint32_t line;
} csv_bad[] = {
	{ "id,nmae\r\na,b\r\n", "unknown column 'nmae'", 1 },
	{ "id,meta\r\n", "unknown column 'meta'", 1 },
	{ "id,id\r\n", "appears twice", 1 },
	{ "id,title\r\na\r\n", "expected 2 fields, found 1", 2 },
	{ "id,title\r\na,b,c\r\n", "expected 2 fields, found 3", 2 },
	{ "id,priority\r\na,high\r\n", "column 'priority': expected an integer", 2 },
	{ "id,status\r\na,done\r\n", "column 'status'", 2 },
	{ "id,title\r\na,\"open\r\nb,c\r\n", "unterminated quoted field (opened on line 2)", 4 },
	{ "", "no header row", 1 },
};

static void test_csv_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(csv_bad) / sizeof(csv_bad[0]); i++) {
		struct bulk_records r = { 0 };
		struct line_errors e = { 0 };

		assert_int_equal(
		        bulk_read_csv(csv_bad[i].in, strlen(csv_bad[i].in), "item", &r, &e), 0);
		if (e.total != 1 || strstr(e.shown[0].msg, csv_bad[i].error) == NULL ||
		    e.shown[0].line != csv_bad[i].line)
			fail_msg("case %zu: %zu errors, first '%s' on line %u", i, e.total,
			         e.total > 0 ? e.shown[0].msg : "",
			         e.total > 0 ? e.shown[0].line : 0);
		line_errors_release(&e);
		bulk_records_release(&r);
	}
}

/* regctl item list -o csv, read back as apply reads it: the same records. */
static void test_csv_round_trip(void **state)
{
	json_t *items = json_loads(
	        "[{\"id\":\"i1\",\"reference\":\"ISO/IEC 42001\",\"title\":\"AI, "
	        "\\\"x\\\"\\r\\nsys\","
	        "\"body_id\":\"jtc1\",\"area_ids\":[\"ai\",\"data\"],\"deliverable_type\":\"IS\","
	        "\"stage\":\"60.60\",\"status\":\"published\",\"target_date\":\"2023-12-18\","
	        "\"priority\":3,\"url\":\"https://iso.org/a,b\",\"notes\":\"line1\\nline2\","
	        "\"meta\":{\"version\":2}},"
	        "{\"id\":\"i2\",\"stage\":\"CD\",\"stage_scheme\":\"cen\",\"area_ids\":[\"x\"]}]",
	        0, NULL);
	struct bulk_records r = { 0 };
	struct line_errors e = { 0 };
	char *csv = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	assert_non_null(items);
	f = open_memstream(&csv, &len);
	out_list(f, OUT_CSV, noun_find("item"), items);
	fclose(f);
	assert_int_equal(bulk_read_csv(csv, len, "item", &r, &e), 0);
	assert_int_equal(e.total, 0);
	assert_int_equal(r.n, 2);
	for (i = 0; i < r.n; i++) {
		json_t *want = json_deep_copy(json_array_get(items, i));
		json_t *got = stdreg_json_from_bulk(r.v[i]);

		json_object_del(want, "meta");
		json_object_set_new(want, "kind", json_string("item"));
		if (!json_equal(want, got)) {
			char *a = json_dumps(want, JSON_SORT_KEYS),
			     *b = json_dumps(got, JSON_SORT_KEYS);

			fail_msg("record %zu: want %s, got %s", i, a, b);
		}
		json_decref(want);
		json_decref(got);
	}
	bulk_records_release(&r);
	json_decref(items);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl_lines_comments_blanks),
		cmocka_unit_test(test_jsonl_bad_lines_collected),
		cmocka_unit_test(test_jsonl_error_limit),
		cmocka_unit_test(test_jsonl_parts_same_as_whole),
		cmocka_unit_test(test_jsonl_kind_option),
		cmocka_unit_test(test_bulk_json_mapping),
		cmocka_unit_test(test_change_decoded),
		cmocka_unit_test(test_csv_items),
		cmocka_unit_test(test_csv_bad),
		cmocka_unit_test(test_csv_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
