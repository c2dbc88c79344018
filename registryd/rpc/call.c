/*
 * call.c - the call API (call.h): packing and sending a call's one reply, parking it, the
 * gate to the writer, and what handlers may read of the daemon.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"
#include "call.h"
#include "dedupe.h"
#include "inflight.h"
#include "log.h"
#include "metrics.h"

bool call_park(struct call *c)
{
	dispatch_reply_fn reply;
	void *arg;

	if (c->park == NULL)
		return true; /* the call keeps the slot until it is answered */
	if (!c->park(c->park_arg, &reply, &arg))
		return false;
	c->reply = reply;
	c->reply_arg = arg;
	c->park = NULL; /* the slot is no longer ours, nor its transaction */
	c->rtxn = NULL;
	return true;
}

enum call_result call_fail(struct call *c, int code, const char *field, const char *fmt, ...)
{
	char buf[STATUS_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	status_set(&c->st, code, "%s", buf);
	if (field != NULL)
		status_set_field(&c->st, field);
	call_pack(c, NULL, 0);
	return CALL_DONE;
}

enum call_result call_fail_store(struct call *c, int rc, const struct store_error *err,
                                 const char *field)
{
	status_from_store(&c->st, rc, err);
	if (field != NULL)
		status_set_field(&c->st, field);
	call_pack(c, NULL, 0);
	return CALL_DONE;
}

store_txn *call_read_begin(struct call *c)
{
	store_txn *t = c->rtxn;
	int rc = store_read_renew(t);

	if (rc != RG_OK) {
		call_fail_store(c, rc, NULL, NULL);
		return NULL;
	}
	c->revision = store_txn_revision(t);
	return t;
}

void call_pack(struct call *c, const uint8_t *payload, size_t len)
{
	Stdreg__V1__Response resp = STDREG__V1__RESPONSE__INIT;
	Stdreg__V1__Status status = STDREG__V1__STATUS__INIT;
	Stdreg__V1__FieldViolation fv = STDREG__V1__FIELD_VIOLATION__INIT;
	Stdreg__V1__FieldViolation *one[1] = { &fv }, **fvs = one;
	size_t size;

	resp.request_id = c->request_id;
	resp.revision = c->revision;
	resp.status = &status;
	status.code = c->st.code;
	status.message = c->st.message;
	if (c->st.field[0] != '\0') {
		fv.field = c->st.field;
		fv.description = c->st.message;
		status.n_violations = 1;
		status.violations = fvs;
	}
	if (c->st.code != GRPC_OK && c->n_violations > 0) {
		// The field of st first (if any), then the extra ones.
		fvs = malloc((c->n_violations + 1) * sizeof *fvs);
		if (fvs != NULL) {
			status.n_violations = 0;
			if (c->st.field[0] != '\0')
				fvs[status.n_violations++] = &fv;
			for (size_t i = 0; i < c->n_violations; i++)
				fvs[status.n_violations++] = c->violations[i];
			status.violations = fvs;
		} else {
			fvs = one;
		}
	}
	c->violations = NULL; /* borrowed until here */
	c->n_violations = 0;
	// The payload is only defined for OK (envelope.proto).
	if (c->st.code == GRPC_OK && len > 0) {
		resp.payload.data = (uint8_t *)payload;
		resp.payload.len = len;
	}
	size = stdreg__v1__response__get_packed_size(&resp);
	c->out = c->alloc != NULL ? c->alloc->alloc(c->alloc->allocator_data, size > 0 ? size : 1)
	                          : malloc(size > 0 ? size : 1);
	if (c->out != NULL)
		c->out_len = stdreg__v1__response__pack(&resp, c->out);
	if (fvs != one)
		free(fvs);
	if (c->out != NULL)
		return;
	// No memory for the reply: say so in a reply that fits in the call itself.
	status_set(&c->st, GRPC_RESOURCE_EXHAUSTED, "out of memory");
	resp.payload.data = NULL;
	resp.payload.len = 0;
	status.code = c->st.code;
	status.message = c->st.message;
	status.n_violations = 0;
	status.violations = NULL;
	c->out = c->fallback;
	c->out_len = stdreg__v1__response__pack(&resp, c->fallback);
}

enum call_result call_reply_message(struct call *c, const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len > 0 ? len : 1);

	if (buf == NULL)
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory for the reply");
	protobuf_c_message_pack(m, buf);
	status_ok(&c->st);
	call_pack(c, buf, len);
	free(buf);
	return CALL_DONE;
}

void call_release(struct call *c)
{
	struct call_env *e = c->env;

	if (e == NULL)
		return;
	if (c->decoded > 0)
		atomic_fetch_sub(&e->decoding, c->decoded);
	c->decoded = 0;
	if (c->write_counted)
		inflight_release(e->writes, c->who.name);
	c->write_counted = false;
}

void call_send(struct call *c)
{
	uint64_t us = (dispatch_now_ns() - c->received_ns) / 1000;

	log_request(c->face, c->method, c->st.code, us, c->request_id, c->st.message);
	// Past the last method's number: a request whose method is not known.
	metrics_record(c->metrics, c->m != NULL ? c->m->index : metrics_methods(c->metrics),
	               c->st.code, us);
	// No longer among its principal's writes in flight once anyone has the answer: the
	// waiting resends below, or this reply.
	call_release(c);
	// Remembered before the reply leaves, so that a resend after it is answered from memory.
	if (c->dedupe != NULL)
		dedupe_complete(c->dedupe, c->who.name, c->request_id, c->st.code, c->out,
		                c->out_len, dispatch_now_ns());
	if (c->req != NULL) {
		protobuf_c_message_free_unpacked(c->req, c->alloc);
		c->req = NULL;
	}
	c->reply(c->reply_arg, c->out, c->out_len);
	if (c->out != c->fallback && c->alloc != NULL)
		c->alloc->free(c->alloc->allocator_data, c->out);
	else if (c->out != c->fallback)
		free(c->out);
	c->out = NULL;
	// Last: the reply may have been packed in it.
	arena_free_owned(c->req_arena);
	c->req_arena = NULL;
	c->alloc = NULL;
}

bool call_submit_write(struct call *c, struct store_job *j)
{
	struct call_env *e = c->env;
	bool open;

	pthread_mutex_lock(&e->lock);
	open = !e->shutting_down;
	if (open)
		store_writer_submit(e->writer, j);
	pthread_mutex_unlock(&e->lock);
	return open;
}

store *call_store(const struct call *c)
{
	return c->env->st;
}

store_txn *call_rtxn(const struct call *c)
{
	return c->rtxn;
}

struct watch_hub *call_watch(const struct call *c)
{
	return c->env->watch;
}

struct uploads *call_uploads(const struct call *c)
{
	return c->env->uploads;
}
