/*
 * fuzz_pbjson.c - the contract's JSON mapping (proto/json, pbjson.h), as the HTTP face
 * uses it: the first byte picks the request or response message of one Registry method,
 * the rest is the JSON text.
 *
 * Invariants: whatever parses packs and unpacks; its canonical JSON and its friendly JSON
 * (short enums, 64-bit numbers) both parse back to the same packed bytes; a refusal always
 * says why.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pbjson.h"
#include "stdreg/v1/registry.pb-c.h"

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n + 1);

	FUZZ_CHECK(buf != NULL, "out of memory");
	FUZZ_CHECK(protobuf_c_message_pack(m, buf) == n, "pack size");
	*len = n;
	return buf;
}

/* Prints m with flags, parses it back, and checks the bytes are the same as want. */
static void round_trip(const ProtobufCMessage *m, unsigned flags, const uint8_t *want,
                       size_t want_len)
{
	struct pbjson_error err;
	ProtobufCMessage *back = NULL;
	char *text = pbjson_dumps(m, flags);
	uint8_t *got;
	size_t got_len;

	FUZZ_CHECK(text != NULL, "the JSON of a parsed message cannot be printed");
	FUZZ_CHECK(pbjson_parse(text, strlen(text), m->descriptor, &back, &err) == 0,
	           "printed JSON does not parse back");
	got = pack(back, &got_len);
	FUZZ_CHECK(got_len == want_len && memcmp(got, want, want_len) == 0,
	           "printed JSON parses back to other bytes");
	free(got);
	free(text);
	protobuf_c_message_free_unpacked(back, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCServiceDescriptor *svc = &stdreg__v1__registry__descriptor;
	const ProtobufCMessageDescriptor *d;
	struct pbjson_error err = { { 0 }, { 0 } };
	ProtobufCMessage *m = NULL, *again;
	uint8_t *bytes;
	size_t len;

	if (size < 1)
		return 0;
	d = data[0] & 1 ? svc->methods[(data[0] >> 1) % svc->n_methods].output
	                : svc->methods[(data[0] >> 1) % svc->n_methods].input;
	if (pbjson_parse((const char *)data + 1, size - 1, d, &m, &err) != 0) {
		FUZZ_CHECK(m == NULL, "a refusal left a message");
		FUZZ_CHECK(err.text[0] != '\0', "a refusal without a reason");
		return 0;
	}
	bytes = pack(m, &len);
	again = protobuf_c_message_unpack(d, NULL, len, bytes);
	FUZZ_CHECK(again != NULL, "a parsed message does not unpack");
	protobuf_c_message_free_unpacked(again, NULL);
	round_trip(m, 0, bytes, len);
	round_trip(m, PBJSON_FRIENDLY_ENUMS | PBJSON_INT64_NUMBERS, bytes, len);
	free(bytes);
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}
