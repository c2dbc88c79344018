/*
 * check_int.h - what the parts of store_check share: the checker's state, the way a
 * problem is reported, and the checks of the changelog and the history index
 * (check_history.c). The walk order and what each part checks are at the top of check.c.
 */
#ifndef STDREG_CHECK_INT_H
#define STDREG_CHECK_INT_H

#include <stdint.h>

#include "store_int.h"

/* A list of changelog keys. */
struct keys {
	uint8_t (*v)[12];
	size_t n, cap;
};

struct checker {
	store_txn *t;
	store_check_fn fn;
	void *arg;
	uint64_t revision;
	struct store_check_stats stats;
	struct chk_period *periods; /* every appointment's period (check_periods.c) */
	size_t n_periods, cap_periods;
	struct keys linked;    /* changes followed by a later change, or a record's current one */
	struct keys open_ends; /* changes that need one of those (all but deletes) */
	int fatal;             /* an LMDB or memory failure: RG_EIO or RG_ENOMEM */
};

struct chk_period;

/* Notes appointment a's period; once all are noted, chk_periods_check reports the ones
 * that share days they may not (check_periods.c). chk_periods_free frees them. */
void chk_period_add(struct checker *c, const Stdreg__V1__Assignment *a);
void chk_periods_check(struct checker *c);
void chk_periods_free(struct checker *c);

/* Counts a problem and passes it to the caller's callback; the walk goes on. */
void chk_report(struct checker *c, const char *what, const char *id, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Makes an LMDB failure the check's fatal error (RG_ENOMEM or RG_EIO) and reports it. */
void chk_lmdb_failed(struct checker *c, int rc);
/* The big-endian number in the n bytes at p. */
uint64_t chk_be_get(const uint8_t *p, int n);
/* "tag+id" of an index key or value as "kind 'id'" into out. */
void chk_show_tagged(const MDB_val *v, char *out, size_t len);
/* Appends a changelog key to l; a failed allocation sets c->fatal to RG_ENOMEM. */
void chk_keys_add(struct checker *c, struct keys *l, const uint8_t key[12]);

/* check_history.c. The changelog: keys, revisions and the links between changes; fills
 * c->linked and c->open_ends for check_chains. */
void check_changelog(struct checker *c);
/* Each change but a delete is followed by one later change of its record or is its current. */
void check_chains(struct checker *c);
/* Every history index entry points to a changelog entry about its record. */
void check_history(struct checker *c);

#endif
