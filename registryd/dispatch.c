/*
 * dispatch.c - the dispatch table and the envelope checks (DESIGN §5, CONVENTIONS 11):
 * decode -> shutting down -> method known -> deadline -> auth -> payload decode -> handler.
 * The size limit comes first of all, enforced by nng (NNG_OPT_RECVMAXSZ) in server.c.
 *
 * Dispatch is by method *name* through our own table; protoc-c's generated service
 * invoke is not used, so each row can carry its permission and whether it writes.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call.h"
#include "handlers.h"
#include "log.h"

#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define M(name) "/stdreg.v1.Registry/" name

#define GET(n, k)                                                                   \
	{                                                                           \
		.name = M("Get" n), .handler = handle_get, .kind = k,               \
		.request = &stdreg__v1__get_request__descriptor, .perm = PERM_READ, \
		.is_write = false                                                   \
	}
#define LIST(n, k)                                                                   \
	{                                                                            \
		.name = M("List" n), .handler = handle_list, .kind = k,              \
		.request = &stdreg__v1__list_request__descriptor, .perm = PERM_READ, \
		.is_write = false                                                    \
	}
#define PUT(n, k, desc)                                                                 \
	{                                                                               \
		.name = M("Put" n), .handler = handle_put, .kind = k, .request = &desc, \
		.perm = PERM_WRITE, .is_write = true                                    \
	}
#define DELETE(n, k)                                                                    \
	{                                                                               \
		.name = M("Delete" n), .handler = handle_delete, .kind = k,             \
		.request = &stdreg__v1__delete_request__descriptor, .perm = PERM_WRITE, \
		.is_write = true                                                        \
	}

/* Every rpc of `service Registry` in proto/stdreg/v1/registry.proto, in its order. */
static const struct method methods[] = {
	GET("Area", STORE_AREA),
	LIST("Areas", STORE_AREA),
	PUT("Area", STORE_AREA, stdreg__v1__put_area_request__descriptor),
	DELETE("Area", STORE_AREA),

	GET("Body", STORE_BODY),
	LIST("Bodies", STORE_BODY),
	PUT("Body", STORE_BODY, stdreg__v1__put_body_request__descriptor),
	DELETE("Body", STORE_BODY),

	GET("Agency", STORE_AGENCY),
	LIST("Agencies", STORE_AGENCY),
	PUT("Agency", STORE_AGENCY, stdreg__v1__put_agency_request__descriptor),
	DELETE("Agency", STORE_AGENCY),

	GET("WorkItem", STORE_ITEM),
	LIST("WorkItems", STORE_ITEM),
	PUT("WorkItem", STORE_ITEM, stdreg__v1__put_work_item_request__descriptor),
	DELETE("WorkItem", STORE_ITEM),

	GET("Assignment", STORE_ASSIGNMENT),
	LIST("Assignments", STORE_ASSIGNMENT),
};

#define N_METHODS (sizeof methods / sizeof methods[0])

size_t dispatch_method_count(void)
{
	return N_METHODS;
}

const char *dispatch_method_name(size_t i)
{
	return i < N_METHODS ? methods[i].name : NULL;
}

const struct method *dispatch_method_at(size_t i)
{
	return i < N_METHODS ? &methods[i] : NULL;
}

static const struct method *method_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_METHODS; i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

uint64_t dispatch_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int dispatcher_new(struct dispatcher **out, store *st, store_writer *writer)
{
	struct dispatcher *d = calloc(1, sizeof *d);

	if (d == NULL)
		return RG_ENOMEM;
	d->st = st;
	d->writer = writer;
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		free(d);
		return RG_ENOMEM;
	}
	atomic_init(&d->closing, false);
	*out = d;
	return RG_OK;
}

void dispatcher_shutdown(struct dispatcher *d)
{
	pthread_mutex_lock(&d->lock);
	d->shutting_down = true;
	atomic_store(&d->closing, true);
	pthread_mutex_unlock(&d->lock);
}

void dispatcher_free(struct dispatcher *d)
{
	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int dispatch_slot_new(struct dispatcher *d, dispatch_reply_fn reply, void *arg,
                      struct dispatch_slot **out)
{
	struct dispatch_slot *s = calloc(1, sizeof *s);
	int rc;

	if (s == NULL)
		return RG_ENOMEM;
	rc = store_read_begin(d->st, &s->rtxn);
	if (rc != RG_OK) {
		free(s);
		return rc;
	}
	// Keep the transaction but not its snapshot: an idle slot must not pin old pages.
	store_read_reset(s->rtxn);
	s->d = d;
	s->reply = reply;
	s->arg = arg;
	*out = s;
	return RG_OK;
}

void dispatch_slot_free(struct dispatch_slot *s)
{
	if (s == NULL)
		return;
	store_read_free(s->rtxn);
	free(s);
}

void call_pack(struct call *c, const uint8_t *payload, size_t len)
{
	Stdreg__V1__Response resp = STDREG__V1__RESPONSE__INIT;
	Stdreg__V1__Status status = STDREG__V1__STATUS__INIT;
	Stdreg__V1__FieldViolation fv = STDREG__V1__FIELD_VIOLATION__INIT;
	Stdreg__V1__FieldViolation *fvs[1] = { &fv };
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
	// The payload is only defined for OK (envelope.proto).
	if (c->st.code == GRPC_OK && len > 0) {
		resp.payload.data = (uint8_t *)payload;
		resp.payload.len = len;
	}
	size = stdreg__v1__response__get_packed_size(&resp);
	c->out = malloc(size > 0 ? size : 1);
	if (c->out != NULL) {
		c->out_len = stdreg__v1__response__pack(&resp, c->out);
		return;
	}
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

void call_send(struct call *c)
{
	struct dispatch_slot *s = c->slot;
	uint64_t us = (dispatch_now_ns() - c->received_ns) / 1000;

	log_request(c->method, c->st.code, us, c->request_id, c->st.message);
	if (c->req != NULL) {
		protobuf_c_message_free_unpacked(c->req, NULL);
		c->req = NULL;
	}
	s->reply(s->arg, c->out, c->out_len);
	if (c->out != c->fallback)
		free(c->out);
	c->out = NULL;
}

/* Runs the checks of the envelope; returns the method to run, or NULL with c->st set. */
static const struct method *check_envelope(struct call *c, const Stdreg__V1__Request *env)
{
	struct dispatcher *d = c->slot->d;
	const struct method *m;
	char shown[128];

	if (atomic_load(&d->closing)) {
		status_set(&c->st, GRPC_UNAVAILABLE, "registryd is shutting down");
		return NULL;
	}
	m = method_find(env->method);
	if (m == NULL) {
		// Bounded: the name is the peer's and ends up in the reply and the log.
		status_copy_text(shown, sizeof shown, env->method);
		status_set(&c->st, GRPC_UNIMPLEMENTED, "unknown method '%s'", shown);
		return NULL;
	}
	c->m = m;
	c->method = m->name;
	if (env->timeout_ms > 0) {
		c->deadline_ns = c->received_ns + (uint64_t)env->timeout_ms * 1000000u;
		if (dispatch_now_ns() >= c->deadline_ns) {
			status_set(&c->st, GRPC_DEADLINE_EXCEEDED,
			           "deadline of %u ms passed before '%s' ran", env->timeout_ms,
			           m->name);
			return NULL;
		}
	}
	if (auth_check(env->token, m->perm, &c->who, &c->st) != 0)
		return NULL;
	c->req = protobuf_c_message_unpack(m->request, NULL, env->payload.len, env->payload.data);
	if (c->req == NULL) {
		status_set(&c->st, GRPC_INVALID_ARGUMENT, "cannot decode payload of '%s' as %s",
		           m->name, m->request->name);
		return NULL;
	}
	return m;
}

void dispatch_request(struct dispatch_slot *s, const uint8_t *buf, size_t len, uint64_t received_ns)
{
	struct call c = { .slot = s, .method = "-", .received_ns = received_ns };
	Stdreg__V1__Request *env;
	const struct method *m;

	env = stdreg__v1__request__unpack(NULL, len, buf);
	if (env == NULL) {
		status_set(&c.st, GRPC_INVALID_ARGUMENT, "cannot decode request envelope");
		call_pack(&c, NULL, 0);
		call_send(&c);
		return;
	}
	c.request_id = env->request_id;
	c.method = env->method;
	m = check_envelope(&c, env);
	if (m != NULL && m->handler(&c) == CALL_PENDING) {
		// The handler owns the rest of the call (and its reply); c may not be used.
		stdreg__v1__request__free_unpacked(env, NULL);
		return;
	}
	if (m == NULL)
		call_pack(&c, NULL, 0);
	call_send(&c);
	stdreg__v1__request__free_unpacked(env, NULL);
}
