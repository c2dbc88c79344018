/*
 * watch.h - Watch, the long poll of DESIGN §5, and the hub that holds parked watches.
 *
 * A Watch whose changes are already there, or whose wait_ms is 0, is answered at once from
 * the slot's read transaction like any read. Otherwise the call is parked (call_park: the
 * server moves the nng context holding the request to a holder and gives the slot a fresh
 * one, so parked watches never take contexts from the pool that serves calls) and handed
 * to the hub. One hub thread owns every parked watch and is the only one that answers
 * them, which makes "exactly one reply per call" hold without any race between a wake-up
 * and a timeout:
 *   - after each committed write, job.c calls watch_notify(revision), which only records
 *     the revision and wakes the thread when something is parked (cheap: it runs on the
 *     writer thread);
 *   - the thread re-runs store_watch, on its own read transaction, for each watch whose
 *     since_revision is older than that revision, and answers those that now have changes;
 *     a watch that still has none moves its since_revision up to what it has seen, so it
 *     never rescans the same revisions;
 *   - a watch whose wait passes is answered with no changes and next_revision = the last
 *     revision it was shown to have seen (not the store's newest: a change committed but
 *     not yet scanned would be skipped by the caller otherwise);
 *   - at shutdown every parked watch is answered UNAVAILABLE.
 */
#ifndef REGISTRYD_WATCH_H
#define REGISTRYD_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatch_limits.h"
#include "store.h"

struct call;
struct watch_hub;

/* A Watch names at most this many ids and kinds; more is refused INVALID_ARGUMENT before
 * any scan (every change scanned is compared with them). */
#define WATCH_MAX_IDS   256
#define WATCH_MAX_KINDS 16

/* Whether a Watch's or ListChanges's filter is within those bounds, names known kinds and
 * only ids no longer than STORE_ID_MAX; if not, c is failed INVALID_ARGUMENT naming the
 * field (the caller answers CALL_DONE). */
bool watch_filter_ok(struct call *c, const int *kinds, size_t n_kinds, char *const *ids,
                     size_t n_ids);

/*
 * Creates the hub over st (one read transaction of its own) and starts its thread, with
 * the watch_* bounds of l: at most watch_max_parked watches parked at once, together
 * holding at most watch_max_bytes decoded bytes; of them, one principal's at most
 * watch_max_per_principal (watch_max_bytes_principal); anonymous callers' from one peer
 * (the call's peer_key: an address, or an ipc peer's uid) at most watch_max_per_peer
 * (watch_max_bytes_peer), and all anonymous callers' at most watch_max_anonymous
 * (watch_max_bytes_anonymous). 0 = no bound of its own. Each waits at most
 * watch_max_wait_ms. Errors: RG_ENOMEM, RG_EIO, RG_EINTERNAL.
 */
int watch_hub_new(struct watch_hub **out, store *st, const struct dispatch_limits *l);

/* Connection conn closed: its parked watches are answered CANCELLED (a reply nobody can
 * receive) at the hub thread's next round, and their places given back. Any thread; h may
 * be NULL. */
void watch_hub_connection_closed(struct watch_hub *h, uint64_t conn);

/* A write committed at revision: parked watches that may be concerned are looked at.
 * Safe from any thread; does nothing after shutdown. h may be NULL. */
void watch_notify(struct watch_hub *h, uint64_t revision);

/* Answers every parked watch UNAVAILABLE, refuses new ones and joins the thread.
 * Idempotent; not from the hub thread. */
void watch_hub_shutdown(struct watch_hub *h);

/* Frees the hub (shutting it down first if needed). NULL is allowed. */
void watch_hub_free(struct watch_hub *h);

/* How many watches are parked (or about to be) now; for tests. */
uint32_t watch_hub_parked(struct watch_hub *h);

#endif
