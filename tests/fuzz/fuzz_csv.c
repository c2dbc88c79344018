/*
 * fuzz_csv.c - regctl's CSV reader: the RFC 4180 rows (csv_read_row) and the records made
 * of them (bulk_read_csv). The first byte picks the kind; the rest is the file.
 */
#include <stdlib.h>
#include <string.h>

#include "bulk_check.h"
#include "csv.h"
#include "fuzz.h"

/* The raw rows: every row's start line goes up, and reading ends. */
static void check_rows(const char *buf, size_t len, uint32_t lines)
{
	struct csv_row row = { 0 };
	struct csv_reader r;
	uint32_t line = 0, last = 0;
	char err[256];
	size_t rows = 0;
	int rv;

	csv_reader_init(&r, buf, len);
	while ((rv = csv_read_row(&r, &row, &line, err, sizeof err)) == 1) {
		FUZZ_CHECK(line > last || rows == 0, "rows start on increasing lines");
		FUZZ_CHECK(line >= 1 && line <= lines, "row line within the input");
		FUZZ_CHECK(row.n >= 1 && row.n <= row.cap, "a row has fields");
		last = line;
		// Each row consumes at least one byte, so there are at most len + 1 rows.
		FUZZ_CHECK(++rows <= len + 1, "reading ends");
	}
	if (rv < 0)
		FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL, "one-line error");
	csv_row_release(&row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bulk_records out = { 0 };
	struct line_errors errs = { 0 };
	size_t nkinds = 0, i;
	const char *kind;
	uint32_t lines = 1;

	if (size < 1)
		return 0;
	while (stdreg_kinds[nkinds].name != NULL)
		nkinds++;
	kind = stdreg_kinds[data[0] % nkinds].name;
	data++;
	size--;
	// CSV breaks lines at LF, CRLF and a lone CR.
	for (i = 0; i < size; i++)
		lines += data[i] == '\n' ||
		         (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
	check_rows((const char *)data, size, lines);
	if (bulk_read_csv((const char *)data, size, kind, &out, &errs) == 0)
		bulk_check(&out, &errs, lines);
	bulk_records_release(&out);
	line_errors_release(&errs);
	return 0;
}
