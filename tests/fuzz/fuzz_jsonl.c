/*
 * fuzz_jsonl.c - regctl's JSON Lines reader (bulk_read_jsonl, what `regctl apply` reads).
 * The first byte picks the kind the file is restricted to (or none); the rest is the file.
 */
#include <stdlib.h>
#include <string.h>

#include "bulk_check.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bulk_records out = { 0 };
	struct line_errors errs = { 0 };
	const char *kind = NULL;
	size_t nkinds = 0, which;
	uint32_t lines = 1;
	size_t i;

	if (size < 1)
		return 0;
	while (stdreg_kinds[nkinds].name != NULL)
		nkinds++;
	which = data[0] % (nkinds + 1);
	if (which < nkinds)
		kind = stdreg_kinds[which].name;
	data++;
	size--;
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (bulk_read_jsonl((const char *)data, size, kind, &out, &errs) == 0)
		bulk_check(&out, &errs, lines);
	bulk_records_release(&out);
	line_errors_release(&errs);
	return 0;
}
