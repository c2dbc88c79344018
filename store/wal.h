/*
 * wal.h - the commit log beside data.mdb: a commit is made durable by one flush of the
 * log instead of LMDB's two (the rules and the file's layout are at the top of wal.c).
 */
#ifndef STDREG_WAL_H
#define STDREG_WAL_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct wal;

/* The log's file in a store directory. */
#define WAL_FILE "data.wal"

/* How the log is run; 0 = the default (the sizes are for tests). */
struct wal_opts {
	bool sync;               /* flush (false: no_sync, tests and benchmarks) */
	size_t size;             /* of the file; 64 MiB */
	size_t checkpoint_bytes; /* a checkpoint begins after this much is logged; 8 MiB */
	unsigned checkpoint_ms;  /* ...or after this long; 200 ms */
	uint64_t fail_record;    /* tests: this record's flush fails (1 = the first); 0 = never */
	uint64_t replay_stop;    /* tests: wal_replay stops after this many records; 0 = never */
	/* Called when LMDB says another process grew the map, with no transaction of this
	 * process open but the log's pin: makes this process use the new size. */
	void (*adopt_map)(void *arg);
	void *adopt_arg;
};

/*
 * Opens DIR/data.wal before LMDB opens DIR/data.mdb, and takes the log's lock: exclusive
 * while this process checks whether the store needs recovery, then shared for as long as
 * the store is open. When no other process has the store open and the last writer did not
 * close it (a crash), the data file is brought back to the log's checkpoint here, and
 * wal_replay then applies the log's records. *out is NULL (and RG_OK returned) for a
 * read-only open of a store without a log.
 * Read only, a store that needs recovery is refused (RG_ESCHEMA: open it read-write).
 * Errors: RG_EIO, RG_EINVAL (a link or not a regular file), RG_ECORRUPT (a log or data
 * file that do not belong together), RG_ENOMEM.
 */
int wal_open(const char *dir, bool read_only, const struct wal_opts *o, struct wal **out,
             struct store_error *err);

/*
 * Applies the records wal_open found, each in a write transaction of its own, so that the
 * store ends where the last record left it. RG_ENOSPC with *map_full: grow the map and call
 * again (it goes on where it stopped). Errors: RG_ECORRUPT, RG_EIO (err says what).
 */
int wal_replay(struct wal *w, MDB_env *env, bool *map_full, struct store_error *err);

/*
 * Makes the store as it is the log's checkpoint (flushing data.mdb) and starts the log
 * afresh; then the open store may write. Call once after LMDB opened and the databases are
 * set up. Returns 0 or an LMDB or errno code.
 */
int wal_start(struct wal *w, MDB_env *env);

/* Checkpoints (a clean close: nothing to replay at the next open) and ends the log's thread
 * and pin; before mdb_env_close. NULL: no-op. */
void wal_close(struct wal *w, MDB_env *env);
/* Closes the log's file, which releases its locks; after mdb_env_close. NULL: no-op. */
void wal_free(struct wal *w);

/* --- what a write transaction writes -------------------------------------------------- */

/*
 * Starts a batch in the write transaction txn: checkpoints first when the transaction does
 * not follow this process's last commit (another process wrote, or this is the first) or
 * the log has grown enough. Returns 0 or an LMDB or errno code.
 */
int wal_batch_begin(struct wal *w, MDB_env *env, MDB_txn *txn);

/* Notes a put (db: the database's place in the store's table) that succeeded. With
 * reserved, v->mv_data is LMDB's reserved room, which the caller fills before its next
 * write: the value is copied then (wal_settle). */
void wal_note_put(struct wal *w, unsigned db, const MDB_val *k, const MDB_val *v, bool reserved);
/* Notes a delete of k (v NULL: every value of k) that succeeded. */
void wal_note_del(struct wal *w, unsigned db, const MDB_val *k, const MDB_val *v);
/* Copies the value of a reserved put into the notes; call before the next write. */
void wal_settle(struct wal *w);
/* Where the notes are now, and back there (a child transaction aborted). */
size_t wal_mark(struct wal *w);
void wal_rewind(struct wal *w, size_t mark);

/*
 * Commits txn: writes and flushes the log's record of it, then commits it in LMDB without
 * a flush. A transaction too large for the log is committed, flushed and checkpointed
 * instead. Returns 0 or an LMDB or errno code; the transaction is gone either way.
 */
int wal_commit(struct wal *w, MDB_env *env, MDB_txn *txn);

/*
 * The map is full: pages freed since the checkpoint are held by its read transaction. Asks
 * for a checkpoint at the next batch, which lets LMDB reuse them; false if that would free
 * nothing (nothing was written since).
 */
bool wal_free_pinned(struct wal *w);

/* What the log did, for tests and the benchmark. */
struct wal_stats {
	uint64_t records;     /* commits made durable by a log record */
	uint64_t checkpoints; /* headers written: data.mdb flushed up to a commit */
	uint64_t wraps;       /* records written at the ring's start again */
	uint64_t replayed;    /* records applied at open (recovery) */
	bool failed;          /* a failed write or flush stopped commits */
};
void wal_get_stats(struct wal *w, struct wal_stats *out);
/* Waits until the checkpoint being written (if any) is in force (tests). */
void wal_wait_checkpoint(struct wal *w);

#endif
