/*
 * web_changes.h - the store's recent changes as pages and feeds show them: read newest
 * first with ListChanges until enough are found (or 20 pages were read), filtered to an
 * area when asked, and each change's "old -> new" worked out from the records before and
 * after.
 */
#ifndef REGISTRYD_WEB_CHANGES_H
#define REGISTRYD_WEB_CHANGES_H

#include "web_ctx.h"

#include "stdreg/v1/registry.pb-c.h"

/* One change, decoded. */
struct web_change {
	const Stdreg__V1__Change *ch;
	ProtobufCMessage *before; /* NULL on create */
	ProtobufCMessage *after;  /* NULL on delete */
};

struct web_changes {
	Stdreg__V1__ListChangesResponse **pages; /* the ListChanges replies the list borrows from */
	size_t n_pages;
	struct web_change *list; /* newest first, borrowed from pages */
	size_t n;
};

/*
 * The last (at most) max changes, newest first; only those that concern area_id (the area,
 * its appointments, goals and follow-ups, and work items that name it) unless it is NULL.
 * Returns 0 or an HTTP status (web_call). Free with web_changes_release().
 */
unsigned web_changes_recent(struct web_ctx *c, uint32_t max, const char *area_id,
                            struct web_changes *out);
void web_changes_release(struct web_changes *w);

/* The fields that differ between before and after, "field: old → new" joined by "; ",
 * escaped, into b. Nothing for a create or delete (the operation says it all). */
void web_change_diff(struct wbuf *b, const struct web_change *w);

/* A short name of the changed record: its name or reference or text, else its id. */
const char *web_change_label(const struct web_change *w);

#endif
