/*
 * fixture.h - a store in its own temporary directory, and records built the way store_put
 * wants them (every string malloc'd by protobuf-c's default allocator).
 *
 * Every test case gets a fresh directory (mkdtemp under $TMPDIR or /tmp) through
 * fx_setup/fx_teardown, or fx_open/fx_close for tests that need their own options.
 */
#ifndef TESTS_STORE_FIXTURE_H
#define TESTS_STORE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <lmdb.h>

#include "store.h"
#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

struct fx {
	char dir[256];
	store *st;
	time_t now;            /* the actor's clock for fx_put/fx_delete (2026-09-21T14:13:20Z) */
	const char *principal; /* the actor, "test" */
};

#define FX_NOW   1790000000
#define FX_NOW_S "2026-09-21T14:13:20Z"

/* Makes a temporary directory and opens a store in it (no_sync unless o says otherwise;
 * o may be NULL). Fails the test on error. */
void fx_open(struct fx *f, const struct store_opts *o);
/* Closes the store (if open) and removes the directory. */
void fx_close(struct fx *f);
/* Closes and opens the store again in the same directory. Returns store_open's code. */
int fx_reopen(struct fx *f, const struct store_opts *o, struct store_error *err);

/* cmocka setup/teardown: *state is a struct fx * with an open store. */
/* Closes f's store, runs fn(txn, arg) in a write transaction on the raw LMDB environment of
 * its directory (no checks: tests make damaged or older stores so), commits and opens the
 * store again. */
void fx_raw_edit(struct fx *f, void (*fn)(MDB_txn *txn, void *arg), void *arg);
/* The same edit, the store left closed (to look at or open the directory another way). */
void fx_raw_edit_closed(struct fx *f, void (*fn)(MDB_txn *txn, void *arg), void *arg);
/* In a raw edit: opens the named database (flags as mdb_dbi_open's), fails the test if not. */
MDB_dbi fx_raw_dbi(MDB_txn *txn, const char *name, unsigned flags);
/* In a raw edit: stamps the store with schema version v, as that version wrote it. */
void fx_raw_set_schema(MDB_txn *txn, uint32_t v);
/* Noon UTC of date (YYYY-MM-DD): an actor's clock for the changes that follow. */
time_t fx_day(const char *date);
int fx_setup(void **state);
int fx_teardown(void **state);

/* --- records: each returns a message from the default allocator (free with rec_free) - */

/* A deep copy of m through pack + unpack with the default allocator. */
ProtobufCMessage *rec_dup(const ProtobufCMessage *m);
void rec_free(void *m);
/* Replaces a string field of such a message: frees the old value unless it is protobuf-c's
 * shared empty default (what unpack leaves in a string field that was not on the wire). */
void rec_set(char **field, const char *value);

Stdreg__V1__Area *mk_area(const char *id, const char *name, const char *parent_id);
Stdreg__V1__Body *mk_body(const char *id, const char *name, Stdreg__V1__BodyLevel level,
                          const char *parent_id);
Stdreg__V1__Agency *mk_agency(const char *id, const char *name, const char *org_number);
/* areas: NULL-terminated list of area ids. */
Stdreg__V1__WorkItem *mk_item(const char *id, const char *reference, const char *title,
                              const char *body_id, const char *const *areas, const char *stage);
Stdreg__V1__Assignment *mk_assignment(const char *area_id, const char *agency_id,
                                      Stdreg__V1__Role role, const char *decision_ref,
                                      const char *valid_from, const char *valid_to,
                                      const char *end_decision_ref);

/* --- writes: each runs one store_put/store_delete through store_write_once ---------- */

/* store_put of rec (rec stays the caller's). opts, err, revision may be NULL. */
int fx_put(struct fx *f, enum store_kind k, void *rec, const struct store_put_opts *opts,
           struct store_error *err, uint64_t *revision);
/* fx_put that must succeed; frees rec. */
void fx_put_ok(struct fx *f, enum store_kind k, void *rec);
int fx_delete(struct fx *f, enum store_kind k, const char *id, uint64_t expected,
              struct store_error *err, uint64_t *revision);
/* store_apply of lines[0..n) (BulkRecords, the caller's) in one write. *out is the response
 * or NULL (free with rec_free); out and err may be NULL. */
int fx_apply(struct fx *f, Stdreg__V1__BulkRecord *const *lines, size_t n, bool dry_run,
             ProtobufCMessage **out, struct store_error *err);

/* --- reads -------------------------------------------------------------------------- */

/* The record decoded (free with rec_free), or NULL with *code set (code may be NULL). */
void *fx_get(struct fx *f, enum store_kind k, const char *id, int *code);

/* The standard demo set: areas ai, cyber (child area ai-risk of ai); bodies iso, jtc1-sc42
 * (committee of iso), etsi, etsi-cyber; agencies digg, pts, msb. */
void fx_seed(struct fx *f);
/* For store_write_once: puts STORE_WATCH_SCAN_MAX + 10 areas ("<prefix>000000" on) in one
 * revision, more than one Watch or ListChanges call reads; prefix is a const char *. */
int fx_put_many_areas(store_txn *t, void *prefix);

#endif
