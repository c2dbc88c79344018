/*
 * job.c - see job.h. The one place that turns a writer result into a reply, and that
 * tells the parked watches about each committed revision.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "log.h"
#include "watch.h"

const char *job_or_null(const char *s)
{
	return (s != NULL && *s != '\0') ? s : NULL;
}

static void job_clear_out(struct job *j)
{
	free(j->out);
	j->out = NULL;
	j->out_len = 0;
}

/* Gives j->out room for len bytes (what was there is freed); RG_ENOMEM, said in j->err,
 * without memory. */
static int job_out_alloc(struct job *j, size_t len)
{
	job_clear_out(j);
	j->out = malloc(len > 0 ? len : 1);
	if (j->out == NULL) {
		j->err.code = RG_ENOMEM;
		snprintf(j->err.message, sizeof j->err.message, "out of memory for the reply");
		return RG_ENOMEM;
	}
	return RG_OK;
}

int job_pack(struct job *j, const ProtobufCMessage *m)
{
	int rc = job_out_alloc(j, protobuf_c_message_get_packed_size(m));

	if (rc == RG_OK)
		j->out_len = protobuf_c_message_pack(m, j->out);
	return rc;
}

int job_stored(struct job *j, store_txn *t, enum store_kind kind, const char *id)
{
	const void *val;
	size_t len;
	int rc = store_get(t, kind, id, &val, &len);

	job_clear_out(j);
	if (rc != RG_OK) {
		j->err.code = rc;
		snprintf(j->err.message, sizeof j->err.message, "cannot read back %s '%.80s' (%s)",
		         store_kind_name(kind), id, rg_strerror(rc));
		return rc;
	}
	if (job_out_alloc(j, len) != RG_OK)
		return RG_ENOMEM;
	memcpy(j->out, val, len);
	j->out_len = len;
	return RG_OK;
}

/* The writer's run(): may be called again for the same job, so it starts afresh. */
static int job_run(store_txn *t, void *arg)
{
	struct job *j = arg;
	struct store_actor who = {
		.principal = j->c.who.name,
		.role = auth_role_name(&j->c.who),
		.decision_ref = j->decision_ref,
		.now = 0,
	};

	job_clear_out(j);
	memset(&j->err, 0, sizeof j->err);
	return j->ops->run(j, t, &who);
}

/*
 * A job whose own run fitted, refused because its batch's commit did not: the map could
 * not grow past the quota. Said as the store says it of a write that does not fit.
 */
static void quota_reached(struct job *j)
{
	struct store_info info;

	store_get_info(call_store(&j->c), &info);
	status_set(&j->c.st, GRPC_RESOURCE_EXHAUSTED,
	           "store is full (quota %llu bytes reached; raise --quota)",
	           (unsigned long long)info.max_map_bytes);
}

/*
 * A write that failed because the store's commit log did (a write or flush of data.wal or
 * data.mdb failed): the store refuses every write from then on, and only a restart, whose
 * recovery finds out what reached the disk, brings it back. Said once in the daemon's log
 * too, where the operator looks; stdreg_log_failed says it to monitoring.
 */
static bool log_failed(struct job *j)
{
	struct store_info info;

	store_get_info(call_store(&j->c), &info);
	return info.log_failed;
}

static void log_failure(struct job *j)
{
	static atomic_bool logged;

	if (!atomic_exchange(&logged, true))
		log_event("error",
		          "the store's commit log could not be written or flushed; writes are "
		          "refused until registryd is restarted",
		          NULL);
	status_set(&j->c.st, GRPC_INTERNAL,
	           "writes stopped: the store's commit log could not be written or flushed; "
	           "restart registryd, which recovers the store (the write that met the failure "
	           "may or may not be kept, any later one is not)");
}

/*
 * The writer's done(): after the commit. Builds the reply, releases the job, sends.
 *
 * revision is the one the job committed at. A write that changed nothing (a Put of what is
 * stored already, a dry run) takes no revision of its own: the writer then reports the
 * batch's revision when the job ran, i.e. the newest revision committed before it (or by an
 * earlier job of the same batch), which is a revision whose snapshot shows the result. So
 * Response.revision is always "read at this revision or later to see what I answered".
 */
static void job_done(void *arg, int code, uint64_t revision)
{
	struct job *j = arg;
	struct call c;

	j->c.revision = revision;
	if (code == RG_OK)
		status_ok(&j->c.st);
	else if (code == RG_ETIMEDOUT && j->err.code != code)
		status_set(&j->c.st, GRPC_DEADLINE_EXCEEDED,
		           "deadline passed before '%s' was written", j->c.m->name);
	else if (code == RG_ESHUTDOWN && j->err.code != code)
		status_set(&j->c.st, GRPC_UNAVAILABLE, "registryd is shutting down");
	// Before the quota: a failed flush on a full disk comes back as RG_ENOSPC.
	else if ((code == RG_EIO || code == RG_ENOSPC) && j->err.code != code && log_failed(j))
		log_failure(j);
	else if (code == RG_ENOSPC && j->err.code != code)
		quota_reached(j);
	else
		// The store's message only if it is about this code (not a stale earlier run).
		status_from_store(&j->c.st, code, j->err.code == code ? &j->err : NULL);
	if (j->ops->finish != NULL)
		j->ops->finish(j, code, revision);
	// The payload is sent only with OK (call_pack); the violations may point into the
	// job's state, so pack before release.
	call_pack(&j->c, j->out, j->out_len);
	job_clear_out(j);
	c = j->c;
	if (code == RG_OK && revision > 0)
		watch_notify(call_watch(&c), revision);
	j->ops->free(j);
	call_send(&c);
}

enum call_result job_submit(struct call *c, struct job *j)
{
	j->sj.run = job_run;
	j->sj.done = job_done;
	j->sj.arg = j;
	j->sj.deadline_ns = c->deadline_ns;
	j->sj.single_write = j->ops->single_write;
	j->c = *c;
	c->req = NULL;
	if (call_submit_write(&j->c, &j->sj))
		return CALL_PENDING;
	c->req = j->c.req;
	j->ops->free(j);
	return call_fail(c, GRPC_UNAVAILABLE, NULL, "registryd is shutting down");
}

enum call_result job_submit_ops(struct call *c, const struct job_ops *ops, const char *decision_ref)
{
	struct job *j = calloc(1, sizeof *j);

	if (j == NULL)
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
	j->ops = ops;
	j->decision_ref = job_or_null(decision_ref);
	return job_submit(c, j);
}
