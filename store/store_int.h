/*
 * store_int.h - what the store's files share and nobody else sees.
 */
#ifndef STDREG_STORE_INT_H
#define STDREG_STORE_INT_H

#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "stdreg/v1/records.pb-c.h"
#include "bulk_mem.h"
#include "record_strings.h"
#include "store.h"
#include "store_fail.h"

/* 1: the first layout. 2: the organisation number index ('o' keys in refs, orgindex.c).
 * 3: goals and follow-ups (their own databases). 4: the report's index (report_index.h).
 * 5: the revision is the changelog's last key (no meta "revision" written per commit); the
 * history index only where history.c needs it. */
#define STORE_SCHEMA_VERSION 5
#define STORE_TEXT_MAX       8192

/* The store's databases, in the table's order (env.c), which the commit log names them by. */
#define STORE_DB_COUNT 14
#define STORE_DBI_MAX  32 /* above any dbi LMDB hands out for 16 databases */

struct store {
	MDB_env *env;
	MDB_dbi meta;                        /* "schema_version" (and a migrated floor: env.c) */
	MDB_dbi records[STORE_KIND_MAX + 1]; /* per kind: id -> packed record */
	MDB_dbi refs;                        /* DUPSORT: tag+target id -> tag+source id */
	MDB_dbi history;    /* DUPSORT|DUPFIXED: tag+id -> changelog key (history.c) */
	MDB_dbi changelog;  /* revision(8, BE) + seq(4, BE) -> packed Change */
	MDB_dbi report;     /* DUPSORT: the report's index (report_index.h) */
	MDB_dbi principals; /* name -> packed Principal */
	MDB_dbi tokens;     /* SHA-256 of the token (32 bytes) -> principal name */
	/* Readers hold it shared while a read transaction is live; the writer takes it
	 * exclusively to grow the map, which LMDB allows only with no live transaction. */
	pthread_rwlock_t resize_lock;
	size_t map_size;
	size_t max_map_size;
	atomic_uint_fast64_t revision; /* last committed */
	pthread_mutex_t write_lock;    /* one write transaction at a time in this process */
	struct wal *wal;               /* the commit log (wal.c); NULL when opened read only */
	/* Each open database's place in the table of env.c (how the log names it), by dbi. */
	unsigned char db_place[STORE_DBI_MAX];
};

/* Opens every database of the table in txn (none is created). Returns 0 or LMDB's code. */
int store_db_open_all(MDB_txn *txn, MDB_dbi out[STORE_DB_COUNT]);
/* A hash of the table's names and flags: a log written against another table is refused. */
uint32_t store_db_table_hash(void);
/* Writes zeros into fd over [from, to) (room.c; the commit log's ring too). 0, or -1 with
 * errno set. */
int store_write_zeros(int fd, off_t from, off_t to);
/* The map is full: lets the next batch free the pages the commit log's checkpoint holds
 * (wal_free_pinned). False if that would free nothing. */
bool store_free_pinned(store *st);

struct store_txn {
	store *st;
	MDB_txn *txn;
	store_txn *parent;
	bool rdonly;
	bool live;     /* a read txn that holds a snapshot (and the resize lock) */
	bool changed;  /* a child that wrote something */
	bool map_full; /* LMDB said MDB_MAP_FULL somewhere in this txn or a child */
	bool light;    /* a child without its own LMDB transaction (writes go to the parent's) */
	/* The first write that failed in this transaction (RG_OK: none): every later write is
	 * a no-op that returns it, and so does the commit. LMDB's own transaction is unusable
	 * after a failed write; this keeps the first cause instead of "bad transaction". */
	int ret;
	struct store_error ret_err;
	uint64_t revision;
	uint32_t seq;    /* next changelog sequence number within the revision */
	size_t wal_mark; /* a child: where its writes begin in the commit log's notes */
	/* The change being checked and written (change_check sets them, for the kinds whose
	 * rules need the day or write a second record: goal_kind.c). Borrowed for the put. */
	time_t now;
	const struct store_actor *who;
	/* Set by a bulk apply: the report index's entries wait here and are written sorted
	 * (index_batch.c). NULL: they are written at once. */
	struct index_batch *report_later;
	/* Set by a bulk apply: goals' follow-ups, decoded once for the whole apply
	 * (goal_chain.c). NULL: each goal loaded reads its follow-ups again. */
	struct goal_chains *goal_chains;
};

/* Index entries of one database, held back and written in key order (index_batch.c). */
struct index_batch {
	MDB_dbi dbi;
	struct index_entry *entries; /* bulk_mem */
	size_t n, entries_size;
	char *bytes; /* bulk_mem: every entry's key and value */
	size_t used, bytes_size;
	size_t max_bytes; /* entries and bytes held at most: then they are written as a run */
};
/* An apply's entries are written in sorted runs of this much: the batch's memory is bounded
 * whatever the upload (a work item in many areas has an entry per area), and a run of this
 * size keeps most of what sorting gains. */
#define INDEX_BATCH_MAX_BYTES ((size_t)64 << 20)

/* A bulk apply's cache of goals' follow-ups (goal_chain.c), holding at most max_entries
 * decoded entries (about 0.2 KiB each); NULL when out of memory. */
#define GOAL_CHAINS_MAX_ENTRIES ((size_t)1 << 18)
struct goal_chains *goal_chains_new(size_t max_entries);
void goal_chains_free(struct goal_chains *c);

void index_batch_init(struct index_batch *b, MDB_dbi dbi);
/* Adds a put (add) or a delete of k/v; on failure t fails with RG_ENOMEM. */
int index_batch_add(store_txn *t, struct index_batch *b, const MDB_val *k, const MDB_val *v,
                    bool add, struct store_error *err);
/* Writes every entry held in t, sorted as the database orders them, and empties the batch
 * (a full batch does this itself before it takes more). Returns txn_status. */
int index_batch_write(store_txn *t, struct index_batch *b, struct store_error *err);
void index_batch_release(struct index_batch *b);

/* What each kind is: table in kinds.c. */
struct ref_spec {
	const char *field; /* string or repeated string field holding ids */
	enum store_kind target;
};

struct kind_info {
	enum store_kind kind;
	const char *name;
	char tag; /* one byte naming the kind in index keys */
	const ProtobufCMessageDescriptor *desc;
	const struct ref_spec *refs;
	size_t nrefs;
	/* Kind-specific checks and derivations; references are checked generically. */
	int (*validate)(store_txn *t, ProtobufCMessage *rec, struct store_error *err);
	/* Rules for changing an existing record (old may be NULL on create); may be NULL. */
	int (*check_update)(store_txn *t, const ProtobufCMessage *old, const ProtobufCMessage *rec,
	                    struct store_error *err);
	/* Keeps the kind's own index after a change (old or rec NULL on create or delete);
	 * may be NULL. Runs among the writes: returns txn_status. */
	int (*write_index)(store_txn *t, const char *id, const ProtobufCMessage *old,
	                   const ProtobufCMessage *rec, struct store_error *err);
	/* A refusal of a delete beyond the reference index (RG_EPRECOND); may be NULL. */
	int (*check_delete)(store_txn *t, const char *id, struct store_error *err);
	bool derived_id;         /* validate sets the id (from other fields); none is given */
	const char *undeletable; /* why a record of the kind is never deleted; NULL: it may be */
};

const struct kind_info *kind_get(enum store_kind k);

/* The goal and follow-up rows of the kind table (goal_kind.c). */
int goal_kind_validate(store_txn *t, ProtobufCMessage *rec, struct store_error *err);
int follow_up_kind_validate(store_txn *t, ProtobufCMessage *rec, struct store_error *err);
int follow_up_kind_check_update(store_txn *t, const ProtobufCMessage *old,
                                const ProtobufCMessage *rec, struct store_error *err);
int follow_up_kind_write_index(store_txn *t, const char *id, const ProtobufCMessage *old,
                               const ProtobufCMessage *rec, struct store_error *err);
/* A goal's stored history against the rules (goal_check_history), for store_check: RG_OK
 * or the first problem in err (goal_kind.c). */
int goal_kind_check(store_txn *t, const char *id, struct store_error *err);
/* Makes the stored goal g (decoded from the default allocator) the goal as it was set,
 * before its follow-ups, the form export writes (goal_kind.c). RG_ENOMEM, RG_ECORRUPT. */
int goal_kind_as_set(store_txn *t, ProtobufCMessage *goal, struct store_error *err);

/* Field access through the descriptor, so one piece of code serves every kind. */
const char *msg_str(const ProtobufCMessage *m, const char *field);
char **msg_strv(const ProtobufCMessage *m, const char *field, size_t *n);
Stdreg__V1__Meta **msg_meta(ProtobufCMessage *m);
/* Every string field of m itself: valid UTF-8, no control characters in ids, bounded. Nested
 * messages are not walked: a record's only one is its meta, which the store sets. */
int msg_check_strings(const ProtobufCMessage *m, struct store_error *err);

/* Translates an LMDB return code; marks t->map_full on MDB_MAP_FULL. */
int store_mdb_err(store_txn *t, int rc, struct store_error *err);

/*
 * Writes through a write transaction (txn.c). Once one has failed, each is a no-op that
 * returns the first failure (and copies its message into err), so a write path can run its
 * writes one after another and look at the result once. A put with MDB_NODUPDATA or
 * MDB_NOOVERWRITE of what is there returns RG_EEXIST, a delete of what is not there
 * RG_ENOENT: neither is a failure of the transaction. A read-only transaction refuses
 * with RG_EINTERNAL (a bug in the caller).
 */
int txn_put(store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags,
            struct store_error *err);
int txn_del(store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, struct store_error *err);
/* Marks t failed with code and err's message unless it failed before; returns t->ret. */
int txn_fail(store_txn *t, int code, const struct store_error *err);
/* RG_OK if t can take a write; else RG_EINTERNAL (read-only) or t's first failure. */
int txn_writable(store_txn *t, struct store_error *err);
/* RG_OK, or t's first failure (copied into err). */
int txn_status(const store_txn *t, struct store_error *err);

/*
 * One change of one record on its way through the steps of change.c. A put fills ki and
 * rec; a delete ki and id (rec stays NULL). The steps fill the rest; change_release frees.
 */
struct record_change {
	const struct kind_info *ki;
	const char *id;
	ProtobufCMessage *rec; /* the new record; NULL for a delete */
	ProtobufCMessage *old; /* the stored record, decoded; NULL when there is none */
	MDB_val oldv;          /* its stored bytes (a copy, owned) */
	MDB_val newv;          /* the new stored bytes (malloc'd by change_compose) */
	char now_s[21];        /* the change's time */
};
/* Loads the stored record of c->id (none: c->old NULL). RG_ECORRUPT, RG_ENOMEM, RG_EIO. */
int change_load(store_txn *t, struct record_change *c, struct store_error *err);
/* Everything that can refuse a put, in the order the messages promise; loads the old
 * record. Writes nothing. */
int change_check(store_txn *t, struct record_change *c, const struct store_put_opts *o,
                 const struct store_actor *who, struct store_error *err);
/* Meta and the stored bytes; *unchanged when they equal the stored ones. */
int change_compose(store_txn *t, struct record_change *c, const struct store_actor *who,
                   bool *unchanged, struct store_error *err);
/* The record (put, or delete when c->rec is NULL), the reference index, the kind's own
 * index and the changelog entry. Returns txn_status. */
int change_write(store_txn *t, struct record_change *c, const struct store_actor *who,
                 struct store_error *err);
void change_release(struct record_change *c);
/* RG_ESTALE unless expected is 0 or the stored mod_revision (old NULL: none). */
int check_expected_revision(const struct kind_info *ki, const char *id, const Stdreg__V1__Meta *old,
                            uint64_t expected, struct store_error *err);

/*
 * A record's history (history.c: how it is found). history_note_change keeps the history
 * index for the change being written at t->revision, t->seq: an entry for a delete and for
 * every change of a revision that holds more than one. Returns txn_status.
 */
int history_note_change(store_txn *t, const struct kind_info *ki, const char *id, int op,
                        struct store_error *err);
/* The change of (ki, id) at revision rev with seq < below (UINT32_MAX: any), the last such:
 * its key and the change decoded (free with its free_unpacked). RG_ENOENT: none;
 * RG_ECORRUPT: the index names a change of another record; an LMDB error's code. */
int history_find(store_txn *t, const struct kind_info *ki, const char *id, uint64_t rev,
                 uint32_t below, uint8_t key[12], Stdreg__V1__Change **out);
/* The revision of the record's previous change (the mod_revision of ch's before-image).
 * RG_ENOENT: ch is a create; RG_ECORRUPT: the before-image does not decode or goes forward. */
int history_previous(const struct kind_info *ki, const Stdreg__V1__Change *ch, uint64_t *rev);
/* Calls fn for every change of record (k, id), oldest first, alive or deleted (each
 * delete and re-create included); stops at fn's first code other than RG_OK and returns
 * it. *count (may be NULL): how many. Errors: RG_EINVAL, RG_ENOMEM, RG_ECORRUPT (a broken
 * chain), an LMDB error's. No history: RG_OK and no call. */
int history_each(store_txn *t, enum store_kind k, const char *id,
                 int (*fn)(const Stdreg__V1__Change *ch, void *arg), void *arg, size_t *count);

/* Calls fn for every non-empty id that rec holds in a reference field of ki; stops at the
 * first code other than RG_OK and returns it (change.c). */
typedef int (*ref_fn)(store_txn *t, const struct ref_spec *r, const char *target, void *arg);
int record_each_ref(store_txn *t, const struct kind_info *ki, const ProtobufCMessage *rec,
                    ref_fn fn, void *arg);
/* Does m (of kind ki) hold target, of kind target_kind, in any of its reference fields? */
bool record_holds_ref(const struct kind_info *ki, const ProtobufCMessage *m,
                      enum store_kind target_kind, const char *target);

/* The record id of the kind's key; id of rec. */
const char *record_id(enum store_kind k, const ProtobufCMessage *rec);
/* Index key tag+id into buf (STORE_ID_MAX + 2 bytes); returns length. */
size_t index_key(char *buf, char tag, const char *id);
/* The change stored under changelog key (malloc'd; free with its free_unpacked).
 * Errors: RG_ECORRUPT, the LMDB error's. */
int read_change(store_txn *t, const MDB_val *key, Stdreg__V1__Change **out);
bool record_exists(store_txn *t, enum store_kind k, const char *id);

/* The id of the current lead assignment of area_id other than except_id, or "" (kinds.c). */
int assignment_current_lead(store_txn *t, const char *area_id, const char *except_id,
                            char out[STORE_ID_MAX + 1], struct store_error *err);

/*
 * Calls fn for every record of kind source that refers to target_id (of kind target),
 * through the reference index, decoded; fn returns REFS_NEXT, REFS_STOP, or REFS_KEPT when
 * it keeps the record (then it frees it). Errors: RG_ECORRUPT for an index entry naming a
 * record that does not exist or does not decode, RG_EIO (refs.c).
 */
enum { REFS_NEXT = 0, REFS_STOP = 1, REFS_KEPT = 2 };
int refs_each(store_txn *t, enum store_kind target, const char *target_id, enum store_kind source,
              int (*fn)(ProtobufCMessage *rec, void *arg), void *arg, struct store_error *err);
/* As refs_each, with each source's id alone (not NUL-terminated), nothing read or decoded:
 * for a walk that needs only the ids (a new goal's number). */
int refs_each_id(store_txn *t, enum store_kind target, const char *target_id,
                 enum store_kind source, int (*fn)(const char *id, size_t len, void *arg),
                 void *arg, struct store_error *err);

/*
 * Calls fn for every record of kind k in id order (after: only ids past it; NULL or "":
 * from the first), decoded; fn steps as for refs_each, and REFS_KEPT | REFS_STOP keeps the
 * record and stops. Errors: RG_ECORRUPT for a value that does not decode, RG_EIO (walk.c).
 */
int records_each(store_txn *t, enum store_kind k, const char *after,
                 int (*fn)(ProtobufCMessage *rec, void *arg), void *arg, struct store_error *err);

/* Calls fn for every assignment referring to target_id (an area or an agency), decoded;
 * the message dies when fn returns; fn returns non-zero to stop. As refs_each (appoint.c). */
int each_assignment_of(store_txn *t, enum store_kind target, const char *target_id,
                       int (*fn)(Stdreg__V1__Assignment *a, void *arg), void *arg,
                       struct store_error *err);

/* Calls fn(field, old, new) for every field (meta aside) whose text differs between two
 * records of descriptor d; before or after may be NULL. fn owns the two strings (free());
 * non-zero from fn stops. Errors: RG_ENOMEM (diff.c). */
int record_diff(const ProtobufCMessageDescriptor *d, const ProtobufCMessage *before,
                const ProtobufCMessage *after,
                int (*fn)(void *arg, const char *field, char *old_value, char *new_value),
                void *arg);

/* The organisation number index (orgindex.c). check: RG_EEXIST naming the agency other than
 * agency_id that holds org. update: moves agency_id's entry from old_org to new_org (either
 * may be NULL or ""). build: the migration from schema 1 (an LMDB code). */
int org_index_check(store_txn *t, const char *agency_id, const char *org, struct store_error *err);
int org_index_update(store_txn *t, const char *agency_id, const char *old_org, const char *new_org,
                     struct store_error *err);
int org_index_build(store *st, MDB_txn *txn);

/* The live (not revoked) principals that name agency_id, as "'a', 'b'" into list (cut to
 * size); *count how many there are (principals.c). RG_OK or RG_EIO. */
int principals_of_agency(store_txn *t, const char *agency_id, char *list, size_t size,
                         size_t *count);

/* Sets the attribution fields of rec besides meta (an assignment's appointed_by) as
 * store_put stores them: from old when it exists, else from who (records.c). RG_ENOMEM. */
int record_set_attribution(enum store_kind k, const ProtobufCMessage *old, ProtobufCMessage *rec,
                           const struct store_actor *who, struct store_error *err);

/* Small shared helpers (util.c). */
/* Appends item to a protobuf-c repeated field (its array and count); false on no memory. */
bool push_ptr(void ***arr, size_t *n, void *item);
#define PUSH(arr, n, item) push_ptr((void ***)&(arr), &(n), (item))
/* The tail of a function that builds a response m: on RG_OK, *out = m (the caller's to
 * free) and RG_OK; otherwise frees m (NULL allowed), leaves *out alone and returns rc. */
int result_out(int rc, void *m, ProtobufCMessage **out);
/* Does the appointment hold on date (valid_from <= date < valid_to)? */
bool assignment_holds_on(const Stdreg__V1__Assignment *a, const char *date);

/* The kinds and ids a watch asked for (watch_filter.c): no kinds or no ids means any. */
struct watch_filter {
	bool any_kind;
	uint64_t kinds; /* bit per kind number */
	char **ids;     /* sorted copy of the caller's pointers; NULL: any id */
	size_t nids;
};
/* Errors: RG_ENOMEM. The ids must outlive the filter. */
int watch_filter_init(struct watch_filter *f, const int *kinds, size_t nkinds, char *const *ids,
                      size_t nids);
bool watch_filter_match(const struct watch_filter *f, int kind, const char *id);
void watch_filter_free(struct watch_filter *f);
/* Decodes the changelog value v and appends it to *changes (*n of them) if f matches it.
 * Returns 0, MDB_CORRUPTED (not a Change) or ENOMEM. */
int watch_filter_take(const struct watch_filter *f, const MDB_val *v, Stdreg__V1__Change ***changes,
                      size_t *n);

/* The RFC 3339 UTC form of a time (21 bytes). */
void store_format_time(time_t t, char out[21]);

/* The store's revision as txn sees it: the revision of the changelog's last key, or meta
 * "revision" when a migrated store holds one ahead of it; 0 for an empty store (env.c). */
uint64_t store_revision_in(MDB_txn *txn, MDB_dbi meta, MDB_dbi changelog);
/* Adopts a map another process grew, with no live transaction in this process (env.c). */
void store_adopt_map(store *st);

/* Child transactions and batches (txn.c), for the writer. */
int store_batch_begin(store *st, store_txn **out);
int store_child_begin(store_txn *parent, store_txn **out);
int store_child_commit(store_txn *child);
/* Ends a light child (writer.c) that succeeded: publishes its revision in the batch. */
int store_light_commit(store_txn *child);
void store_txn_abort(store_txn *t);
int store_batch_commit(store_txn *parent, bool *map_full);
int store_grow_map(store *st);
/* Keeps written room past the last page, so that a commit does not grow the file (room.c);
 * called by the writer between batches. RG_EIO when the room could not be written. */
int store_keep_room(store *st);
/* Whether the store's file system has less than 1 MiB free (room.c). */
bool store_disk_full(store *st);

#endif
