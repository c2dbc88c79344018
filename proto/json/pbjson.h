/*
 * pbjson.h - protobuf-c messages to and from JSON, driven by the descriptors alone.
 *
 * The default dialect is canonical proto3 JSON (protobuf.dev/programming-guides/json):
 * proto field names, enum values by their full names ("ROLE_LEAD"), 64-bit integers as
 * decimal strings, bytes as standard base64, fields at their default left out. Any
 * protobuf JSON parser reads it.
 *
 * The parser takes every spelling that format allows: proto names and lowerCamelCase
 * names, enum names (full, or short and any case: "lead") and numbers, integers as numbers
 * or strings, bytes as standard or URL-safe base64 with or without padding, null as unset.
 * Unknown fields, a second member of a oneof and out-of-range numbers are refused, and
 * every error names the field by its path ("areas[1].rank").
 *
 * Both the daemon's HTTP face and libstdreg link this one library.
 */
#ifndef STDREG_PBJSON_H
#define STDREG_PBJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Options; 0 = canonical proto3 JSON. regctl and libstdreg use all three. */
enum pbjson_flags {
	/* Enums as lowercase names without their common prefix ("lead"), as regctl shows;
	 * when parsing, an unknown enum name is refused with the short names expected. */
	PBJSON_FRIENDLY_ENUMS = 1 << 0,
	/* 64-bit integers as JSON numbers while jansson can hold them (strings beyond). */
	PBJSON_INT64_NUMBERS = 1 << 1,
	/* A string field named "id" is printed even when empty, so every record shows one. */
	PBJSON_ALWAYS_ID = 1 << 2,
};

#define PBJSON_PATH_MAX 256

/* Why a JSON value was refused: the field's path ("" for the top level) and the cause. */
struct pbjson_error {
	char field[PBJSON_PATH_MAX];
	char text[256];
};

/*
 * The JSON object of m (a new reference), NULL without memory. A NULL m gives {}.
 */
json_t *pbjson_from_message(const ProtobufCMessage *m, unsigned flags);

/*
 * The same as compact JSON text on one line, malloc'd and NUL-terminated; NULL without
 * memory.
 */
char *pbjson_dumps(const ProtobufCMessage *m, unsigned flags);

/*
 * Builds a message of type d from the JSON object j. On success *out is a message the
 * caller frees with protobuf_c_message_free_unpacked(*out, NULL). On failure returns -1,
 * fills *err (err may be NULL) and leaves *out unchanged.
 */
int pbjson_to_message(const json_t *j, const ProtobufCMessageDescriptor *d, ProtobufCMessage **out,
                      struct pbjson_error *err);

/* pbjson_to_message() with options (PBJSON_FRIENDLY_ENUMS changes the error text only). */
int pbjson_to_message_flags(const json_t *j, const ProtobufCMessageDescriptor *d, unsigned flags,
                            ProtobufCMessage **out, struct pbjson_error *err);

/*
 * As pbjson_to_message(), from JSON text of len bytes. Malformed JSON fails with the
 * position of the error in err->text and an empty err->field.
 */
int pbjson_parse(const char *text, size_t len, const ProtobufCMessageDescriptor *d,
                 ProtobufCMessage **out, struct pbjson_error *err);

/*
 * At most what jansson allocates to parse text (len bytes) into a tree, estimated in one
 * pass that allocates nothing. jansson 2.14 takes, measured: 224 bytes for an empty
 * object, 140 for an array, 80-100 for a member, a string or a number; so "{}," repeated
 * takes 75 times its text and a file of records about 9 times. A caller that parses text
 * from anyone compares this with its budget first.
 */
size_t pbjson_parse_cost(const char *text, size_t len);

/*
 * Writes the short lowercase name of enum value v of e into buf ("prioritised"), as
 * PBJSON_FRIENDLY_ENUMS prints it; returns buf, or NULL if v is not a value of e.
 */
const char *pbjson_enum_short_name(const ProtobufCEnumDescriptor *e, int v, char *buf, size_t len);

/* Bytes of one element of field f in a protobuf-c message (an int for bools and enums). */
size_t pbjson_elem_size(const ProtobufCFieldDescriptor *f);

/* Standard padded base64 of data, malloc'd and NUL-terminated; NULL without memory. */
char *pbjson_base64_encode(const uint8_t *data, size_t len);

/*
 * Decodes standard or URL-safe base64, padded or not, into a malloc'd buffer (NULL when
 * empty). Returns 0, or -1 if s is not base64 or memory is short.
 */
int pbjson_base64_decode(const char *s, size_t slen, uint8_t **out, size_t *outlen);

#endif
