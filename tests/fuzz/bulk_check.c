/*
 * bulk_check.c - see bulk_check.h.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bulk_check.h"
#include "fuzz.h"
#include "stdreg/v1/registry.pb-c.h"

static bool same_bytes(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t na = protobuf_c_message_get_packed_size(a);
	size_t nb = protobuf_c_message_get_packed_size(b);
	uint8_t *pa = malloc(na + 1), *pb = malloc(nb + 1);
	bool same;

	FUZZ_CHECK(pa != NULL && pb != NULL, "out of memory");
	protobuf_c_message_pack(a, pa);
	protobuf_c_message_pack(b, pb);
	same = na == nb && memcmp(pa, pb, na) == 0;
	free(pa);
	free(pb);
	return same;
}

void bulk_check(const struct bulk_records *r, const struct line_errors *e, uint32_t lines)
{
	uint32_t last = 0;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const Stdreg__V1__BulkRecord *b = (const Stdreg__V1__BulkRecord *)r->v[i];
		const struct stdreg_kind *k = NULL;
		ProtobufCMessage *back = NULL;
		char err[256];
		json_t *j;

		FUZZ_CHECK(stdreg_bulk_get(r->v[i], &k) != NULL && k != NULL,
		           "a record read carries one record");
		FUZZ_CHECK(b->line >= 1 && b->line <= lines, "line number within the input");
		FUZZ_CHECK(b->line >= last, "line numbers in file order");
		last = b->line;
		j = stdreg_json_from_bulk(r->v[i]);
		FUZZ_CHECK(j != NULL, "json_from_bulk");
		if (stdreg_bulk_from_json(j, NULL, false, b->line, &back, err, sizeof err) != 0) {
			char *text = json_dumps(j, JSON_COMPACT);

			fprintf(stderr, "bulk JSON %s\nis refused: %s\n", text ? text : "?", err);
			FUZZ_CHECK(false, "the bulk JSON of a record read parses back");
		}
		FUZZ_CHECK(same_bytes(r->v[i], back), "bulk JSON round trip keeps the record");
		protobuf_c_message_free_unpacked(back, NULL);
		json_decref(j);
	}
	FUZZ_CHECK(e->n_shown <= LINE_ERRORS_SHOWN && e->n_shown <= e->total, "error counts");
	for (i = 0; i < e->n_shown; i++) {
		FUZZ_CHECK(e->shown[i].msg != NULL && e->shown[i].msg[0] != '\0',
		           "an error message is not empty");
		FUZZ_CHECK(strchr(e->shown[i].msg, '\n') == NULL, "an error message is one line");
		FUZZ_CHECK(e->shown[i].line >= 1 && e->shown[i].line <= lines,
		           "error line within the input");
	}
}
