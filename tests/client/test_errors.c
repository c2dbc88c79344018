/*
 * test_errors.c - the exit code contract (client/regctl/errors.c): the status code alone
 * decides (4 for the record a command addresses, 7 for one it refers to), and the flag names
 * in errors (client/regctl/flags.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "regctl.h"

/* The status code alone decides; the message is never read (a reference missing is
 * FAILED_PRECONDITION from the server in every call, the addressed record NOT_FOUND). */
static const struct {
	int code;
	const char *message;
	int want;
} exit_cases[] = {
	{ STDREG_NOT_FOUND, "item 'x' not found", EXIT_NOT_FOUND },
	{ STDREG_NOT_FOUND, "agency 'lm' holds no current appointment in area 'ai'",
	  EXIT_NOT_FOUND },
	// a message that reads like a missing reference does not change a NOT_FOUND
	{ STDREG_NOT_FOUND, "body 'x' not found (referenced by field 'body_id')", EXIT_NOT_FOUND },
	{ STDREG_FAILED_PRECONDITION, "area 'nosuch' not found", EXIT_PRECONDITION },
	{ STDREG_FAILED_PRECONDITION, "2 of 3 records cannot be applied; nothing was applied",
	  EXIT_PRECONDITION },
	{ STDREG_INVALID_ARGUMENT, "area 'a' cannot have 'b' as parent (cycle)", EXIT_USAGE },
	{ STDREG_RESOURCE_EXHAUSTED, "store is full", EXIT_EXHAUSTED },
	{ STDREG_INTERNAL, "", EXIT_SERVER },
};

static void test_exit_code_from_status_code(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(exit_cases) / sizeof(exit_cases[0]); i++) {
		struct stdreg_status st = { .code = exit_cases[i].code,
			                    .message = (char *)exit_cases[i].message };

		if (exit_code_of(&st) != exit_cases[i].want)
			fail_msg("case %zu (%s): exit %d, want %d", i, exit_cases[i].message,
			         exit_code_of(&st), exit_cases[i].want);
	}
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
		cmocka_unit_test(test_exit_code_from_status_code),
		cmocka_unit_test(test_status_names_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
