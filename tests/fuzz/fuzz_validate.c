/*
 * fuzz_validate.c - the store's validation helpers on arbitrary text: organisation
 * numbers, stage codes, dates and ids. Beyond "no crash", checks what each promises.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "store.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void check_org_number(const char *s)
{
	char norm[12], again[12];
	size_t i;

	memset(norm, 0x55, sizeof norm);
	if (!store_valid_org_number(s, norm))
		return;
	// The normal form is NNNNNN-NNNN, itself valid and its own normal form.
	FUZZ_CHECK(norm[11] == '\0' && strlen(norm) == 11, "org number: normal form length");
	for (i = 0; i < 11; i++)
		FUZZ_CHECK(i == 6 ? norm[i] == '-' : is_digit(norm[i]), "org number: normal form");
	FUZZ_CHECK(store_valid_org_number(norm, again), "org number: normal form is valid");
	FUZZ_CHECK(strcmp(norm, again) == 0, "org number: normal form is stable");
	FUZZ_CHECK(store_valid_org_number(s, NULL), "org number: same answer without norm");
}

static void check_stage(const char *s)
{
	int st = store_stage_status(s);

	// WorkItemStatus: 0 = not a code, else IN_DEVELOPMENT, PUBLISHED or CANCELLED.
	FUZZ_CHECK(st >= 0 && st <= 3, "stage: status out of range");
	if (st != 0)
		FUZZ_CHECK(strlen(s) == 5 && is_digit(s[0]) && is_digit(s[1]) && s[2] == '.' &&
		                   is_digit(s[3]) && is_digit(s[4]),
		           "stage: a known code is SS.ss");
}

static void check_date(const char *s)
{
	int y, m, d;

	if (!store_valid_date(s))
		return;
	FUZZ_CHECK(strlen(s) == 10 && s[4] == '-' && s[7] == '-', "date: YYYY-MM-DD");
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	FUZZ_CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31, "date: month and day in range");
	if (m == 2)
		FUZZ_CHECK(d <= 28 || (d == 29 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)),
		           "date: february");
	if (m == 4 || m == 6 || m == 9 || m == 11)
		FUZZ_CHECK(d <= 30, "date: 30-day month");
}

static void check_id(const char *s)
{
	size_t i, n = strlen(s);

	if (!store_valid_id(s))
		return;
	FUZZ_CHECK(n >= 1 && n <= 64, "id: length");
	FUZZ_CHECK((s[0] >= 'a' && s[0] <= 'z') || is_digit(s[0]), "id: first character");
	for (i = 1; i < n; i++)
		FUZZ_CHECK((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) || s[i] == '.' ||
		                   s[i] == '_' || s[i] == '-',
		           "id: character");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	// The helpers take C strings: the input up to its first NUL, exactly as long.
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_org_number(s);
	check_stage(s);
	check_date(s);
	check_id(s);
	free(s);
	return 0;
}
