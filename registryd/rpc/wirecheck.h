/*
 * wirecheck.h - look at a message's wire bytes before protobuf-c unpacks them: refuse text
 * fields that protobuf-c would silently cut short, and messages whose decoding would cost
 * far more memory than their bytes.
 *
 * Decoding grows a message: an empty entry of a repeated message field is 2 bytes on the
 * wire and a pointer, a struct and an allocation once unpacked (some 40 times its size);
 * an unknown field is kept with an allocation of its own. The scan adds up what
 * protobuf-c's unpack will allocate (an estimate from above: struct sizes, arrays, string
 * copies, unknown fields, an allocation's overhead each), and counts the entries of every
 * repeated field of every message, so a budget is applied before anything is allocated.
 */
#ifndef REGISTRYD_WIRECHECK_H
#define REGISTRYD_WIRECHECK_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* What a message may cost once decoded; 0 in a field means no bound of that kind. */
struct wire_budget {
	size_t max_decoded;   /* bytes protobuf-c's unpack may allocate */
	uint32_t max_entries; /* entries of one repeated field (or unknown fields) of one
	                       * message */
};

/*
 * Walks the packed message buf/len of descriptor d (nested messages, map entries
 * included), checks every string field (valid UTF-8 with no NUL byte) and the budget b
 * (NULL: none). *decoded (may be NULL) is set to the estimate of the bytes unpacking takes,
 * on success only.
 * Returns RG_OK; RG_EINVAL with *bad_field naming the offending text field (NULL when the
 * bytes are not a well-formed message at all); RG_ENOSPC when over the budget, with
 * *bad_field naming the repeated field with too many entries ("unknown fields" for those),
 * or NULL when the decoded size is what is over.
 */
int wire_check(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
               const struct wire_budget *b, size_t *decoded, const char **bad_field);

/* The last varint of field number field at the top level of the packed message buf/len
 * (0 when there is none or the bytes end early): a request's id for the reply to a request
 * refused before it was decoded. */
uint64_t wire_top_varint(const uint8_t *buf, size_t len, uint32_t field);

/* wire_check() without a budget: only the text fields. */
int wire_check_text(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
                    const char **bad_field);

#endif
