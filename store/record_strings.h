/*
 * record_strings.h - replacing a string field of a record the store was given (fields.c).
 *
 * The store derives some fields itself (an assignment's id and attribution, a canonical
 * organisation number, a follow-up's old values) and puts them in the caller's record. The
 * string it replaces goes back where the record came from: malloc, or the arena a bulk
 * upload was decoded in (store_apply's records_alloc).
 */
#ifndef STDREG_RECORD_STRINGS_H
#define STDREG_RECORD_STRINGS_H

#include <protobuf-c/protobuf-c.h>

/* Replaces the string in *slot with value (from malloc), giving the old string back unless
 * it is protobuf-c's static empty default: to free(), or to the allocator msg_strings_from()
 * set on this thread. */
void msg_set_str(char **slot, char *value);
/* Sets the allocator the records written on this thread come from (NULL: malloc); returns
 * the one it replaces. store_apply sets its records' allocator for the time of its puts. */
const ProtobufCAllocator *msg_strings_from(const ProtobufCAllocator *a);

#endif
