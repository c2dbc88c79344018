/*
 * test_text.c - store/text.c: Unicode case folding for search, Swedish name order.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static bool contains(const char *haystack, const char *needle)
{
	char *folded = store_text_fold(needle, NULL);
	bool found;

	assert_non_null(folded);
	found = store_text_contains(haystack, folded);
	free(folded);
	return found;
}

static void search_folds_case(void **state)
{
	(void)state;
	assert_true(contains("Åtkomst till data", "åtkomst"));
	assert_true(contains("åtkomst till data", "ÅTKOMST"));
	assert_true(contains("Myndigheten för ÖPPNA data", "öppna"));
	assert_true(contains("STRASSE", "straße")); /* full folding: ß is ss */
	assert_true(contains("ΣΟΦΙΑ", "σοφια"));
	assert_true(contains("anything", ""));
	assert_false(contains("Atkomst", "åtkomst")); /* å is not a */
	assert_false(contains("", "a"));
}

static int cmp(const void *a, const void *b)
{
	return store_collate_sv(*(const char *const *)a, *(const char *const *)b);
}

static void swedish_name_order(void **state)
{
	const char *names[] = { "Östersunds kommun",
		                "Ängelholm",
		                "Zinkgruvan",
		                "Åklagarmyndigheten",
		                "arbetsförmedlingen",
		                "Ärvdabalken",
		                "Yrkeshögskolan",
		                "Écoles",
		                "Västra",
		                "Waxholm",
		                "Tullverket",
		                "Øresund",
		                "Ærø",
		                "Über" };
	/* Ü sorts as Y, Æ as Ä, Ø as Ö, É as E (SAOL; CLDR "sv") */
	const char *want[] = { "arbetsförmedlingen",
		               "Écoles",
		               "Tullverket",
		               "Västra",
		               "Waxholm",
		               "Über",
		               "Yrkeshögskolan",
		               "Zinkgruvan",
		               "Åklagarmyndigheten",
		               "Ængelholm",
		               "Ärvdabalken",
		               "Ærø",
		               "Øresund",
		               "Östersunds kommun" };
	size_t n = sizeof(names) / sizeof(names[0]);

	(void)state;
	names[1] = "Ængelholm"; /* æ sorts as ä */
	qsort(names, n, sizeof(names[0]), cmp);
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], want[i]) != 0)
			fail_msg("position %zu: '%s', want '%s'", i, names[i], want[i]);
	/* case aside, and a decomposed å is å */
	assert_true(store_collate_sv("åsa", "Åsa") != 0); /* a total order ... */
	assert_true(store_collate_sv("åsa", "zzz") > 0);  /* ... after z either way */
	assert_true(store_collate_sv("a\xcc\x8asa", "zzz") > 0);
	assert_int_equal(store_collate_sv("Åsa", "Åsa"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(search_folds_case),
		cmocka_unit_test(swedish_name_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
