/*
 * fuzz_dispatch.c - bytes -> dispatch_request(): the envelope checks and every handler,
 * on a temporary store (no_sync) with a running writer, exactly as the daemon runs them
 * minus the sockets.
 *
 * Input: when the first byte is 0xff, the rest is one raw stdreg.v1.Request. Otherwise the
 * input is up to MAX_CALLS calls, each
 *
 *     method (1 byte) | flags (1 byte) | length (2 bytes, little-endian) | payload
 *
 * where method picks an rpc of `service Registry` (modulo their number, in the order of
 * registry.proto, so that checked-in inputs keep their meaning as the dispatch table
 * grows; an rpc the table lacks gets UNIMPLEMENTED), payload (length bytes, or what is
 * left) is that method's request message, and the harness wraps it in a valid Request. flags: bits 0-1 the token (0 admin, 1 none, 2 agency principal 'digg', 3 a
 * token that does not exist), bit 2 reuse the previous request_id (a resend), bit 3 an
 * envelope whose deadline has already passed, bit 4 timeout_ms 60000, bit 5 (ApplyChunk,
 * ApplyCommit) the upload_id of the last ApplyChunk reply in place of the payload's, as
 * the fuzzer cannot guess one. Several calls in
 * one input reach states one call cannot (create an area, then an item in it).
 *
 * Every call must get exactly one reply, within REPLY_WAIT_S, that decodes as a Response
 * with a gRPC status code; an OK reply's payload must decode as the method's response
 * message. The store starts with a few records (see seed()) and is recreated every
 * RESET_EVERY inputs so that it stays small. FUZZ_VERBOSE=1 prints every reply's status.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "fuzz.h"
#include "log.h"
#include "store.h"

#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define MAX_CALLS    16
#define RESET_EVERY  2000
#define REPLY_WAIT_S 30

struct harness {
	char dir[64];
	store *st;
	store_writer *writer;
	struct dispatcher *d;
	struct dispatch_slot *slot;
	char admin_token[STORE_TOKEN_LEN + 1];
	char agency_token[STORE_TOKEN_LEN + 1];
	uint64_t request_id;
	unsigned inputs;                         /* since the store was made */
	bool verbose;                            /* FUZZ_VERBOSE set: print every reply's status */
	char upload_id[128];                     /* of the last ApplyChunk reply */
	const ProtobufCMethodDescriptor *method; /* of the call in flight, for the reply check */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned replies; /* under lock */
};

static struct harness h = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* The reply callback: may run on this thread, the writer's or a worker's. */
static void on_reply(void *arg, const uint8_t *buf, size_t len)
{
	Stdreg__V1__Response *r = stdreg__v1__response__unpack(NULL, len, buf);

	(void)arg;
	FUZZ_CHECK(r != NULL, "the reply decodes as a Response");
	FUZZ_CHECK(r->status != NULL, "the reply has a status");
	FUZZ_CHECK(r->status->code >= 0 && r->status->code <= 16, "a gRPC status code");
	if (h.verbose)
		fprintf(stderr, "fuzz_dispatch: %s -> %d %s\n",
		        h.method != NULL ? h.method->name : "(raw)", r->status->code,
		        r->status->message);
	if (r->status->code != 0) {
		FUZZ_CHECK(r->payload.len == 0, "no payload unless OK");
	} else if (h.method != NULL) {
		ProtobufCMessage *m = protobuf_c_message_unpack(h.method->output, NULL,
		                                                r->payload.len, r->payload.data);

		FUZZ_CHECK(m != NULL, "an OK payload decodes as the method's response");
		if (m->descriptor == &stdreg__v1__apply_chunk_response__descriptor)
			snprintf(h.upload_id, sizeof h.upload_id, "%s",
			         ((Stdreg__V1__ApplyChunkResponse *)m)->upload_id);
		protobuf_c_message_free_unpacked(m, NULL);
	}
	stdreg__v1__response__free_unpacked(r, NULL);
	pthread_mutex_lock(&h.lock);
	h.replies++;
	pthread_cond_broadcast(&h.cond);
	pthread_mutex_unlock(&h.lock);
}

/* Dispatches one request and waits for its one reply. */
static void call(const uint8_t *buf, size_t len, uint64_t received_ns)
{
	struct timespec until;
	unsigned before;
	int rc = 0;

	pthread_mutex_lock(&h.lock);
	before = h.replies;
	pthread_mutex_unlock(&h.lock);
	dispatch_request(h.slot, buf, len, received_ns);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += REPLY_WAIT_S;
	pthread_mutex_lock(&h.lock);
	while (h.replies == before && rc == 0)
		rc = pthread_cond_timedwait(&h.cond, &h.lock, &until);
	FUZZ_CHECK(h.replies == before + 1, "exactly one reply per request, in time");
	pthread_mutex_unlock(&h.lock);
}

/* --- the store ---------------------------------------------------------------------- */

/* A record of descriptor d with fields from kv (name, value pairs; numbers and enums as
 * decimal text), every part from the default allocator as store_put wants. */
static ProtobufCMessage *make(const ProtobufCMessageDescriptor *d, const char *const *kv)
{
	ProtobufCMessage *m = calloc(1, d->sizeof_message);
	size_t i;

	FUZZ_CHECK(m != NULL, "out of memory");
	protobuf_c_message_init(d, m);
	for (i = 0; kv[i] != NULL; i += 2) {
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(d, kv[i]);
		void *slot;

		FUZZ_CHECK(f != NULL, "seed field");
		slot = (char *)m + f->offset;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			char **v = malloc(sizeof *v);

			FUZZ_CHECK(v != NULL && (v[0] = strdup(kv[i + 1])) != NULL,
			           "out of memory");
			*(size_t *)((char *)m + f->quantifier_offset) = 1;
			*(char ***)slot = v;
		} else if (f->type == PROTOBUF_C_TYPE_STRING) {
			FUZZ_CHECK((*(char **)slot = strdup(kv[i + 1])) != NULL, "out of memory");
		} else {
			*(int *)slot = atoi(kv[i + 1]);
		}
	}
	return m;
}

static const struct {
	enum store_kind kind;
	const ProtobufCMessageDescriptor *d;
	const char *kv[16];
} seeds[] = {
	{ STORE_AREA,
	  &stdreg__v1__area__descriptor,
	  { "id", "ai", "name", "Artificial intelligence", "priority", "1", "rank", "1", NULL } },
	{ STORE_AREA,
	  &stdreg__v1__area__descriptor,
	  { "id", "ai-act", "name", "AI Act", "priority", "1", "rank", "2", "parent_id", "ai",
	    NULL } },
	{ STORE_AREA,
	  &stdreg__v1__area__descriptor,
	  { "id", "5g", "name", "5G", "priority", "1", "rank", "3", NULL } },
	{ STORE_BODY,
	  &stdreg__v1__body__descriptor,
	  { "id", "iso", "acronym", "ISO", "name", "International Organization for Standardization",
	    "level", "1", NULL } },
	{ STORE_AGENCY,
	  &stdreg__v1__agency__descriptor,
	  { "id", "digg", "name", "Myndigheten för digital förvaltning", "org_number",
	    "202100-6883", NULL } },
	{ STORE_AGENCY,
	  &stdreg__v1__agency__descriptor,
	  { "id", "pts", "name", "Post- och telestyrelsen", "org_number", "202100-4359", NULL } },
	{ STORE_ITEM,
	  &stdreg__v1__work_item__descriptor,
	  { "id", "iso-iec-42001", "reference", "ISO/IEC 42001", "title", "AI management system",
	    "body_id", "iso", "area_ids", "ai", "stage", "60.60", "target_date", "2023-12-18",
	    NULL } },
};

static int seed_run(store_txn *t, void *arg)
{
	struct store_actor who = { .principal = "fuzz", .role = "admin" };
	struct store_error err = { 0 };
	ProtobufCMessage *out = NULL;
	size_t i;
	int rc;

	(void)arg;
	for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		ProtobufCMessage *m = make(seeds[i].d, seeds[i].kv);
		struct store_put_opts o = { 0 };

		rc = store_put(t, seeds[i].kind, m, &o, &who, NULL, NULL, &err);
		protobuf_c_message_free_unpacked(m, NULL);
		if (rc != RG_OK)
			goto fail;
	}
	rc = store_assign(t, "ai", "digg", STDREG__V1__ROLE__ROLE_LEAD, "I2026/00001", "2026-01-01",
	                  NULL, &who, &out, &err);
	if (out != NULL)
		protobuf_c_message_free_unpacked(out, NULL);
	if (rc != RG_OK)
		goto fail;
	return RG_OK;
fail:
	fprintf(stderr, "fuzz_dispatch: seeding the store: %s\n", err.message);
	return rc;
}

static void harness_up(void)
{
	struct store_opts o = { .no_sync = true, .map_size = 32u << 20 };
	struct store_error err = { 0 };
	const char *tmp = getenv("TMPDIR");
	int rc;

	snprintf(h.dir, sizeof h.dir, "%s/fuzz-dispatch-XXXXXX", tmp != NULL ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(h.dir) != NULL, "mkdtemp");
	FUZZ_CHECK(store_open(&h.st, h.dir, &o, &err) == RG_OK, "store_open");
	FUZZ_CHECK(store_write_once(h.st, seed_run, NULL, NULL) == RG_OK, "seed the store");
	FUZZ_CHECK(store_token_create(h.st, "fuzz-admin",
	                              STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_ADMIN, NULL,
	                              h.admin_token, &err) == RG_OK,
	           "admin token");
	FUZZ_CHECK(store_token_create(h.st, "fuzz-digg",
	                              STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_AGENCY, "digg",
	                              h.agency_token, &err) == RG_OK,
	           "agency token");
	FUZZ_CHECK(store_writer_start(h.st, &h.writer) == RG_OK, "writer");
#ifdef DISPATCH_WATCH_MAX_PARKED
	{
		// Small bounds: a Watch may not hold an input for long, nor an upload much memory.
		struct dispatch_limits l;

		dispatch_limits_default(&l);
		l.watch_max_wait_ms = 20;
		l.workers = 1;
		l.upload_max_bytes = 1u << 20;
		l.uploads_max_bytes = 4u << 20;
		rc = dispatcher_new(&h.d, h.st, h.writer, &l);
	}
#else
	rc = dispatcher_new(&h.d, h.st, h.writer);
#endif
	FUZZ_CHECK(rc == RG_OK, "dispatcher_new");
	FUZZ_CHECK(dispatch_slot_new(h.d, on_reply, NULL, &h.slot) == RG_OK, "dispatch_slot_new");
	h.inputs = 0;
}

static void harness_down(void)
{
	if (h.st == NULL)
		return;
	dispatcher_shutdown(h.d);
	store_writer_close(h.writer);
	dispatch_slot_free(h.slot);
	dispatcher_free(h.d);
	store_close(h.st);
	fuzz_rm_tree(h.dir);
	h.st = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_requests(false);
	h.verbose = getenv("FUZZ_VERBOSE") != NULL;
	harness_up();
	atexit(harness_down);
	return 0;
}

/* --- one input ---------------------------------------------------------------------- */

/* Replaces the upload_id (field 1 of both requests) of the payload in p by the last one
 * given out; p->data becomes a malloc'd buffer. Leaves p alone if it does not decode. */
static void fill_upload_id(const ProtobufCMessageDescriptor *d, ProtobufCBinaryData *p)
{
	ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, p->len, p->data);
	char **field;
	uint8_t *buf;

	if (m == NULL)
		return;
	field = d == &stdreg__v1__apply_chunk_request__descriptor
	                ? &((Stdreg__V1__ApplyChunkRequest *)m)->upload_id
	                : &((Stdreg__V1__ApplyCommitRequest *)m)->upload_id;
	if (*field != NULL && *field != protobuf_c_empty_string)
		free(*field);
	*field = strdup(h.upload_id);
	FUZZ_CHECK(*field != NULL, "out of memory");
	buf = malloc(protobuf_c_message_get_packed_size(m) + 1);
	FUZZ_CHECK(buf != NULL, "out of memory");
	p->len = protobuf_c_message_pack(m, buf);
	p->data = buf;
	protobuf_c_message_free_unpacked(m, NULL);
}

static void wrapped_call(const ProtobufCMethodDescriptor *method, uint8_t flags,
                         const uint8_t *payload, size_t len)
{
	static const char missing_token[] =
	        "srt_0000000000000000000000000000000000000000000000000000000000000000";
	Stdreg__V1__Request req = STDREG__V1__REQUEST__INIT;
	uint64_t now = dispatch_now_ns();
	char name[128];
	uint8_t *buf;
	size_t n;

	snprintf(name, sizeof name, "/stdreg.v1.Registry/%s", method->name);
	req.method = name;
	if (!(flags & 0x04))
		h.request_id++;
	req.request_id = h.request_id;
	switch (flags & 0x03) {
	case 0:
		req.token = h.admin_token;
		break;
	case 2:
		req.token = h.agency_token;
		break;
	case 3:
		req.token = (char *)missing_token;
		break;
	default:
		break; // anonymous: the default ""
	}
	if (flags & 0x08) {
		req.timeout_ms = 1;
		now -= 1000000000u; // received a second ago: expired before it is looked at
	} else if (flags & 0x10) {
		req.timeout_ms = 60000;
	}
	req.payload.data = (uint8_t *)payload;
	req.payload.len = len;
	if ((flags & 0x20) && (method->input == &stdreg__v1__apply_chunk_request__descriptor ||
	                       method->input == &stdreg__v1__apply_commit_request__descriptor))
		fill_upload_id(method->input, &req.payload);
	n = stdreg__v1__request__get_packed_size(&req);
	buf = malloc(n + 1);
	FUZZ_CHECK(buf != NULL, "out of memory");
	stdreg__v1__request__pack(&req, buf);
	h.method = method;
	call(buf, n, now);
	h.method = NULL;
	free(buf);
	if (req.payload.data != payload)
		free(req.payload.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCServiceDescriptor *sd = &stdreg__v1__registry__descriptor;
	size_t calls = 0;

	if (h.st == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	if (++h.inputs > RESET_EVERY) {
		harness_down();
		harness_up();
	}
	if (size > 0 && data[0] == 0xff) {
		// h.method stays NULL: the raw envelope's method is not known here.
		call(data + 1, size - 1, dispatch_now_ns());
		return 0;
	}
	while (size > 0 && calls++ < MAX_CALLS) {
		uint8_t hdr[4] = { 0 };
		size_t take = size < 4 ? size : 4, len;

		memcpy(hdr, data, take);
		data += take;
		size -= take;
		len = (size_t)hdr[2] | (size_t)hdr[3] << 8;
		if (len > size)
			len = size;
		wrapped_call(&sd->methods[hdr[0] % sd->n_methods], hdr[1], data, len);
		data += len;
		size -= len;
	}
	return 0;
}
