/*
 * job.h - a call that writes: queued to the ONE writer (store/writer.c), which runs it in
 * a child transaction of a group commit and calls back once the batch is durable; only
 * then does the reply go out (DESIGN §4). Put, Delete, the appointment workflow and
 * ApplyCommit are each a struct job with their own ops.
 *
 * Threads: job_submit() runs on the caller's thread; ops->run, ops->finish and
 * ops->free on the writer thread. A job belongs to the writer from job_submit() until
 * its reply is sent, after which it has been freed.
 */
#ifndef REGISTRYD_JOB_H
#define REGISTRYD_JOB_H

#include "call.h"

struct job;

struct job_ops {
	/*
	 * Runs the write in t, a child transaction of the batch. May be called again for the
	 * same job (the batch is retried after the map grew): it must first free what a
	 * previous run left in j->out. Returns an rg_err code; on failure j->err says why.
	 * On success it may leave the reply payload in j->out/out_len (malloc'd).
	 */
	int (*run)(struct job *j, store_txn *t, const struct store_actor *who);
	/* Optional: after the commit, before the reply is packed from c->st and j->out; may
	 * set c->st, c->violations and j->out (code and revision as the writer gives them). */
	void (*finish)(struct job *j, int code, uint64_t revision);
	/* Frees the struct that embeds j (and what it owns, but not j->out or c.req). */
	void (*free)(struct job *j);
	/* run makes at most one store_put/store_delete: the writer may skip the child
	 * transaction (store_job.single_write), the dearest part of a small write. */
	bool single_write;
};

/* Embedded in each method's job struct. */
struct job {
	struct store_job sj;       /* the writer's */
	struct call c;             /* c.req is the decoded request */
	const struct job_ops *ops; /* set by the caller before job_submit */
	const char *decision_ref;  /* recorded with the change; may be NULL; points into c.req */
	uint8_t *out;              /* the reply payload of the last run, malloc'd */
	size_t out_len;
	struct store_error err; /* of the last run */
};

/*
 * Hands j (with j->ops set, the rest zero) to the writer, taking over the call c and its
 * request. Returns CALL_PENDING; or, when the daemon is shutting down, gives the call back
 * to c answered UNAVAILABLE, frees j and returns CALL_DONE.
 */
enum call_result job_submit(struct call *c, struct job *j);

/* A plain job (no state beyond its ops) for the call c, recording decision_ref with the
 * change: allocated and handed over with job_submit(); RESOURCE_EXHAUSTED without memory. */
enum call_result job_submit_ops(struct call *c, const struct job_ops *ops,
                                const char *decision_ref);

/* "" -> NULL: proto3 strings are never NULL, the store's optional arguments are. */
const char *job_or_null(const char *s);

/*
 * Packs a message as the job's reply payload into j->out (replacing what was there).
 * Returns RG_OK or RG_ENOMEM (with j->err set).
 */
int job_pack(struct job *j, const ProtobufCMessage *m);

/*
 * Replaces the payload of a run with the stored bytes of the record kind/id as the child
 * transaction t sees them (meta included), so that the reply is the record as stored.
 * Errors: RG_ENOMEM, and those of store_get.
 */
int job_stored(struct job *j, store_txn *t, enum store_kind kind, const char *id);

#endif
