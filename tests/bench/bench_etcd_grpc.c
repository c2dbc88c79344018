/*
 * bench_etcd_grpc.c - etcd's native API: unary gRPC calls to etcdserverpb.KV (Range, Put,
 * Txn) through gRPC's C core library (Debian's libgrpc-dev), one channel and so one HTTP/2
 * connection per client thread, blocking on each call, as the other clients of the bench.
 * This is the way etcd's own clients reach it; the JSON gateway (bench_etcd.c) adds a
 * JSON-to-gRPC hop inside etcd. Built only where libgrpc-dev is installed (HAVE_GRPC).
 *
 * The three messages are small enough to write by hand in protobuf's wire format:
 * RangeRequest{key=1}, PutRequest{key=1, value=2}, TxnRequest{success=2: RequestOp
 * {request_put=2: PutRequest}}. A RangeResponse that found the key carries kvs (field 2).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

#include "bench.h"

#define CALL_TIMEOUT_S 30

/* --- protobuf's wire format, the little of it these messages need ------------------------ */

static size_t put_varint(unsigned char *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (unsigned char)v;
	return n;
}

/* Appends field (wire type 2: length-delimited) with len bytes of data at out. */
static size_t put_bytes(unsigned char *out, unsigned field, const void *data, size_t len)
{
	size_t n = put_varint(out, (uint64_t)field << 3 | 2);

	n += put_varint(out + n, len);
	memcpy(out + n, data, len);
	return n + len;
}

/* A PutRequest's body: key=1, value=2. */
static size_t put_request(unsigned char *out, const char *key, size_t klen, const void *value,
                          size_t vlen)
{
	size_t n = put_bytes(out, 1, key, klen);

	return n + put_bytes(out + n, 2, value, vlen);
}

/* True if the message has a length-delimited field number field at its top level. */
static bool has_field(const unsigned char *p, size_t len, unsigned field)
{
	size_t i = 0;

	while (i < len) {
		uint64_t tag = 0, v = 0;
		unsigned shift = 0;

		for (; i < len && shift < 64; shift += 7) {
			tag |= (uint64_t)(p[i] & 0x7f) << shift;
			if ((p[i++] & 0x80) == 0)
				break;
		}
		if ((tag & 7) != 0 && (tag & 7) != 2)
			return false; /* Range and Put answers use no other wire types */
		for (shift = 0; i < len && shift < 64; shift += 7) {
			v |= (uint64_t)(p[i] & 0x7f) << shift;
			if ((p[i++] & 0x80) == 0)
				break;
		}
		if ((tag & 7) == 0)
			continue;
		if (tag >> 3 == field)
			return true;
		if (v > len - i)
			return false;
		i += (size_t)v;
	}
	return false;
}

/* --- one channel and its calls ---------------------------------------------------------- */

struct gconn {
	grpc_channel *channel;
	grpc_completion_queue *cq;
	bool initialised; /* grpc_init() called: gconn_close() owes it a grpc_shutdown() */
};

static int gconn_open(struct gconn *g, int port)
{
	char target[32];
	// Channels with the same target and arguments share one connection by default; each
	// client here should have its own, as the other systems' clients do.
	grpc_arg own = { .type = GRPC_ARG_INTEGER,
		         .key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL,
		         .value.integer = 1 };
	grpc_channel_args args = { .num_args = 1, .args = &own };
	grpc_channel_credentials *insecure;

	grpc_init();
	g->initialised = true;
	snprintf(target, sizeof target, "127.0.0.1:%d", port);
	insecure = grpc_insecure_credentials_create();
	g->channel = grpc_channel_create(target, insecure, &args);
	grpc_channel_credentials_release(insecure);
	g->cq = grpc_completion_queue_create_for_pluck(NULL);
	return g->channel != NULL && g->cq != NULL ? 0 : -1;
}

static void gconn_close(struct gconn *g)
{
	if (g->cq != NULL) {
		grpc_completion_queue_shutdown(g->cq);
		grpc_completion_queue_destroy(g->cq);
	}
	if (g->channel != NULL)
		grpc_channel_destroy(g->channel);
	if (g->initialised)
		grpc_shutdown();
}

/*
 * One unary call: sends req, waits for the answer and the status. Returns 0 on status OK
 * (with, if want_field > 0, that field present in the answer), else -1.
 */
static int gconn_call(struct gconn *g, const char *method, const unsigned char *req, size_t len,
                      unsigned want_field)
{
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
	                                     gpr_time_from_seconds(CALL_TIMEOUT_S, GPR_TIMESPAN));
	grpc_slice path = grpc_slice_from_static_string(method);
	grpc_slice body = grpc_slice_from_copied_buffer((const char *)req, len);
	grpc_byte_buffer *sent = grpc_raw_byte_buffer_create(&body, 1), *answer = NULL;
	grpc_metadata_array head, trailers;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_op ops[6];
	grpc_call *call;
	int rc = -1;

	grpc_slice_unref(body);
	grpc_metadata_array_init(&head);
	grpc_metadata_array_init(&trailers);
	memset(ops, 0, sizeof ops);
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = sent;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &head;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &answer;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailers;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;
	call = grpc_channel_create_call(g->channel, NULL, GRPC_PROPAGATE_DEFAULTS, g->cq, path,
	                                NULL, deadline, NULL);
	if (call != NULL && grpc_call_start_batch(call, ops, 6, g, NULL) == GRPC_CALL_OK) {
		grpc_event ev = grpc_completion_queue_pluck(g->cq, g, deadline, NULL);

		if (ev.type == GRPC_OP_COMPLETE && ev.success && status == GRPC_STATUS_OK)
			rc = 0;
	}
	if (rc == 0 && want_field > 0) {
		grpc_byte_buffer_reader reader;
		grpc_slice all;

		rc = -1;
		if (answer != NULL && grpc_byte_buffer_reader_init(&reader, answer)) {
			all = grpc_byte_buffer_reader_readall(&reader);
			if (has_field(GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all),
			              want_field))
				rc = 0;
			grpc_slice_unref(all);
			grpc_byte_buffer_reader_destroy(&reader);
		}
	}
	if (call != NULL)
		grpc_call_unref(call);
	grpc_byte_buffer_destroy(sent);
	if (answer != NULL)
		grpc_byte_buffer_destroy(answer);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&head);
	grpc_metadata_array_destroy(&trailers);
	return rc;
}

/* --- the load engine's clients -------------------------------------------------------- */

struct gclient {
	struct gconn g;
	const struct etcd_target *t;
	uint64_t rng, version;
	unsigned char msg[2048];
};

static int gclient_setup(void **state, void *arg, unsigned index)
{
	struct gclient *c = calloc(1, sizeof *c);

	*state = c;
	if (c == NULL)
		return -1;
	c->t = arg;
	c->rng = (index + 3) * 0x9E3779B97F4A7C15ULL;
	c->version = (uint64_t)index << 32;
	if (gconn_open(&c->g, c->t->port) != 0) {
		gconn_close(&c->g);
		free(c);
		*state = NULL;
		return -1;
	}
	return 0;
}

static void gclient_teardown(void *state)
{
	struct gclient *c = state;

	gconn_close(&c->g);
	free(c);
}

/* The keys of the JSON gateway's clients: the same data set either way. */
static size_t item_key(unsigned i, char *out, size_t n)
{
	return (size_t)snprintf(out, n, "item-%07u", i);
}

static int gop_get(void *state)
{
	struct gclient *c = state;
	char key[32];
	size_t klen = item_key((unsigned)(xorshift(&c->rng) % c->t->items), key, sizeof key);
	size_t n = put_bytes(c->msg, 1, key, klen);

	return gconn_call(&c->g, "/etcdserverpb.KV/Range", c->msg, n, 2);
}

static int gput(struct gclient *c, unsigned i)
{
	char key[32], val[1024];
	size_t vs = c->t->value_size < sizeof val ? c->t->value_size : sizeof val;
	size_t klen = item_key(i, key, sizeof key);

	memset(val, 'x', vs);
	snprintf(val, vs, "v%llu", (unsigned long long)++c->version);
	return gconn_call(&c->g, "/etcdserverpb.KV/Put", c->msg,
	                  put_request(c->msg, key, klen, val, vs), 0);
}

static int gop_put(void *state)
{
	struct gclient *c = state;

	return gput(c, (unsigned)(xorshift(&c->rng) % c->t->items));
}

const struct client_ops etcd_grpc_get_ops = { gclient_setup, gop_get, gclient_teardown };
const struct client_ops etcd_grpc_put_ops = { gclient_setup, gop_put, gclient_teardown };

/* --- bulk: the same records in transactions of per_txn puts --------------------------- */

static void *gbulk_main(void *arg)
{
	struct bulk_part *b = arg;
	struct gconn g = { 0 };
	size_t longest = 0;
	unsigned char *txn, *put, *op;

	for (size_t i = 0; i < b->n; i++)
		if (strlen(b->lines[i]) > longest)
			longest = strlen(b->lines[i]);
	// A PutRequest is its key (< 32 bytes) and value, each behind a tag and a length of at
	// most 5 bytes; RequestOp and TxnRequest each wrap it in one more tag and length.
	put = malloc(longest + 64);
	op = malloc(longest + 80);
	txn = malloc(b->per_txn * (longest + 96));
	if (put == NULL || op == NULL || txn == NULL || gconn_open(&g, b->port) != 0) {
		b->failed = 1;
		goto out;
	}
	// This part's transactions (struct bulk_part).
	for (size_t t = b->index; t * b->per_txn < b->n && !b->failed; t += b->clients) {
		size_t len = 0;

		for (size_t i = t * b->per_txn; i < (t + 1) * b->per_txn && i < b->n; i++) {
			char key[32];
			int klen = snprintf(key, sizeof key, ETCD_BULK_PREFIX "%07zu", i);
			size_t plen = put_request(put, key, (size_t)klen, b->lines[i],
			                          strlen(b->lines[i]));
			// RequestOp{request_put=2}, then TxnRequest{success=2} around it.
			size_t olen = put_bytes(op, 2, put, plen);

			len += put_bytes(txn + len, 2, op, olen);
		}
		if (gconn_call(&g, "/etcdserverpb.KV/Txn", txn, len, 0) != 0)
			b->failed = 1;
	}
out:
	gconn_close(&g);
	free(put);
	free(op);
	free(txn);
	return NULL;
}

int etcd_grpc_bulk(int port, char **lines, size_t n, unsigned clients, size_t per_txn,
                   double *seconds)
{
	return bulk_parts_run(port, lines, n, clients, per_txn, gbulk_main, seconds);
}
