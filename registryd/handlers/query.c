/*
 * query.c - the follow-up questions (DESIGN §3): Mine, Gaps, AsOf, History,
 * Report. Each is a read on the slot's read transaction: the store builds the response
 * message, which is packed as the reply and freed. Mine and Report are long_running in the
 * dispatch table, so they run on a worker thread (the slot's read transaction goes with
 * them: MDB_NOTLS).
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

enum call_result query_answer(struct call *c, query_fn q)
{
	struct store_error err = { 0 };
	ProtobufCMessage *out = NULL;
	enum call_result res;
	store_txn *t;
	int rc;

	if ((t = call_read_begin(c)) == NULL)
		return CALL_DONE;
	rc = q(c, t, &out, &err);
	store_read_reset(t);
	if (rc != RG_OK)
		return call_fail_store(c, rc, &err, NULL);
	res = call_reply_message(c, out);
	protobuf_c_message_free_unpacked(out, NULL);
	return res;
}

static const char *or_null(const char *s)
{
	return (s != NULL && *s != '\0') ? s : NULL;
}

/* --- Mine --------------------------------------------------------------------------- */

static int mine(struct call *c, store_txn *t, ProtobufCMessage **out, struct store_error *err)
{
	const Stdreg__V1__MineRequest *r = (const Stdreg__V1__MineRequest *)c->req;

	// An agency principal's own agency is the default.
	return store_mine(t, r->agency_id[0] ? r->agency_id : c->who.agency_id, out, err);
}

enum call_result handle_mine(struct call *c)
{
	const Stdreg__V1__MineRequest *r = (const Stdreg__V1__MineRequest *)c->req;

	if (r->agency_id[0] == '\0' && c->who.agency_id[0] == '\0')
		return call_fail(c, GRPC_INVALID_ARGUMENT, "agency_id",
		                 "agency_id is required (only agency principals have a default)");
	return query_answer(c, mine);
}

/* --- Gaps --------------------------------------------------------------------------- */

static int gaps(struct call *c, store_txn *t, ProtobufCMessage **out, struct store_error *err)
{
	const Stdreg__V1__GapsRequest *r = (const Stdreg__V1__GapsRequest *)c->req;

	return store_gaps(t, or_null(r->today), out, err);
}

enum call_result handle_gaps(struct call *c)
{
	return query_answer(c, gaps);
}

/* --- AsOf --------------------------------------------------------------------------- */

static int as_of(struct call *c, store_txn *t, ProtobufCMessage **out, struct store_error *err)
{
	const Stdreg__V1__AsOfRequest *r = (const Stdreg__V1__AsOfRequest *)c->req;

	return store_as_of(t, r->area_id, r->date, out, err);
}

enum call_result handle_as_of(struct call *c)
{
	const Stdreg__V1__AsOfRequest *r = (const Stdreg__V1__AsOfRequest *)c->req;

	if (r->area_id[0] == '\0')
		return call_fail(c, GRPC_INVALID_ARGUMENT, "area_id", "area_id is required");
	if (r->date[0] == '\0')
		return call_fail(c, GRPC_INVALID_ARGUMENT, "date", "date is required (YYYY-MM-DD)");
	return query_answer(c, as_of);
}

/* --- History ------------------------------------------------------------------------ */

static int history(struct call *c, store_txn *t, ProtobufCMessage **out, struct store_error *err)
{
	const Stdreg__V1__HistoryRequest *r = (const Stdreg__V1__HistoryRequest *)c->req;

	return store_history(t, (enum store_kind)r->kind, r->id, out, err);
}

enum call_result handle_history(struct call *c)
{
	const Stdreg__V1__HistoryRequest *r = (const Stdreg__V1__HistoryRequest *)c->req;

	if (store_kind_name((enum store_kind)r->kind) == NULL)
		return call_fail(c, GRPC_INVALID_ARGUMENT, "kind", "unknown kind %d", (int)r->kind);
	if (r->id[0] == '\0')
		return call_fail(c, GRPC_INVALID_ARGUMENT, "id", "id is required");
	return query_answer(c, history);
}

/* --- Report ------------------------------------------------------------------------- */

static int report(struct call *c, store_txn *t, ProtobufCMessage **out, struct store_error *err)
{
	const Stdreg__V1__ReportRequest *r = (const Stdreg__V1__ReportRequest *)c->req;

	return store_report(t, or_null(r->today), r->days, out, err);
}

enum call_result handle_report(struct call *c)
{
	return query_answer(c, report);
}

/* --- WhoAmI ------------------------------------------------------------------------- */

enum call_result handle_who_am_i(struct call *c)
{
	Stdreg__V1__WhoAmIResponse r = STDREG__V1__WHO_AM_IRESPONSE__INIT;

	r.name = c->who.name;
	r.role = c->who.role;
	r.agency_id = c->who.agency_id;
	r.anonymous = c->who.anonymous;
	return call_reply_message(c, &r.base);
}
