/*
 * test_errors.c - the exit code contract (client/regctl/errors.c): one rule for a missing
 * record (4 for the record a command addresses, 7 for one it refers to), and the flag names
 * in errors (client/regctl/flags.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "regctl.h"

static const struct {
	int code;
	const char *message, *kind, *id;
	int want;
} exit_cases[] = {
	// assign: the appointment is new, so a missing area or agency is a reference
	{ STDREG_NOT_FOUND, "agency 'nosuch' not found", "", "", EXIT_PRECONDITION },
	{ STDREG_NOT_FOUND, "area 'nosuch' not found", "", "", EXIT_PRECONDITION },
	// the record the command addresses
	{ STDREG_NOT_FOUND, "item 'x' not found", "item", "x", EXIT_NOT_FOUND },
	{ STDREG_NOT_FOUND, "area 'ai' not found", "area", "ai", EXIT_NOT_FOUND },
	// another record than the one addressed (same kind, other id; other kind)
	{ STDREG_NOT_FOUND, "area 'parent' not found", "area", "ai", EXIT_PRECONDITION },
	{ STDREG_NOT_FOUND, "body 'x' not found", "item", "x", EXIT_PRECONDITION },
	// not a missing record: the addressed thing is not there
	{ STDREG_NOT_FOUND, "agency 'lm' holds no current appointment in area 'ai'", "", "",
	  EXIT_NOT_FOUND },
	{ STDREG_NOT_FOUND, "area 'x' has no history", "area", "x", EXIT_NOT_FOUND },
	// no rule asked for: the status table alone
	{ STDREG_NOT_FOUND, "agency 'nosuch' not found", NULL, NULL, EXIT_NOT_FOUND },
	{ STDREG_FAILED_PRECONDITION, "body 'nosuch' not found (referenced by field 'body_id')",
	  "item", "x", EXIT_PRECONDITION },
	{ STDREG_INVALID_ARGUMENT, "area 'a' not found", "", "", EXIT_USAGE },
};

static void test_missing_record_rule(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(exit_cases) / sizeof(exit_cases[0]); i++) {
		struct stdreg_status st = { .code = exit_cases[i].code,
			                    .message = (char *)exit_cases[i].message };

		if (exit_code_for(&st, exit_cases[i].kind, exit_cases[i].id) != exit_cases[i].want)
			fail_msg("case %zu (%s): exit %d, want %d", i, exit_cases[i].message,
			         exit_code_for(&st, exit_cases[i].kind, exit_cases[i].id),
			         exit_cases[i].want);
	}
}

/* An apply line that only refers to a missing record. */
static void test_missing_reference_line(void **state)
{
	(void)state;
	assert_true(missing_reference(
	        "body 'nosuch' not found (referenced by field 'body_id' of item 'x2')", "", ""));
	assert_false(missing_reference("field 'stage': '99.99' is not an ISO stage code", "", ""));
	assert_false(missing_reference("unknown field 'nmae'", "", ""));
	assert_false(missing_reference("", "", ""));
}

static void test_status_names_flags(void **state)
{
	static const struct flag_def table[] = {
		{ "stage-from", "stage_from" },
		{ "area", "area_ids" },
		{ "body", "body_id" },
		{ 0 },
	};
	struct stdreg_status st = { 0 };
	struct stdreg_violation v = { strdup("area_ids"), strdup("field 'area_ids' is empty") };

	(void)state;
	st.message = strdup("stage_from '40' is not NN.NN; body_ids and xstage_from stay");
	st.violations = &v;
	st.n_violations = 1;
	status_name_flags(&st, table);
	assert_string_equal(st.message,
	                    "--stage-from '40' is not NN.NN; body_ids and xstage_from stay");
	assert_string_equal(v.field, "--area");
	assert_string_equal(v.description, "--area is empty");
	free(st.message);
	free(v.field);
	free(v.description);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_record_rule),
		cmocka_unit_test(test_missing_reference_line),
		cmocka_unit_test(test_status_names_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
