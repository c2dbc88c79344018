/*
 * test_commands.c - the command table (client/regctl/commands.c), its argument parsing
 * (client/regctl/cmd_args.c) and the tables of the answers (client/regctl/out_follow.c): a
 * fixed response in, the expected text out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "regctl.h"

/* ---- the table ---- */

/* One row: its fields name real fields of its request. */
static void check_row(const struct command *c)
{
	size_t i;

	assert_non_null(c->run);
	assert_non_null(c->summary);
	assert_non_null(c->request);
	assert_true(c->run != run_call ||
	            (c->method != NULL && c->response != NULL && c->table != NULL));
	// A name starting with '@' is an argument regctl itself uses (backup's FILE).
	for (i = 0; c->pos != NULL && c->pos[i] != NULL; i++)
		if (c->pos[i][0] != '@' &&
		    protobuf_c_message_descriptor_get_field_by_name(c->request, c->pos[i]) == NULL)
			fail_msg("%s: argument field '%s' not in %s", c->name, c->pos[i],
			         c->request->name);
	for (i = 0; c->opts != NULL && c->opts[i].flag != NULL; i++) {
		const struct cmd_opt *o = &c->opts[i];

		if (o->field != NULL &&
		    protobuf_c_message_descriptor_get_field_by_name(c->request, o->field) == NULL)
			fail_msg("%s --%s: no field '%s' in %s", c->name, o->flag, o->field,
			         c->request->name);
		assert_true(o->field != NULL || o->id != 0);
		assert_non_null(o->help);
	}
}

static void test_table_names_real_fields(void **state)
{
	const struct command *c, *s;

	(void)state;
	for (c = regctl_commands; c->name != NULL; c++) {
		if (c->subs != NULL) {
			// A command of subcommands: each row is "COMMAND SUB" and a row of its own.
			assert_non_null(c->summary);
			for (s = c->subs; s->name != NULL; s++) {
				assert_int_equal(strncmp(s->name, c->name, strlen(c->name)), 0);
				assert_int_equal(s->name[strlen(c->name)], ' ');
				check_row(s);
			}
		} else {
			check_row(c);
		}
		assert_ptr_equal(command_find(c->name), c);
		assert_null(noun_find(c->name)); // a command never shadows a noun
	}
}

/* ---- parsing ---- */

static const struct {
	const char *args; /* space-separated, argv[0] is the command */
	int rc;
	const char *fields; /* the request fields as compact JSON, for rc 0 */
} parse_cases[] = {
	{ "assign ai dig --role lead --decision N1 --from 2024-02-29", 0,
	  "{\"area_id\":\"ai\",\"agency_id\":\"dig\",\"role\":\"lead\",\"decision_ref\":\"N1\","
	  "\"valid_from\":\"2024-02-29\"}" },
	{ "assign ai dig --role lead", EXIT_USAGE, NULL },                 // no --decision
	{ "assign ai --role lead --decision N1", EXIT_USAGE, NULL },       // no AGENCY
	{ "assign ai dig x --role lead --decision N1", EXIT_USAGE, NULL }, // extra argument
	{ "assign ai dig --role boss --decision N1", EXIT_USAGE, NULL },   // bad role
	{ "assign ai dig --role lead --decision N1 --from 2023-02-29", EXIT_USAGE, NULL },
	{ "assign ai dig --role lead --decision N1 --from 2024-1-01", EXIT_USAGE, NULL },
	{ "unassign ai dig --decision N2 --to 2025-01-01 --role supporting", 0,
	  "{\"area_id\":\"ai\",\"agency_id\":\"dig\",\"decision_ref\":\"N2\","
	  "\"valid_to\":\"2025-01-01\",\"role\":\"supporting\"}" },
	{ "transfer ai dig pts --decision N3", 0,
	  "{\"area_id\":\"ai\",\"from_agency_id\":\"dig\",\"to_agency_id\":\"pts\","
	  "\"decision_ref\":\"N3\"}" },
	{ "stage i1 50.00 --if-revision 12", 0,
	  "{\"work_item_id\":\"i1\",\"stage\":\"50.00\",\"expected_mod_revision\":12}" },
	{ "stage i1 50.00 --if-revision x", EXIT_USAGE, NULL },
	{ "mine", EXIT_USAGE, NULL },
	{ "mine dig", 0, "{\"agency_id\":\"dig\"}" },
	{ "gaps --today 2026-03-01", 0, "{\"today\":\"2026-03-01\"}" },
	{ "as-of ai 2026-13-01", EXIT_USAGE, NULL },
	{ "history item i1", 0, "{\"kind\":\"item\",\"id\":\"i1\"}" },
	{ "history thing i1", EXIT_USAGE, NULL },
	{ "report --days 30", 0, "{\"days\":30}" },
	{ "report --days -1", EXIT_USAGE, NULL },
	{ "watch --since 5 --kind item --kind area --id a --wait-ms 100 --count 3", 0,
	  "{\"since_revision\":5,\"kinds\":[\"item\",\"area\"],\"ids\":[\"a\"],\"wait_ms\":100}" },
	{ "watch --count 0", EXIT_USAGE, NULL },
	{ "apply -f x.jsonl --dry-run --decision D", 0,
	  "{\"dry_run\":true,\"decision_ref\":\"D\"}" },
	{ "apply -f x --format xml", EXIT_USAGE, NULL },
	{ "export --kind item -o jsonl", 0, "{\"kind\":\"item\"}" },
	{ "gaps --bogus", EXIT_USAGE, NULL },
};

static void test_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		char *copy = strdup(parse_cases[i].args), *argv[32], *tok, *save = NULL;
		struct globals g = { .out = OUT_TABLE };
		struct cmd_args a;
		int argc = 0, rc;

		for (tok = strtok_r(copy, " ", &save); tok != NULL;
		     tok = strtok_r(NULL, " ", &save))
			argv[argc++] = tok;
		argv[argc] = NULL;
		rc = cmd_args_parse(&g, command_find(argv[0]), argc, argv, &a);
		if (rc != parse_cases[i].rc)
			fail_msg("'%s': rc %d, expected %d", parse_cases[i].args, rc,
			         parse_cases[i].rc);
		if (rc == 0) {
			char *got = json_dumps(a.fields, JSON_COMPACT);
			json_t *want = json_loads(parse_cases[i].fields, 0, NULL);

			assert_non_null(want);
			if (!json_equal(want, a.fields))
				fail_msg("'%s': fields %s, expected %s", parse_cases[i].args, got,
				         parse_cases[i].fields);
			free(got);
			json_decref(want);
			cmd_args_release(&a);
		}
		free(copy);
	}
}

static void test_dates(void **state)
{
	(void)state;
	assert_true(valid_date("2024-02-29"));
	assert_true(valid_date("2000-02-29"));
	assert_false(valid_date("1900-02-29"));
	assert_false(valid_date("2023-02-29"));
	assert_false(valid_date("2024-04-31"));
	assert_false(valid_date("2024-00-10"));
	assert_false(valid_date("2024-01-00"));
	assert_false(valid_date("2024-01-1"));
	assert_false(valid_date("2024-01-011"));
	assert_false(valid_date("24-01-01"));
	assert_false(valid_date(""));
}

static void test_what(void **state)
{
	char *argv[] = { "assign", "ai", "pts", "--role", "lead", "--decision", "N", NULL };
	struct globals g = { .out = OUT_TABLE };
	struct cmd_args a;
	char what[100];

	(void)state;
	assert_int_equal(cmd_args_parse(&g, command_find("assign"), 7, argv, &a), 0);
	command_what(command_find("assign"), &a, what, sizeof(what));
	assert_string_equal(what, "assign 'ai' to 'pts'");
	cmd_args_release(&a);
}

/* ---- the tables ---- */

static char *render(int (*table)(FILE *, const json_t *), const char *json)
{
	json_error_t jerr;
	json_t *j = json_loads(json, 0, &jerr);
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (j == NULL)
		fail_msg("bad fixture: %s", jerr.text);
	f = open_memstream(&out, &len);
	assert_int_equal(table(f, j), 0);
	fclose(f);
	json_decref(j);
	return out;
}

#define CHECK_TABLE(fn, json, want)                \
	do {                                       \
		char *got_ = render((fn), (json)); \
		assert_string_equal(got_, (want)); \
		free(got_);                        \
	} while (0)

static void test_gaps(void **state)
{
	(void)state;
	CHECK_TABLE(table_gaps,
	            "{\"gaps\":[{\"area\":{\"id\":\"quantum\",\"name\":\"Quantum\",\"rank\":2},"
	            "\"without_lead_since\":\"2025-01-01\",\"days_without_lead\":59,"
	            "\"last_lead_agency_id\":\"vr\"},"
	            "{\"area\":{\"id\":\"6g\",\"name\":\"6G networks\",\"rank\":5},"
	            "\"without_lead_since\":\"2026-03-01\"}],\"prioritised\":12}",
	            "RANK  AREA     NAME         WITHOUT_LEAD_SINCE  DAYS  LAST_LEAD\n"
	            "2     quantum  Quantum      2025-01-01          59    vr\n"
	            "5     6g       6G networks  2026-03-01          0     -\n"
	            "2 of 12 prioritised areas without a lead\n");
	CHECK_TABLE(table_gaps, "{\"prioritised\":3}", "0 of 3 prioritised areas without a lead\n");
}

static void test_as_of(void **state)
{
	(void)state;
	CHECK_TABLE(table_as_of,
	            "{\"area_id\":\"ai\",\"date\":\"2025-06-01\",\"lead\":{\"id\":\"ai/pts/"
	            "2025-03-01\","
	            "\"area_id\":\"ai\",\"agency_id\":\"pts\",\"role\":\"lead\",\"decision_ref\":"
	            "\"N2025/2\",\"valid_from\":\"2025-03-01\"},\"supporting\":[{\"id\":"
	            "\"ai/dig/2024-01-01\",\"agency_id\":\"dig\",\"role\":\"supporting\","
	            "\"decision_ref\":\"N2024/1\",\"valid_from\":\"2024-01-01\",\"valid_to\":"
	            "\"2026-01-01\"}]}",
	            "area ai on 2025-06-01\n"
	            "ROLE        AGENCY  ASSIGNMENT         DECISION  FROM        TO\n"
	            "lead        pts     ai/pts/2025-03-01  N2025/2   2025-03-01  -\n"
	            "supporting  dig     ai/dig/2024-01-01  N2024/1   2024-01-01  2026-01-01\n");
	CHECK_TABLE(table_as_of, "{\"area_id\":\"ai\",\"date\":\"2020-01-01\"}",
	            "area ai on 2020-01-01\nno lead on that date\n");
}

static void test_history(void **state)
{
	(void)state;
	CHECK_TABLE(table_history,
	            "{\"kind\":\"item\",\"id\":\"i1\",\"entries\":[{\"revision\":3,\"time\":"
	            "\"2026-01-02T10:00:00Z\",\"principal\":\"alice\",\"op\":\"create\","
	            "\"changes\":[{\"field\":\"stage\",\"new_value\":\"40.20\"}]},"
	            "{\"revision\":9,\"time\":\"2026-02-01T08:00:00Z\",\"principal\":\"bob\","
	            "\"decision_ref\":\"N7\",\"op\":\"update\",\"changes\":[{\"field\":\"stage\","
	            "\"old_value\":\"40.20\",\"new_value\":\"50.00\"},{\"field\":\"status\","
	            "\"old_value\":\"in_development\",\"new_value\":\"in_development\"}]}]}",
	            "revision 3  2026-01-02T10:00:00Z  by alice  decision -  create\n"
	            "  stage: - \u2192 40.20\n"
	            "\n"
	            "revision 9  2026-02-01T08:00:00Z  by bob  decision N7  update\n"
	            "  stage: 40.20 \u2192 50.00\n"
	            "  status: in_development \u2192 in_development\n");
	CHECK_TABLE(table_history, "{\"kind\":\"area\",\"id\":\"x\"}", "no changes to area 'x'\n");
}

static void test_report(void **state)
{
	(void)state;
	CHECK_TABLE(
	        table_report,
	        "{\"today\":\"2026-03-01\",\"prioritised\":12,\"prioritised_with_lead\":8,"
	        "\"coverage_percent\":66.666666666666671,\"agencies\":[{\"agency_id\":\"dig\","
	        "\"areas_led\":3,\"areas_supported\":1,\"work_items\":12,\"overdue\":2},"
	        "{\"agency_id\":\"pts\",\"areas_supported\":2}],\"stage_groups\":[{\"group\":"
	        "\"in_development\",\"count\":30},{\"group\":\"published\",\"count\":12}],"
	        "\"overdue\":[{\"id\":\"i9\",\"reference\":\"ISO/IEC 5338\",\"stage\":\"40.20\","
	        "\"target_date\":\"2025-12-01\",\"area_ids\":[\"ai\"]}],\"days\":30}",
	        "report of 2026-03-01\n"
	        "prioritised areas with a lead: 8 of 12 (66.7%)\n"
	        "\n"
	        "load per agency:\n"
	        "AGENCY  LED  SUPPORTED  ITEMS  OVERDUE\n"
	        "dig     3    1          12     2\n"
	        "pts     0    2          0      0\n"
	        "\n"
	        "work items by status:\n"
	        "STATUS          ITEMS\n"
	        "in_development  30\n"
	        "published       12\n"
	        "\n"
	        "overdue items:\n"
	        "ID  REFERENCE     STAGE  TARGET      AREAS\n"
	        "i9  ISO/IEC 5338  40.20  2025-12-01  ai\n"
	        "\n"
	        "stage changes in the last 30 days: none\n");
	// Lists the server cut to fewer rows than its totals say so; an uncut one does not.
	CHECK_TABLE(table_report,
	            "{\"today\":\"2026-03-01\",\"overdue\":[{\"id\":\"i9\",\"stage\":\"40.20\","
	            "\"target_date\":\"2025-12-01\"},{\"id\":\"i7\",\"stage\":\"30.60\","
	            "\"target_date\":\"2025-11-01\"}],\"overdue_total\":376093,"
	            "\"stage_changes\":[{\"revision\":41,\"time\":\"2026-02-27T10:00:00Z\","
	            "\"work_item_id\":\"i9\",\"old_stage\":\"30.99\",\"new_stage\":\"40.20\"}],"
	            "\"stage_changes_total\":1}",
	            "report of 2026-03-01\n"
	            "prioritised areas with a lead: 0 of 0 (0.0%)\n"
	            "\n"
	            "load per agency: none\n"
	            "\n"
	            "work items by status: none\n"
	            "\n"
	            "overdue items: 376093 (the 2 longest overdue shown)\n"
	            "ID  REFERENCE  STAGE  TARGET      AREAS\n"
	            "i9  -          40.20  2025-12-01  -\n"
	            "i7  -          30.60  2025-11-01  -\n"
	            "\n"
	            "stage changes in the last 45 days:\n"
	            "REVISION  TIME                  ITEM  REFERENCE  FROM   TO\n"
	            "41        2026-02-27T10:00:00Z  i9    -          30.99  40.20\n");
}

static void test_mine(void **state)
{
	(void)state;
	CHECK_TABLE(
	        table_mine,
	        "{\"agency_id\":\"dig\",\"areas\":[{\"area\":{\"id\":\"ai\",\"name\":\"AI\"},"
	        "\"assignment\":{\"id\":\"ai/dig/2024-01-01\",\"role\":\"lead\","
	        "\"decision_ref\":\"N1\",\"valid_from\":\"2024-01-01\"},\"stages\":[{\"stage\":"
	        "\"40\",\"name\":\"enquiry\",\"work_items\":[{\"id\":\"i1\",\"reference\":"
	        "\"ISO/IEC 42005\",\"stage\":\"40.20\",\"title\":\"Impact\"}]},{\"stage\":\"60\","
	        "\"name\":\"publication\",\"work_items\":[{\"id\":\"i2\",\"reference\":"
	        "\"ISO/IEC 42001\",\"stage\":\"60.60\",\"target_date\":\"2023-12-18\","
	        "\"title\":\"AIMS\"}]}]},{\"area\":{\"id\":\"q\",\"name\":\"Quantum\"},"
	        "\"assignment\":{\"id\":\"q/dig/2025-01-01\",\"role\":\"supporting\","
	        "\"decision_ref\":\"N2\",\"valid_from\":\"2025-01-01\"}}]}",
	        "agency dig: 2 areas\n"
	        "\n"
	        "AREA ai (AI): lead since 2024-01-01, decision N1, assignment ai/dig/2024-01-01\n"
	        "  STAGE           ID  REFERENCE      CODE   TARGET      TITLE\n"
	        "  40 enquiry      i1  ISO/IEC 42005  40.20  -           Impact\n"
	        "  60 publication  i2  ISO/IEC 42001  60.60  2023-12-18  AIMS\n"
	        "\n"
	        "AREA q (Quantum): supporting since 2025-01-01, decision N2, assignment "
	        "q/dig/2025-01-01\n"
	        "  no work items\n");
}

static void test_transfer_and_change(void **state)
{
	(void)state;
	CHECK_TABLE(
	        table_transfer,
	        "{\"ended\":{\"id\":\"ai/dig/2024-01-01\",\"agency_id\":\"dig\",\"role\":\"lead\","
	        "\"decision_ref\":\"N1\",\"valid_from\":\"2024-01-01\",\"valid_to\":"
	        "\"2025-03-01\"},\"started\":{\"id\":\"ai/pts/2025-03-01\",\"agency_id\":\"pts\","
	        "\"role\":\"lead\",\"decision_ref\":\"N2\",\"valid_from\":\"2025-03-01\"}}",
	        "         ID                 AGENCY  ROLE  FROM        TO          DECISION\n"
	        "ended    ai/dig/2024-01-01  dig     lead  2024-01-01  2025-03-01  N1\n"
	        "started  ai/pts/2025-03-01  pts     lead  2025-03-01  -           N2\n");
	CHECK_TABLE(table_change,
	            "{\"revision\":42,\"kind\":\"item\",\"id\":\"i1\",\"op\":\"update\","
	            "\"principal\":\"alice\"}",
	            "42 update item i1 alice\n");
	CHECK_TABLE(table_change,
	            "{\"revision\":43,\"kind\":\"area\",\"id\":\"a\",\"op\":\"create\"}",
	            "43 create area a -\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_names_real_fields),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_what),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_as_of),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_mine),
		cmocka_unit_test(test_transfer_and_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
