/*
 * web_page_goals.c - the goals, filtered by area, owner agency and status (a GET form), and
 * one goal with its facts and its follow-up entries, a hundred a page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_fmt.h"
#include "web_form.h"
#include "web_list.h"
#include "web_pages.h"
#include "web_route.h"
#include "web_tables.h"

#define FOLLOW_UPS_PAGE 100 /* entries of a goal one page shows */

/* The status filter's values in the query string, indexed by DerivedStatus. */
static const char *const status_arg[] = {
	"",        "on_track", "at_risk", "off_track", "pending",  "stale",
	"overdue", "met",      "missed",  "dropped",   "proposed", "withdrawn",
};
#define N_STATUS (sizeof status_arg / sizeof status_arg[0])

static void form(struct web_ctx *c, const struct web_list *areas, const struct web_list *agencies,
                 const char *area, const char *agency, const char *status)
{
	web_form_open(c);
	web_form_area_select(c, areas, area);
	web_form_select_open(c, "agency", S_OWNER);
	for (size_t i = 0; i < agencies->n; i++) {
		const Stdreg__V1__Agency *a = agencies->items[i];

		web_form_option(c, a->id, a->name, agency);
	}
	web_form_select_close(c);
	web_form_select_open(c, "status", S_STATUS);
	for (size_t s = 1; s < N_STATUS; s++)
		web_form_option(c, status_arg[s], T(c, web_goal_status_name(s)), status);
	web_form_select_close(c);
	web_form_close(c);
}

unsigned web_page_goals(struct web_ctx *c)
{
	Stdreg__V1__GoalListRequest req = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	struct web_list gl = { 0 }, areas = { 0 }, agencies = { 0 };
	const char *area = web_arg(c, "area"), *agency = web_arg(c, "agency");
	const char *status = web_arg(c, "status");
	unsigned st;

	web_title(c, S_GOALS);
	web_today(c);
	if (status != NULL) {
		size_t s = web_form_choice(status_arg, N_STATUS, status);

		if (s == N_STATUS)
			return web_bad_arg(c, "status", status);
		req.status = (Stdreg__V1__DerivedStatus)s;
	}
	req.area_id = (char *)(area != NULL ? area : "");
	req.agency_id = (char *)(agency != NULL ? agency : "");
	if ((st = web_list_areas(c, &areas)) != 0 || (st = web_list_agencies(c, &agencies)) != 0 ||
	    (st = web_list_all(c, "ListGoals", &req.base,
	                       &stdreg__v1__goal_list_response__descriptor, 0, &gl)) != 0)
		goto out;
	form(c, &areas, &agencies, area, agency, status);
	if (gl.n == 0) {
		web_none(c);
		goto out;
	}
	web_table_open(c, S_GOALS);
	web_thead(c, S_GOAL, S_AREA, S_OWNER, S_STATUS, S_DUE, S_LATEST_CHECK_IN, S_COUNT_);
	for (size_t i = 0; i < gl.n; i++) {
		const Stdreg__V1__GoalView *v = gl.items[i];

		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_GOAL, v->goal->id, v->goal->text);
		wbuf_puts(&c->body, "</th><td>");
		web_a(c, PAGE_AREA, v->goal->area_id,
		      web_area_name_of(c, &areas, v->goal->area_id));
		wbuf_puts(&c->body, "</td><td>");
		if (v->goal->owner_agency_id[0] != '\0')
			web_a(c, PAGE_AGENCY, v->goal->owner_agency_id,
			      web_agency_name(&agencies, v->goal->owner_agency_id));
		wbuf_puts(&c->body, "</td><td>");
		web_goal_tag(c, v->status);
		wbuf_puts(&c->body, "</td><td>");
		web_time(c, v->goal->due);
		wbuf_puts(&c->body, "</td><td>");
		if (v->last_check_in != NULL)
			web_time(c, v->last_check_in->as_of);
		else
			web_t(c, S_NO_CHECK_IN);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
out:
	web_list_release(&gl);
	web_list_release(&areas);
	web_list_release(&agencies);
	return st;
}

static void number(struct web_ctx *c, enum web_str k, double v, const char *unit)
{
	web_dt(c, k);
	wbuf_printf(&c->body, "%g ", v);
	web_text(c, unit);
	web_dd_end(c);
}

/* The names the goal's facts show beside its ids. */
struct names {
	const char *area;
	const char *owner;
};

static void facts(struct web_ctx *c, const Stdreg__V1__GoalView *v, const struct names *n)
{
	const Stdreg__V1__Goal *g = v->goal;

	wbuf_puts(&c->body, "<h2>");
	web_t(c, S_FACTS);
	wbuf_puts(&c->body, "</h2>\n<dl>\n");
	web_dl_text(c, S_ID, g->id);
	web_dt(c, S_AREA);
	web_a(c, PAGE_AREA, g->area_id, n->area);
	web_dd_end(c);
	if (g->owner_agency_id[0] != '\0') {
		web_dt(c, S_OWNER);
		web_a(c, PAGE_AGENCY, g->owner_agency_id, n->owner);
		web_dd_end(c);
	}
	if (g->n_contributor_ids > 0) {
		web_dt(c, S_CONTRIBUTORS);
		for (size_t i = 0; i < g->n_contributor_ids; i++) {
			if (i > 0)
				wbuf_puts(&c->body, ", ");
			web_a(c, PAGE_AGENCY, g->contributor_ids[i], g->contributor_ids[i]);
		}
		web_dd_end(c);
	}
	web_dt(c, S_STATUS);
	web_goal_tag(c, v->status);
	web_dd_end(c);
	web_dt(c, S_DUE);
	web_time(c, g->due);
	web_dd_end(c);
	if (g->original_due[0] != '\0' && strcmp(g->original_due, g->due) != 0) {
		web_dt(c, S_ORIGINAL_DUE);
		web_time(c, g->original_due);
		web_dd_end(c);
	}
	if (g->set_on[0] != '\0') {
		web_dt(c, S_SET_ON);
		web_time(c, g->set_on);
		web_dd_end(c);
	}
	web_dl_text(c, S_DECISION, g->decision_ref);
	web_dl_text(c, S_SOURCE, g->source_ref);
	if (g->kind == STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR) {
		number(c, S_BASELINE, g->baseline, g->unit);
		number(c, S_TARGET, g->target, g->unit);
		number(c, S_CURRENT_VALUE, v->current_value, g->unit);
	}
	if (g->kind == STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE) {
		web_dt(c, S_ITEM);
		web_a(c, PAGE_ITEM, g->work_item_id, g->work_item_id);
		web_dd_end(c);
		web_dl_text(c, S_TARGET_STAGE, g->target_stage);
	}
	if (v->next_report_date[0] != '\0') {
		web_dt(c, S_NEXT_REPORT);
		web_time(c, v->next_report_date);
		web_dd_end(c);
	}
	web_dt(c, S_LATEST_CHECK_IN);
	if (v->last_check_in != NULL) {
		web_time(c, v->last_check_in->as_of);
		wbuf_puts(&c->body, ": ");
		web_text(c, v->last_check_in->note);
	} else {
		web_t(c, S_NO_CHECK_IN);
	}
	web_dd_end(c);
	wbuf_puts(&c->body, "</dl>\n");
}

/* A link to the goal's page from entry from (1-based) on. */
static void entries_link(struct web_ctx *c, size_t from, enum web_str k, const char *rel)
{
	wbuf_printf(&c->body, "<a rel=\"%s\" href=\"", rel);
	web_link(&c->body, c->lang, PAGE_GOAL, c->rt.id);
	wbuf_printf(&c->body, "?from=%zu\">", from);
	web_t(c, k);
	wbuf_puts(&c->body, "</a>");
}

/*
 * The entries from..to (1-based, inclusive) of n, and links to those before and after: a
 * goal may keep 1 000 entries of up to 16 KiB each, too many for one page.
 */
static void entries_pager(struct web_ctx *c, size_t from, size_t to, size_t n)
{
	wbuf_puts(&c->body, "<p>");
	web_t(c, S_ENTRIES_SHOWN);
	wbuf_printf(&c->body, " %zu–%zu ", from, to);
	web_t(c, S_OF);
	wbuf_printf(&c->body, " %zu.</p>\n<nav class=\"pager\" aria-label=\"", n);
	web_t(c, S_FOLLOW_UPS);
	wbuf_puts(&c->body, "\">");
	if (from > 1)
		entries_link(c, from > FOLLOW_UPS_PAGE ? from - FOLLOW_UPS_PAGE : 1,
		             S_EARLIER_ENTRIES, "prev");
	if (to < n)
		entries_link(c, to + 1, S_LATER_ENTRIES, "next");
	wbuf_puts(&c->body, "</nav>\n");
}

/* ?from=: the first entry to show (1 = the first); 0 when absent (the latest), or -1 when
 * it is not a position. */
static long from_arg(struct web_ctx *c)
{
	const char *arg = web_arg(c, "from");
	char *end;
	unsigned long v;

	if (arg == NULL)
		return 0;
	v = strtoul(arg, &end, 10);
	if (*end != '\0' || arg[0] < '1' || arg[0] > '9' || v > UINT32_MAX)
		return -1;
	return (long)v;
}

/* The follow-ups GetGoal gave: FOLLOW_UPS_PAGE of them from ?from= (default: the latest). */
static unsigned follow_ups(struct web_ctx *c, const Stdreg__V1__GoalGetResponse *r, long asked)
{
	size_t n = r->follow_ups_total, from = r->follow_ups_from, to;

	if (asked > 0 && (size_t)asked > n)
		return web_bad_arg(c, "from", web_arg(c, "from"));
	if (!web_section(c, S_FOLLOW_UPS, n))
		return 0;
	to = from + r->n_follow_ups - 1;
	if (from > 1 || to < n)
		entries_pager(c, from, to, n);
	web_table_open(c, S_FOLLOW_UPS);
	web_thead(c, S_AS_OF, S_TYPE, S_STATUS, S_NOTE, S_DECISION, S_EVIDENCE, S_COUNT_);
	for (size_t i = 0; i < r->n_follow_ups; i++) {
		const Stdreg__V1__FollowUp *f = r->follow_ups[i];

		wbuf_puts(&c->body, "<tr><td>");
		web_time(c, f->as_of);
		wbuf_puts(&c->body, "</td><th scope=\"row\">");
		web_t(c, web_follow_up_name(f->type));
		wbuf_puts(&c->body, "</th><td>");
		if (f->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN)
			web_goal_tag(c, (Stdreg__V1__DerivedStatus)f->status);
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, f->note);
		if (f->new_due[0] != '\0') {
			wbuf_puts(&c->body, " ");
			web_text(c, f->old_due);
			wbuf_puts(&c->body, " → ");
			web_text(c, f->new_due);
		}
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, f->decision_ref);
		wbuf_puts(&c->body, "</td><td>");
		web_ext_link(c, f->evidence_ref);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
	return 0;
}

unsigned web_page_goal(struct web_ctx *c)
{
	Stdreg__V1__GoalGetRequest req = STDREG__V1__GOAL_GET_REQUEST__INIT;
	Stdreg__V1__GoalGetResponse *r = NULL;
	Stdreg__V1__GetRequest get = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__Area *area = NULL;
	Stdreg__V1__Agency *owner = NULL;
	struct names n;
	unsigned st;
	long from = from_arg(c);

	if (from < 0)
		return web_bad_arg(c, "from", web_arg(c, "from"));
	// Only the entries the page shows: a goal may keep 1 000 of up to 16 KiB each.
	req.id = c->rt.id;
	req.follow_ups_from = (uint32_t)from;
	req.follow_ups_limit = FOLLOW_UPS_PAGE;
	web_today(c);
	if ((st = web_call(c, "GetGoal", &req.base, &stdreg__v1__goal_get_response__descriptor,
	                   (void **)&r)) != 0)
		return st;
	if (r->goal == NULL || r->goal->goal == NULL) {
		stdreg__v1__goal_get_response__free_unpacked(r, NULL);
		return 404;
	}
	web_title_text(c, T(c, S_GOAL), r->goal->goal->text);
	n.area = r->goal->goal->area_id;
	n.owner = r->goal->goal->owner_agency_id;
	// The area's and the owner's names; the ids stand in for a record gone since.
	get.id = r->goal->goal->area_id;
	if (web_call(c, "GetArea", &get.base, &stdreg__v1__area__descriptor, (void **)&area) == 0)
		n.area = web_area_name(c, area);
	get.id = r->goal->goal->owner_agency_id;
	if (get.id[0] != '\0' && web_call(c, "GetAgency", &get.base,
	                                  &stdreg__v1__agency__descriptor, (void **)&owner) == 0)
		n.owner = owner->name;
	facts(c, r->goal, &n);
	st = follow_ups(c, r, from);
	if (area != NULL)
		stdreg__v1__area__free_unpacked(area, NULL);
	if (owner != NULL)
		stdreg__v1__agency__free_unpacked(owner, NULL);
	stdreg__v1__goal_get_response__free_unpacked(r, NULL);
	return st;
}
