/*
 * store.h - the system of record of stdreg: records, indexes and changelog in LMDB.
 *
 * The store knows LMDB and the domain records (the protobuf-c messages of
 * proto/stdreg/v1/records.proto); it knows nothing of sockets or the RPC envelope.
 *
 * Threads: one store per process. Any thread may read through its own read transaction
 * (MDB_NOTLS, so a read transaction may be reset on one thread and renewed on another).
 * All writes go through ONE writer (store_writer_*) which groups concurrent requests into
 * one LMDB commit; every request runs in its own child transaction.
 *
 * The key layout and the transaction rules are at the top of env.c, the store's main
 * file. A put or a delete is change.c's check, compose and write steps (records.c); a
 * query walks the records that refer to one record (refs.c) or every record of a kind
 * (walk.c), and a bad entry is RG_ECORRUPT on either walk.
 *
 * Errors: every function returns an rg_err code (rg_error.h). Functions that take a
 * struct store_error fill it with the code, the offending field and a message that names
 * the subject ("area 'ai' is referenced by item 'iso-42001'").
 */
#ifndef STDREG_STORE_H
#define STDREG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>

#include "collate.h"
#include "rg_error.h"

typedef struct store store;
typedef struct store_txn store_txn;
typedef struct store_writer store_writer;

/* The record kinds; the numbers are those of stdreg.v1.Kind. */
enum store_kind {
	STORE_AREA = 1,
	STORE_BODY = 2,
	STORE_AGENCY = 3,
	STORE_ITEM = 4,
	STORE_ASSIGNMENT = 5,
	STORE_GOAL = 6,      /* stdreg.v1.Goal, id AREA/N (goal_store.c) */
	STORE_FOLLOW_UP = 7, /* stdreg.v1.FollowUp, id GOAL/SEQ, append-only */
};
#define STORE_KIND_MAX 7

/* The longest id a record may have, in bytes (assignment ids are AREA/AGENCY/YYYY-MM-DD);
 * callers that take ids to compare with stored ones (Watch) refuse longer ones. */
#define STORE_ID_MAX 160

/* Why a call failed: code, the field at fault (may be empty) and a message for people. */
struct store_error {
	int code;
	char field[64];
	char message[320];
};

struct store_opts {
	size_t map_size;     /* initial LMDB map size in bytes; 0 = 256 MiB */
	size_t max_map_size; /* quota: the map never grows past this; 0 = 1 TiB */
	bool no_sync;        /* skip fsync on commit (tests and benchmarks only) */
	bool read_only;      /* open an existing store for reading only: nothing is created,
	                      * stamped or migrated (registryd check, restore) */
	bool single_file;    /* with read_only: dir names one store file (a backup), opened
	                      * without a lock file; it must be a regular file, not a link */
	/* The commit log (store/wal.c), 0 = defaults; tests make it small to see it wrap. */
	size_t log_bytes;            /* its file; 64 MiB */
	size_t log_checkpoint_bytes; /* a checkpoint begins after this much; 8 MiB */
	unsigned log_checkpoint_ms;  /* ...or this long; 200 ms */
	uint64_t log_fail_record;    /* tests: the flush of this record (1 = the first since
	                              * open) fails as a failing disk's would; 0 = never */
	uint64_t log_replay_stop;    /* tests: recovery stops after replaying this many records
	                              * and the open fails, as if the process died there */
};

/* Who makes a change, under which decision, and when. Strings are borrowed for the call. */
struct store_actor {
	const char *principal;    /* name of the principal, "" for none */
	const char *role;         /* its role ("coordinator", ...), may be NULL */
	const char *decision_ref; /* decision behind the change, may be NULL */
	time_t now;               /* wall-clock time of the change; 0 = time(NULL) */
};

/* --- lifecycle ---------------------------------------------------------------------- */

/*
 * Opens (creating when needed) the store in directory dir, which must exist.
 * On success *out is the store; close it with store_close().
 * A store of an older schema is migrated at open, in one transaction (env.c, migrations).
 * With opts->read_only the store must exist: nothing is created, stamped or migrated.
 * data.mdb and lock.mdb must be regular files if they exist (a symbolic link is refused).
 * err->message holds the cause alone; the caller names dir.
 * Errors: RG_EIO (cannot open), RG_ENOENT (dir does not exist), RG_EINVAL (dir is not a
 * directory, or a store file is a link or not a regular file), RG_ESCHEMA (written by a
 * newer stdreg; or, read only, an older schema that needs a migration), RG_ECORRUPT (also:
 * not a stdreg store), RG_ENOMEM.
 */
int store_open(store **out, const char *dir, const struct store_opts *opts,
               struct store_error *err);

/* Closes the store. No transaction may be open and the writer must be stopped. */
void store_close(store *st);

/* The last committed revision (0 for an empty store). */
uint64_t store_revision(store *st);

/* The directory the store was opened in; owned by the store. */
const char *store_path(store *st);

/* Size figures of the store, for Stats and metrics. */
struct store_info {
	uint64_t file_bytes; /* data file on disk: blocks allocated */
	uint64_t map_bytes;  /* the current map size (the file may grow up to it) */
	uint64_t used_bytes; /* pages in use up to the last one written: (last page + 1) * page */
	uint64_t max_map_bytes; /* the quota: the map never grows past it */
	/* The commit log (store/wal.c): commits it made durable, checkpoints written, and
	 * whether a failed write or flush stopped commits (until a restart recovers). */
	uint64_t log_records;
	uint64_t log_checkpoints;
	uint64_t log_replayed; /* commits the open replayed: the last process did not stop */
	bool log_failed;
};

/* Fills *out. Cheap: safe from any thread while the store is open, but not from one that
 * holds a live read transaction (it briefly holds off a map resize). */
void store_get_info(store *st, struct store_info *out);

/* --- consistency and backup (check.c, backup.c) ------------------------------------- */

/* Called once per problem found: what ("area", "refs", "changelog", "history", "meta"),
 * the id or key concerned (may be "") and a message. The strings live for the call. */
typedef void (*store_check_fn)(void *arg, const char *what, const char *id, const char *message);

struct store_check_stats {
	uint64_t revision; /* of the snapshot checked */
	uint64_t records;
	uint64_t refs;    /* refs index entries */
	uint64_t changes; /* changelog entries */
	uint64_t problems;
};

/*
 * Verifies the invariants of the store on the snapshot of the live read transaction t:
 * records decode under their ids with sane meta; every reference exists and has its refs
 * entry and every refs entry a reference; no two leads of an area (nor two appointments
 * of one agency in an area) share a day; the changelog
 * holds revisions 1..N without a gap, each in its history, and the history points only to
 * changelog entries (check.c lists it all). Each problem goes to fn (may be NULL); stats
 * (may be NULL) receives the counts. Reads only.
 * Errors: RG_ECORRUPT (problems were found), RG_EIO, RG_ENOMEM.
 */
int store_check(store_txn *t, store_check_fn fn, void *arg, struct store_check_stats *stats);

/*
 * Writes a compacting copy of the store (a consistent snapshot, free pages left out) to a
 * new file path (created with mode 0640; it must not exist) and fsyncs it. Writers go on
 * meanwhile. On success *revision is the revision the copy holds and *size its length.
 * On failure path is removed.
 * Errors: RG_EEXIST (path exists), RG_ENOSPC, RG_EIO.
 */
int store_backup(store *st, const char *path, uint64_t *revision, uint64_t *size);

/* --- kinds -------------------------------------------------------------------------- */

/* "area", "body", "agency", "item", "assignment", "goal", "follow_up"; NULL for an unknown kind. */
const char *store_kind_name(enum store_kind k);
/* The kind named name (singular as above, or "work_item"); 0 if none. */
enum store_kind store_kind_by_name(const char *name);
/* The protobuf-c descriptor of the kind's record message; NULL for an unknown kind. */
const ProtobufCMessageDescriptor *store_kind_descriptor(enum store_kind k);

/* --- reading ------------------------------------------------------------------------
 * A thread holds at most one live read transaction and never writes (store_write_once)
 * while it holds one: growing the map waits for every live read transaction to end.
 */

/*
 * Begins a read transaction on a consistent snapshot. Read transactions are cheap to
 * keep: store_read_reset() releases the snapshot and store_read_renew() takes the newest
 * one, with no allocation. Free with store_read_free().
 * Errors: RG_ENOMEM, RG_EIO.
 */
int store_read_begin(store *st, store_txn **out);
int store_read_renew(store_txn *t);
void store_read_reset(store_txn *t);
void store_read_free(store_txn *t);

/* The revision of the snapshot the transaction reads (or writes at, for a child). */
uint64_t store_txn_revision(const store_txn *t);

/*
 * Looks up one record by id. On success *val and *len are the packed record as stored (meta
 * included), valid until the transaction is reset, renewed or ended; in a write
 * transaction only until the next write in it (LMDB may move the page): copy what must
 * outlive a write.
 * Errors: RG_ENOENT, RG_EINVAL (kind), RG_EIO.
 */
int store_get(store_txn *t, enum store_kind k, const char *id, const void **val, size_t *len);

/* Filters of store_list; zero/NULL fields do not filter. Which kind honours which field:
 * see ListRequest in registry.proto. */
struct store_filter {
	const char *area_id;    /* items in the area; assignments of the area; areas whose parent */
	const char *body_id;    /* items of the body; bodies (committees) whose parent */
	const char *agency_id;  /* assignments of the agency */
	const char *stage_from; /* items with stage >= stage_from */
	const char *stage_to;   /* items with stage <= stage_to */
	int status;             /* items with this WorkItemStatus */
	const char *text;  /* items whose reference or title contains it, ignoring case (Unicode) */
	int priority;      /* areas with this AreaPriority */
	bool current_only; /* assignments without valid_to (open, planned ones included) */
	const char *holds_on; /* assignments that hold on this date: valid_from <= it < valid_to */
};

#define STORE_PAGE_DEFAULT 100
#define STORE_PAGE_MAX     1000
#define STORE_TOKEN_MAX    320
/* Records one page reads and decodes for a filter that needs them (text, stage, status
 * ...) before it ends, short or even empty, with a token that goes on after the last one
 * read: a filter that matches nothing reads the kind a slice at a time, never whole in
 * one call (anyone may ask). */
#define STORE_LIST_SCAN_MAX 10000u
/* Bytes of references and titles one page searches for a text filter before it ends the
 * same way: a title may be 8 KiB of combining marks, whose case folding costs ~0.6 ms, so
 * a count of records alone does not bound a page's time. */
#define STORE_LIST_SCAN_TEXT_MAX (2u << 20)
/* Characters of a text filter (store_filter.text): each record a page reads is searched
 * for it, so a page's cost grows with its length; a longer one is INVALID_ARGUMENT. */
#define STORE_SEARCH_TEXT_MAX 256

/* Called once per record of a page, in id order; val/len as store_get. Non-zero stops the
 * page before this record: it does not count as listed, and next_token resumes at it
 * (the caller's way to keep a page under a size; see store_list). */
typedef int (*store_list_fn)(void *arg, const void *val, size_t len);

/*
 * Lists one page of records of kind k that match f, in id order, starting after the
 * position encoded in page_token ("" or NULL = from the start). page_size 0 = default;
 * more than STORE_PAGE_MAX is capped. On success next_token (STORE_TOKEN_MAX bytes) holds
 * the token of the next page, or "" when this was the last. When fn stops the page, the
 * token is that of the page after the last record fn accepted ("" if it accepted none).
 * A page that decodes records for its filter ends after STORE_LIST_SCAN_MAX of them, with
 * fewer than page_size records (even none) and a token after the last one read.
 * Errors: RG_EINVAL (bad token, or a filter the kind does not support; err says which),
 * RG_ECORRUPT (an index entry naming no record, or a record the page must read that
 * does not decode; err names it), RG_EIO.
 */
int store_list(store_txn *t, enum store_kind k, const struct store_filter *f, uint32_t page_size,
               const char *page_token, store_list_fn fn, void *arg, char *next_token,
               struct store_error *err);

/* --- limits on what a write may carry --------------------------------------------- */

#define STORE_VALUES_MAX 256 /* entries in any repeated field of a record */

/*
 * RG_OK, or RG_EINVAL (err names the field) when a repeated field of rec holds more than
 * STORE_VALUES_MAX entries. Looks at the counts only, never at an entry: callers ask it
 * before any per-entry work (the agency scope check, the string checks of store_put).
 */
int store_check_counts(const ProtobufCMessage *rec, struct store_error *err);

/*
 * RG_OK, or RG_EINVAL naming field when s (NULL = "") is too long, not valid UTF-8, or
 * holds a control character other than TAB and LF (C0, DEL, C1): what a terminal would
 * act on never enters the registry. store_put applies it to every string of a record.
 */
int store_check_text(const char *field, const char *s, struct store_error *err);

/* --- writing ------------------------------------------------------------------------ */

enum store_outcome { STORE_CREATED = 1, STORE_UPDATED, STORE_UNCHANGED };

struct store_put_opts {
	bool create_only;               /* RG_EEXIST if the id exists */
	uint64_t expected_mod_revision; /* non-zero: RG_ESTALE unless the stored one matches */
	int *outcome;                   /* optional: receives an enum store_outcome on success */
};

/*
 * Creates or updates one record. rec is a record message of kind k (Area, Body, ...); the
 * store validates it (id, required fields, organisation number, stage code, references),
 * derives what it derives (work item status from the stage, normalised org number),
 * sets meta and writes record, indexes and a changelog entry at the transaction's revision.
 * rec stays the caller's; fields the store derives are written into it (rec->meta is
 * not). rec must come from protobuf-c's default allocator (protobuf_c_message_unpack with
 * a NULL allocator): a derived string, such as the canonical org_number, may replace the
 * given one with free() and malloc().
 * On success, if out is not NULL, *out and *out_len are the stored bytes, malloc'd, for the
 * caller to free().
 * A put whose content equals the stored record writes nothing and takes no revision.
 * Checks all come before the first write: a put that fails for a reason other than
 * RG_ENOSPC/RG_EIO has changed nothing in t.
 * Errors: RG_EINVAL, RG_EEXIST, RG_ESTALE, RG_EPRECOND (a referenced record is missing, a
 * parent cycle), RG_ENOSPC, RG_EIO, RG_ENOMEM.
 */
int store_put(store_txn *t, enum store_kind k, ProtobufCMessage *rec,
              const struct store_put_opts *o, const struct store_actor *who, uint8_t **out,
              size_t *out_len, struct store_error *err);

/*
 * Deletes one record. Refused with RG_EPRECOND, naming the references, while any record
 * refers to it. Assignments are never deleted (RG_EPRECOND): end them instead.
 * Errors: RG_ENOENT, RG_ESTALE, RG_EPRECOND, RG_EINVAL, RG_ENOSPC, RG_EIO.
 */
int store_delete(store_txn *t, enum store_kind k, const char *id, uint64_t expected_mod_revision,
                 const struct store_actor *who, struct store_error *err);

/* --- the writer: one thread, group commit ------------------------------------------- */

/*
 * A write request. The writer calls run() in a child transaction of the batch; run returns
 * an rg_err code: RG_OK commits the child (and takes a new revision), anything else
 * aborts it without harming the batch. run may be called again for the same job (when the
 * batch is retried after the map grew): it must release what a previous call produced.
 * After the batch commits (one fsync), done() is called once with the final code and the
 * revision the job committed at (0 if it did not). done may free the job.
 * If deadline_ns (CLOCK_MONOTONIC) is non-zero and has passed when the job's turn comes,
 * run is not called and done gets RG_ETIMEDOUT.
 */
struct store_job {
	int (*run)(store_txn *t, void *arg);
	void (*done)(void *arg, int code, uint64_t revision);
	void *arg;
	uint64_t deadline_ns;
	/* run makes at most one store_put or store_delete (and no other write): the writer
	 * may then run it without a child transaction of its own. */
	bool single_write;
	struct store_job *next; /* the writer's queue link */
	int code;               /* the writer's */
	uint64_t revision;      /* the writer's */
};

/* Writer statistics, for the benchmark and Stats. */
struct store_writer_stats {
	uint64_t batches;
	uint64_t jobs;
	uint64_t max_batch;
	uint64_t map_grows;
};

/* Starts the writer thread. Errors: RG_ENOMEM, RG_EINTERNAL. */
int store_writer_start(store *st, store_writer **out);
/* Queues job; it must stay valid until done() is called. While store_writer_close() runs:
 * done(RG_ESHUTDOWN). Never after it returned: the writer is gone (the caller stops
 * submitting first, as registryd's dispatcher does). */
void store_writer_submit(store_writer *w, struct store_job *job);
/* Runs every queued job, commits, joins the thread and frees the writer (as
 * store_close frees the store). */
void store_writer_close(store_writer *w);
void store_writer_get_stats(store_writer *w, struct store_writer_stats *s);

/*
 * Runs one job synchronously in its own batch (for tools and tests that have no writer
 * thread; never call it while a writer runs). Returns the job's code; *revision if non-NULL.
 */
int store_write_once(store *st, int (*run)(store_txn *t, void *arg), void *arg, uint64_t *revision);

/* --- appointments (appoint.c) -------------------------------------------------------
 * Appointments are assignment records that are never rewritten: assign creates one,
 * unassign ends one (sets valid_to), transfer ends the current lead and starts the next in
 * the same transaction. Dates are YYYY-MM-DD; NULL or "" means today (UTC, from who->now).
 * On success *out (if out is not NULL) is the assignment written, for the caller to free
 * with protobuf_c_message_free_unpacked(..., NULL).
 */

/* Errors: RG_EINVAL (role, date, missing decision_ref), RG_EPRECOND (the area or agency does
 * not exist; a current lead exists: use transfer; the agency already holds one),
 * RG_EEXIST (the same appointment exists), RG_ENOSPC, RG_EIO. */
int store_assign(store_txn *t, const char *area_id, const char *agency_id, int role,
                 const char *decision_ref, const char *valid_from, const char *note,
                 const struct store_actor *who, ProtobufCMessage **out, struct store_error *err);

/* Ends the current assignment of agency_id in area_id (of the given role; 0 = any).
 * Errors: RG_EINVAL, RG_ENOENT (no such current assignment), RG_EPRECOND (the area or
 * agency does not exist), RG_ENOSPC, RG_EIO. */
int store_unassign(store_txn *t, const char *area_id, const char *agency_id, int role,
                   const char *decision_ref, const char *valid_to, const struct store_actor *who,
                   ProtobufCMessage **out, struct store_error *err);

/* Ends the lead of from_agency and starts to_agency as lead on valid_from; a supporting
 * assignment of to_agency in the area ends the same day. *ended and *started as *out above.
 * Errors: RG_EINVAL, RG_EPRECOND (the area or an agency does not exist; from_agency is not
 * the current lead). */
int store_transfer(store_txn *t, const char *area_id, const char *from_agency,
                   const char *to_agency, const char *decision_ref, const char *valid_from,
                   const char *note, const struct store_actor *who, ProtobufCMessage **ended,
                   ProtobufCMessage **started, struct store_error *err);

/* Moves a work item to a new stage. *out and *out_len as store_put.
 * Errors: as store_put, and RG_ENOENT. */
int store_set_stage(store_txn *t, const char *item_id, const char *stage,
                    uint64_t expected_mod_revision, const struct store_actor *who, uint8_t **out,
                    size_t *out_len, struct store_error *err);

/*
 * For agency principals: RG_OK if agency_id leads or supports today every area of the
 * stored item item_id (when it exists) and every one of new_area_ids, so an agency
 * changes only items that lie wholly in its areas, and keeps them there. n is checked
 * against STORE_VALUES_MAX before any entry is read.
 * Errors: RG_EINVAL (too many ids), RG_EPERM (out of scope; err names the area), RG_EIO,
 * RG_ECORRUPT, RG_ENOMEM.
 */
int store_check_item_scope(store_txn *t, const char *agency_id, const char *item_id,
                           char *const *new_area_ids, size_t n, struct store_error *err);

/* --- questions (queries.c) ----------------------------------------------------------
 * Each builds its response message (registry.proto) in *out, for the caller to free with
 * protobuf_c_message_free_unpacked(..., NULL). today: YYYY-MM-DD or NULL for today (UTC).
 */

/* The areas agency_id currently leads or supports, with its items by stage: each group
 * counts them all (total) and lists at most STORE_MINE_GROUP_ITEMS; an area lists its share
 * of STORE_MINE_ITEMS (at least STORE_MINE_AREA_ITEMS), and a reply at most
 * STORE_MINE_ITEMS in all (anyone may ask, of any agency). RG_ENOENT. */
#define STORE_MINE_GROUP_ITEMS 100
#define STORE_MINE_AREA_ITEMS  10
#define STORE_MINE_ITEMS       1000
int store_mine(store_txn *t, const char *agency_id, ProtobufCMessage **out,
               struct store_error *err);
/* Prioritised areas with no lead on today, most important first. Errors: RG_EINVAL
 * (today), RG_ENOMEM, RG_ECORRUPT (a record or reference index entry is bad), RG_EIO. */
int store_gaps(store_txn *t, const char *today, ProtobufCMessage **out, struct store_error *err);
/* Lead and supporting agencies of area_id on date. RG_ENOENT, RG_EINVAL (date). */
int store_as_of(store_txn *t, const char *area_id, const char *date, ProtobufCMessage **out,
                struct store_error *err);
/* Every change to one record, oldest first. RG_ENOENT when it never existed. */
int store_history(store_txn *t, enum store_kind k, const char *id, ProtobufCMessage **out,
                  struct store_error *err);
/* Coverage, load per agency, items per status, overdue items, recent stage changes. It
 * counts from the report's index, without decoding the work items. The overdue list holds
 * the STORE_REPORT_LIST_MAX longest overdue (in id order) and the stage changes the newest
 * STORE_REPORT_LIST_MAX; overdue_total and stage_changes_total count them all, so the
 * reply stays small at any size of registry.
 * Errors: RG_EINVAL (today, days over 36500), RG_ENOMEM, RG_ECORRUPT, RG_EIO. */
#define STORE_REPORT_LIST_MAX 100
int store_report(store_txn *t, const char *today, uint32_t days, ProtobufCMessage **out,
                 struct store_error *err);
/* At most this many changes are read by one store_watch or store_changes_back, matched or
 * not. */
#define STORE_WATCH_SCAN_MAX 65536u
/* Changes after since_revision, less the first since_change changes of the revision after
 * it, filtered by kinds/ids, at most max_events (0 or over 1000: 1000) in changelog order.
 * A reply stops where it is full or after STORE_WATCH_SCAN_MAX changes read, inside a
 * revision if need be; next_revision and next_change in the response say where to go on
 * (the newest revision and 0 once all is read). Errors: RG_ENOMEM, RG_ECORRUPT, RG_EIO. */
int store_watch(store_txn *t, uint64_t since_revision, uint32_t since_change, const int *kinds,
                size_t nkinds, char *const *ids, size_t nids, uint32_t max_events,
                ProtobufCMessage **out, struct store_error *err);
/* Changes newest first, filtered by kinds/ids, starting before page token (empty or NULL:
 * from the newest); at most page_size (0: 100; over 1000: 1000), and at most
 * STORE_WATCH_SCAN_MAX read. The ListChangesResponse's next_page_token goes on further
 * back; it is empty once the oldest change is read. Errors: RG_EINVAL (a token that is
 * not one), RG_ENOMEM, RG_ECORRUPT, RG_EIO. */
int store_changes_back(store_txn *t, const char *token, const int *kinds, size_t nkinds,
                       char *const *ids, size_t nids, uint32_t page_size, ProtobufCMessage **out,
                       struct store_error *err);

/* --- goals and their follow-up (goal_store.c; the rules are goal_rules.h) ------------
 * A goal is stored as the fold of its follow-ups (its current due, owner, target, text,
 * state); each follow-up is a record of its own that is never changed or deleted. Adding
 * one rewrites the goal in the same transaction, so both reach the changelog together.
 * Responses are built in *out, for the caller to free with
 * protobuf_c_message_free_unpacked(..., NULL). Dates NULL or "" mean today (of who->now,
 * or of the clock).
 */

/*
 * Creates goal g (a Goal from the default allocator): the registry sets its id AREA/N (N
 * the next number in the area, never reused), original_due, state (active, or proposed
 * with proposed) and set_on; g receives them. *out: a GoalAddResponse (the goal as of
 * set_on).
 * Errors: RG_EINVAL (the field named), RG_EPRECOND (the owner holds no appointment on the
 * area; a referenced record is missing), RG_ENOSPC, RG_EIO, RG_ENOMEM.
 */
int store_goal_add(store_txn *t, ProtobufCMessage *g, bool proposed, const struct store_actor *who,
                   ProtobufCMessage **out, struct store_error *err);

/*
 * Appends follow-up f (a FollowUp from the default allocator) to its goal: the registry
 * sets seq, id, as_of (empty: today) and the old_* values, and folds it into the goal.
 * *out: a FollowUpAddResponse (the goal as of the entry's as_of).
 * Errors: RG_EINVAL (the field named), RG_EPRECOND (unknown goal, the goal's state, as_of
 * order, owner not appointed), RG_ENOSPC, RG_EIO, RG_ENOMEM.
 */
int store_follow_up_add(store_txn *t, ProtobufCMessage *f, const struct store_actor *who,
                        ProtobufCMessage **out, struct store_error *err);

/* The goal id as of as_of with its follow-ups at positions from..from+limit-1 (1 = the
 * first; from 0: the last limit; limit 0: all from there on). The view is always of every
 * entry. *out: a GoalGetResponse.
 * Errors: RG_ENOENT, RG_EINVAL (as_of), RG_ECORRUPT, RG_EIO, RG_ENOMEM. */
int store_goal_get(store_txn *t, const char *id, const char *as_of, const char *today,
                   uint32_t from, uint32_t limit, ProtobufCMessage **out, struct store_error *err);

/* One page of goals (a GoalListRequest's filters, as of its as_of), in id order. *out: a
 * GoalListResponse. Errors: RG_EINVAL (as_of, page token), RG_ECORRUPT, RG_EIO,
 * RG_ENOMEM. */
int store_goal_list(store_txn *t, const ProtobufCMessage *request, const char *today,
                    ProtobufCMessage **out, struct store_error *err);

/* The quarterly trend between from and to (from "": two years before to; to "": today),
 * from the records as they stood on each quarter end. *out: a TrendResponse.
 * Errors: RG_EINVAL (dates), RG_ECORRUPT, RG_EIO, RG_ENOMEM. */
int store_trend(store_txn *t, const char *from, const char *to, const char *today,
                ProtobufCMessage **out, struct store_error *err);

/* --- bulk (bulk.c) ------------------------------------------------------------------ */

#define STORE_APPLY_MAX_ERRORS 100

/*
 * Applies records (stdreg.v1.BulkRecord, one record set in each) as one change: each is
 * created or updated by id (assignments by area, agency and valid_from); records may refer
 * to each other in any order. Every record is checked; if any fails, nothing is applied and
 * *out lists the first STORE_APPLY_MAX_ERRORS errors by line with error_count, and the call
 * returns RG_EPRECOND when every bad line was refused by the state of the store (a reference
 * to a record that does not exist, a rule about other records), else RG_EINVAL (a parent
 * cycle among the file's records is RG_EINVAL). With dry_run nothing is applied either, and
 * *out has the counts and the first differences. *out: an ApplyCommitResponse to free with
 * protobuf_c_message_free_unpacked(..., NULL). The apply may replace strings in the records
 * (derived ids, attribution); records_alloc is the allocator they were decoded with, which
 * gets the replaced strings back (NULL: malloc, free()). Its free() also gets strings the
 * apply replaces in messages of its own, which come from malloc: it must free() any piece
 * that is not its own memory. New strings always come from malloc.
 * Errors: RG_EINVAL, RG_EPRECOND (see above; *out set), RG_ENOSPC, RG_EIO, RG_ENOMEM.
 */
int store_apply(store_txn *t, ProtobufCMessage *const *records, size_t n, bool dry_run,
                const ProtobufCAllocator *records_alloc, const struct store_actor *who,
                ProtobufCMessage **out, struct store_error *err);

/*
 * One page of the whole registry (or of kind k; 0 = all) as BulkRecords without meta, in
 * kind then id order: what store_apply reads back. *out: an ExportResponse.
 * Errors: RG_EINVAL (bad token or kind), RG_EIO, RG_ENOMEM.
 */
int store_export(store_txn *t, enum store_kind k, const char *page_token, uint32_t page_size,
                 ProtobufCMessage **out, struct store_error *err);

/* Today's date in UTC (or of now, if non-zero) as YYYY-MM-DD. */
void store_today(time_t now, char out[11]);

/* --- principals and tokens (principals.c) -------------------------------------------
 * Work on the store directly, also from another process while registryd runs (LMDB is
 * multi-process): a token revoked here is refused on the daemon's next request.
 */

#define STORE_TOKEN_LEN 68 /* "srt_" + 64 hex digits */

/* What a request's token resolves to. */
struct store_principal {
	char name[65];
	int role; /* stdreg.v1.PrincipalRole */
	char agency_id[65];
};

/*
 * Creates principal name with role (and agency_id for agency principals) and writes its
 * new token, 256 random bits from the OS, to token (STORE_TOKEN_LEN + 1 bytes). Only the
 * token's SHA-256 is stored. A name is never reused: a revoked principal stays listed,
 * with its revoked_at, and its name is refused.
 * Errors: RG_EINVAL (name, role, agency_id), RG_ENOENT (agency), RG_EEXIST (a principal of
 * that name exists or existed), RG_EIO.
 */
int store_token_create(store *st, const char *name, int role, const char *agency_id, char *token,
                       struct store_error *err);
/* Revokes the token of principal name. Errors: RG_ENOENT, RG_EPRECOND (already revoked). */
int store_token_revoke(store *st, const char *name, struct store_error *err);
/* Calls fn for every principal (token_hash cleared), by name; a row that does not decode
 * is passed over. Errors: RG_ENOMEM, RG_EIO. */
int store_token_list(store *st, void (*fn)(void *arg, const ProtobufCMessage *principal),
                     void *arg);
/*
 * Resolves a token presented by a caller. Errors: RG_ENOENT (unknown or malformed),
 * RG_EPRECOND (revoked), RG_EIO.
 */
int store_token_lookup(store_txn *t, const char *token, struct store_principal *out);

/* --- text as people read it (text.c, libunistring) --------------------------------- */

/* s case-folded by Unicode's full folding, in NFC; malloc'd, NUL-terminated (*len its
 * length if len is not NULL); NULL on no memory or invalid UTF-8. */
char *store_text_fold(const char *s, size_t *len);
/* Whether haystack contains folded_needle (from store_text_fold) ignoring case:
 * "Åtkomst" contains store_text_fold("åTKOMST"). An empty needle is in everything. */
bool store_text_contains(const char *haystack, const char *folded_needle);
/* Swedish name order: store_collate_sv() in collate.h (its own library, which regctl
 * links too). */

/* --- validation helpers (also used by the client for early errors) ------------------ */

/* True if id is a slug: [a-z0-9][a-z0-9._-]{0,63}. */
bool store_valid_id(const char *id);
/* True if s is a Swedish organisation number (10 digits, optional dash after 6, Luhn).
 * If norm is not NULL it receives the "NNNNNN-NNNN" form (12 bytes). */
bool store_valid_org_number(const char *s, char norm[12]);
/* The WorkItemStatus of an ISO harmonized stage code, or 0 if the code is not in the table. */
int store_stage_status(const char *stage);
/* True if the len bytes at text are valid UTF-8 (strict: no overlong forms, no
 * surrogates) without a NUL byte. */
bool store_valid_text(const char *text, size_t len);
/* True if s is a calendar date YYYY-MM-DD that exists. */
bool store_valid_date(const char *s);

#endif
