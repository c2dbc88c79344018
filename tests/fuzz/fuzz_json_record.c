/*
 * fuzz_json_record.c - the client's JSON -> record mapping (stdreg_json_to_message) for
 * every record kind, and the bulk form (stdreg_bulk_from_json). The first byte picks the
 * kind and the JSON decoding flags; the rest is the JSON text.
 *
 * Invariants: whatever parses packs and unpacks; its JSON (stdreg_json_from_message) parses
 * back to the same message (same packed bytes); merging the same JSON into it changes
 * nothing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "stdreg.h"
#include "stdreg/v1/registry.pb-c.h"

/* Packs m into a malloc'd buffer; *len its size. */
static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n + 1);

	FUZZ_CHECK(buf != NULL, "out of memory");
	FUZZ_CHECK(protobuf_c_message_pack(m, buf) == n, "pack size");
	*len = n;
	return buf;
}

static bool same_bytes(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t na, nb;
	uint8_t *pa = pack(a, &na), *pb = pack(b, &nb);
	bool same = na == nb && memcmp(pa, pb, na) == 0;

	free(pa);
	free(pb);
	return same;
}

/* m parsed from JSON: check the round trips. */
static void check_message(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	ProtobufCMessage *back = NULL, *unpacked;
	char err[256];
	size_t len;
	uint8_t *buf = pack(m, &len);
	json_t *j;
	char *text;

	unpacked = protobuf_c_message_unpack(d, NULL, len, buf);
	FUZZ_CHECK(unpacked != NULL, "a parsed message unpacks");
	protobuf_c_message_free_unpacked(unpacked, NULL);
	free(buf);

	j = stdreg_json_from_message(m);
	FUZZ_CHECK(j != NULL, "json_from_message");
	text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	FUZZ_CHECK(text != NULL, "json_dumps");
	if (stdreg_json_to_message(j, d, &back, err, sizeof err) != 0) {
		fprintf(stderr, "output %s\nis refused: %s\n", text, err);
		FUZZ_CHECK(false, "the JSON of a message parses back");
	}
	FUZZ_CHECK(same_bytes(m, back), "JSON round trip keeps the message");
	// Merging the message's own JSON into it changes nothing.
	FUZZ_CHECK(stdreg_message_merge_json(back, j, err, sizeof err) == 0, "merge own JSON");
	FUZZ_CHECK(same_bytes(m, back), "merge of own JSON is a no-op");
	protobuf_c_message_free_unpacked(back, NULL);
	free(text);
	json_decref(j);
}

static void check_bulk(const ProtobufCMessage *bulk)
{
	ProtobufCMessage *back = NULL;
	char err[256];
	json_t *j = stdreg_json_from_bulk(bulk);

	FUZZ_CHECK(j != NULL, "json_from_bulk of a parsed bulk record");
	FUZZ_CHECK(stdreg_bulk_from_json(j, NULL, false, 1, &back, err, sizeof err) == 0,
	           "the JSON of a bulk record parses back");
	// line is set from the argument, not the JSON: compare with the same line.
	((Stdreg__V1__BulkRecord *)back)->line = ((const Stdreg__V1__BulkRecord *)bulk)->line;
	FUZZ_CHECK(same_bytes(bulk, back), "bulk JSON round trip keeps the record");
	protobuf_c_message_free_unpacked(back, NULL);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ProtobufCMessage *m = NULL;
	const struct stdreg_kind *k;
	json_error_t jerr;
	size_t nkinds = 0, which;
	char err[256];
	json_t *j;

	if (size < 1)
		return 0;
	while (stdreg_kinds[nkinds].name != NULL)
		nkinds++;
	// Low bits: the kind (one past the last = the bulk form); bit 7: allow \u0000.
	which = (data[0] & 0x7f) % (nkinds + 1);
	j = json_loadb((const char *)data + 1, size - 1,
	               JSON_DECODE_ANY | ((data[0] & 0x80) ? JSON_ALLOW_NUL : 0), &jerr);
	if (j == NULL)
		return 0;
	if (which < nkinds) {
		k = &stdreg_kinds[which];
		if (stdreg_json_to_message(j, k->record, &m, err, sizeof err) == 0) {
			check_message(m);
			protobuf_c_message_free_unpacked(m, NULL);
		}
	} else if (stdreg_bulk_from_json(j, NULL, false, 7, &m, err, sizeof err) == 0) {
		check_bulk(m);
		protobuf_c_message_free_unpacked(m, NULL);
	}
	json_decref(j);
	return 0;
}
