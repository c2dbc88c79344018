/*
 * store_fail.h - the two helpers every store file uses that need no LMDB, so that the
 * pure goal rules (goal_rules.c and its kin, tested without a store) share them too.
 */
#ifndef STDREG_STORE_FAIL_H
#define STDREG_STORE_FAIL_H

#include <stdbool.h>

#include "store.h"

/* Fills err (code, field, printf message) and returns code; err may be NULL. */
int store_fail(struct store_error *err, int code, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
bool str_empty(const char *s); /* NULL or "" */

#endif
