/*
 * changes.c - ListChanges: the changelog newest first, a page at a time (store_changes_back),
 * cut to what one reply may hold.
 */
#include "fit.h"
#include "handlers.h"
#include "watch.h"

#include "stdreg/v1/registry.pb-c.h"

// As a Watch reply: what a client receives (4 MiB by default) with room for the envelope.
#define CHANGES_REPLY_MAX (3u << 20)

struct changes_page {
	store_txn *t;
	const Stdreg__V1__ListChangesRequest *r;
};

static int changes_page_query(void *arg, uint32_t max, ProtobufCMessage **out,
                              struct store_error *err)
{
	const struct changes_page *p = arg;

	return store_changes_back(p->t, p->r->page_token, (const int *)p->r->kinds, p->r->n_kinds,
	                          p->r->ids, p->r->n_ids, max, out, err);
}

static int list_changes(struct call *c, store_txn *t, ProtobufCMessage **out,
                        struct store_error *err)
{
	const Stdreg__V1__ListChangesRequest *r = (const Stdreg__V1__ListChangesRequest *)c->req;
	struct changes_page p = { .t = t, .r = r };

	return fit_page(changes_page_query, &p, r->page_size, "changes", CHANGES_REPLY_MAX, out,
	                err);
}

enum call_result handle_list_changes(struct call *c)
{
	const Stdreg__V1__ListChangesRequest *r = (const Stdreg__V1__ListChangesRequest *)c->req;

	if (!watch_filter_ok(c, (const int *)r->kinds, r->n_kinds, r->ids, r->n_ids))
		return CALL_DONE;
	return query_answer(c, list_changes);
}
