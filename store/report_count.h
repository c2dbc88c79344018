/*
 * report_count.h - what store_report reads from the report's index (report_index.h):
 * counts and ranges, without decoding a record. Each returns RG_OK, RG_ENOMEM, RG_ECORRUPT
 * or RG_EIO.
 */
#ifndef STDREG_REPORT_COUNT_H
#define STDREG_REPORT_COUNT_H

#include "report_index.h"

/* How many work items have the status (a WorkItemStatus number). */
int rix_status_count(store_txn *t, int status, size_t *n);

/*
 * The items of the status whose index value (target date + id) is at least from (from_len
 * bytes) and whose target date is before `below` (YYYY-MM-DD): *total of them, and the
 * first max ids, in target date order, into ids (*n of them).
 */
int rix_status_range(store_txn *t, int status, const char *from, size_t from_len, const char *below,
                     char (*ids)[STORE_ID_MAX + 1], size_t max, size_t *n, size_t *total);

/*
 * The distinct work items under the n areas whose area value (status + target date + id)
 * has its first blen bytes in [lo, hi) (lo and hi NULL: every item), into *count. An item
 * under two of the areas is counted once.
 */
int rix_merged_count(store_txn *t, char (*areas)[STORE_ID_MAX + 1], size_t n, const char *lo,
                     const char *hi, size_t blen, size_t *count);

/*
 * The first revision whose change is on cutoff (YYYY-MM-DD) or later, into *first (the
 * store's revision + 1 when there is none), by a binary search over the changelog:
 * change times do not decrease with the revision.
 */
int rix_window_start(store_txn *t, const char *cutoff, uint64_t *first);

/* The stage changes from revision first on: *total of them, and the changelog keys of the
 * newest max, newest first, into newest (*n of them). */
int rix_stage_changes(store_txn *t, uint64_t first, uint8_t (*newest)[12], size_t max, size_t *n,
                      size_t *total);

#endif
