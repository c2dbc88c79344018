/*
 * bulk.c - bulk interchange (DESIGN §8): ApplyChunk stages records in memory
 * (uploads.c), ApplyCommit applies a whole upload as ONE writer job (one transaction, all
 * or nothing, however large), Export reads the registry a page at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "handlers.h"
#include "job.h"
#include "uploads.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

// A reply must fit what a client receives (4 MiB by default) with room for the envelope.
#define BULK_REPLY_MAX (3u << 20)

/* --- ApplyChunk --------------------------------------------------------------------- */

enum call_result handle_apply_chunk(struct call *c)
{
	Stdreg__V1__ApplyChunkRequest *r = (Stdreg__V1__ApplyChunkRequest *)c->req;
	Stdreg__V1__ApplyChunkResponse resp = STDREG__V1__APPLY_CHUNK_RESPONSE__INIT;
	struct store_error err = { 0 };
	char id[UPLOAD_ID_LEN + 1];
	uint32_t staged = 0;
	int rc;

	// Counted as decoded (what it holds in memory), not as received: an empty record is
	// 2 bytes on the wire and some 40 times that once decoded.
	rc = uploads_add(call_uploads(c), r->upload_id, c->who.name, r, c->req_arena, c->decoded,
	                 dispatch_now_ns(), id, &staged, &err);
	if (rc != RG_OK)
		return call_fail_store(c, rc, &err, rc == RG_ENOENT ? "upload_id" : NULL);
	// The chunk and its arena are the upload's now (and may already be committed by another
	// call): the reply is packed elsewhere.
	c->req = NULL;
	c->req_arena = NULL;
	c->alloc = NULL;
	c->revision = store_revision(call_store(c));
	resp.upload_id = id;
	resp.staged = staged;
	return call_reply_message(c, &resp.base);
}

/* --- ApplyCommit -------------------------------------------------------------------- */

struct commit_job {
	struct job j;
	struct uploads *uploads;
	struct upload *up;
	bool dry_run;
	Stdreg__V1__ApplyCommitResponse *resp; /* of the last run */
	Stdreg__V1__FieldViolation *fv;        /* one per LineError, for the reply */
	Stdreg__V1__FieldViolation **fvp;
	char (*fields)[24];
};

static int commit_run(struct job *j, store_txn *t, const struct store_actor *who)
{
	struct commit_job *cj = (struct commit_job *)j;
	ProtobufCMessage *out = NULL;
	ProtobufCMessage *const *recs;
	size_t n;
	int rc;

	if (cj->resp != NULL) {
		stdreg__v1__apply_commit_response__free_unpacked(cj->resp, NULL);
		cj->resp = NULL;
	}
	recs = upload_records(cj->up, &n);
	rc = store_apply(t, recs, n, cj->dry_run, upload_allocator(cj->up), who, &out, &j->err);
	// The response comes with RG_OK and with the line errors (RG_EINVAL, RG_EPRECOND).
	if (rc == RG_OK || rc == RG_EINVAL || rc == RG_EPRECOND)
		cj->resp = (Stdreg__V1__ApplyCommitResponse *)out;
	return rc;
}

/* One FieldViolation per line error: {field: "line N", description: the error}. */
static void commit_violations(struct commit_job *cj)
{
	Stdreg__V1__ApplyCommitResponse *r = cj->resp;
	size_t n = r->n_errors;

	cj->fv = calloc(n, sizeof *cj->fv);
	cj->fvp = calloc(n, sizeof *cj->fvp);
	cj->fields = calloc(n, sizeof *cj->fields);
	if (cj->fv == NULL || cj->fvp == NULL || cj->fields == NULL)
		return; /* the message alone still says what failed */
	for (size_t i = 0; i < n; i++) {
		stdreg__v1__field_violation__init(&cj->fv[i]);
		snprintf(cj->fields[i], sizeof cj->fields[i], "line %u", r->errors[i]->line);
		cj->fv[i].field = cj->fields[i];
		cj->fv[i].description = r->errors[i]->message;
		cj->fvp[i] = &cj->fv[i];
	}
	cj->j.c.violations = cj->fvp;
	cj->j.c.n_violations = n;
}

static void commit_finish(struct job *j, int code, uint64_t revision)
{
	struct commit_job *cj = (struct commit_job *)j;
	char msg[STATUS_MESSAGE_MAX];
	int grpc = code == RG_EPRECOND ? GRPC_FAILED_PRECONDITION : GRPC_INVALID_ARGUMENT;

	if (code == RG_OK && cj->resp != NULL) {
		// A dry run (or a file that changes nothing) takes no revision: the writer then
		// reports the current one (job.c).
		cj->resp->revision = revision;
		if (job_pack(j, &cj->resp->base) != RG_OK)
			status_set(&j->c.st, GRPC_RESOURCE_EXHAUSTED,
			           "out of memory for the reply");
		return;
	}
	// Line errors: every bad line refused by the state of the store is FAILED_PRECONDITION
	// (store_apply's code, as for one put), anything else INVALID_ARGUMENT.
	if ((code != RG_EINVAL && code != RG_EPRECOND) || cj->resp == NULL ||
	    cj->resp->n_errors == 0)
		return;
	snprintf(msg, sizeof msg, "%s", j->c.st.message);
	if (cj->resp->error_count > cj->resp->n_errors)
		status_set(&j->c.st, grpc, "%s (%u errors in all; the first %zu are listed)", msg,
		           cj->resp->error_count, cj->resp->n_errors);
	else
		status_set(&j->c.st, grpc, "%s", msg);
	commit_violations(cj);
}

static void commit_free(struct job *j)
{
	struct commit_job *cj = (struct commit_job *)j;

	if (cj->resp != NULL)
		stdreg__v1__apply_commit_response__free_unpacked(cj->resp, NULL);
	free(cj->fv);
	free(cj->fvp);
	free(cj->fields);
	uploads_free_taken(cj->uploads, cj->up);
	free(cj);
}

static const struct job_ops commit_ops = {
	.run = commit_run,
	.finish = commit_finish,
	.free = commit_free,
};

enum call_result handle_apply_commit(struct call *c)
{
	const Stdreg__V1__ApplyCommitRequest *r = (const Stdreg__V1__ApplyCommitRequest *)c->req;
	struct commit_job *cj;
	struct upload *up;

	if (r->upload_id[0] == '\0')
		return call_fail(c, GRPC_INVALID_ARGUMENT, "upload_id", "upload_id is required");
	cj = calloc(1, sizeof *cj);
	if (cj == NULL)
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
	if (uploads_take(call_uploads(c), r->upload_id, c->who.name, dispatch_now_ns(), &up) !=
	    RG_OK) {
		free(cj);
		return call_fail(
		        c, GRPC_NOT_FOUND, "upload_id",
		        "upload '%.40s' not found (it may have expired, or been committed)",
		        r->upload_id);
	}
	cj->j.ops = &commit_ops;
	cj->j.decision_ref = job_or_null(r->decision_ref);
	cj->uploads = call_uploads(c);
	cj->up = up;
	cj->dry_run = r->dry_run;
	return job_submit(c, &cj->j);
}

/* --- Export ------------------------------------------------------------------------- */

/* What handle_export asks fit_page for. */
struct export_page {
	store_txn *t;
	const Stdreg__V1__ExportRequest *r;
};

static int export_page_query(void *arg, uint32_t max, ProtobufCMessage **out,
                             struct store_error *err)
{
	const struct export_page *p = arg;

	return store_export(p->t, (enum store_kind)p->r->kind, p->r->page_token, max, out, err);
}

enum call_result handle_export(struct call *c)
{
	const Stdreg__V1__ExportRequest *r = (const Stdreg__V1__ExportRequest *)c->req;
	struct export_page p = { .r = r };
	struct store_error err = { 0 };
	ProtobufCMessage *out = NULL;
	enum call_result res;
	int rc;

	if (r->kind != 0 && store_kind_name((enum store_kind)r->kind) == NULL)
		return call_fail(c, GRPC_INVALID_ARGUMENT, "kind", "unknown kind %d", (int)r->kind);
	if ((p.t = call_read_begin(c)) == NULL)
		return CALL_DONE;
	rc = fit_page(export_page_query, &p, r->page_size, "records", BULK_REPLY_MAX, &out, &err);
	store_read_reset(p.t);
	if (rc != RG_OK)
		return call_fail_store(c, rc, &err, NULL);
	res = call_reply_message(c, out);
	protobuf_c_message_free_unpacked(out, NULL);
	return res;
}
