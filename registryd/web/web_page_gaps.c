/*
 * web_page_gaps.c - the gaps: areas without a lead, leads ending within 90 days, and
 * active goals whose owner no longer holds an appointment in the goal's area.
 */
#include <string.h>

#include "web_fmt.h"
#include "web_list.h"
#include "web_pages.h"
#include "web_route.h"
#include "web_tables.h"

#define ENDING_DAYS 90

static void without_lead(struct web_ctx *c, const Stdreg__V1__GapsResponse *g,
                         const struct web_list *agencies)
{
	if (!web_section(c, S_AREAS_WITHOUT_LEAD, g->n_gaps))
		return;
	web_table_open(c, S_AREAS_WITHOUT_LEAD);
	web_thead(c, S_AREA, S_STATUS, S_WITHOUT_LEAD_SINCE, S_DAYS, S_LAST_LEAD, S_COUNT_);
	for (size_t i = 0; i < g->n_gaps; i++) {
		const Stdreg__V1__Gap *gap = g->gaps[i];

		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_AREA, gap->area->id, web_area_name(c, gap->area));
		wbuf_puts(&c->body, "</th><td>");
		web_tag(c, "red", S_NO_LEAD);
		wbuf_puts(&c->body, "</td><td>");
		web_time(c, gap->without_lead_since);
		wbuf_printf(&c->body, "</td><td class=\"num\">%u</td><td>", gap->days_without_lead);
		if (gap->last_lead_agency_id[0] != '\0')
			web_a(c, PAGE_AGENCY, gap->last_lead_agency_id,
			      web_agency_name(agencies, gap->last_lead_agency_id));
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
}

static void ending(struct web_ctx *c, const struct web_list *as, const struct web_list *agencies)
{
	char until[11];
	size_t shown = 0;

	web_date_add(c->day, ENDING_DAYS, until);
	web_h2(c, S_ENDING_SOON);
	for (size_t i = 0; i < as->n; i++) {
		const Stdreg__V1__Assignment *a = as->items[i];

		if (a->role != STDREG__V1__ROLE__ROLE_LEAD || a->valid_to[0] == '\0' ||
		    strcmp(a->valid_to, c->day) <= 0 || strcmp(a->valid_to, until) > 0)
			continue;
		if (shown++ == 0) {
			web_table_open(c, S_ENDING_SOON);
			web_thead(c, S_AREA, S_LEAD, S_VALID_TO, S_DECISION, S_COUNT_);
		}
		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_AREA, a->area_id, a->area_id);
		wbuf_puts(&c->body, "</th><td>");
		web_a(c, PAGE_AGENCY, a->agency_id, web_agency_name(agencies, a->agency_id));
		wbuf_puts(&c->body, "</td><td>");
		web_time(c, a->valid_to);
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, a->end_decision_ref);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_end(c, shown);
}

/* Whether agency holds an appointment in area that is in force on day. */
static bool appointed(const struct web_list *as, const char *area, const char *agency,
                      const char *day)
{
	for (size_t i = 0; i < as->n; i++) {
		const Stdreg__V1__Assignment *a = as->items[i];

		if (strcmp(a->area_id, area) == 0 && strcmp(a->agency_id, agency) == 0 &&
		    strcmp(a->valid_from, day) <= 0 &&
		    (a->valid_to[0] == '\0' || strcmp(a->valid_to, day) > 0))
			return true;
	}
	return false;
}

static void orphans(struct web_ctx *c, const struct web_list *goals, const struct web_list *as,
                    const struct web_list *agencies)
{
	size_t shown = 0;

	web_h2(c, S_ORPHAN_GOALS);
	for (size_t i = 0; i < goals->n; i++) {
		const Stdreg__V1__GoalView *v = goals->items[i];
		const Stdreg__V1__Goal *g = v->goal;

		if (g->owner_agency_id[0] == '\0' ||
		    appointed(as, g->area_id, g->owner_agency_id, c->day))
			continue;
		if (shown++ == 0) {
			web_table_open(c, S_ORPHAN_GOALS);
			web_thead(c, S_GOAL, S_AREA, S_OWNER, S_DUE, S_COUNT_);
		}
		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_GOAL, g->id, g->text);
		wbuf_puts(&c->body, "</th><td>");
		web_a(c, PAGE_AREA, g->area_id, g->area_id);
		wbuf_puts(&c->body, "</td><td>");
		web_a(c, PAGE_AGENCY, g->owner_agency_id,
		      web_agency_name(agencies, g->owner_agency_id));
		wbuf_puts(&c->body, "</td><td>");
		web_time(c, g->due);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_end(c, shown);
}

unsigned web_page_gaps(struct web_ctx *c)
{
	Stdreg__V1__GapsRequest gq = STDREG__V1__GAPS_REQUEST__INIT;
	Stdreg__V1__ListRequest ar = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__GoalListRequest glr = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	Stdreg__V1__GapsResponse *gaps = NULL;
	struct web_list as = { 0 }, agencies = { 0 }, goals = { 0 };
	unsigned st;

	web_title(c, S_GAPS_H1);
	web_today(c);
	glr.state = STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE;
	if ((st = web_call(c, "Gaps", &gq.base, &stdreg__v1__gaps_response__descriptor,
	                   (void **)&gaps)) != 0)
		return st;
	if ((st = web_list_all(c, "ListAssignments", &ar.base,
	                       &stdreg__v1__list_assignments_response__descriptor, 0, &as)) != 0 ||
	    (st = web_list_agencies(c, &agencies)) != 0 ||
	    (st = web_list_all(c, "ListGoals", &glr.base,
	                       &stdreg__v1__goal_list_response__descriptor, 0, &goals)) != 0)
		goto out;
	without_lead(c, gaps, &agencies);
	ending(c, &as, &agencies);
	orphans(c, &goals, &as, &agencies);
out:
	web_list_release(&as);
	web_list_release(&agencies);
	web_list_release(&goals);
	stdreg__v1__gaps_response__free_unpacked(gaps, NULL);
	return st;
}
