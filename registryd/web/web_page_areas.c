/*
 * web_page_areas.c - the areas in priority order, and one area: its facts, its lead and
 * supporting agencies with decision and validity, the appointment history, its goals with
 * status and latest check-in, its work items by stage, and the committees they are in.
 */
#include <stdlib.h>
#include <string.h>

#include "collate.h"
#include "web_fmt.h"
#include "web_list.h"
#include "web_pages.h"
#include "web_route.h"
#include "web_tables.h"

/* Prioritised first, then monitored, retired, unspecified; then rank (0 last), name. */
static int prio_key(Stdreg__V1__AreaPriority p)
{
	return p == STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_UNSPECIFIED ? 9 : (int)p;
}

static int area_order(const void *a, const void *b)
{
	const Stdreg__V1__Area *x = *(void *const *)a, *y = *(void *const *)b;
	unsigned rx = x->rank == 0 ? ~0u : x->rank, ry = y->rank == 0 ? ~0u : y->rank;

	if (prio_key(x->priority) != prio_key(y->priority))
		return prio_key(x->priority) - prio_key(y->priority);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return store_collate_sv(x->name_sv, y->name_sv);
}

static const char *prio_class(Stdreg__V1__AreaPriority p)
{
	return p == STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED ? "blue" : "grey";
}

/* The current lead of area in a list of current assignments, or NULL. */
static const Stdreg__V1__Assignment *lead_of(const struct web_list *as, const char *area)
{
	for (size_t i = 0; i < as->n; i++) {
		const Stdreg__V1__Assignment *a = as->items[i];

		if (a->role == STDREG__V1__ROLE__ROLE_LEAD && strcmp(a->area_id, area) == 0)
			return a;
	}
	return NULL;
}

unsigned web_page_areas(struct web_ctx *c)
{
	Stdreg__V1__ListRequest ar = STDREG__V1__LIST_REQUEST__INIT;
	struct web_list areas, current = { 0 }, agencies = { 0 };
	unsigned st;

	web_title(c, S_AREAS);
	ar.holds_on = c->day; /* the leads of today (the page depends on the day) */
	if ((st = web_list_areas(c, &areas)) != 0 ||
	    (st = web_list_all(c, "ListAssignments", &ar.base,
	                       &stdreg__v1__list_assignments_response__descriptor, 0, &current)) !=
	            0 ||
	    (st = web_list_agencies(c, &agencies)) != 0)
		goto out;
	qsort(areas.items, areas.n, sizeof *areas.items, area_order);
	web_table_open(c, S_AREAS_CAPTION);
	web_thead(c, S_RANK, S_AREA, S_PRIORITY, S_LEAD, S_COUNT_);
	for (size_t i = 0; i < areas.n; i++) {
		const Stdreg__V1__Area *a = areas.items[i];
		const Stdreg__V1__Assignment *lead = lead_of(&current, a->id);

		wbuf_puts(&c->body, "<tr><td class=\"num\">");
		if (a->rank > 0)
			wbuf_printf(&c->body, "%u", a->rank);
		wbuf_puts(&c->body, "</td><th scope=\"row\">");
		web_a(c, PAGE_AREA, a->id, web_area_name(c, a));
		wbuf_puts(&c->body, "</th><td>");
		web_tag(c, prio_class(a->priority), web_priority_name(a->priority));
		wbuf_puts(&c->body, "</td><td>");
		if (lead != NULL)
			web_a(c, PAGE_AGENCY, lead->agency_id,
			      web_agency_name(&agencies, lead->agency_id));
		else if (a->priority == STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED)
			web_tag(c, "red", S_NO_LEAD);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
out:
	web_list_release(&areas);
	web_list_release(&current);
	web_list_release(&agencies);
	return st;
}

static void facts(struct web_ctx *c, const Stdreg__V1__Area *a)
{
	const char *other = c->lang == LANG_SV ? a->name : a->name_sv;

	wbuf_puts(&c->body, "<h2>");
	web_t(c, S_FACTS);
	wbuf_puts(&c->body, "</h2>\n<dl>\n");
	web_dl_text(c, S_ID, a->id);
	if (other != NULL && other[0] != '\0' && strcmp(other, web_area_name(c, a)) != 0) {
		wbuf_puts(&c->body, "<dt>");
		web_t(c, S_NAME);
		wbuf_printf(&c->body, " (%s)</dt><dd lang=\"%s\">",
		            c->lang == LANG_SV ? "en" : "sv", c->lang == LANG_SV ? "en" : "sv");
		web_text(c, other);
		web_dd_end(c);
	}
	web_dt(c, S_PRIORITY);
	web_tag(c, prio_class(a->priority), web_priority_name(a->priority));
	if (a->rank > 0)
		wbuf_printf(&c->body, " (%u)", a->rank);
	web_dd_end(c);
	if (a->priority_since[0] != '\0') {
		web_dt(c, S_PRIORITY_SINCE);
		web_time(c, a->priority_since);
		web_dd_end(c);
	}
	web_dl_text(c, S_DESCRIPTION, a->description);
	web_dl_text(c, S_AREA_GOAL, a->goal);
	web_dl_text(c, S_SOURCE, a->source_ref);
	if (a->parent_id[0] != '\0') {
		web_dt(c, S_PARENT);
		web_a(c, PAGE_AREA, a->parent_id, a->parent_id);
		web_dd_end(c);
	}
	if (a->meta != NULL && a->meta->updated_at[0] != '\0') {
		web_dt(c, S_LAST_UPDATED);
		web_time(c, a->meta->updated_at);
		web_dd_end(c);
	}
	wbuf_puts(&c->body, "</dl>\n");
}

/* A table of appointments: current ones, or the whole history. */
static void appointments(struct web_ctx *c, const struct web_list *as,
                         const struct web_list *agencies, bool history)
{
	size_t shown = 0;

	web_h2(c, history ? S_APPOINTMENT_HISTORY : S_APPOINTMENTS);
	for (size_t i = 0; i < as->n; i++)
		if (history || web_appointment_state(c, as->items[i]) == APPOINTMENT_CURRENT)
			shown++;
	if (shown == 0) {
		wbuf_puts(&c->body, "<p>");
		web_tag(c, "red", S_NO_LEAD);
		wbuf_puts(&c->body, "</p>\n");
		return;
	}
	web_table_open(c, history ? S_APPOINTMENT_HISTORY : S_APPOINTMENTS);
	if (history)
		web_thead(c, S_AGENCY, S_ROLE, S_VALID_FROM, S_VALID_TO, S_DECISION, S_END_DECISION,
		          S_STATUS, S_COUNT_);
	else
		web_thead(c, S_AGENCY, S_ROLE, S_DECISION, S_VALID_FROM, S_VALID_TO, S_COUNT_);
	for (size_t i = 0; i < as->n; i++) {
		const Stdreg__V1__Assignment *a = as->items[i];

		if (!history && web_appointment_state(c, a) != APPOINTMENT_CURRENT)
			continue;
		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_AGENCY, a->agency_id, web_agency_name(agencies, a->agency_id));
		wbuf_puts(&c->body, "</th><td>");
		web_t(c, web_role_name(a->role));
		if (history) {
			wbuf_puts(&c->body, "</td><td>");
			web_time(c, a->valid_from);
			wbuf_puts(&c->body, "</td><td>");
			web_time(c, a->valid_to);
			wbuf_puts(&c->body, "</td><td>");
			web_text(c, a->decision_ref);
			wbuf_puts(&c->body, "</td><td>");
			web_text(c, a->end_decision_ref);
			wbuf_puts(&c->body, "</td><td>");
			web_appointment_tag(c, a);
		} else {
			wbuf_puts(&c->body, "</td><td>");
			web_text(c, a->decision_ref);
			wbuf_puts(&c->body, "</td><td>");
			web_time(c, a->valid_from);
			wbuf_puts(&c->body, "</td><td>");
			web_time(c, a->valid_to);
		}
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
}

static unsigned goals(struct web_ctx *c, const char *area, const struct web_list *agencies)
{
	Stdreg__V1__GoalListRequest req = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	struct web_list gl;
	unsigned st;

	req.area_id = (char *)area;
	if ((st = web_list_all(c, "ListGoals", &req.base,
	                       &stdreg__v1__goal_list_response__descriptor, 0, &gl)) != 0) {
		web_list_release(&gl);
		return st;
	}
	if (web_section(c, S_AREA_GOALS, gl.n)) {
		web_table_open(c, S_AREA_GOALS);
		web_thead(c, S_GOAL, S_OWNER, S_STATUS, S_DUE, S_LATEST_CHECK_IN, S_COUNT_);
		for (size_t i = 0; i < gl.n; i++) {
			const Stdreg__V1__GoalView *v = gl.items[i];
			const Stdreg__V1__FollowUp *ci = v->last_check_in;

			wbuf_puts(&c->body, "<tr><th scope=\"row\">");
			web_a(c, PAGE_GOAL, v->goal->id, v->goal->text);
			wbuf_puts(&c->body, "</th><td>");
			if (v->goal->owner_agency_id[0] != '\0')
				web_a(c, PAGE_AGENCY, v->goal->owner_agency_id,
				      web_agency_name(agencies, v->goal->owner_agency_id));
			wbuf_puts(&c->body, "</td><td>");
			web_goal_tag(c, v->status);
			wbuf_puts(&c->body, "</td><td>");
			web_time(c, v->goal->due);
			wbuf_puts(&c->body, "</td><td>");
			if (ci != NULL) {
				web_time(c, ci->as_of);
				wbuf_puts(&c->body, ": ");
				web_text(c, ci->note);
			} else {
				web_t(c, S_NO_CHECK_IN);
			}
			wbuf_puts(&c->body, "</td></tr>\n");
		}
		web_table_close(c);
	}
	web_list_release(&gl);
	return 0;
}

/* Work items an area page lists at most; the rest are on the work items page. */
#define ITEMS_SHOWN 200

/* The work items by stage, then the committees they are in. */
static unsigned items(struct web_ctx *c, const char *area)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	struct web_list wl, bodies = { 0 };
	unsigned st;
	size_t shown = 0;

	req.area_id = (char *)area;
	if ((st = web_list_all(c, "ListWorkItems", &req.base,
	                       &stdreg__v1__list_work_items_response__descriptor, ITEMS_SHOWN,
	                       &wl)) != 0 ||
	    (st = web_list_bodies(c, &bodies)) != 0) {
		web_list_release(&wl);
		web_list_release(&bodies);
		return st;
	}
	qsort(wl.items, wl.n, sizeof *wl.items, web_item_stage_order);
	if (web_section(c, S_ITEMS_BY_STAGE, wl.n)) {
		web_table_open(c, S_ITEMS_BY_STAGE);
		web_thead(c, S_STAGE, S_REFERENCE, S_TITLE, S_BODY, S_STATUS, S_COUNT_);
		for (size_t i = 0; i < wl.n; i++) {
			const Stdreg__V1__WorkItem *w = wl.items[i];

			web_item_stage_row(c, w);
			wbuf_puts(&c->body, "</td><td>");
			if (w->body_id[0] != '\0')
				web_a(c, PAGE_BODY, w->body_id,
				      web_body_label_of(&bodies, w->body_id));
			wbuf_puts(&c->body, "</td><td>");
			web_t(c, web_item_status_name(w->status));
			wbuf_puts(&c->body, "</td></tr>\n");
		}
		web_table_close(c);
		if (wl.more)
			web_more_items(c, "area", area);
	}
	wbuf_puts(&c->body, "<h2>");
	web_t(c, S_COMMITTEES);
	wbuf_puts(&c->body, "</h2>\n<ul>\n");
	for (size_t i = 0; i < wl.n; i++) {
		const Stdreg__V1__WorkItem *w = wl.items[i];
		bool seen = w->body_id[0] == '\0';

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(((Stdreg__V1__WorkItem *)wl.items[j])->body_id, w->body_id) ==
			       0;
		if (seen)
			continue;
		shown++;
		wbuf_puts(&c->body, "<li>");
		web_a(c, PAGE_BODY, w->body_id, web_body_label_of(&bodies, w->body_id));
		wbuf_puts(&c->body, "</li>\n");
	}
	if (shown == 0) {
		wbuf_puts(&c->body, "<li>");
		web_t(c, S_NONE);
		wbuf_puts(&c->body, "</li>\n");
	}
	wbuf_puts(&c->body, "</ul>\n");
	web_list_release(&wl);
	web_list_release(&bodies);
	return 0;
}

unsigned web_page_area(struct web_ctx *c)
{
	Stdreg__V1__GetRequest get = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__ListRequest ar = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__Area *a = NULL;
	struct web_list history = { 0 }, agencies = { 0 };
	unsigned st;

	get.id = c->rt.id;
	if ((st = web_call(c, "GetArea", &get.base, &stdreg__v1__area__descriptor, (void **)&a)) !=
	    0)
		return st;
	web_today(c); // goal statuses are of today
	web_title_text(c, NULL, web_area_name(c, a));
	ar.area_id = a->id;
	if ((st = web_list_all(c, "ListAssignments", &ar.base,
	                       &stdreg__v1__list_assignments_response__descriptor, 0, &history)) !=
	            0 ||
	    (st = web_list_agencies(c, &agencies)) != 0)
		goto out;
	facts(c, a);
	appointments(c, &history, &agencies, false);
	appointments(c, &history, &agencies, true);
	if ((st = goals(c, a->id, &agencies)) != 0 || (st = items(c, a->id)) != 0)
		goto out;
	wbuf_puts(&c->body, "<p><a href=\"");
	web_link(&c->body, c->lang, PAGE_AREA_FEED, a->id);
	wbuf_puts(&c->body, "\">");
	web_t(c, S_AREA_FEED);
	wbuf_puts(&c->body, "</a></p>\n");
out:
	web_list_release(&history);
	web_list_release(&agencies);
	stdreg__v1__area__free_unpacked(a, NULL);
	return st;
}
