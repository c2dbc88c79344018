/*
 * test_appoint.c - store/appoint.c: assign, unassign and transfer as one write each.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

#define LEAD       STDREG__V1__ROLE__ROLE_LEAD
#define SUPPORTING STDREG__V1__ROLE__ROLE_SUPPORTING

struct op {
	enum { ASSIGN, UNASSIGN, TRANSFER } kind;
	const char *area, *agency, *to_agency;
	int role;
	const char *decision, *date;
	struct store_error err;
};

static int run_op(store_txn *t, void *arg)
{
	struct op *o = arg;
	struct store_actor who = { .principal = "regeringen",
		                   .decision_ref = o->decision,
		                   .now = FX_NOW };
	ProtobufCMessage *a = NULL, *b = NULL;
	int rc;

	memset(&o->err, 0, sizeof(o->err));
	switch (o->kind) {
	case ASSIGN:
		rc = store_assign(t, o->area, o->agency, o->role, o->decision, o->date, "", &who,
		                  &a, &o->err);
		break;
	case UNASSIGN:
		rc = store_unassign(t, o->area, o->agency, o->role, o->decision, o->date, &who, &a,
		                    &o->err);
		break;
	default:
		rc = store_transfer(t, o->area, o->agency, o->to_agency, o->decision, o->date, "",
		                    &who, &a, &b, &o->err);
		break;
	}
	rec_free(a);
	rec_free(b);
	return rc;
}

static int op(struct fx *f, struct op *o)
{
	return store_write_once(f->st, run_op, o, NULL);
}

static void assign_unassign_transfer(void **state)
{
	struct fx *f = *state;
	struct op o;
	Stdreg__V1__Assignment *a;

	fx_seed(f);
	uint64_t rev = store_revision(f->st);
	o = (struct op){ ASSIGN, "ai", "digg", NULL, LEAD, "Fi2026/00123", "2026-01-01", { 0 } };
	if (op(f, &o) != RG_OK)
		fail_msg("assign: %s", o.err.message);
	o =
	        (struct op){ ASSIGN,     "ai",           "pts",        NULL,
		             SUPPORTING, "Fi2026/00123", "2026-01-01", { 0 } };
	assert_int_equal(op(f, &o), RG_OK);
	assert_int_equal(store_revision(f->st), rev + 2);
	/* the same agency twice: refused */
	o =
	        (struct op){ ASSIGN,     "ai",           "digg",       NULL,
		             SUPPORTING, "Fi2026/00124", "2026-02-01", { 0 } };
	assert_int_equal(op(f, &o), RG_EPRECOND);
	/* a second lead: refused */
	o = (struct op){ ASSIGN, "ai", "msb", NULL, LEAD, "Fi2026/00124", "2026-02-01", { 0 } };
	assert_int_equal(op(f, &o), RG_EPRECOND);
	assert_int_equal(store_revision(f->st), rev + 2);

	/* unassign ends the current appointment */
	o = (struct op){ UNASSIGN, "ai", "pts", NULL, 0, "Fi2026/00200", "2026-06-01", { 0 } };
	if (op(f, &o) != RG_OK)
		fail_msg("unassign: %s", o.err.message);
	a = fx_get(f, STORE_ASSIGNMENT, "ai/pts/2026-01-01", NULL);
	assert_string_equal(a->valid_to, "2026-06-01");
	assert_string_equal(a->end_decision_ref, "Fi2026/00200");
	rec_free(a);
	o = (struct op){ UNASSIGN, "ai", "pts", NULL, 0, "Fi2026/00200", "2026-06-01", { 0 } };
	assert_int_equal(op(f, &o), RG_ENOENT);

	/* transfer: the supporting agency becomes lead, its support ends the same day */
	o =
	        (struct op){ ASSIGN,     "ai",           "msb",        NULL,
		             SUPPORTING, "Fi2026/00300", "2026-07-01", { 0 } };
	assert_int_equal(op(f, &o), RG_OK);
	uint64_t before = store_revision(f->st);
	o = (struct op){ TRANSFER, "ai", "digg", "msb", 0, "Fi2026/00400", "2026-09-01", { 0 } };
	if (op(f, &o) != RG_OK)
		fail_msg("transfer: %s", o.err.message);
	assert_int_equal(store_revision(f->st), before + 1); /* one write */
	a = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	assert_string_equal(a->valid_to, "2026-09-01");
	rec_free(a);
	a = fx_get(f, STORE_ASSIGNMENT, "ai/msb/2026-07-01", NULL);
	assert_string_equal(a->valid_to, "2026-09-01");
	rec_free(a);
	a = fx_get(f, STORE_ASSIGNMENT, "ai/msb/2026-09-01", NULL);
	assert_non_null(a);
	assert_int_equal(a->role, LEAD);
	assert_string_equal(a->valid_to, "");
	rec_free(a);
	/* from an agency that is not the lead */
	o = (struct op){ TRANSFER, "ai", "digg", "pts", 0, "Fi2026/00500", "2026-10-01", { 0 } };
	assert_int_equal(op(f, &o), RG_EPRECOND);
}

/* A missing area or agency is a record the call refers to: RG_EPRECOND naming it. The
 * appointment the call addresses missing is RG_ENOENT. */
static void missing_area_or_agency(void **state)
{
	struct fx *f = *state;
	static const struct {
		int kind;
		const char *area, *agency, *to, *field;
	} cases[] = {
		{ ASSIGN, "nowhere", "digg", NULL, "area_id" },
		{ ASSIGN, "ai", "nobody", NULL, "agency_id" },
		{ UNASSIGN, "nowhere", "digg", NULL, "area_id" },
		{ UNASSIGN, "ai", "nobody", NULL, "agency_id" },
		{ TRANSFER, "nowhere", "digg", "pts", "area_id" },
		{ TRANSFER, "ai", "nobody", "pts", "from_agency_id" },
		{ TRANSFER, "ai", "digg", "nobody", "to_agency_id" },
	};
	struct op o;

	fx_seed(f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o = (struct op){ cases[i].kind, cases[i].area,  cases[i].agency, cases[i].to,
			         LEAD,          "Fi2026/00123", "2026-01-01",    { 0 } };
		int rc = op(f, &o);
		if (rc != RG_EPRECOND || strcmp(o.err.field, cases[i].field) != 0)
			fail_msg("case %zu: %d '%s' (%s), want RG_EPRECOND on '%s'", i, rc,
			         o.err.field, o.err.message, cases[i].field);
	}
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(assign_unassign_transfer),
		T(missing_area_or_agency),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
