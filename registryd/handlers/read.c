/*
 * read.c - Get and List: answered on the caller's thread (the aio callback)
 * from the slot's reused read transaction, renewed for the call and reset before the
 * reply goes out.
 *
 * Neither decodes a record: Get answers with the stored bytes as they are, and List
 * frames them as the repeated field 1 of its List*Response.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

enum call_result handle_get(struct call *c)
{
	const Stdreg__V1__GetRequest *r = (const Stdreg__V1__GetRequest *)c->req;
	const char *noun = store_kind_name(c->m->kind);
	const void *val = NULL;
	size_t len = 0;
	store_txn *t;
	int rc;

	if (r->id[0] == '\0')
		return call_fail(c, GRPC_INVALID_ARGUMENT, "id", "%s id is required", noun);
	if ((t = call_read_begin(c)) == NULL)
		return CALL_DONE;
	rc = store_get(t, c->m->kind, r->id, &val, &len);
	if (rc == RG_OK)
		status_ok(&c->st);
	else if (rc == RG_ENOENT)
		status_set(&c->st, GRPC_NOT_FOUND, "%s '%.80s' not found", noun, r->id);
	else
		status_from_store(&c->st, rc, NULL);
	// Pack while the snapshot still holds the bytes, then let the snapshot go.
	call_pack(c, val, len);
	store_read_reset(t);
	return CALL_DONE;
}

/* One page of a List*Response under construction. */
struct page {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool nomem;
};

static bool page_reserve(struct page *p, size_t more)
{
	size_t cap;
	uint8_t *nb;

	if (p->len + more <= p->cap)
		return true;
	// A page of 100 work items is some 40 KiB: start there rather than grow (and copy) four
	// times on the way.
	cap = p->cap > 0 ? p->cap : 64u << 10;
	while (cap < p->len + more)
		cap *= 2;
	nb = realloc(p->buf, cap);
	if (nb == NULL) {
		p->nomem = true;
		return false;
	}
	p->buf = nb;
	p->cap = cap;
	return true;
}

/* Appends a length-delimited field: tag, varint length, bytes. */
static bool page_field(struct page *p, uint8_t tag, const void *val, size_t len)
{
	size_t v = len;

	if (!page_reserve(p, 1 + 10 + len))
		return false;
	p->buf[p->len++] = tag;
	while (v >= 0x80) {
		p->buf[p->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p->buf[p->len++] = (uint8_t)v;
	if (len > 0)
		memcpy(p->buf + p->len, val, len);
	p->len += len;
	return true;
}

// Every List*Response is { repeated Record records = 1; string next_page_token = 2; }, and a
// stored record is already the packed Record: so the response is each record framed as
// field 1 (tag 0x0a), then the token as field 2 (tag 0x12), with nothing decoded.
#define LIST_RECORDS_TAG 0x0a
#define LIST_TOKEN_TAG   0x12

// A page stops before the record that would take it past this, so that it fits what a
// client receives (4 MiB by default) with room for the envelope; store_list then gives the
// token of the rest. The first record always goes in, so a page is never empty.
#define LIST_PAGE_BYTES (3u << 20)

static int page_add_record(void *arg, const void *val, size_t len)
{
	struct page *p = arg;

	if (p->len > 0 && p->len + len + 11 > LIST_PAGE_BYTES)
		return 1;
	return page_field(p, LIST_RECORDS_TAG, val, len) ? 0 : 1;
}

static const char *or_null(const char *s)
{
	return (s != NULL && *s != '\0') ? s : NULL;
}

/* Maps a ListRequest onto a store filter; an enum value the proto does not define is
 * refused INVALID_ARGUMENT (proto3 enums are open, protobuf-c lets any number through):
 * false, with the refusal packed as the reply of c. */
static bool list_filter(struct call *c, const Stdreg__V1__ListRequest *r, struct store_filter *f)
{
	if (r->status != 0 &&
	    protobuf_c_enum_descriptor_get_value(&stdreg__v1__work_item_status__descriptor,
	                                         r->status) == NULL) {
		call_fail(c, GRPC_INVALID_ARGUMENT, "status", "unknown work item status %d",
		          (int)r->status);
		return false;
	}
	if (r->priority != 0 &&
	    protobuf_c_enum_descriptor_get_value(&stdreg__v1__area_priority__descriptor,
	                                         r->priority) == NULL) {
		call_fail(c, GRPC_INVALID_ARGUMENT, "priority", "unknown area priority %d",
		          (int)r->priority);
		return false;
	}
	memset(f, 0, sizeof *f);
	f->area_id = or_null(r->area_id);
	f->body_id = or_null(r->body_id);
	f->agency_id = or_null(r->agency_id);
	f->stage_from = or_null(r->stage_from);
	f->stage_to = or_null(r->stage_to);
	f->status = r->status;
	f->text = or_null(r->text);
	f->priority = r->priority;
	f->current_only = r->current_only;
	f->holds_on = or_null(r->holds_on);
	return true;
}

enum call_result handle_list(struct call *c)
{
	const Stdreg__V1__ListRequest *r = (const Stdreg__V1__ListRequest *)c->req;
	struct store_error err = { 0 };
	struct store_filter f;
	store_txn *t;
	struct page p = { 0 };
	char next[STORE_TOKEN_MAX] = "";
	int rc;

	if (!list_filter(c, r, &f) || (t = call_read_begin(c)) == NULL)
		return CALL_DONE;
	rc = store_list(t, c->m->kind, &f, r->page_size, or_null(r->page_token), page_add_record,
	                &p, next, &err);
	if (rc == RG_OK && !p.nomem && next[0] != '\0')
		page_field(&p, LIST_TOKEN_TAG, next, strnlen(next, sizeof next));
	if (p.nomem)
		status_set(&c->st, GRPC_RESOURCE_EXHAUSTED, "out of memory for a page of %ss",
		           store_kind_name(c->m->kind));
	else if (rc != RG_OK)
		status_from_store(&c->st, rc, &err);
	else
		status_ok(&c->st);
	call_pack(c, p.buf, p.len);
	store_read_reset(t);
	free(p.buf);
	return CALL_DONE;
}
