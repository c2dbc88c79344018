/*
 * bench_stdreg.c - requests to registryd as any client would send them: an nng REQ socket
 * per client and the stdreg.v1 envelope packed with protobuf-c. libstdreg is not used, so
 * the figures are the daemon's and the transport's, not the client library's. The reply is
 * checked by reading Response.status.code straight from the wire bytes (no decode and free
 * per call on the client side, which shares the machine with the daemon).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "bench.h"

#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define M(name)            "/stdreg.v1.Registry/" name
#define MSG_MAX            (8u << 10)
#define BULK_CHUNK         2000
#define BULK_UPLOAD        200000 /* items per staged upload (a multiple of BULK_CHUNK) */
#define RECV_TIMEOUT       30000
#define BULK_TIMEOUT       600000
#define GRPC_UNIMPLEMENTED 12

static const char *const stages[] = {
	"00.00", "10.99", "20.20", "20.60", "30.20", "30.99", "40.20",
	"40.60", "50.20", "60.00", "60.60", "90.93", "95.99", "40.98"
};

// About 190 characters of notes bring a stored work item (meta included) to ~400 bytes.
static const char filler[] =
        "Synthetic notes for the benchmark: the national mirror committee "
        "follows this deliverable and reports on its enquiry and approval "
        "stages to the agencies that lead the area, with comments on each draft.";

void item_text(unsigned i, uint64_t version, struct item_text *t)
{
	uint64_t s = (uint64_t)i * 0x9E3779B97F4A7C15ULL + 12345;
	unsigned a1, a2;

	xorshift(&s);
	a1 = (unsigned)(xorshift(&s) % BENCH_AREAS);
	a2 = (unsigned)(xorshift(&s) % BENCH_AREAS);
	snprintf(t->id, sizeof t->id, "item-%07u", i);
	snprintf(t->reference, sizeof t->reference, "ISO/IEC %u", 10000 + i);
	snprintf(t->title, sizeof t->title,
	         "Synthetic work item %u on interoperable digital services", i);
	snprintf(t->body_id, sizeof t->body_id, "body-%04u",
	         (unsigned)(xorshift(&s) % BENCH_BODIES));
	snprintf(t->area_ids[0], sizeof t->area_ids[0], "area-%05u", a1);
	snprintf(t->area_ids[1], sizeof t->area_ids[1], "area-%05u", a2);
	t->n_areas = a1 == a2 ? 1 : 2;
	snprintf(t->stage, sizeof t->stage, "%s",
	         stages[xorshift(&s) % (sizeof stages / sizeof stages[0])]);
	snprintf(t->target_date, sizeof t->target_date, "20%02u-%02u-28",
	         24 + (unsigned)(xorshift(&s) % 5), 1 + (unsigned)(xorshift(&s) % 12));
	snprintf(t->notes, sizeof t->notes, "v%" PRIu64 ". %.184s", version, filler);
}

/* Points w's fields at t's strings (w borrows them). */
static void item_message(struct item_text *t, Stdreg__V1__WorkItem *w, char **areas)
{
	stdreg__v1__work_item__init(w);
	w->id = t->id;
	w->reference = t->reference;
	w->title = t->title;
	w->body_id = t->body_id;
	areas[0] = t->area_ids[0];
	areas[1] = t->area_ids[1];
	w->area_ids = areas;
	w->n_area_ids = t->n_areas;
	w->deliverable_type = "IS";
	w->stage = t->stage;
	w->target_date = t->target_date;
	w->notes = t->notes;
}

/* Packs the envelope of a call to method with the payload message into buf (cap bytes).
 * Returns the length, or 0 if it does not fit. */
static size_t pack_call(uint8_t *buf, size_t cap, const char *method, uint64_t request_id,
                        const ProtobufCMessage *payload, uint32_t timeout_ms)
{
	Stdreg__V1__Request req = STDREG__V1__REQUEST__INIT;
	uint8_t tmp[MSG_MAX];
	size_t plen = protobuf_c_message_get_packed_size(payload);

	if (plen > sizeof tmp)
		return 0;
	protobuf_c_message_pack(payload, tmp);
	req.method = (char *)method;
	req.request_id = request_id;
	req.timeout_ms = timeout_ms;
	// Writes need a principal; reads are made as anonymous callers.
	if (strstr(method, "/Get") == NULL && strstr(method, "/List") == NULL)
		req.token = bench_token;
	req.payload.data = tmp;
	req.payload.len = plen;
	if (stdreg__v1__request__get_packed_size(&req) > cap)
		return 0;
	return stdreg__v1__request__pack(&req, buf);
}

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return true;
		shift += 7;
	}
	return false;
}

/* Finds field `field` of wire type 2 in a message; its bytes in val and len. Also reads a
 * varint field `vfield` into *vval (0 if absent) when vfield is non-zero. */
static bool pb_scan(const uint8_t *p, size_t n, unsigned field, const uint8_t **val, size_t *len,
                    unsigned vfield, uint64_t *vval)
{
	const uint8_t *end = p + n;
	uint64_t key, v;
	bool found = false;

	if (vval != NULL)
		*vval = 0;
	while (p < end) {
		if (!read_varint(&p, end, &key))
			return false;
		switch (key & 7) {
		case 0:
			if (!read_varint(&p, end, &v))
				return false;
			if (vfield != 0 && key >> 3 == vfield)
				*vval = v;
			break;
		case 1:
			p += 8;
			break;
		case 5:
			p += 4;
			break;
		case 2:
			if (!read_varint(&p, end, &v) || v > (uint64_t)(end - p))
				return false;
			if (key >> 3 == field) {
				*val = p;
				*len = (size_t)v;
				found = true;
			}
			p += v;
			break;
		default:
			return false;
		}
	}
	return p == end && (found || field == 0);
}

/* Status code of a packed Response; -1 if it cannot be read. Payload length in
 * payload_len if that is not NULL. */
static int reply_code(const uint8_t *buf, size_t n, size_t *payload_len)
{
	const uint8_t *st = NULL, *pl = NULL;
	size_t st_len = 0, pl_len = 0;
	uint64_t code;

	if (!pb_scan(buf, n, 2, &st, &st_len, 0, NULL))
		return -1;
	if (!pb_scan(st, st_len, 0, NULL, NULL, 1, &code))
		return -1;
	if (payload_len != NULL) {
		pb_scan(buf, n, 4, &pl, &pl_len, 0, NULL);
		*payload_len = pl_len;
	}
	return (int)code;
}

/* One call of the loader (always nng): sends len bytes of buf, waits for the reply;
 * returns its status code or -1. */
static int load_call(nng_socket s, const uint8_t *buf, size_t len, size_t *payload_len)
{
	void *rep = NULL;
	size_t rlen = 0;
	int code;

	if (nng_send(s, (void *)buf, len, 0) != 0)
		return -1;
	if (nng_recv(s, &rep, &rlen, NNG_FLAG_ALLOC) != 0)
		return -1;
	code = reply_code(rep, rlen, payload_len);
	nng_free(rep, rlen);
	return code;
}

/* One measured call, the same through the client bench_client names. */
static int call(struct req_conn *rc, const uint8_t *buf, size_t len, size_t *payload_len)
{
	void *rep;
	size_t rlen;
	int code;

	if (req_conn_call(rc, buf, len, &rep, &rlen) != 0)
		return -1;
	code = reply_code(rep, rlen, payload_len);
	req_conn_free_reply(rc, rep, rlen);
	return code;
}

static int req_open(nng_socket *s, const char *url, int timeout_ms)
{
	int rv = nng_req0_open(s);

	if (rv != 0)
		return rv;
	// Writes must never be resent by the REQ socket (DESIGN §5); a reply lost is an error.
	nng_socket_set_ms(*s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(*s, NNG_OPT_RECVTIMEO, timeout_ms);
	nng_socket_set_ms(*s, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, 64u << 20);
	rv = nng_dial(*s, url, NULL, 0);
	if (rv != 0)
		nng_close(*s);
	return rv;
}

/* --- the three measured operations ------------------------------------------------ */

struct sclient {
	struct req_conn *rc;
	const struct stdreg_target *t;
	uint64_t rng;
	uint64_t request_id;
	uint64_t version;
	uint8_t buf[MSG_MAX];
};

static int sclient_setup(void **state, void *arg, unsigned index)
{
	struct sclient *c = calloc(1, sizeof *c);
	const struct stdreg_target *t = arg;
	uint64_t n = (uint64_t)t->first_client + index; /* unique in the run */

	if (c == NULL)
		return -1;
	*state = c;
	c->t = t;
	c->rng = (c->t->seed + n + 1) * 0x9E3779B97F4A7C15ULL;
	c->request_id = n << 40;
	c->version = (n + 1) << 32;
	if (req_conn_open(&c->rc, c->t->url, RECV_TIMEOUT) != 0) {
		free(c);
		*state = NULL;
		return -1;
	}
	return 0;
}

static void sclient_teardown(void *state)
{
	struct sclient *c = state;

	req_conn_close(c->rc);
	free(c);
}

static int op_get(void *state)
{
	struct sclient *c = state;
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	char id[32];
	size_t n;

	snprintf(id, sizeof id, "item-%07u", (unsigned)(xorshift(&c->rng) % c->t->items));
	g.id = id;
	n = pack_call(c->buf, sizeof c->buf, M("GetWorkItem"), ++c->request_id, &g.base, 0);
	return call(c->rc, c->buf, n, NULL) == 0 ? 0 : -1;
}

static int op_list(void *state)
{
	struct sclient *c = state;
	Stdreg__V1__ListRequest l = STDREG__V1__LIST_REQUEST__INIT;
	char area[32];
	size_t n;

	snprintf(area, sizeof area, "area-%05u", (unsigned)(xorshift(&c->rng) % BENCH_AREAS));
	l.area_id = area;
	l.page_size = 100;
	n = pack_call(c->buf, sizeof c->buf, M("ListWorkItems"), ++c->request_id, &l.base, 0);
	return call(c->rc, c->buf, n, NULL) == 0 ? 0 : -1;
}

static int op_put(void *state)
{
	struct sclient *c = state;
	Stdreg__V1__PutWorkItemRequest p = STDREG__V1__PUT_WORK_ITEM_REQUEST__INIT;
	Stdreg__V1__WorkItem w;
	struct item_text t;
	char *areas[2];
	size_t n;

	// A new notes text each time: a put equal to the stored record writes nothing.
	item_text((unsigned)(xorshift(&c->rng) % c->t->items), ++c->version, &t);
	item_message(&t, &w, areas);
	p.work_item = &w;
	n = pack_call(c->buf, sizeof c->buf, M("PutWorkItem"), ++c->request_id, &p.base, 0);
	return call(c->rc, c->buf, n, NULL) == 0 ? 0 : -1;
}

const struct client_ops stdreg_get_ops = { sclient_setup, op_get, sclient_teardown };
const struct client_ops stdreg_list_ops = { sclient_setup, op_list, sclient_teardown };
const struct client_ops stdreg_put_ops = { sclient_setup, op_put, sclient_teardown };

/* --- loading ------------------------------------------------------------------------ */

struct area_text {
	char id[16], name[48];
	Stdreg__V1__Area a;
};

static void area_message(unsigned i, struct area_text *t)
{
	snprintf(t->id, sizeof t->id, "area-%05u", i);
	snprintf(t->name, sizeof t->name, "Technology area %u", i);
	stdreg__v1__area__init(&t->a);
	t->a.id = t->id;
	t->a.name = t->name;
	t->a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED;
	t->a.rank = i + 1;
}

struct body_text {
	char id[16], acronym[16], name[48];
	Stdreg__V1__Body b;
};

static void body_message(unsigned i, struct body_text *t)
{
	snprintf(t->id, sizeof t->id, "body-%04u", i);
	snprintf(t->acronym, sizeof t->acronym, "B%u", i);
	snprintf(t->name, sizeof t->name, "Standards body %u", i);
	stdreg__v1__body__init(&t->b);
	t->b.id = t->id;
	t->b.acronym = t->acronym;
	t->b.name = t->name;
	t->b.level = STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL;
}

static int put_areas_bodies(nng_socket s)
{
	uint8_t buf[MSG_MAX];
	size_t n;
	int code;

	for (unsigned i = 0; i < BENCH_AREAS; i++) {
		Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
		struct area_text a;

		area_message(i, &a);
		p.area = &a.a;
		n = pack_call(buf, sizeof buf, M("PutArea"), i + 1, &p.base, 0);
		if ((code = load_call(s, buf, n, NULL)) != 0) {
			fprintf(stderr, "stdreg-bench: PutArea failed (status %d)\n", code);
			return -1;
		}
	}
	for (unsigned i = 0; i < BENCH_BODIES; i++) {
		Stdreg__V1__PutBodyRequest p = STDREG__V1__PUT_BODY_REQUEST__INIT;
		struct body_text b;

		body_message(i, &b);
		p.body = &b.b;
		n = pack_call(buf, sizeof buf, M("PutBody"), 1000 + i, &p.base, 0);
		if ((code = load_call(s, buf, n, NULL)) != 0) {
			fprintf(stderr, "stdreg-bench: PutBody failed (status %d)\n", code);
			return -1;
		}
	}
	return 0;
}

struct put_loader {
	const char *url;
	unsigned items, clients, index;
	int failed;
	pthread_t thread;
};

static void *put_loader_main(void *arg)
{
	struct put_loader *l = arg;
	uint8_t buf[MSG_MAX];
	nng_socket s;

	if (req_open(&s, l->url, RECV_TIMEOUT) != 0) {
		l->failed = 1;
		return NULL;
	}
	for (unsigned i = l->index; i < l->items && !l->failed; i += l->clients) {
		Stdreg__V1__PutWorkItemRequest p = STDREG__V1__PUT_WORK_ITEM_REQUEST__INIT;
		Stdreg__V1__WorkItem w;
		struct item_text t;
		char *areas[2];
		size_t n;
		int code;

		item_text(i, 0, &t);
		item_message(&t, &w, areas);
		p.work_item = &w;
		n = pack_call(buf, sizeof buf, M("PutWorkItem"), ((uint64_t)1 << 62) + i, &p.base,
		              0);
		if ((code = load_call(s, buf, n, NULL)) != 0) {
			fprintf(stderr, "stdreg-bench: PutWorkItem '%s' failed (status %d)\n", t.id,
			        code);
			l->failed = 1;
		}
	}
	nng_close(s);
	return NULL;
}

static int load_by_puts(const char *url, unsigned items, unsigned clients)
{
	struct put_loader *ls = calloc(clients, sizeof *ls);
	int failed = 0;

	if (ls == NULL)
		return -1;
	for (unsigned k = 0; k < clients; k++) {
		ls[k] = (struct put_loader){
			.url = url, .items = items, .clients = clients, .index = k
		};
		pthread_create(&ls[k].thread, NULL, put_loader_main, &ls[k]);
	}
	for (unsigned k = 0; k < clients; k++) {
		pthread_join(ls[k].thread, NULL);
		failed |= ls[k].failed;
	}
	free(ls);
	return failed ? -1 : 0;
}

/* Sends one ApplyChunk of records [from, to) (items; areas and bodies with the first).
 * Returns the status code, -1 on transport failure; *upload_id set from the reply. */
static int bulk_chunk(nng_socket s, unsigned from, unsigned to, bool first, char *upload_id,
                      size_t id_cap)
{
	unsigned extra = first ? BENCH_AREAS + BENCH_BODIES : 0, n = to - from + extra, k = 0;
	Stdreg__V1__BulkRecord *recs = calloc(n, sizeof *recs);
	Stdreg__V1__BulkRecord **ptrs = calloc(n, sizeof *ptrs);
	struct item_text *its = calloc(to - from, sizeof *its);
	Stdreg__V1__WorkItem *ws = calloc(to - from, sizeof *ws);
	char *(*areas)[2] = calloc(to - from, sizeof *areas);
	struct area_text *as = calloc(BENCH_AREAS, sizeof *as);
	struct body_text *bs = calloc(BENCH_BODIES, sizeof *bs);
	Stdreg__V1__ApplyChunkRequest req = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;
	void *rep = NULL, *msg = NULL;
	size_t rlen = 0, mlen = 0;
	int code = -1;

	if (!recs || !ptrs || !its || !ws || !areas || !as || !bs)
		goto out;
	for (unsigned i = 0; first && i < BENCH_AREAS; i++, k++) {
		area_message(i, &as[i]);
		stdreg__v1__bulk_record__init(&recs[k]);
		recs[k].line = k + 1;
		recs[k].area = &as[i].a;
	}
	for (unsigned i = 0; first && i < BENCH_BODIES; i++, k++) {
		body_message(i, &bs[i]);
		stdreg__v1__bulk_record__init(&recs[k]);
		recs[k].line = k + 1;
		recs[k].body = &bs[i].b;
	}
	for (unsigned i = from; i < to; i++, k++) {
		item_text(i, 0, &its[i - from]);
		item_message(&its[i - from], &ws[i - from], areas[i - from]);
		stdreg__v1__bulk_record__init(&recs[k]);
		recs[k].line = BENCH_AREAS + BENCH_BODIES + i + 1;
		recs[k].work_item = &ws[i - from];
	}
	for (k = 0; k < n; k++)
		ptrs[k] = &recs[k];
	req.upload_id = upload_id;
	req.records = ptrs;
	req.n_records = n;
	{
		Stdreg__V1__Request env = STDREG__V1__REQUEST__INIT;
		size_t plen = stdreg__v1__apply_chunk_request__get_packed_size(&req);
		uint8_t *p = malloc(plen + 1);

		if (p == NULL)
			goto out;
		stdreg__v1__apply_chunk_request__pack(&req, p);
		env.method = M("ApplyChunk");
		env.token = bench_token;
		env.request_id = ((uint64_t)1 << 61) + from;
		env.payload.data = p;
		env.payload.len = plen;
		mlen = stdreg__v1__request__get_packed_size(&env);
		msg = malloc(mlen);
		if (msg != NULL)
			stdreg__v1__request__pack(&env, msg);
		free(p);
	}
	if (msg == NULL || nng_send(s, msg, mlen, 0) != 0 ||
	    nng_recv(s, &rep, &rlen, NNG_FLAG_ALLOC) != 0)
		goto out;
	{
		Stdreg__V1__Response *r = stdreg__v1__response__unpack(NULL, rlen, rep);

		if (r != NULL) {
			code = r->status != NULL ? r->status->code : 0;
			if (code != 0 && code != GRPC_UNIMPLEMENTED)
				fprintf(stderr, "stdreg-bench: ApplyChunk failed (status %d: %s)\n",
				        code, r->status->message);
			if (code == 0) {
				Stdreg__V1__ApplyChunkResponse *c =
				        stdreg__v1__apply_chunk_response__unpack(
				                NULL, r->payload.len, r->payload.data);
				if (c != NULL) {
					snprintf(upload_id, id_cap, "%s", c->upload_id);
					stdreg__v1__apply_chunk_response__free_unpacked(c, NULL);
				} else {
					code = -1;
				}
			}
			stdreg__v1__response__free_unpacked(r, NULL);
		}
	}
out:
	if (rep != NULL)
		nng_free(rep, rlen);
	free(msg);
	free(recs);
	free(ptrs);
	free(its);
	free(ws);
	free(areas);
	free(as);
	free(bs);
	return code;
}

/* Commits the staged upload; n numbers the commits of one load (each a request id of its
 * own: the daemon refuses a write id used before for another request). */
static int bulk_commit(nng_socket s, const char *upload_id, unsigned n_commit)
{
	Stdreg__V1__ApplyCommitRequest c = STDREG__V1__APPLY_COMMIT_REQUEST__INIT;
	uint8_t buf[MSG_MAX];
	void *rep = NULL;
	size_t n, rlen = 0;
	int code = -1;

	c.upload_id = (char *)upload_id;
	c.decision_ref = "BENCH-LOAD";
	n = pack_call(buf, sizeof buf, M("ApplyCommit"), ((uint64_t)1 << 60) + n_commit, &c.base,
	              0);
	if (nng_send(s, buf, n, 0) != 0 || nng_recv(s, &rep, &rlen, NNG_FLAG_ALLOC) != 0)
		return -1;
	Stdreg__V1__Response *r = stdreg__v1__response__unpack(NULL, rlen, rep);
	if (r != NULL) {
		code = r->status != NULL ? r->status->code : 0;
		if (code != 0)
			fprintf(stderr, "stdreg-bench: ApplyCommit failed (status %d: %s)\n", code,
			        r->status->message);
		stdreg__v1__response__free_unpacked(r, NULL);
	}
	nng_free(rep, rlen);
	return code;
}

int stdreg_load(const char *url, unsigned items, unsigned clients, const char **how,
                double *seconds)
{
	uint64_t t0 = bench_now_ns();
	char upload_id[256] = "";
	unsigned commits = 0;
	nng_socket s;
	int code, rc = -1;

	if (req_open(&s, url, BULK_TIMEOUT) != 0) {
		fprintf(stderr, "stdreg-bench: cannot dial '%s'\n", url);
		return -1;
	}
	code = bulk_chunk(s, 0, items < BULK_CHUNK ? items : BULK_CHUNK, true, upload_id,
	                  sizeof upload_id);
	if (code == GRPC_UNIMPLEMENTED) {
		*how = "puts";
		rc = put_areas_bodies(s);
		if (rc == 0)
			rc = load_by_puts(url, items, clients);
		goto out;
	}
	*how = "bulk";
	// One upload per BULK_UPLOAD items keeps each under the daemon's staging limit; the
	// areas and bodies go with the first.
	for (unsigned from = items < BULK_CHUNK ? items : BULK_CHUNK; code == 0 && from < items;
	     from += BULK_CHUNK) {
		unsigned to = from + BULK_CHUNK < items ? from + BULK_CHUNK : items;

		if (from % BULK_UPLOAD == 0) {
			code = bulk_commit(s, upload_id, commits++);
			upload_id[0] = '\0';
		}
		if (code == 0)
			code = bulk_chunk(s, from, to, false, upload_id, sizeof upload_id);
	}
	if (code == 0)
		code = bulk_commit(s, upload_id, commits++);
	rc = code == 0 ? 0 : -1;
out:
	nng_close(s);
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	return rc;
}

size_t stdreg_item_size(const char *url)
{
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	uint8_t buf[MSG_MAX];
	size_t n, plen = 0;
	nng_socket s;

	if (req_open(&s, url, RECV_TIMEOUT) != 0)
		return 0;
	g.id = "item-0000000";
	n = pack_call(buf, sizeof buf, M("GetWorkItem"), 1, &g.base, 0);
	if (load_call(s, buf, n, &plen) != 0)
		plen = 0;
	nng_close(s);
	return plen;
}
