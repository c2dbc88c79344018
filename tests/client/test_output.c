/*
 * test_output.c - regctl's output formats (client/regctl/output.c): CSV quoting, CSV and
 * table layout, JSON Lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "regctl.h"

/* Runs fn into a memory stream and returns what it wrote (malloc'd). */
#define CAPTURE(out, call)                               \
	do {                                             \
		size_t len_;                             \
		FILE *f = open_memstream(&(out), &len_); \
		assert_non_null(f);                      \
		call;                                    \
		fclose(f);                               \
	} while (0)

static const struct {
	const char *in, *want;
} csv_cases[] = {
	{ "plain", "plain" },
	{ "", "" },
	{ "a,b", "\"a,b\"" },
	{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
	{ "\"", "\"\"\"\"" },
	{ "two\nlines", "\"two\nlines\"" },
	{ "cr\rhere", "\"cr\rhere\"" },
	{ "crlf\r\n", "\"crlf\r\n\"" },
	{ " spaces kept ", " spaces kept " },
	{ "åäö", "åäö" },
};

static void test_csv_quoting(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
		char *out = NULL;

		CAPTURE(out, csv_field(f, csv_cases[i].in));
		assert_string_equal(out, csv_cases[i].want);
		free(out);
	}
}

static json_t *items(void)
{
	return json_loads("[{\"id\":\"i1\",\"reference\":\"ISO/IEC 42001\",\"title\":"
	                  "\"AI, \\\"management\\\"\\nsystem\",\"area_ids\":[\"ai\",\"data\"],"
	                  "\"status\":\"published\",\"priority\":2,\"meta\":{\"version\":1}},"
	                  "{\"id\":\"i2\"}]",
	                  0, NULL);
}

static void test_csv_list(void **state)
{
	json_t *recs = items();
	char *out = NULL;

	(void)state;
	CAPTURE(out, out_list(f, OUT_CSV, noun_find("item"), recs));
	assert_string_equal(out, "id,reference,title,body_id,area_ids,deliverable_type,stage,"
	                         "stage_scheme,status,target_date,priority,url,notes\r\n"
	                         "i1,ISO/IEC 42001,\"AI, \"\"management\"\"\nsystem\",,ai;data,,,,"
	                         "published,,2,,\r\n"
	                         "i2,,,,,,,,,,,,\r\n");
	free(out);
	json_decref(recs);
}

static void test_table_list(void **state)
{
	json_t *recs = json_loads("[{\"id\":\"ai\",\"rank\":1,\"priority\":\"prioritised\","
	                          "\"name\":\"Artificiell intelligens\"},"
	                          "{\"id\":\"språk\",\"name\":\"Språkteknologi\"}]",
	                          0, NULL);
	char *out = NULL;

	(void)state;
	CAPTURE(out, out_list(f, OUT_TABLE, noun_find("area"), recs));
	// Widths count characters, not bytes: "språk" is 5 columns wide.
	assert_string_equal(out, "ID     RANK  PRIORITY     NAME\n"
	                         "ai     1     prioritised  Artificiell intelligens\n"
	                         "språk  -     -            Språkteknologi\n");
	free(out);
	json_decref(recs);
}

static void test_jsonl_and_json(void **state)
{
	json_t *recs = json_loads("[{\"id\":\"a\",\"rank\":1},{\"id\":\"b\"}]", 0, NULL);
	char *out = NULL;

	(void)state;
	CAPTURE(out, out_list(f, OUT_JSONL, noun_find("area"), recs));
	assert_string_equal(out, "{\"id\":\"a\",\"rank\":1}\n{\"id\":\"b\"}\n");
	free(out);
	CAPTURE(out, out_record(f, OUT_JSON, noun_find("area"), json_array_get(recs, 1)));
	assert_string_equal(out, "{\n  \"id\": \"b\"\n}\n");
	free(out);
	json_decref(recs);
	recs = json_array();
	CAPTURE(out, out_list(f, OUT_JSON, noun_find("area"), recs));
	assert_string_equal(out, "[]\n");
	free(out);
	json_decref(recs);
}

static void test_record_fields(void **state)
{
	json_t *rec = json_loads("{\"id\":\"ai\",\"tags\":[\"x\",\"y\"],\"meta\":"
	                         "{\"mod_revision\":7,\"updated_by\":\"c\"}}",
	                         0, NULL);
	char *out = NULL;

	(void)state;
	CAPTURE(out, out_record(f, OUT_TABLE, noun_find("area"), rec));
	assert_string_equal(out, "id:                ai\n"
	                         "tags:              x, y\n"
	                         "meta.mod_revision: 7\n"
	                         "meta.updated_by:   c\n");
	free(out);
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),   cmocka_unit_test(test_csv_list),
		cmocka_unit_test(test_table_list),    cmocka_unit_test(test_jsonl_and_json),
		cmocka_unit_test(test_record_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
