/*
 * goal_int.h - checks of single fields that goal_rules.c and goal_follow_up.c share.
 * Each fills err (when not NULL) with the code, the field and a message, and returns the
 * code; RG_OK when the value passes.
 */
#ifndef STDREG_GOAL_INT_H
#define STDREG_GOAL_INT_H

#include "goal_rules.h"
#include "store_fail.h"

/* Replaces a string field of a message from the default allocator with a copy of value,
 * freeing the old one unless it is protobuf-c's static empty default. RG_ENOMEM. */
int goal_set_str(char **slot, const char *value, struct store_error *err);
/* A value of enum d other than 0. */
bool goal_enum_valid(const ProtobufCEnumDescriptor *d, int value);
/* Whether id is AREA/N of area_id (N a number from 1, no leading zero). */
bool goal_id_of_area(const char *id, const char *area_id);
/* 1-500 characters (code points) of valid UTF-8 without control characters (but TAB
 * and LF). RG_EINVAL. */
int goal_check_text(const char *field, const char *text, struct store_error *err);
/* The entry of fus (a goal's n entries) whose id is id (GOAL/SEQ), or NULL. */
const Stdreg__V1__FollowUp *goal_entry(const Stdreg__V1__FollowUp *const *fus, size_t n,
                                       const char *id);
/* A finite number (not NaN, not infinite): a measure or a reading. RG_EINVAL. */
int goal_check_number(const char *field, double v, struct store_error *err);
/* A calendar date YYYY-MM-DD, required. RG_EINVAL. */
int goal_check_date(const char *field, const char *s, struct store_error *err);
/* An ISO harmonized stage code that is not a cancellation. RG_EINVAL. */
int goal_check_target_stage(const char *field, const char *code, struct store_error *err);
/* Is agency_id appointed on area_id on date (owner NULL: not asked)? RG_EPRECOND, or the
 * callback's code. */
int goal_check_owner(const struct goal_owner_check *owner, const char *field, const char *area_id,
                     const char *agency_id, const char *date, struct store_error *err);

#endif
