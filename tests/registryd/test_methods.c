/*
 * test_methods.c - proto/stdreg/v1/methods.def against the service descriptor, and the
 * one decision it carries ("is this a write?") read the same by the daemon's method table
 * and by libstdreg's resend rule (stdreg_method_writes, which client.c calls).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "call.h"
#include "dispatch.h"

#include "stdreg/v1/methods.h"
#include "stdreg/v1/registry.pb-c.h"

/* methods.def's rows, as written. */
static const struct {
	const char *name;
	const ProtobufCMessageDescriptor *request;
	bool writes;
} def[] = {
#define STDREG_METHOD(n, req, w) { #n, &stdreg__v1__##req##__descriptor, STDREG_METHOD_WRITES_##w },
#include "stdreg/v1/methods.def"
#undef STDREG_METHOD
};

#define N_DEF (sizeof def / sizeof def[0])

/* Every rpc of the service has its row, in the service's order, with its request type. */
static void test_def_is_the_service(void **state)
{
	const ProtobufCServiceDescriptor *svc = &stdreg__v1__registry__descriptor;

	(void)state;
	assert_int_equal(N_DEF, svc->n_methods);
	for (size_t i = 0; i < svc->n_methods; i++) {
		assert_string_equal(def[i].name, svc->methods[i].name);
		assert_ptr_equal(def[i].request, svc->methods[i].input);
	}
}

/* For every method of the service, the daemon's row and the client's rule agree on
 * whether it is a write (by short and by full name), and the daemon's row is the one for
 * that method and request type. */
static void test_client_and_daemon_agree(void **state)
{
	const ProtobufCServiceDescriptor *svc = &stdreg__v1__registry__descriptor;
	char full[128];

	(void)state;
	assert_int_equal(dispatch_method_count(), svc->n_methods);
	for (size_t i = 0; i < svc->n_methods; i++) {
		const struct method *m = dispatch_method_at(i);

		snprintf(full, sizeof full, "%s%s", STDREG_METHOD_PREFIX, svc->methods[i].name);
		assert_non_null(m);
		assert_string_equal(m->name, full);
		assert_ptr_equal(m->request, svc->methods[i].input);
		if (m->is_write != stdreg_method_writes(svc->methods[i].name))
			fail_msg("'%s': the daemon says %s, the client %s", full,
			         m->is_write ? "write" : "read", m->is_write ? "read" : "write");
		assert_int_equal(stdreg_method_writes(full), m->is_write);
	}
}

/* What the rule says of names that are not methods: never a write (never resent). */
static void test_unknown_names_are_not_writes(void **state)
{
	(void)state;
	assert_false(stdreg_method_writes("PutNothing"));
	assert_false(stdreg_method_writes(""));
	assert_false(stdreg_method_writes(STDREG_METHOD_PREFIX));
	assert_false(stdreg_method_writes("/other.v1.Service/PutArea"));
	// Admin reads: their chunks must not fill the resend memory.
	assert_false(stdreg_method_writes("Backup"));
	assert_false(stdreg_method_writes("BackupRead"));
	assert_true(stdreg_method_writes("ApplyChunk"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_def_is_the_service),
		cmocka_unit_test(test_client_and_daemon_agree),
		cmocka_unit_test(test_unknown_names_are_not_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
