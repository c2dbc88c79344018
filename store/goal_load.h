/*
 * goal_load.h - a goal as the store holds it, read back for the rules of goal_rules.h:
 * the record, its follow-ups in sequence, the goal as it was set, and the stage history
 * of a stage goal's work item. goal_kind.c and goal_store.c share it.
 */
#ifndef STDREG_GOAL_LOAD_H
#define STDREG_GOAL_LOAD_H

#include "goal_rules.h"
#include "store_int.h"

struct goal_loaded {
	Stdreg__V1__Goal *goal;     /* the stored record (the fold of its follow-ups) */
	Stdreg__V1__FollowUp **fus; /* by seq */
	size_t n;
	bool fus_borrowed;        /* fus belong to the transaction's cache (goal_chain_get) */
	Stdreg__V1__Goal initial; /* goal_initial: borrows from goal and fus */
	struct goal_stage_step *steps;
	size_t nsteps;
	char (*dates)[11];              /* the steps' dates */
	ProtobufCMessage *item_history; /* the HistoryResponse the steps borrow from */
};

/* Loads goal id. Errors: RG_ENOENT, RG_ECORRUPT, RG_EIO, RG_ENOMEM. */
int goal_load(store_txn *t, const char *id, struct goal_loaded *out, struct store_error *err);
/* Loads around goal g (decoded, from the default allocator; out takes it, also on
 * failure). */
int goal_load_from(store_txn *t, Stdreg__V1__Goal *g, struct goal_loaded *out,
                   struct store_error *err);
void goal_loaded_release(struct goal_loaded *l);

/* The follow-ups of goal_id in sequence order, read from the store: *fus is malloc'd, each
 * entry decoded. Errors: those of refs_each. */
int goal_chain_read(store_txn *t, const char *goal_id, Stdreg__V1__FollowUp ***fus, size_t *n,
                    struct store_error *err);
/*
 * The same, from t's cache when t keeps one (t->goal_chains: a bulk apply): then *borrowed
 * is set, and *fus is the cache's, valid until the next call on t. Without a cache, or for
 * a chain the cache does not take, *fus is the caller's, as from goal_chain_read. So a
 * transaction that keeps a cache holds one goal loaded at a time, and nothing takes its
 * follow-ups. Errors: those of refs_each, RG_ECORRUPT, RG_ENOMEM.
 */
int goal_chain_get(store_txn *t, const char *goal_id, Stdreg__V1__FollowUp ***fus, size_t *n,
                   bool *borrowed, struct store_error *err);

/* The owner check of goal_rules.h answered from the assignments; arg is the store_txn. */
int goal_owner_holds(void *arg, const char *area_id, const char *agency_id, const char *date,
                     bool *holds);

/* Today (UTC) of the transaction's change time, or of the clock. */
void goal_today(const store_txn *t, char out[11]);

#endif
