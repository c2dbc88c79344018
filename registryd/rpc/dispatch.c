/*
 * dispatch.c - rpc/'s main file: from a request's bytes to the handler of its method.
 *
 * rpc/ is where every face's request becomes a call: the envelope checks (DESIGN §5,
 * CONVENTIONS 11) in this file, decode -> shutting down -> method known (methods.c, built
 * from proto/stdreg/v1/methods.def, whose one column says whether a method writes) ->
 * deadline (clock.c) -> auth (auth.c) -> payload budget (wirecheck.c) -> writes in flight
 * (inflight.c) -> resend memory (dedupe.c) -> handler; the call API the handlers answer
 * through (call.c), status codes (status.c). A face (nng/, http/, and web/ through the
 * method table) sees only dispatch.h and reply.h; handlers see only call.h. The size limit
 * comes first of all, enforced by the face (nng: NNG_OPT_RECVMAXSZ in nng/server.c).
 * Beside them: conns.c (connections or feeds per peer, for the faces), counts.c (a
 * bounded count per name, under conns.c and inflight.c), arena.c (decoding a request
 * without malloc), dispatch_limits.c (what callers may hold at once).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "call.h"
#include "dispatch.h"
#include "methods.h"
#include "dedupe.h"
#include "inflight.h"
#include "wirecheck.h"
#include "log.h"
#include "metrics.h"
#include "uploads.h"
#include "watch.h"
#include "workers.h"

#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

/* The dispatcher: what its calls share (env), and what only dispatch itself reads. */
struct dispatcher {
	struct call_env env;
	struct workers *workers; /* threads for long_running methods (workers.c) */
	struct dedupe *dedupe;   /* replies of recent writes, for resends (dedupe.c) */
	struct dispatch_limits limits;
	bool private_reads;  /* anonymous callers may not even read (registryd --private) */
	atomic_bool closing; /* env.shutting_down, for the lock-free check of every request */
};

struct dispatch_slot {
	struct dispatcher *d;
	store_txn *rtxn; /* reset between requests; renewed by each read */
	dispatch_reply_fn reply;
	void *arg;
	dispatch_park_fn park; /* NULL: a parked call keeps the slot until it is answered */
};

/* Stack bytes per request for decoding the envelope and a read's payload: a get or a list
 * needs a few hundred; bigger requests spill to malloc. */
#define DISPATCH_SCRATCH 4096
// The field number of Request.request_id (envelope.proto).
#define ENVELOPE_REQUEST_ID 2

int dispatcher_new(struct dispatcher **out, store *st, store_writer *writer,
                   const struct dispatch_limits *limits)
{
	struct dispatcher *d = calloc(1, sizeof *d);
	int rc;

	if (d == NULL)
		return RG_ENOMEM;
	d->env.st = st;
	d->env.writer = writer;
	if (limits != NULL)
		d->limits = *limits;
	else
		dispatch_limits_default(&d->limits);
	if (pthread_mutex_init(&d->env.lock, NULL) != 0) {
		free(d);
		return RG_ENOMEM;
	}
	atomic_init(&d->closing, false);
	atomic_init(&d->env.decoding, 0);
	rc = metrics_new(&d->env.metrics, dispatch_method_count());
	if (rc == RG_OK)
		rc = inflight_new(&d->env.writes);
	if (rc == RG_OK)
		rc = uploads_new(&d->env.uploads, &d->limits);
	if (rc == RG_OK)
		rc = dedupe_new(&d->dedupe, d->limits.dedupe_max_entries,
		                d->limits.dedupe_max_bytes, d->limits.dedupe_ttl_ms);
	if (rc == RG_OK)
		rc = workers_new(&d->workers, d->limits.workers, d->limits.worker_queue);
	if (rc == RG_OK)
		rc = watch_hub_new(&d->env.watch, st, &d->limits);
	if (rc != RG_OK) {
		dispatcher_free(d);
		return rc;
	}
	*out = d;
	return RG_OK;
}

void dispatcher_set_private(struct dispatcher *d, bool private_reads)
{
	d->private_reads = private_reads;
}

void dispatcher_shutdown(struct dispatcher *d)
{
	pthread_mutex_lock(&d->env.lock);
	d->env.shutting_down = true;
	atomic_store(&d->closing, true);
	pthread_mutex_unlock(&d->env.lock);
	// Both answer what they hold (UNAVAILABLE) before returning: after this, only the
	// writer's replies are still to come.
	if (d->env.watch != NULL)
		watch_hub_shutdown(d->env.watch);
	if (d->workers != NULL)
		workers_shutdown(d->workers);
}

void dispatcher_count_connection(struct dispatcher *d, int delta)
{
	metrics_connections_add(d->env.metrics, delta);
}

struct call_env *dispatcher_env(struct dispatcher *d)
{
	return &d->env;
}

int dispatcher_stats(struct dispatcher *d, struct stats_figures *out)
{
	return stats_collect(&d->env, out);
}

void dispatcher_free(struct dispatcher *d)
{
	if (d == NULL)
		return;
	watch_hub_free(d->env.watch);
	workers_free(d->workers);
	uploads_free(d->env.uploads);
	metrics_free(d->env.metrics);
	dedupe_free(d->dedupe);
	inflight_free(d->env.writes);
	pthread_mutex_destroy(&d->env.lock);
	free(d);
}

int dispatch_slot_new(struct dispatcher *d, dispatch_reply_fn reply, void *arg,
                      struct dispatch_slot **out)
{
	struct dispatch_slot *s = calloc(1, sizeof *s);
	int rc;

	if (s == NULL)
		return RG_ENOMEM;
	rc = store_read_begin(d->env.st, &s->rtxn);
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

void dispatch_slot_set_park(struct dispatch_slot *s, dispatch_park_fn park)
{
	s->park = park;
}

void dispatch_slot_free(struct dispatch_slot *s)
{
	if (s == NULL)
		return;
	store_read_free(s->rtxn);
	free(s);
}

/* A refused token or right, logged once per request with the peer; never the token. */
static void log_auth_failure(const struct call *c, const char *peer)
{
	char kv[LOG_LINE_MAX];
	size_t len = 0;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "method", c->method);
	if (!c->who.anonymous && c->who.name[0] != '\0')
		log_append_kv(kv, sizeof kv, &len, "principal", c->who.name);
	log_append_kv(kv, sizeof kv, &len, "peer", peer != NULL ? peer : "-");
	log_append_kv(kv, sizeof kv, &len, "reason", c->st.message);
	log_event("warn",
	          c->st.code == GRPC_UNAUTHENTICATED ? "authentication failed"
	                                             : "permission denied",
	          kv);
}

/*
 * The payload's wire bytes against its budget (wirecheck.h), before it is decoded: text
 * fields, entries of a repeated field, and decoded bytes for this request and for all
 * together. On success the decoded estimate is counted in d->env.decoding (c->decoded) until
 * call_release. False with c->st set otherwise.
 */
static bool check_payload(struct dispatcher *d, struct call *c, const struct method *m,
                          const Stdreg__V1__Request *env)
{
	struct wire_budget b = {
		.max_decoded = d->limits.decode_max_request,
		.max_entries = d->limits.max_entries,
	};
	const char *bad_field;
	size_t decoded = 0, before;
	int rc = wire_check(m->request, env->payload.data, env->payload.len, &b, &decoded,
	                    &bad_field);

	if (rc == RG_ENOSPC && bad_field != NULL) {
		status_set(&c->st, GRPC_INVALID_ARGUMENT,
		           "too many entries in '%s' of %s (at most %u)", bad_field,
		           m->request->name, b.max_entries);
		status_set_field(&c->st, bad_field);
		return false;
	}
	if (rc == RG_ENOSPC) {
		status_set(&c->st, GRPC_RESOURCE_EXHAUSTED,
		           "%s would take more than %zu MiB to decode", m->request->name,
		           b.max_decoded >> 20);
		return false;
	}
	if (rc != RG_OK && bad_field != NULL) {
		status_set(&c->st, GRPC_INVALID_ARGUMENT,
		           "field '%s' of %s is not UTF-8 text without NUL bytes", bad_field,
		           m->request->name);
		return false;
	}
	if (rc != RG_OK) {
		// Not a message at all; refused here, so nothing is ever decoded uncounted.
		status_set(&c->st, GRPC_INVALID_ARGUMENT, "cannot decode payload of '%s' as %s",
		           m->name, m->request->name);
		return false;
	}
	before = atomic_fetch_add(&d->env.decoding, decoded);
	if (d->limits.decode_max_total != 0 && before + decoded > d->limits.decode_max_total) {
		atomic_fetch_sub(&d->env.decoding, decoded);
		status_set(&c->st, GRPC_RESOURCE_EXHAUSTED,
		           "registryd is decoding too much at once; try again later");
		return false;
	}
	c->decoded = decoded;
	return true;
}

/* Runs the checks of the envelope; returns the method to run, or NULL with c->st set. */
static const struct method *check_envelope(struct dispatcher *d, struct call *c,
                                           const Stdreg__V1__Request *env, const char *peer,
                                           struct arena *arena)
{
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
	if (auth_check(c->rtxn, d->private_reads, env->token, m->perm, &c->who, &c->st) != 0) {
		if (c->st.code == GRPC_UNAUTHENTICATED || c->st.code == GRPC_PERMISSION_DENIED)
			log_auth_failure(c, peer);
		return NULL;
	}
	if (!check_payload(d, c, m, env))
		return NULL;
	if (m->is_write &&
	    !inflight_take(d->env.writes, c->who.name, d->limits.writes_per_principal)) {
		status_set(&c->st, GRPC_RESOURCE_EXHAUSTED,
		           "too many writes of '%s' in flight (%u); try again later", c->who.name,
		           d->limits.writes_per_principal);
		return NULL;
	}
	c->write_counted = m->is_write;
	// A plain read is answered before dispatch returns; anything else may hand its request
	// on (to the writer, a worker, a parked watch, a staged upload) and must own it.
	if (m->perm == PERM_READ && !m->long_running && !m->parks)
		c->alloc = &arena->alloc;
	else if (m->bulk_request && c->decoded >= ARENA_OWNED_MIN &&
	         (c->req_arena = arena_new_owned(c->decoded)) != NULL)
		c->alloc = &c->req_arena->alloc; /* sized by the wire check's estimate */
	c->req = protobuf_c_message_unpack(m->request, c->alloc, env->payload.len,
	                                   env->payload.data);
	c->payload_len = env->payload.len;
	if (c->req == NULL) {
		status_set(&c->st, GRPC_INVALID_ARGUMENT, "cannot decode payload of '%s' as %s",
		           m->name, m->request->name);
		return NULL;
	}
	return m;
}

/* A resend waiting for the first send of the same write (DEDUPE_WAITING). */
struct resend {
	struct dedupe_waiter w;
	dispatch_reply_fn reply;
	void *reply_arg;
	const char *method; /* static: the method row's */
	uint64_t request_id;
	uint64_t received_ns;
	const char *face;
	/* The resend's own count among its principal's writes in flight, given back just
	 * before it is answered: once the answer is out, the client's next write may come. */
	struct inflight *writes; /* NULL: not counted */
	char principal[AUTH_PRINCIPAL_MAX];
};

static void resend_answer(const struct resend *r, int code, const uint8_t *buf, size_t len)
{
	uint64_t us = (dispatch_now_ns() - r->received_ns) / 1000;
	char kv[LOG_LINE_MAX], id[24];
	size_t n = 0;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &n, "method", r->method);
	snprintf(id, sizeof id, "%llu", (unsigned long long)r->request_id);
	log_append_kv(kv, sizeof kv, &n, "request_id", id);
	log_event("info", "resend answered as the first send", kv);
	log_request(r->face, r->method, code, us, r->request_id,
	            "a resend, answered as the first send");
	if (r->writes != NULL)
		inflight_release(r->writes, r->principal);
	r->reply(r->reply_arg, buf, len);
}

static void resend_done(struct dedupe_waiter *w, int code, const uint8_t *buf, size_t len)
{
	struct resend *r = (struct resend *)w;

	resend_answer(r, code, buf, len);
	free(r);
}

enum resend_result {
	RESEND_RUN,      /* not a resend (or not remembered): run the write */
	RESEND_ANSWERED, /* answered, or will be when the first send completes */
	RESEND_REFUSED,  /* c->st says why */
};

/* Looks up a write in the dedupe cache (DESIGN §5); see dedupe.h. */
static enum resend_result resend_check(struct dispatcher *d, struct call *c,
                                       const Stdreg__V1__Request *env)
{
	struct dedupe *dd = d->dedupe;
	struct resend *r = malloc(sizeof *r);
	uint64_t fp = dedupe_fingerprint(c->m->name, env->payload.data, env->payload.len);
	uint8_t *reply = NULL;
	size_t len = 0;
	int code = 0;

	if (r == NULL) {
		status_set(&c->st, GRPC_RESOURCE_EXHAUSTED, "out of memory");
		return RESEND_REFUSED;
	}
	*r = (struct resend){
		.w.done = resend_done,
		.reply = c->reply,
		.reply_arg = c->reply_arg,
		.method = c->m->name,
		.request_id = c->request_id,
		.received_ns = c->received_ns,
		.face = c->face,
	};
	if (c->write_counted) {
		r->writes = c->env->writes;
		snprintf(r->principal, sizeof r->principal, "%s", c->who.name);
	}
	switch (dedupe_begin(dd, c->who.name, c->request_id, fp, dispatch_now_ns(), &r->w, &code,
	                     &reply, &len)) {
	case DEDUPE_NEW:
		c->dedupe = dd;
		break;
	case DEDUPE_SKIP:
		break;
	case DEDUPE_WAITING:
		c->write_counted = false; /* r's now: it may be answered before this returns */
		return RESEND_ANSWERED;   /* r is the cache's until resend_done */
	case DEDUPE_DONE:
		c->write_counted = false;
		resend_answer(r, code, reply, len);
		free(reply);
		free(r);
		return RESEND_ANSWERED;
	case DEDUPE_MISMATCH:
		free(r);
		status_set(&c->st, GRPC_INVALID_ARGUMENT,
		           "request_id %llu was already used for another request",
		           (unsigned long long)c->request_id);
		status_set_field(&c->st, "request_id");
		return RESEND_REFUSED;
	}
	free(r);
	return RESEND_RUN;
}

void dispatch_request(struct dispatch_slot *s, const uint8_t *buf, size_t len, uint64_t received_ns)
{
	dispatch_request_via(s, buf, len, received_ns, NULL, NULL);
}

void dispatch_request_from(struct dispatch_slot *s, const uint8_t *buf, size_t len,
                           uint64_t received_ns, const char *peer)
{
	dispatch_request_via(s, buf, len, received_ns, NULL, peer);
}

void dispatch_request_via(struct dispatch_slot *s, const uint8_t *buf, size_t len,
                          uint64_t received_ns, const char *face, const char *peer)
{
	dispatch_request_peer(s, buf, len, received_ns,
	                      &(struct dispatch_peer){ .face = face, .text = peer });
}

void dispatch_connection_closed(struct dispatcher *d, uint64_t conn)
{
	if (conn != 0)
		watch_hub_connection_closed(d->env.watch, conn);
}

void dispatch_request_peer(struct dispatch_slot *s, const uint8_t *buf, size_t len,
                           uint64_t received_ns, const struct dispatch_peer *p)
{
	const char *peer = p->text;
	struct call c = {
		.env = &s->d->env,
		.rtxn = s->rtxn,
		.park = s->park,
		.park_arg = s->arg,
		.reply = s->reply,
		.reply_arg = s->arg,
		.method = "-",
		.face = p->face,
		.received_ns = received_ns,
		.metrics = s->d->env.metrics,
		.conn = p->conn,
		.gone = p->gone,
		.gone_arg = p->gone_arg,
	};
	Stdreg__V1__Request *env;
	const struct method *m;
	const char *bad_field;
	enum call_result res = CALL_DONE;
	int rc;
	// The envelope (and a read's payload) live no longer than this function: decoded into
	// a buffer on the stack instead of a handful of mallocs per request.
	_Alignas(max_align_t) uint8_t scratch[DISPATCH_SCRATCH];
	struct arena arena;

	arena_init(&arena, scratch, sizeof scratch);
	snprintf(c.peer_key, sizeof c.peer_key, "%s", p->key != NULL ? p->key : "");
	// Before decoding and before authentication: the envelope's text and its budget
	// (a payload's copy and little more), so no one can make it cost memory.
	rc = wire_check(&stdreg__v1__request__descriptor, buf, len,
	                &(struct wire_budget){ .max_decoded = len + DISPATCH_ENVELOPE_SLACK,
	                                       .max_entries = DISPATCH_ENVELOPE_MAX_ENTRIES },
	                NULL, &bad_field);
	if (rc != RG_OK) {
		if (rc != RG_ENOSPC && bad_field == NULL)
			status_set(&c.st, GRPC_INVALID_ARGUMENT, "cannot decode request envelope");
		else if (rc == RG_ENOSPC && bad_field != NULL)
			status_set(&c.st, GRPC_INVALID_ARGUMENT,
			           "request envelope refused (more than %u entries in '%s')",
			           DISPATCH_ENVELOPE_MAX_ENTRIES, bad_field);
		else if (rc == RG_ENOSPC)
			status_set(
			        &c.st, GRPC_INVALID_ARGUMENT,
			        "request envelope refused (it would take more than %zu KiB beyond "
			        "its payload to decode)",
			        DISPATCH_ENVELOPE_SLACK >> 10);
		else // A NUL would cut the method or token short: "GetArea\0x" must not run GetArea.
			status_set(&c.st, GRPC_INVALID_ARGUMENT,
			           "field '%s' of the request envelope is not UTF-8 text without "
			           "NUL bytes",
			           bad_field);
		// A well-formed envelope's reply says which request it answers.
		if (rc == RG_ENOSPC || bad_field != NULL)
			c.request_id = wire_top_varint(buf, len, ENVELOPE_REQUEST_ID);
		call_pack(&c, NULL, 0);
		call_send(&c);
		return;
	}
	env = stdreg__v1__request__unpack(&arena.alloc, len, buf);
	if (env == NULL) {
		status_set(&c.st, GRPC_INVALID_ARGUMENT, "cannot decode request envelope");
		call_pack(&c, NULL, 0);
		call_send(&c);
		return;
	}
	c.request_id = env->request_id;
	c.method = env->method;
	m = check_envelope(s->d, &c, env, peer, &arena);
	// The token check may leave the slot's snapshot open for a read's handler; anything
	// else (a write waits for the writer, a long call runs elsewhere) must not pin it.
	if (m == NULL || m->perm != PERM_READ || m->long_running)
		store_read_reset(s->rtxn);
	// Only writes are remembered (reads, backups included, never); request_id 0 asks for
	// no dedupe.
	if (m != NULL && m->is_write && c.request_id != 0) {
		switch (resend_check(s->d, &c, env)) {
		case RESEND_RUN:
			break;
		case RESEND_ANSWERED:
			protobuf_c_message_free_unpacked(c.req, c.alloc);
			arena_free_owned(c.req_arena);
			call_release(&c);
			stdreg__v1__request__free_unpacked(env, &arena.alloc);
			return;
		case RESEND_REFUSED:
			m = NULL;
			break;
		}
	}
	if (m != NULL)
		res = m->long_running ? workers_submit(s->d->workers, &c) : m->handler(&c);
	if (res == CALL_PENDING) {
		// The handler owns the rest of the call (and its reply); c may not be used.
		stdreg__v1__request__free_unpacked(env, &arena.alloc);
		return;
	}
	// Before the reply: once it is sent, the slot (and its snapshot) serves the next request.
	store_read_reset(s->rtxn);
	if (m == NULL)
		call_pack(&c, NULL, 0);
	call_send(&c);
	stdreg__v1__request__free_unpacked(env, &arena.alloc);
}
