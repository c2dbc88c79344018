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

/* Where each of names appears in out, in order: all found, each after the one before. */
static void assert_in_order(const char *out, const char *const *names, size_t n)
{
	const char *at = out;

	for (size_t i = 0; i < n; i++) {
		const char *p = strstr(out, names[i]);
		if (p == NULL || p < at)
			fail_msg("'%s' is not after '%s' in:\n%s", names[i], i ? names[i - 1] : "",
			         out);
		at = p;
	}
}

/* Agency and body tables by name in Swedish order (... Z, Å, Ä, Ö); the ids of the server's
 * order (bytes) and the other formats keep it. */
static void test_tables_sorted_by_name_in_swedish(void **state)
{
	json_t *recs = json_loads("[{\"id\":\"a1\",\"name\":\"Östra verket\"},"
	                          "{\"id\":\"a2\",\"name\":\"Zetaverket\"},"
	                          "{\"id\":\"a3\",\"name\":\"Ärendeverket\"},"
	                          "{\"id\":\"a4\",\"name\":\"Alfaverket\"},"
	                          "{\"id\":\"a5\",\"name\":\"Ålandsverket\"}]",
	                          0, NULL);
	static const char *const swedish[] = { "Alfaverket", "Zetaverket", "Ålandsverket",
		                               "Ärendeverket", "Östra verket" };
	static const char *const server[] = { "\"a1\"", "\"a2\"", "\"a3\"", "\"a4\"", "\"a5\"" };
	char *out = NULL;

	(void)state;
	assert_non_null(recs);
	CAPTURE(out, out_list(f, OUT_TABLE, noun_find("agency"), recs));
	assert_in_order(out, swedish, 5);
	free(out);
	CAPTURE(out, out_list(f, OUT_TABLE, noun_find("body"), recs));
	assert_in_order(out, swedish, 5);
	free(out);
	CAPTURE(out, out_list(f, OUT_JSONL, noun_find("agency"), recs));
	assert_in_order(out, server, 5);
	free(out);
	// The records themselves are not reordered.
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "id")),
	                    "a1");
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
	                         "tags:              x;y\n"
	                         "meta.mod_revision: 7\n"
	                         "meta.updated_by:   c\n");
	free(out);
	json_decref(rec);
}

/* A list is joined the same way in get, table and CSV output. */
static void test_list_sep_everywhere(void **state)
{
	json_t *rec = json_loads("{\"id\":\"i1\",\"area_ids\":[\"ai\",\"cyber\"]}", 0, NULL);
	json_t *recs = json_array();
	char *out = NULL;

	(void)state;
	json_array_append(recs, rec);
	CAPTURE(out, out_record(f, OUT_TABLE, noun_find("item"), rec));
	assert_non_null(strstr(out, "area_ids: ai;cyber\n"));
	free(out);
	CAPTURE(out, out_list(f, OUT_TABLE, noun_find("item"), recs));
	assert_non_null(strstr(out, " ai;cyber "));
	free(out);
	CAPTURE(out, out_list(f, OUT_CSV, noun_find("item"), recs));
	assert_non_null(strstr(out, ",ai;cyber,"));
	free(out);
	json_decref(recs);
	json_decref(rec);
}

static const struct {
	const char *in, *want;
} safe_cases[] = {
	{ "plain åäö", "plain åäö" },
	{ "\x1b[2J\x1b]0;owned\x07", "\\e[2J\\e]0;owned\\x07" },
	{ "over\rwrite", "over\\rwrite" },
	{ "two\nlines\ttab", "two\\nlines\\ttab" },
	{ "del\x7f", "del\\x7f" },
	{ "\x01\x1f", "\\x01\\x1f" },
	{ "csi\xc2\x9b"
	  "31m",
	  "csi\\u009b31m" },
	{ "nbsp\xc2\xa0kept", "nbsp\xc2\xa0kept" },
	{ "", "" },
};

static void test_cell_safe(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(safe_cases) / sizeof(safe_cases[0]); i++) {
		char *out = cell_safe(safe_cases[i].in);

		assert_string_equal(out, safe_cases[i].want);
		free(out);
	}
}

/* No byte a terminal acts on (C0 but LF, DEL, C1) in text. */
static void assert_terminal_safe(const char *text)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		assert_true(*p >= 0x20 || *p == '\n');
		assert_true(*p != 0x7f);
		assert_false(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
	}
}

/* Hostile values already stored: every table writer escapes them. */
static void test_tables_escape_hostile_values(void **state)
{
	static const char hostile[] = "\"x\\u001b[2J\\r\\u007f\\u009b\\nend\"";
	char json[1024], *out = NULL;
	json_t *rec, *recs, *safe;

	(void)state;
	snprintf(json, sizeof(json),
	         "{\"id\":%s,\"reference\":%s,\"title\":%s,\"area_ids\":[%s],"
	         "\"meta\":{\"updated_by\":%s}}",
	         hostile, hostile, hostile, hostile, hostile);
	rec = json_loads(json, 0, NULL);
	assert_non_null(rec);
	recs = json_pack("[O]", rec);
	CAPTURE(out, out_record(f, OUT_TABLE, noun_find("item"), rec));
	assert_terminal_safe(out);
	assert_non_null(strstr(out, "x\\e[2J\\r\\x7f\\u009b\\nend"));
	free(out);
	CAPTURE(out, out_list(f, OUT_TABLE, noun_find("item"), recs));
	assert_terminal_safe(out);
	free(out);
	snprintf(json, sizeof(json),
	         "{\"kind\":\"item\",\"id\":%s,\"entries\":[{\"revision\":1,\"principal\":%s,"
	         "\"op\":\"put\",\"changes\":[{\"field\":\"title\",\"old_value\":%s,"
	         "\"new_value\":%s}]}]}",
	         hostile, hostile, hostile, hostile);
	json_decref(rec);
	rec = json_loads(json, 0, NULL);
	assert_non_null(rec);
	safe = json_cells_safe(rec);
	CAPTURE(out, table_history(f, safe));
	assert_terminal_safe(out);
	free(out);
	json_decref(safe);
	CAPTURE(out, table_change(f, rec));
	assert_terminal_safe(out);
	free(out);
	json_decref(rec);
	json_decref(recs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_list),
		cmocka_unit_test(test_table_list),
		cmocka_unit_test(test_tables_sorted_by_name_in_swedish),
		cmocka_unit_test(test_jsonl_and_json),
		cmocka_unit_test(test_record_fields),
		cmocka_unit_test(test_list_sep_everywhere),
		cmocka_unit_test(test_cell_safe),
		cmocka_unit_test(test_tables_escape_hostile_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
