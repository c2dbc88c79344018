/*
 * write.c - Put and Delete: writer jobs (job.h), replied to once their batch is
 * durable (DESIGN §4). A Put that changes nothing takes no revision and answers with the
 * newest revision at the time it ran (see job.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "job.h"

#include "stdreg/v1/registry.pb-c.h"

/* Where a Put*Request keeps its fields: they have the same shape for every kind. */
struct put_fields {
	size_t rec; /* the record message (never at offset 0: that is the message base) */
	size_t create_only;
	size_t expected_mod_revision;
	size_t decision_ref;
};

#define PUT_FIELDS(type, rec_field)                                                           \
	{                                                                                     \
		.rec = offsetof(type, rec_field), .create_only = offsetof(type, create_only), \
		.expected_mod_revision = offsetof(type, expected_mod_revision),               \
		.decision_ref = offsetof(type, decision_ref)                                  \
	}

static const struct put_fields put_fields[STORE_KIND_MAX + 1] = {
	[STORE_AREA] = PUT_FIELDS(Stdreg__V1__PutAreaRequest, area),
	[STORE_BODY] = PUT_FIELDS(Stdreg__V1__PutBodyRequest, body),
	[STORE_AGENCY] = PUT_FIELDS(Stdreg__V1__PutAgencyRequest, agency),
	[STORE_ITEM] = PUT_FIELDS(Stdreg__V1__PutWorkItemRequest, work_item),
};

#define FIELD(msg, off, type) (*(type *)(void *)((char *)(msg) + (off)))

/* One queued Put or Delete. */
struct write_call {
	struct job j;
	bool is_delete;
	ProtobufCMessage *rec; /* put: the record, in j.c.req */
	const char *id;        /* delete: the id */
	struct store_put_opts opts;
	uint64_t expected_mod_revision; /* delete */
};

/* An agency principal changes only its own agency record and the items of its areas. */
static int put_in_scope(struct job *j, store_txn *t, const ProtobufCMessage *rec)
{
	const struct auth_principal *who = &j->c.who;

	switch (j->c.m->kind) {
	case STORE_AGENCY:
		return auth_scope_agency(t, who, ((const Stdreg__V1__Agency *)rec)->id, &j->err);
	case STORE_ITEM: {
		const Stdreg__V1__WorkItem *w = (const Stdreg__V1__WorkItem *)rec;
		return auth_scope_item(t, who, w->id, w->area_ids, w->n_area_ids, &j->err);
	}
	default:
		return RG_OK;
	}
}

static int write_run(struct job *j, store_txn *t, const struct store_actor *who)
{
	struct write_call *w = (struct write_call *)j;

	if (w->is_delete)
		return store_delete(t, j->c.m->kind, w->id, w->expected_mod_revision, who, &j->err);
	int rc = put_in_scope(j, t, w->rec);
	if (rc != RG_OK)
		return rc;
	// Put answers with the stored record; DeleteResponse is empty: no payload.
	return store_put(t, j->c.m->kind, w->rec, &w->opts, who, &j->out, &j->out_len, &j->err);
}

static void write_free(struct job *j)
{
	free(j);
}

static const struct job_ops write_ops = {
	.run = write_run,
	.free = write_free,
	.single_write = true,
};

static enum call_result write_refuse(struct call *c, int code, const char *field, const char *msg)
{
	return call_fail(c, code, field, "%s", msg);
}

enum call_result handle_put(struct call *c)
{
	const struct put_fields *pf = &put_fields[c->m->kind];
	const ProtobufCFieldDescriptor *fd;
	struct write_call *w;
	char msg[96];

	if (pf->rec == 0)
		return write_refuse(c, GRPC_INTERNAL, NULL, "no put for this kind");
	if (FIELD(c->req, pf->rec, ProtobufCMessage *) == NULL) {
		fd = protobuf_c_message_descriptor_get_field(c->m->request, 1);
		snprintf(msg, sizeof msg, "%s is required", fd->name);
		return write_refuse(c, GRPC_INVALID_ARGUMENT, fd->name, msg);
	}
	/* Counts before any per-entry work, and before the write takes the writer's time. */
	struct store_error err = { 0 };
	if (store_check_counts(FIELD(c->req, pf->rec, ProtobufCMessage *), &err) != RG_OK)
		return write_refuse(c, GRPC_INVALID_ARGUMENT, err.field, err.message);
	w = calloc(1, sizeof *w);
	if (w == NULL)
		return write_refuse(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
	w->j.ops = &write_ops;
	w->rec = FIELD(c->req, pf->rec, ProtobufCMessage *);
	w->opts.create_only = FIELD(c->req, pf->create_only, protobuf_c_boolean);
	w->opts.expected_mod_revision = FIELD(c->req, pf->expected_mod_revision, uint64_t);
	w->j.decision_ref = job_or_null(FIELD(c->req, pf->decision_ref, char *));
	return job_submit(c, &w->j);
}

enum call_result handle_delete(struct call *c)
{
	const Stdreg__V1__DeleteRequest *r = (const Stdreg__V1__DeleteRequest *)c->req;
	struct write_call *w;

	if (r->id[0] == '\0')
		return write_refuse(c, GRPC_INVALID_ARGUMENT, "id", "id is required");
	w = calloc(1, sizeof *w);
	if (w == NULL)
		return write_refuse(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
	w->j.ops = &write_ops;
	w->is_delete = true;
	w->id = r->id;
	w->expected_mod_revision = r->expected_mod_revision;
	w->j.decision_ref = job_or_null(r->decision_ref);
	return job_submit(c, &w->j);
}
