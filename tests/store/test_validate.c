/*
 * test_validate.c - store/validate.c: ids, organisation numbers, stage codes, dates.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

#define DEV STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT
#define PUB STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_PUBLISHED
#define CAN STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED

static void ids(void **state)
{
	static const struct {
		const char *id;
		bool ok;
	} cases[] = {
		{ "ai", true },
		{ "iso-iec-42001", true },
		{ "jtc1.sc42_wg3", true },
		{ "5g", true },
		{ "a", true },
		/* 64 characters: the longest id */
		{ "a123456789012345678901234567890123456789012345678901234567890123", true },
		/* 65 characters */
		{ "a1234567890123456789012345678901234567890123456789012345678901234", false },
		{ "", false },
		{ "AI", false },
		{ "aI", false },
		{ "-ai", false },
		{ ".ai", false },
		{ "_ai", false },
		{ "ai/risk", false },
		{ "ai risk", false },
		{ "ai\n", false },
		{ "f\xc3\xb6rvaltning", false },
	};
	(void)state;
	assert_false(store_valid_id(NULL));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (store_valid_id(cases[i].id) != cases[i].ok)
			fail_msg("store_valid_id(\"%s\") should be %s", cases[i].id,
			         cases[i].ok ? "true" : "false");
}

/* The sixteen agencies of domain-facts.md. */
static const char *const real_orgnr[] = {
	"202100-6883", "202100-5448", "202100-5521", "202100-4359", "202100-5984", "202100-6149",
	"202100-6552", "202100-4888", "202100-6297", "202100-5216", "202100-0050", "202100-6610",
	"202100-5000", "202100-5489", "202100-3989", "202100-6255",
};

static void org_numbers_real(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(real_orgnr) / sizeof(real_orgnr[0]); i++) {
		char nodash[24], twelve[32], twelve_dash[32], norm[12];
		const char *o = real_orgnr[i];

		snprintf(nodash, sizeof(nodash), "%.6s%s", o, o + 7);
		snprintf(twelve, sizeof(twelve), "16%s", nodash);
		snprintf(twelve_dash, sizeof(twelve_dash), "16%s", o);
		const char *forms[] = { o, nodash, twelve, twelve_dash };
		for (size_t j = 0; j < 4; j++) {
			memset(norm, 'x', sizeof(norm));
			if (!store_valid_org_number(forms[j], norm))
				fail_msg("'%s' should be a valid organisation number", forms[j]);
			assert_string_equal(norm, o);
		}
		assert_true(store_valid_org_number(o, NULL));
	}
}

static void org_numbers_invalid(void **state)
{
	static const char *const bad[] = {
		"202100-6884",   /* wrong Luhn digit */
		"2021006880",    /* wrong Luhn digit, no dash */
		"202100-688",    /* 9 digits */
		"20210068",      /* 8 digits */
		"202100-68833",  /* 11 digits */
		"20210A-6883",   /* a letter */
		"abcdef-ghij",   /* letters */
		"202100 6883",   /* space instead of dash */
		"2021-006883",   /* dash in the wrong place */
		"201900-0005",   /* digits 3-4 are 19 (< 20): a person's month, Luhn ok */
		"551231-2348",   /* digits 3-4 are 12, Luhn ok */
		"15202100-6883", /* 12 digits with a prefix other than 16 */
		"",
	};
	char norm[12] = "untouched";

	(void)state;
	assert_false(store_valid_org_number(NULL, NULL));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (store_valid_org_number(bad[i], norm))
			fail_msg("'%s' should not be a valid organisation number", bad[i]);
	/* norm is written only on success */
	assert_string_equal(norm, "untouched");
}

static void stage_codes(void **state)
{
	static const struct {
		const char *stage;
		int status;
	} cases[] = {
		{ "60.60", PUB },
		{ "60.00", PUB },
		{ "90.93", PUB },
		{ "90.92", PUB },
		{ "95.20", PUB },
		{ "95.92", PUB },
		{ "95.99", CAN },
		{ "40.98", CAN },
		{ "00.98", CAN },
		{ "50.98", CAN },
		{ "40.20", DEV },
		{ "00.00", DEV },
		{ "30.99", DEV },
		{ "50.99", DEV },
		{ "20.60", DEV },
		/* not in the table: CEN's target stage, wrong shapes, empty */
		{ "45.99", 0 },
		{ "40.2", 0 },
		{ "40.200", 0 },
		{ "4020", 0 },
		{ "", 0 },
		{ "60.60 ", 0 },
		{ "aa.bb", 0 },
	};
	(void)state;
	assert_int_equal(store_stage_status(NULL), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (store_stage_status(cases[i].stage) != cases[i].status)
			fail_msg("store_stage_status(\"%s\") = %d, want %d", cases[i].stage,
			         store_stage_status(cases[i].stage), cases[i].status);
}

static void dates(void **state)
{
	static const struct {
		const char *date;
		bool ok;
	} cases[] = {
		{ "2024-02-29", true },  { "2000-02-29", true },        { "2026-12-31", true },
		{ "2026-01-01", true },  { "2026-02-28", true },        { "2026-02-29", false },
		{ "1900-02-29", false }, { "2026-02-30", false },       { "2026-04-31", false },
		{ "2026-13-01", false }, { "2026-00-10", false },       { "2026-01-00", false },
		{ "2026-1-01", false },  { "2026-01-1", false },        { "26-01-01", false },
		{ "2026/01/01", false }, { "2026-01-01T00:00", false }, { "", false },
	};
	(void)state;
	assert_false(store_valid_date(NULL));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (store_valid_date(cases[i].date) != cases[i].ok)
			fail_msg("store_valid_date(\"%s\") should be %s", cases[i].date,
			         cases[i].ok ? "true" : "false");
}

static void kind_names(void **state)
{
	(void)state;
	for (int k = 1; k <= STORE_KIND_MAX; k++) {
		assert_non_null(store_kind_name(k));
		assert_int_equal(store_kind_by_name(store_kind_name(k)), k);
		assert_non_null(store_kind_descriptor(k));
	}
	assert_int_equal(store_kind_by_name("work_item"), STORE_ITEM);
	assert_int_equal(store_kind_by_name("nope"), 0);
	assert_int_equal(store_kind_by_name(NULL), 0);
	assert_null(store_kind_name(0));
	assert_null(store_kind_name(STORE_KIND_MAX + 1));
	assert_null(store_kind_descriptor(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids),
		cmocka_unit_test(org_numbers_real),
		cmocka_unit_test(org_numbers_invalid),
		cmocka_unit_test(stage_codes),
		cmocka_unit_test(dates),
		cmocka_unit_test(kind_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
