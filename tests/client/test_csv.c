/*
 * test_csv.c - regctl's RFC 4180 reader (client/regctl/csv.c), and its agreement with the
 * writer (csv_field in client/regctl/output.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"
#include "regctl.h"

#define MAX_ROWS 8

/* A case: the input, and the rows it must give as "field|field|..." with the line each starts
 * on; or the error and its line. */
static const struct {
	const char *name, *in;
	const char *rows[MAX_ROWS];
	uint32_t lines[MAX_ROWS];
	const char *error; /* substring of the message; NULL = no error */
	uint32_t error_line;
} cases[] = {
	{ "plain LF", "a,b,c\n1,2,3\n", { "a|b|c", "1|2|3" }, { 1, 2 }, NULL, 0 },
	{ "CRLF line ends", "a,b\r\n1,2\r\n", { "a|b", "1|2" }, { 1, 2 }, NULL, 0 },
	{ "no final newline", "a,b\n1,2", { "a|b", "1|2" }, { 1, 2 }, NULL, 0 },
	{ "empty fields", ",a,,\n", { "|a||" }, { 1 }, NULL, 0 },
	{ "quoted comma", "\"a,b\",c\n", { "a,b|c" }, { 1 }, NULL, 0 },
	{ "doubled quotes", "\"say \"\"hi\"\"\",x\n", { "say \"hi\"|x" }, { 1 }, NULL, 0 },
	{ "only a quote", "\"\"\"\"\n", { "\"" }, { 1 }, NULL, 0 },
	{ "empty quoted", "\"\",a\n", { "|a" }, { 1 }, NULL, 0 },
	{ "LF inside quotes",
	  "h\n\"two\nlines\",x\nnext\n",
	  { "h", "two\nlines|x", "next" },
	  { 1, 2, 4 },
	  NULL,
	  0 },
	{ "CRLF inside quotes", "\"a\r\nb\"\r\nc\r\n", { "a\r\nb", "c" }, { 1, 3 }, NULL, 0 },
	{ "quoted at the end without newline", "a,\"b\"", { "a|b" }, { 1 }, NULL, 0 },
	{ "blank lines skipped", "a\n\n\r\nb\n", { "a", "b" }, { 1, 4 }, NULL, 0 },
	{ "utf-8 kept", "åäö,\"Ω, ok\"\n", { "åäö|Ω, ok" }, { 1 }, NULL, 0 },
	{ "spaces kept", " a , b \n", { " a | b " }, { 1 }, NULL, 0 },
	{ "empty input", "", { NULL }, { 0 }, NULL, 0 },
	{ "unterminated quote",
	  "a\nb,\"open\nstill\n",
	  { "a" },
	  { 1 },
	  "unterminated quoted field (opened on line 2)",
	  4 },
	{ "text after closing quote", "\"a\"b,c\n", { NULL }, { 0 }, "after a closing quote", 1 },
	{ "quote inside unquoted field", "ab\"c\n", { NULL }, { 0 }, "quote inside", 1 },
};

/* "f1|f2|..." of a row. */
static char *joined(const struct csv_row *row)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);

	for (i = 0; i < row->n; i++)
		fprintf(f, "%s%s", i > 0 ? "|" : "", row->fields[i]);
	fclose(f);
	return out;
}

static void test_reader_cases(void **state)
{
	size_t i, r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct csv_reader rd;
		struct csv_row row = { 0 };
		uint32_t line = 0;
		char err[256] = "";
		int rv;

		csv_reader_init(&rd, cases[i].in, strlen(cases[i].in));
		for (r = 0; (rv = csv_read_row(&rd, &row, &line, err, sizeof(err))) == 1; r++) {
			char *got = joined(&row);

			if (r >= MAX_ROWS || cases[i].rows[r] == NULL)
				fail_msg("%s: extra row '%s'", cases[i].name, got);
			if (strcmp(got, cases[i].rows[r]) != 0 || line != cases[i].lines[r])
				fail_msg("%s: row %zu is '%s' on line %u, expected '%s' on line %u",
				         cases[i].name, r, got, line, cases[i].rows[r],
				         cases[i].lines[r]);
			free(got);
		}
		if (r < MAX_ROWS && cases[i].rows[r] != NULL)
			fail_msg("%s: missing row '%s'", cases[i].name, cases[i].rows[r]);
		if (cases[i].error == NULL) {
			if (rv != 0)
				fail_msg("%s: unexpected error '%s'", cases[i].name, err);
		} else {
			if (rv != -1 || strstr(err, cases[i].error) == NULL)
				fail_msg("%s: got %d '%s', expected error '%s'", cases[i].name, rv,
				         err, cases[i].error);
			if (line != cases[i].error_line)
				fail_msg("%s: error on line %u, expected %u", cases[i].name, line,
				         cases[i].error_line);
		}
		csv_row_release(&row);
	}
}

/* Whatever the writer quotes, the reader gives back. */
static void test_writer_round_trip(void **state)
{
	static const char *const values[] = {
		"plain",        "",     "a,b", "say \"hi\"", "\"", "two\nlines",
		"crlf\r\nhere", " sp ", "åäö", ",\",\n",
	};
	size_t n = sizeof(values) / sizeof(values[0]), i;
	struct csv_reader rd;
	struct csv_row row = { 0 };
	char *buf = NULL, err[256];
	size_t len = 0;
	uint32_t line;
	FILE *f;

	(void)state;
	f = open_memstream(&buf, &len);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? "," : "", f);
		csv_field(f, values[i]);
	}
	fputs("\r\n", f);
	fclose(f);
	csv_reader_init(&rd, buf, len);
	assert_int_equal(csv_read_row(&rd, &row, &line, err, sizeof(err)), 1);
	assert_int_equal(row.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(row.fields[i], values[i]);
	assert_int_equal(csv_read_row(&rd, &row, &line, err, sizeof(err)), 0);
	csv_row_release(&row);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_cases),
		cmocka_unit_test(test_writer_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
