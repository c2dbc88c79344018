/*
 * test_admin.c - admin/admin.c: the one option parser of `registryd token|check|restore`
 * (the shared --data, --as-owner and --help, each command's own options, its operands).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "admin.h"
#include "config.h"

enum { OPT_VALUE, OPT_FLAG };
static const struct admin_opt opts[] = {
	[OPT_VALUE] = { "value", true },
	[OPT_FLAG] = { "flag", false },
	{ NULL, false },
};
static const struct admin_cmd cmd = { "usage: test\n", opts, 1, 2 };

/* Runs admin_parse over the NULL-ended words (copied: getopt permutes argv). */
static int parse(struct admin_args *a, char **words)
{
	static char *argv[16];
	int argc = 0;

	while (words[argc] != NULL) {
		argv[argc] = words[argc];
		argc++;
	}
	argv[argc] = NULL;
	return admin_parse(argc, argv, &cmd, a);
}

static void test_shared_options_and_defaults(void **state)
{
	struct admin_args a;

	(void)state;
	assert_int_equal(parse(&a, (char *[]){ "test", "op", NULL }), -1);
	assert_string_equal(a.data, CONFIG_DEFAULT_DATA);
	assert_false(a.data_given);
	assert_false(a.as_owner);
	assert_int_equal(a.n_operands, 1);
	assert_string_equal(a.operands[0], "op");

	assert_int_equal(parse(&a, (char *[]){ "test", "--data", "/srv/x", "op", "--as-owner",
	                                       "two", NULL }),
	                 -1);
	assert_string_equal(a.data, "/srv/x");
	assert_true(a.data_given);
	assert_true(a.as_owner);
	assert_int_equal(a.n_operands, 2);
	assert_string_equal(a.operands[1], "two");
}

static void test_own_options(void **state)
{
	struct admin_args a;

	(void)state;
	assert_int_equal(parse(&a, (char *[]){ "test", "--value=v", "--flag", "op", NULL }), -1);
	assert_string_equal(a.opt[OPT_VALUE], "v");
	assert_string_equal(a.opt[OPT_FLAG], "");
	/* a second parse starts afresh: what it was not given reads as absent */
	assert_int_equal(parse(&a, (char *[]){ "test", "op", NULL }), -1);
	assert_null(a.opt[OPT_VALUE]);
	assert_null(a.opt[OPT_FLAG]);
	/* given twice, the last one counts */
	assert_int_equal(
	        parse(&a, (char *[]){ "test", "--value", "a", "--value", "b", "op", NULL }), -1);
	assert_string_equal(a.opt[OPT_VALUE], "b");
}

static void test_usage_errors_and_help(void **state)
{
	struct admin_args a;

	(void)state;
	assert_int_equal(parse(&a, (char *[]){ "test", "--bogus", "op", NULL }), 2);
	assert_int_equal(parse(&a, (char *[]){ "test", "--value", NULL }), 2);     /* no argument */
	assert_int_equal(parse(&a, (char *[]){ "test", NULL }), 2);                /* too few */
	assert_int_equal(parse(&a, (char *[]){ "test", "a", "b", "c", NULL }), 2); /* too many */
	assert_int_equal(parse(&a, (char *[]){ "test", "--help", NULL }), 0);
	assert_int_equal(parse(&a, (char *[]){ "test", "-h", NULL }), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_options_and_defaults),
		cmocka_unit_test(test_own_options),
		cmocka_unit_test(test_usage_errors_and_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
