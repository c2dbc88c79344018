/*
 * web_page_agencies.c - the agencies in Swedish name order, and one agency: its facts, its
 * areas and roles, its goals with their next report dates, and its work items by stage.
 */
#include <stdlib.h>
#include <string.h>

#include "collate.h"
#include "web_fmt.h"
#include "web_list.h"
#include "web_pages.h"
#include "web_route.h"
#include "web_tables.h"

static int agency_order(const void *a, const void *b)
{
	const Stdreg__V1__Agency *x = *(void *const *)a, *y = *(void *const *)b;

	return store_collate_sv(x->name, y->name);
}

unsigned web_page_agencies(struct web_ctx *c)
{
	struct web_list l;
	unsigned st;

	web_title(c, S_AGENCIES);
	if ((st = web_list_agencies(c, &l)) != 0) {
		web_list_release(&l);
		return st;
	}
	qsort(l.items, l.n, sizeof *l.items, agency_order);
	web_table_open(c, S_AGENCIES_CAPTION);
	web_thead(c, S_NAME, S_SHORT_NAME, S_DEPARTMENT, S_ORG_NUMBER, S_COUNT_);
	for (size_t i = 0; i < l.n; i++) {
		const Stdreg__V1__Agency *a = l.items[i];

		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_AGENCY, a->id, a->name);
		wbuf_puts(&c->body, "</th><td>");
		web_text(c, a->short_name);
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, a->department);
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, a->org_number);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
	web_list_release(&l);
	return 0;
}

static void facts(struct web_ctx *c, const Stdreg__V1__Agency *a)
{
	wbuf_puts(&c->body, "<h2>");
	web_t(c, S_FACTS);
	wbuf_puts(&c->body, "</h2>\n<dl>\n");
	web_dl_text(c, S_ID, a->id);
	web_dl_text(c, S_SHORT_NAME, a->short_name);
	web_dl_text(c, S_ORG_NUMBER, a->org_number);
	web_dl_text(c, S_DEPARTMENT, a->department);
	if (a->url[0] != '\0') {
		web_dt(c, S_WEBSITE);
		web_ext_link(c, a->url);
		web_dd_end(c);
	}
	web_dl_text(c, S_CONTACT, a->contact);
	wbuf_puts(&c->body, "</dl>\n");
}

static void roles(struct web_ctx *c, const struct web_list *as, const struct web_list *areas)
{
	if (!web_section(c, S_AGENCY_ROLES, as->n))
		return;
	web_table_open(c, S_AGENCY_ROLES);
	web_thead(c, S_AREA, S_ROLE, S_DECISION, S_VALID_FROM, S_VALID_TO, S_STATUS, S_COUNT_);
	for (size_t i = 0; i < as->n; i++) {
		const Stdreg__V1__Assignment *a = as->items[i];

		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_AREA, a->area_id, web_area_name_of(c, areas, a->area_id));
		wbuf_puts(&c->body, "</th><td>");
		web_t(c, web_role_name(a->role));
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, a->decision_ref);
		wbuf_puts(&c->body, "</td><td>");
		web_time(c, a->valid_from);
		wbuf_puts(&c->body, "</td><td>");
		web_time(c, a->valid_to);
		wbuf_puts(&c->body, "</td><td>");
		web_appointment_tag(c, a);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
}

static void goals(struct web_ctx *c, const struct web_list *gl, const struct web_list *areas)
{
	if (!web_section(c, S_AGENCY_GOALS, gl->n))
		return;
	web_table_open(c, S_AGENCY_GOALS);
	web_thead(c, S_GOAL, S_AREA, S_STATUS, S_DUE, S_NEXT_REPORT, S_COUNT_);
	for (size_t i = 0; i < gl->n; i++) {
		const Stdreg__V1__GoalView *v = gl->items[i];

		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_GOAL, v->goal->id, v->goal->text);
		wbuf_puts(&c->body, "</th><td>");
		web_a(c, PAGE_AREA, v->goal->area_id, web_area_name_of(c, areas, v->goal->area_id));
		wbuf_puts(&c->body, "</td><td>");
		web_goal_tag(c, v->status);
		wbuf_puts(&c->body, "</td><td>");
		web_time(c, v->goal->due);
		wbuf_puts(&c->body, "</td><td>");
		web_time(c, v->next_report_date);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
}

/* The work items of the agency's current areas, by stage group (Mine). */
static void items(struct web_ctx *c, const Stdreg__V1__MineResponse *mine)
{
	size_t shown = 0, total = 0;

	web_h2(c, S_ITEMS_BY_STAGE);
	for (size_t a = 0; a < mine->n_areas; a++) {
		const Stdreg__V1__MineArea *ma = mine->areas[a];

		for (size_t s = 0; s < ma->n_stages; s++) {
			const Stdreg__V1__StageGroup *g = ma->stages[s];

			total += g->total;
			for (size_t i = 0; i < g->n_work_items; i++) {
				const Stdreg__V1__WorkItem *w = g->work_items[i];

				if (shown++ == 0) {
					web_table_open(c, S_ITEMS_BY_STAGE);
					web_thead(c, S_STAGE, S_REFERENCE, S_TITLE, S_AREA,
					          S_COUNT_);
				}
				web_item_stage_row(c, w);
				wbuf_puts(&c->body, "</td><td>");
				web_a(c, PAGE_AREA, ma->area->id, web_area_name(c, ma->area));
				wbuf_puts(&c->body, "</td></tr>\n");
			}
		}
	}
	web_table_end(c, shown);
	// Mine lists a selection of a large agency's items (store_mine); each count is whole.
	if (total > shown) {
		wbuf_puts(&c->body, "<p>");
		web_t(c, S_ITEMS_BY_STAGE_SELECTION);
		wbuf_puts(&c->body, "</p>\n");
	}
}

unsigned web_page_agency(struct web_ctx *c)
{
	Stdreg__V1__GetRequest get = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__ListRequest ar = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__GoalListRequest gr = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	Stdreg__V1__MineRequest mr = STDREG__V1__MINE_REQUEST__INIT;
	Stdreg__V1__Agency *a = NULL;
	Stdreg__V1__MineResponse *mine = NULL;
	struct web_list as = { 0 }, areas = { 0 }, gl = { 0 };
	unsigned st;

	get.id = c->rt.id;
	if ((st = web_call(c, "GetAgency", &get.base, &stdreg__v1__agency__descriptor,
	                   (void **)&a)) != 0)
		return st;
	web_today(c);
	web_title_text(c, NULL, a->name);
	ar.agency_id = a->id;
	gr.agency_id = a->id;
	mr.agency_id = a->id;
	if ((st = web_list_all(c, "ListAssignments", &ar.base,
	                       &stdreg__v1__list_assignments_response__descriptor, 0, &as)) != 0 ||
	    (st = web_list_areas(c, &areas)) != 0 ||
	    (st = web_list_all(c, "ListGoals", &gr.base,
	                       &stdreg__v1__goal_list_response__descriptor, 0, &gl)) != 0 ||
	    (st = web_call(c, "Mine", &mr.base, &stdreg__v1__mine_response__descriptor,
	                   (void **)&mine)) != 0)
		goto out;
	facts(c, a);
	roles(c, &as, &areas);
	goals(c, &gl, &areas);
	items(c, mine);
out:
	web_list_release(&as);
	web_list_release(&areas);
	web_list_release(&gl);
	if (mine != NULL)
		stdreg__v1__mine_response__free_unpacked(mine, NULL);
	stdreg__v1__agency__free_unpacked(a, NULL);
	return st;
}
