/*
 * report_index.h - the report's index (database "report", DUPSORT), kept by every write of
 * a work item so that store_report counts without decoding records:
 *
 *   's' + status digit    -> target date (10) + item id            one per work item
 *   'a' + area id         -> status digit + target date (10) + id  one per area of an item
 *   'c' + revision (8, BE) + seq (4, BE) -> item id                one per item update that
 *                                                                  changed the stage
 *
 * The status digit is '0' + the WorkItemStatus number. A missing target date is ten
 * spaces, which sort before every date, so the items in development sort by target date
 * and "overdue on D" is a range: from "0" up to D, exclusive. An item's 'a' values are
 * the same bytes under each of its areas, so merging the lists of several areas meets
 * an item in two of them twice, side by side. A 'c' key is the changelog key of the
 * change, so the window of the last N days is the 'c' keys from the window's first
 * changelog key on.
 */
#ifndef STDREG_REPORT_INDEX_H
#define STDREG_REPORT_INDEX_H

#include "store_int.h"

#define RIX_DATE    10
#define RIX_KEY_MAX (STORE_ID_MAX + 2)
#define RIX_VAL_MAX (1 + RIX_DATE + STORE_ID_MAX)

/* 's' + status digit; returns the length (2). */
size_t rix_status_key(char *buf, int status);
/* 'a' + area id into buf (RIX_KEY_MAX); returns the length. */
size_t rix_area_key(char *buf, const char *area_id);
/* 'c' + revision + seq into buf (13 bytes). */
void rix_change_key(uint8_t buf[13], uint64_t revision, uint32_t seq);

/* Keeps the index after a change of work item id (old NULL: created, rec NULL: deleted):
 * its status entry, its area entries, and a 'c' entry when an update changed the stage
 * (t->revision and t->seq name the changelog entry about to be written). Returns
 * txn_status. */
int report_index_update(store_txn *t, const char *id, const ProtobufCMessage *old,
                        const ProtobufCMessage *rec, struct store_error *err);

/* The migration from schema 3: the index of every stored work item and every stage change
 * in the changelog, in txn (env.c). Returns an LMDB code (MDB_CORRUPTED for a record or a
 * change that does not decode). */
int report_index_build(store *st, MDB_txn *txn);

/* Reports each entry missing from the index or not matching the records and the changelog
 * through fn (the work item or the changelog key as id). Returns 0 or the LMDB code that
 * stopped the walk. */
int report_index_check(store_txn *t, void (*fn)(void *arg, const char *id, const char *msg),
                       void *arg);

#endif
