/*
 * test_flags.c - regctl's noun tables (client/regctl/nouns.c) and flag parsing
 * (client/regctl/flags.c), and the exit code table (client/regctl/errors.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

/* Names the verbs and globals take; a table flag must not shadow them. */
static const char *const fixed[] = { "help",     "file",    "create",   "if-revision",
	                             "decision", "limit",   "endpoint", "token",
	                             "output",   "timeout", "version" };

static void check_table(const struct noun *n, const struct flag_def *t)
{
	const ProtobufCMessageDescriptor *d = flag_table_desc(n, t);
	size_t i, j;

	for (i = 0; t != NULL && t[i].flag != NULL; i++) {
		if (protobuf_c_message_descriptor_get_field_by_name(d, t[i].field) == NULL)
			fail_msg("%s --%s: no field '%s' in %s", n->name, t[i].flag, t[i].field,
			         d->name);
		for (j = 0; j < i; j++)
			if (strcmp(t[i].flag, t[j].flag) == 0 ||
			    strcmp(t[i].field, t[j].field) == 0)
				fail_msg("%s --%s: duplicate", n->name, t[i].flag);
		for (j = 0; j < sizeof(fixed) / sizeof(fixed[0]); j++)
			if (strcmp(t[i].flag, fixed[j]) == 0)
				fail_msg("%s --%s: shadows a fixed option", n->name, t[i].flag);
		assert_null(strchr(t[i].flag, '_'));
	}
}

static void test_tables_name_real_fields(void **state)
{
	const struct noun *n;
	size_t i;

	(void)state;
	for (n = regctl_nouns; n->name != NULL; n++) {
		const struct stdreg_kind *k = stdreg_kind_find(n->name);

		assert_non_null(k);
		// put flags exactly when the kind has Put.
		assert_int_equal(n->put_flags != NULL, k->put_method != NULL);
		check_table(n, n->put_flags);
		check_table(n, n->list_flags);
		for (i = 0; n->columns[i].header != NULL; i++)
			assert_non_null(protobuf_c_message_descriptor_get_field_by_name(
			        k->record, n->columns[i].field));
		assert_string_equal(n->columns[0].field, "id");
	}
}

/* Every field a client may set has a flag: only id (the argument) and meta (the store's)
 * have none. */
static void test_every_settable_field_has_a_flag(void **state)
{
	const struct noun *n;
	unsigned i;
	size_t j;

	(void)state;
	for (n = regctl_nouns; n->name != NULL; n++) {
		const ProtobufCMessageDescriptor *d = stdreg_kind_find(n->name)->record;

		if (n->put_flags == NULL)
			continue;
		for (i = 0; i < d->n_fields; i++) {
			const char *field = d->fields[i].name;

			if (strcmp(field, "id") == 0 || strcmp(field, "meta") == 0)
				continue;
			for (j = 0; n->put_flags[j].flag != NULL; j++)
				if (strcmp(n->put_flags[j].field, field) == 0)
					break;
			if (n->put_flags[j].flag == NULL)
				fail_msg("%s: field '%s' has no flag", n->name, field);
		}
	}
}

static struct globals test_globals(void)
{
	struct globals g = { .endpoint = "tcp://127.0.0.1:1", .timeout_ms = 1000 };

	return g;
}

static void test_parse_put_flags(void **state)
{
	char *argv[] = { "put",
		         "ai",
		         "--name",
		         "Artificial intelligence",
		         "--rank",
		         "1",
		         "--tag",
		         "a",
		         "--tag",
		         "b",
		         "--priority",
		         "PRIORITISED",
		         "-o",
		         "json",
		         "--if-revision",
		         "12",
		         "--decision",
		         "Fi2025/1",
		         NULL };
	struct globals g = test_globals();
	struct verb_args a;
	char *s;

	(void)state;
	assert_int_equal(
	        verb_args_parse(&g, noun_find("area"), "put",
	                        VOPT_FIELDS | VOPT_FILE | VOPT_CREATE | VOPT_IF_REV | VOPT_DECISION,
	                        18, argv, &a),
	        0);
	s = json_dumps(a.fields, JSON_COMPACT);
	assert_string_equal(s, "{\"name\":\"Artificial intelligence\",\"rank\":1,\"tags\":[\"a\","
	                       "\"b\"],\"priority\":\"prioritised\"}");
	free(s);
	assert_int_equal(a.npos, 1);
	assert_string_equal(a.pos[0], "ai");
	assert_true(a.has_if_revision);
	assert_int_equal(a.if_revision, 12);
	assert_string_equal(a.decision, "Fi2025/1");
	assert_int_equal(g.out, OUT_JSON);
	verb_args_release(&a);
}

static void test_parse_filters(void **state)
{
	char *argv[] = { "list", "--area", "ai", "--current", "--limit", "5", NULL };
	struct globals g = test_globals();
	struct verb_args a;
	char *s;

	(void)state;
	assert_int_equal(verb_args_parse(&g, noun_find("assignment"), "list",
	                                 VOPT_FILTERS | VOPT_LIMIT, 6, argv, &a),
	                 0);
	s = json_dumps(a.fields, JSON_COMPACT);
	assert_string_equal(s, "{\"area_id\":\"ai\",\"current_only\":true}");
	free(s);
	assert_int_equal(a.limit, 5);
	verb_args_release(&a);
}

static void test_parse_rejects(void **state)
{
	static const struct {
		unsigned opts;
		const char *noun;
		char *argv[4];
	} cases[] = {
		{ VOPT_FIELDS, "area", { "put", "--nmae", "x", NULL } },
		{ VOPT_FIELDS, "area", { "put", "--rank", "x", NULL } },
		{ VOPT_FIELDS, "area", { "put", "--rank", "-3", NULL } },
		{ VOPT_FIELDS, "area", { "put", "--priority", "high", NULL } },
		{ VOPT_FIELDS, "area", { "put", "--rank", NULL, NULL } },
		{ VOPT_FIELDS, "area", { "put", "--limit", "3", NULL } },
		{ VOPT_LIMIT, "area", { "list", "--limit", "0", NULL } },
		{ VOPT_IF_REV, "area", { "delete", "--if-revision", "x", NULL } },
		{ 0, "area", { "get", "-o", "xml", NULL } },
		{ 0, "area", { "get", "--timeout", "0", NULL } },
		{ VOPT_FILTERS, "item", { "list", "--status", "done", NULL } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct globals g = test_globals();
		struct verb_args a;
		char *argv[4];
		int argc = 0;

		memcpy(argv, cases[i].argv, sizeof(argv));
		while (argc < 4 && argv[argc] != NULL)
			argc++;
		if (verb_args_parse(&g, noun_find(cases[i].noun), argv[0], cases[i].opts, argc,
		                    argv, &a) != EXIT_USAGE)
			fail_msg("case %zu (%s %s) accepted", i, argv[1], argv[2] ? argv[2] : "");
	}
}

static void test_exit_codes(void **state)
{
	static const struct {
		int code;
		bool local;
		int exit;
	} cases[] = {
		{ STDREG_INVALID_ARGUMENT, false, EXIT_USAGE },
		{ STDREG_INVALID_ARGUMENT, true, EXIT_USAGE },
		{ STDREG_INTERNAL, false, EXIT_SERVER },
		{ STDREG_UNAVAILABLE, true, EXIT_UNAVAILABLE },
		{ STDREG_DEADLINE_EXCEEDED, false, EXIT_UNAVAILABLE },
		{ STDREG_NOT_FOUND, false, EXIT_NOT_FOUND },
		{ STDREG_ALREADY_EXISTS, false, EXIT_EXISTS },
		{ STDREG_ABORTED, false, EXIT_CONFLICT },
		{ STDREG_FAILED_PRECONDITION, false, EXIT_PRECONDITION },
		{ STDREG_PERMISSION_DENIED, false, EXIT_DENIED },
		{ STDREG_UNAUTHENTICATED, false, EXIT_DENIED },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stdreg_status st = { .code = cases[i].code, .local = cases[i].local };

		if (exit_code_of(&st) != cases[i].exit)
			fail_msg("code %d local %d: exit %d, want %d", cases[i].code,
			         cases[i].local, exit_code_of(&st), cases[i].exit);
	}
	assert_string_equal(stdreg_code_name(STDREG_FAILED_PRECONDITION), "failed precondition");
	assert_string_equal(stdreg_code_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_name_real_fields),
		cmocka_unit_test(test_every_settable_field_has_a_flag),
		cmocka_unit_test(test_parse_put_flags),
		cmocka_unit_test(test_parse_filters),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
