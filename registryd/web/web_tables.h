/*
 * web_tables.h - the pieces several pages render alike, written once: a section's heading
 * and its "none" line, a work item's stage, a goal's status tag, the first cells of a work
 * item row by stage, and the table of work items by status (start page and report).
 */
#ifndef REGISTRYD_WEB_TABLES_H
#define REGISTRYD_WEB_TABLES_H

#include "web_ctx.h"

#include "stdreg/v1/goals.pb-c.h"
#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

/* <h2>k</h2> */
void web_h2(struct web_ctx *c, enum web_str k);
/* <p>none</p>: what a section shows when it has no rows. */
void web_none(struct web_ctx *c);
/* The heading k, and the "none" line when n is 0; returns whether there are rows to show. */
bool web_section(struct web_ctx *c, enum web_str k, size_t n);
/* Ends a table opened at its first shown row, or says "none" when no row was shown. */
void web_table_end(struct web_ctx *c, size_t shown);
/* How many a list the server caps holds in all (total, under the label total_k) and, when it
 * sent fewer, how many it shows (under shown_k) and that the list is cut. */
void web_list_counts(struct web_ctx *c, enum web_str total_k, unsigned total, size_t shown,
                     enum web_str shown_k);

/* A work item's stage code, and for an ISO code (no scheme) the name of its stage group. */
void web_stage(struct web_ctx *c, const Stdreg__V1__WorkItem *w);
/* The start of a row of work items by stage: stage, reference (the row's header) and
 * title; the title's cell is left open for the caller's next cells. */
void web_item_stage_row(struct web_ctx *c, const Stdreg__V1__WorkItem *w);
/* A derived goal status as a tag in its colour. */
void web_goal_tag(struct web_ctx *c, Stdreg__V1__DerivedStatus s);

/* The stage groups of the Report call, in the order pages show them. */
#define WEB_ITEM_GROUPS 3
struct web_item_group {
	const char *group; /* as Report names it */
	enum web_str name;
};
extern const struct web_item_group web_item_groups[WEB_ITEM_GROUPS];
/* The count of group g (an index of web_item_groups) in rep; 0 when rep has none. */
unsigned web_item_group_count(const Stdreg__V1__ReportResponse *rep, size_t g);
/* The table of work items by status group, with their counts. */
void web_items_by_status(struct web_ctx *c, const Stdreg__V1__ReportResponse *rep);

#endif
