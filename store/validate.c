/*
 * validate.c - pure checks on field values: ids, organisation numbers, stage codes, dates.
 * No LMDB here, so the client and the fuzzers can use them as they are.
 */
#include <ctype.h>
#include <string.h>

#include "stdreg/v1/records.pb-c.h"
#include "store.h"

bool store_valid_id(const char *id)
{
	size_t n;

	if (id == NULL || !(islower((unsigned char)id[0]) || isdigit((unsigned char)id[0])))
		return false;
	for (n = 1; id[n] != '\0'; n++) {
		unsigned char c = (unsigned char)id[n];
		if (n >= 64)
			return false;
		if (!(islower(c) || isdigit(c) || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Luhn over the ten digits: double every other digit from the left, starting with the first. */
static bool luhn_ok(const char d[10])
{
	int sum = 0;

	for (int i = 0; i < 10; i++) {
		int v = d[i] - '0';
		if (i % 2 == 0) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

bool store_valid_org_number(const char *s, char norm[12])
{
	char d[10];
	size_t n = 0, len;

	if (s == NULL)
		return false;
	len = strlen(s);
	/* The 12-digit form carries a "16" century-like prefix before the ten digits. */
	if ((len == 12 || len == 13) && s[0] == '1' && s[1] == '6') {
		s += 2;
		len -= 2;
	}
	if (len == 11) {
		if (s[6] != '-')
			return false;
	} else if (len != 10) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (len == 11 && i == 6)
			continue;
		if (!isdigit((unsigned char)s[i]))
			return false;
		d[n++] = s[i];
	}
	/* Digits 3-4 are at least 20 for a legal person (they would be a month for a person). */
	if ((d[2] - '0') * 10 + (d[3] - '0') < 20)
		return false;
	if (!luhn_ok(d))
		return false;
	if (norm != NULL) {
		memcpy(norm, d, 6);
		norm[6] = '-';
		memcpy(norm + 7, d + 6, 4);
		norm[11] = '\0';
	}
	return true;
}

/*
 * The ISO/IEC harmonized stage codes and the status each implies (metanorma grouping:
 * the x.98 abandon codes and 95.99 are cancelled; 60.xx, 90.xx and 95.20/60/92 are
 * published; everything else is in development).
 */
static const struct {
	char code[6];
	int status;
} stage_table[] = {
#define DEV STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT
#define PUB STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_PUBLISHED
#define CAN STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED
	{ "00.00", DEV }, { "00.20", DEV }, { "00.60", DEV }, { "00.98", CAN }, { "00.99", DEV },
	{ "10.00", DEV }, { "10.20", DEV }, { "10.60", DEV }, { "10.92", DEV }, { "10.98", CAN },
	{ "10.99", DEV }, { "20.00", DEV }, { "20.20", DEV }, { "20.60", DEV }, { "20.98", CAN },
	{ "20.99", DEV }, { "30.00", DEV }, { "30.20", DEV }, { "30.60", DEV }, { "30.92", DEV },
	{ "30.98", CAN }, { "30.99", DEV }, { "40.00", DEV }, { "40.20", DEV }, { "40.60", DEV },
	{ "40.92", DEV }, { "40.93", DEV }, { "40.98", CAN }, { "40.99", DEV }, { "50.00", DEV },
	{ "50.20", DEV }, { "50.60", DEV }, { "50.92", DEV }, { "50.98", CAN }, { "50.99", DEV },
	{ "60.00", PUB }, { "60.60", PUB }, { "90.00", PUB }, { "90.20", PUB }, { "90.60", PUB },
	{ "90.92", PUB }, { "90.93", PUB }, { "90.99", PUB }, { "95.20", PUB }, { "95.60", PUB },
	{ "95.92", PUB }, { "95.99", CAN },
#undef DEV
#undef PUB
#undef CAN
};

int store_stage_status(const char *stage)
{
	if (stage == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(stage_table) / sizeof(stage_table[0]); i++)
		if (strcmp(stage_table[i].code, stage) == 0)
			return stage_table[i].status;
	return 0;
}

bool store_valid_date(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, max;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

bool store_valid_text(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len;

	while (s < end) {
		unsigned c = *s, min;
		size_t n;

		if (c == 0)
			return false;
		if (c < 0x80) {
			s++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, min = 0x80, c &= 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, min = 0x800, c &= 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, min = 0x10000, c &= 0x07;
		else
			return false;
		if ((size_t)(end - s) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i] & 0x3f);
		}
		/* No overlong forms, no surrogates, nothing past U+10FFFF. */
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}
