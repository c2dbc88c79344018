/*
 * workflow.c - the appointment workflow (Assign, Unassign, Transfer) and stage
 * moves (SetStage): writer jobs (job.h) around store_assign/unassign/transfer/set_stage.
 *
 * Each replies with what it wrote as stored (meta included): the run reads the record
 * back in its own child transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "job.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

/* proto3 enums are open and protobuf-c lets any number through: refuse what the proto
 * does not define. */
static bool role_known(int role)
{
	return protobuf_c_enum_descriptor_get_value(&stdreg__v1__role__descriptor, role) != NULL;
}

static enum call_result bad_role(struct call *c, int role)
{
	return call_fail(c, GRPC_INVALID_ARGUMENT, "role", "unknown role %d", role);
}

static void workflow_free(struct job *j)
{
	free(j);
}

/* The id of an assignment the store returned, read back as stored into j->out. */
static int reply_assignment(struct job *j, store_txn *t, ProtobufCMessage *a)
{
	int rc = job_stored(j, t, STORE_ASSIGNMENT, ((Stdreg__V1__Assignment *)a)->id);

	protobuf_c_message_free_unpacked(a, NULL);
	return rc;
}

/* --- Assign ------------------------------------------------------------------------- */

static int assign_run(struct job *j, store_txn *t, const struct store_actor *who)
{
	const Stdreg__V1__AssignRequest *r = (const Stdreg__V1__AssignRequest *)j->c.req;
	ProtobufCMessage *a = NULL;
	int rc = store_assign(t, r->area_id, r->agency_id, (int)r->role, r->decision_ref,
	                      job_or_null(r->valid_from), job_or_null(r->note), who, &a, &j->err);

	return rc == RG_OK ? reply_assignment(j, t, a) : rc;
}

// Assign and Unassign read their record back after the put (a read that may fail after the
// write), Transfer writes two or three records: they keep their child transaction.
static const struct job_ops assign_ops = { .run = assign_run, .free = workflow_free };

enum call_result handle_assign(struct call *c)
{
	const Stdreg__V1__AssignRequest *r = (const Stdreg__V1__AssignRequest *)c->req;

	if (!role_known((int)r->role))
		return bad_role(c, (int)r->role);
	return job_submit_ops(c, &assign_ops, r->decision_ref);
}

/* --- Unassign ----------------------------------------------------------------------- */

static int unassign_run(struct job *j, store_txn *t, const struct store_actor *who)
{
	const Stdreg__V1__UnassignRequest *r = (const Stdreg__V1__UnassignRequest *)j->c.req;
	ProtobufCMessage *a = NULL;
	int rc = store_unassign(t, r->area_id, r->agency_id, (int)r->role, r->decision_ref,
	                        job_or_null(r->valid_to), who, &a, &j->err);

	return rc == RG_OK ? reply_assignment(j, t, a) : rc;
}

static const struct job_ops unassign_ops = { .run = unassign_run, .free = workflow_free };

enum call_result handle_unassign(struct call *c)
{
	const Stdreg__V1__UnassignRequest *r = (const Stdreg__V1__UnassignRequest *)c->req;

	if (!role_known((int)r->role))
		return bad_role(c, (int)r->role);
	return job_submit_ops(c, &unassign_ops, r->decision_ref);
}

/* --- Transfer ----------------------------------------------------------------------- */

/* The assignment a (freed here) as stored in t, decoded; NULL with j->err set if not. */
static Stdreg__V1__Assignment *stored_assignment(struct job *j, store_txn *t, ProtobufCMessage *a)
{
	Stdreg__V1__Assignment *got = NULL;
	const void *val;
	size_t len;
	int rc = store_get(t, STORE_ASSIGNMENT, ((Stdreg__V1__Assignment *)a)->id, &val, &len);

	if (rc == RG_OK)
		got = stdreg__v1__assignment__unpack(NULL, len, val);
	if (got == NULL) {
		j->err.code = rc != RG_OK ? rc : RG_ENOMEM;
		snprintf(j->err.message, sizeof j->err.message,
		         "cannot read back assignment '%.160s'", ((Stdreg__V1__Assignment *)a)->id);
	}
	protobuf_c_message_free_unpacked(a, NULL);
	return got;
}

static int transfer_run(struct job *j, store_txn *t, const struct store_actor *who)
{
	const Stdreg__V1__TransferRequest *r = (const Stdreg__V1__TransferRequest *)j->c.req;
	Stdreg__V1__TransferResponse resp = STDREG__V1__TRANSFER_RESPONSE__INIT;
	ProtobufCMessage *ended = NULL, *started = NULL;
	int rc = store_transfer(t, r->area_id, r->from_agency_id, r->to_agency_id, r->decision_ref,
	                        job_or_null(r->valid_from), job_or_null(r->note), who, &ended,
	                        &started, &j->err);

	if (rc != RG_OK)
		return rc;
	resp.ended = stored_assignment(j, t, ended);
	resp.started = stored_assignment(j, t, started);
	if (resp.ended != NULL && resp.started != NULL)
		rc = job_pack(j, &resp.base);
	else
		rc = j->err.code;
	if (resp.ended != NULL)
		stdreg__v1__assignment__free_unpacked(resp.ended, NULL);
	if (resp.started != NULL)
		stdreg__v1__assignment__free_unpacked(resp.started, NULL);
	return rc;
}

static const struct job_ops transfer_ops = { .run = transfer_run, .free = workflow_free };

enum call_result handle_transfer(struct call *c)
{
	return job_submit_ops(c, &transfer_ops,
	                      ((const Stdreg__V1__TransferRequest *)c->req)->decision_ref);
}

/* --- SetStage ----------------------------------------------------------------------- */

static int stage_run(struct job *j, store_txn *t, const struct store_actor *who)
{
	const Stdreg__V1__StageRequest *r = (const Stdreg__V1__StageRequest *)j->c.req;
	int rc = auth_scope_item(t, &j->c.who, r->work_item_id, NULL, 0, &j->err);

	if (rc != RG_OK)
		return rc;
	return store_set_stage(t, r->work_item_id, r->stage, r->expected_mod_revision, who, &j->out,
	                       &j->out_len, &j->err);
}

// SetStage makes one put and nothing after it.
static const struct job_ops stage_ops = { .run = stage_run,
	                                  .free = workflow_free,
	                                  .single_write = true };

enum call_result handle_set_stage(struct call *c)
{
	return job_submit_ops(c, &stage_ops,
	                      ((const Stdreg__V1__StageRequest *)c->req)->decision_ref);
}
