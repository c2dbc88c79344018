/*
 * handlers_write.c - Put and Delete: queued to the ONE writer (store/writer.c), which
 * runs each in a child transaction of a group commit and calls back once the batch is
 * durable; only then does the reply go out (DESIGN §4).
 *
 * Threads: the handler runs on the caller's thread; write_run() and write_done() on the
 * writer thread. The write_call belongs to the writer from submit until write_done(),
 * which frees it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

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

/* One queued write. */
struct write_call {
	struct store_job job;
	struct call c; /* c.req is the decoded request; the strings below point into it */
	bool is_delete;
	ProtobufCMessage *rec; /* put: the record */
	const char *id;        /* delete: the id */
	struct store_put_opts opts;
	uint64_t expected_mod_revision; /* delete */
	const char *decision_ref;       /* NULL for none */
	uint8_t *out;                   /* put: the stored bytes, from the last run */
	size_t out_len;
	struct store_error err; /* of the last run */
};

/* The writer's run(): may be called again for the same job, so it starts afresh. */
static int write_run(store_txn *t, void *arg)
{
	struct write_call *w = arg;
	struct store_actor who = {
		.principal = w->c.who.name,
		.decision_ref = w->decision_ref,
		.now = 0,
	};

	free(w->out);
	w->out = NULL;
	w->out_len = 0;
	memset(&w->err, 0, sizeof w->err);
	if (w->is_delete)
		return store_delete(t, w->c.m->kind, w->id, w->expected_mod_revision, &who,
		                    &w->err);
	return store_put(t, w->c.m->kind, w->rec, &w->opts, &who, &w->out, &w->out_len, &w->err);
}

/* The writer's done(): after the commit. Builds the reply, frees the job, sends. */
static void write_done(void *arg, int code, uint64_t revision)
{
	struct write_call *w = arg;
	struct call c = w->c;

	c.revision = revision;
	if (code == RG_OK)
		status_set(&c.st, GRPC_OK, "%s", "");
	else if (code == RG_ETIMEDOUT && w->err.code != code)
		status_set(&c.st, GRPC_DEADLINE_EXCEEDED, "deadline passed before '%s' was written",
		           c.m->name);
	else if (code == RG_ESHUTDOWN && w->err.code != code)
		status_set(&c.st, GRPC_UNAVAILABLE, "registryd is shutting down");
	else
		// The store's message only if it is about this code (not a stale earlier run).
		status_from_store(&c.st, code, w->err.code == code ? &w->err : NULL);
	// Put answers with the stored record; DeleteResponse is empty: no payload.
	call_pack(&c, w->out, w->out_len);
	free(w->out);
	free(w);
	call_send(&c);
}

/* Hands w to the writer, unless the daemon is shutting down: then the call is given back
 * to c (with its request) and answered UNAVAILABLE. */
static enum call_result write_submit(struct call *c, struct write_call *w)
{
	struct dispatcher *d = c->slot->d;

	w->job.run = write_run;
	w->job.done = write_done;
	w->job.arg = w;
	w->job.deadline_ns = c->deadline_ns;
	w->c = *c;
	c->req = NULL;
	pthread_mutex_lock(&d->lock);
	if (!d->shutting_down) {
		store_writer_submit(d->writer, &w->job);
		pthread_mutex_unlock(&d->lock);
		return CALL_PENDING;
	}
	pthread_mutex_unlock(&d->lock);
	c->req = w->c.req;
	free(w);
	status_set(&c->st, GRPC_UNAVAILABLE, "registryd is shutting down");
	call_pack(c, NULL, 0);
	return CALL_DONE;
}

static enum call_result write_refuse(struct call *c, int code, const char *field, const char *msg)
{
	status_set(&c->st, code, "%s", msg);
	if (field != NULL)
		status_set_field(&c->st, field);
	call_pack(c, NULL, 0);
	return CALL_DONE;
}

static const char *or_null(const char *s)
{
	return (s != NULL && *s != '\0') ? s : NULL;
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
	w = calloc(1, sizeof *w);
	if (w == NULL)
		return write_refuse(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
	w->rec = FIELD(c->req, pf->rec, ProtobufCMessage *);
	w->opts.create_only = FIELD(c->req, pf->create_only, protobuf_c_boolean);
	w->opts.expected_mod_revision = FIELD(c->req, pf->expected_mod_revision, uint64_t);
	w->decision_ref = or_null(FIELD(c->req, pf->decision_ref, char *));
	return write_submit(c, w);
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
	w->is_delete = true;
	w->id = r->id;
	w->expected_mod_revision = r->expected_mod_revision;
	w->decision_ref = or_null(r->decision_ref);
	return write_submit(c, w);
}
