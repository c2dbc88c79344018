/*
 * handlers.h - handlers/'s main file: the handlers of the method table (rpc/methods.c).
 *
 * handlers/ translates RPC <-> store calls and nothing else: a handler reads its call's
 * request (call.h) and answers through the call API; it never sees the dispatcher nor
 * which face the call came from (only the call's log line names it). Reads answer at
 * once from the slot's read transaction (read.c, query.c, goals.c, stats.c); writes
 * become writer jobs (job.c: write.c, workflow.c, bulk.c, goals.c); the rows marked
 * long_running (Mine, Report, Export, Backup, ListGoals, Trend) run on workers
 * (workers.c); a Watch that has to wait is parked with the hub (watch.c); bulk uploads
 * are staged in memory (uploads.c); a page that must fit one reply is halved until it
 * does (fit.c: Watch, Export). The record handlers are one generic handler per
 * operation, parameterised by the kind in the method's row; the others are one per
 * method.
 */
#ifndef REGISTRYD_HANDLERS_H
#define REGISTRYD_HANDLERS_H

#include "call.h"

/* GetRequest -> the stored record bytes, from the slot's read transaction. */
enum call_result handle_get(struct call *c);
/* ListRequest -> List*Response built from the stored bytes of one page. */
enum call_result handle_list(struct call *c);
/* Put*Request -> the writer; replies with the stored record once committed. */
enum call_result handle_put(struct call *c);
/* DeleteRequest -> the writer; replies with an empty DeleteResponse once committed. */
enum call_result handle_delete(struct call *c);

/* The appointment workflow (workflow.c): writer jobs replying with what they
 * wrote, as stored. */
enum call_result handle_assign(struct call *c);    /* AssignRequest -> Assignment */
enum call_result handle_unassign(struct call *c);  /* UnassignRequest -> Assignment */
enum call_result handle_transfer(struct call *c);  /* TransferRequest -> TransferResponse */
enum call_result handle_set_stage(struct call *c); /* StageRequest -> WorkItem */

/* The questions (query.c): reads answered with the store's response message. */
/* One question: calls the store with the request of c and the snapshot t, building *out. */
typedef int (*query_fn)(struct call *c, store_txn *t, ProtobufCMessage **out,
                        struct store_error *err);
/* Answers c with what q builds from a fresh read snapshot, or with q's store error. The one
 * shape of every store question (query.c, goals.c). */
enum call_result query_answer(struct call *c, query_fn q);
enum call_result handle_mine(struct call *c);
enum call_result handle_gaps(struct call *c);
enum call_result handle_as_of(struct call *c);
enum call_result handle_history(struct call *c);
enum call_result handle_report(struct call *c);
/* WhoAmIRequest -> the caller as auth established it (query.c). */
enum call_result handle_who_am_i(struct call *c);

/* WatchRequest -> WatchResponse at once, or parked until a change or wait_ms (watch.c). */
enum call_result handle_watch(struct call *c);
/* ListChangesRequest -> the changes newest first, a page that fits a reply (changes.c). */
enum call_result handle_list_changes(struct call *c);

/* Bulk (bulk.c): staging in memory, one writer job for the commit, export pages. */
enum call_result handle_apply_chunk(struct call *c);
enum call_result handle_apply_commit(struct call *c);
enum call_result handle_export(struct call *c);

/* Hot backup (backup.c): BackupRequest -> a compacting copy in the data directory
 * (a worker); BackupReadRequest -> one chunk of it. */
enum call_result handle_backup(struct call *c);
enum call_result handle_backup_read(struct call *c);

/* StatsRequest -> the daemon's figures (stats.c). */
enum call_result handle_stats(struct call *c);

/* goals.c */
enum call_result handle_add_goal(struct call *c);      /* GoalAddRequest */
enum call_result handle_get_goal(struct call *c);      /* GoalGetRequest */
enum call_result handle_list_goals(struct call *c);    /* GoalListRequest */
enum call_result handle_add_follow_up(struct call *c); /* FollowUpAddRequest */
enum call_result handle_trend(struct call *c);         /* TrendRequest */

#endif
