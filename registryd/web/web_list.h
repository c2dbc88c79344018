/*
 * web_list.h - every record of a List call, page after page (ListAreas, ListAgencies,
 * ListBodies, ListWorkItems, ListAssignments): each response holds its records at field
 * 1 and next_page_token at field 2 (ListGoals too), so one loop serves them all.
 */
#ifndef REGISTRYD_WEB_LIST_H
#define REGISTRYD_WEB_LIST_H

#include "web_ctx.h"

#include "stdreg/v1/registry.pb-c.h"

struct web_list {
	ProtobufCMessage **pages; /* the responses, owned */
	size_t n_pages;
	void **items; /* the records of all pages, borrowed from pages */
	size_t n;
	bool more;  /* stopped at limit with more to come */
	char *next; /* then the page token that goes on after the last record, or NULL */
};

/*
 * Calls method with req, a ListRequest or GoalListRequest (its page_token is
 * overwritten), from its page_token on, until the last page or until limit records (0: no
 * limit). With req's page_size 0 no page asks for more than the limit leaves, so a list
 * cut at the limit has the token that goes on (next). Returns 0 or an HTTP status
 * (web_call). Free with web_list_release(), also after a failure.
 */
unsigned web_list_all(struct web_ctx *c, const char *method, ProtobufCMessage *req,
                      const ProtobufCMessageDescriptor *resp, size_t limit, struct web_list *out);
void web_list_release(struct web_list *l);

/* Every agency, area or body, unfiltered (web_list_all with an empty ListRequest). */
unsigned web_list_agencies(struct web_ctx *c, struct web_list *out);
unsigned web_list_areas(struct web_ctx *c, struct web_list *out);
unsigned web_list_bodies(struct web_ctx *c, struct web_list *out);

/* The agency of id in a list of agencies: its name, else the id itself. */
const char *web_agency_name(const struct web_list *agencies, const char *id);

/* The area of id in a list of areas: its name in the page's language, else the id. */
const char *web_area_name_of(struct web_ctx *c, const struct web_list *areas, const char *id);

/* A body's acronym, else its id. */
const char *web_body_label(const Stdreg__V1__Body *b);
/* The label of body id in a list of bodies, else the id itself. */
const char *web_body_label_of(const struct web_list *bodies, const char *id);

/* qsort orders of list items: bodies by label (Swedish collation), work items by stage and
 * then reference. */
int web_body_order(const void *a, const void *b);
int web_item_stage_order(const void *a, const void *b);

#endif
