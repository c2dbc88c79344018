/*
 * web_page_start.c - the start page: coverage of the prioritised areas, the areas without
 * a lead, goals by status, work items by status and how many are overdue, and the changes of
 * the last 45 days.
 */
#include <stdlib.h>
#include <string.h>

#include "web_changes.h"
#include "web_fmt.h"
#include "web_pages.h"
#include "web_route.h"
#include "web_tables.h"

#include "stdreg/v1/registry.pb-c.h"

#define CHANGES_DAYS  45
#define CHANGES_SHOWN 10

static void coverage(struct web_ctx *c, const Stdreg__V1__ReportResponse *rep)
{
	wbuf_puts(&c->body, "<h2>");
	web_t(c, S_COVERAGE);
	wbuf_puts(&c->body, "</h2>\n<dl>\n");
	web_dt(c, S_PRIORITISED);
	wbuf_printf(&c->body, "%u", rep->prioritised);
	web_dd_end(c);
	web_dt(c, S_WITH_LEAD);
	wbuf_printf(&c->body, "%u", rep->prioritised_with_lead);
	web_dd_end(c);
	web_dt(c, S_WITHOUT_LEAD);
	wbuf_printf(&c->body, "%u", rep->prioritised - rep->prioritised_with_lead);
	web_dd_end(c);
	web_dt(c, S_COVERAGE_PCT);
	wbuf_printf(&c->body, "%.0f %%", rep->coverage_percent);
	web_dd_end(c);
	wbuf_puts(&c->body, "</dl>\n");
}

static void without_lead(struct web_ctx *c, const Stdreg__V1__GapsResponse *g)
{
	if (!web_section(c, S_AREAS_WITHOUT_LEAD, g->n_gaps))
		return;
	wbuf_puts(&c->body, "<ul>\n");
	for (size_t i = 0; i < g->n_gaps; i++) {
		wbuf_puts(&c->body, "<li>");
		web_a(c, PAGE_AREA, g->gaps[i]->area->id, web_area_name(c, g->gaps[i]->area));
		wbuf_puts(&c->body, " ");
		web_tag(c, "red", S_NO_LEAD);
		wbuf_puts(&c->body, "</li>\n");
	}
	wbuf_puts(&c->body, "</ul>\n<p>");
	web_a(c, PAGE_GAPS, NULL, T(c, S_GAPS));
	wbuf_puts(&c->body, "</p>\n");
}

/* Counts the goals of every derived status (page by page). */
static unsigned goals_by_status(struct web_ctx *c)
{
	Stdreg__V1__GoalListRequest req = STDREG__V1__GOAL_LIST_REQUEST__INIT;
	unsigned counts[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_WITHDRAWN + 1] = { 0 };
	char *token = NULL;
	unsigned st = 0, total = 0;

	req.page_size = 1000;
	do {
		Stdreg__V1__GoalListResponse *resp = NULL;

		req.page_token = token != NULL ? token : (char *)"";
		st = web_call(c, "ListGoals", &req.base,
		              &stdreg__v1__goal_list_response__descriptor, (void **)&resp);
		free(token);
		token = NULL;
		if (st != 0)
			return st;
		for (size_t i = 0; i < resp->n_goals; i++)
			if ((unsigned)resp->goals[i]->status < sizeof counts / sizeof counts[0])
				counts[resp->goals[i]->status]++;
		if (resp->next_page_token[0] != '\0')
			token = strdup(resp->next_page_token);
		stdreg__v1__goal_list_response__free_unpacked(resp, NULL);
	} while (token != NULL);
	for (size_t s = 1; s < sizeof counts / sizeof counts[0]; s++)
		total += counts[s];
	if (total == 0) {
		web_none(c);
		return 0;
	}
	web_table_open(c, S_GOALS_BY_STATUS);
	web_thead_num(c, S_STATUS, S_COUNT, S_COUNT_);
	for (size_t s = 1; s < sizeof counts / sizeof counts[0]; s++) {
		if (counts[s] == 0)
			continue;
		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_tag(c, web_goal_status_class(s), web_goal_status_name(s));
		wbuf_printf(&c->body, "</th><td class=\"num\">%u</td></tr>\n", counts[s]);
	}
	web_table_close(c);
	return 0;
}

/* How many items are overdue; the report page lists the longest overdue (at most 100). */
static void overdue(struct web_ctx *c, const Stdreg__V1__ReportResponse *rep)
{
	unsigned total =
	        rep->overdue_total > rep->n_overdue ? rep->overdue_total : (unsigned)rep->n_overdue;

	web_list_counts(c, S_OVERDUE_ITEMS, total, rep->n_overdue, S_SHOWN_LONGEST_OVERDUE);
	if (total == 0)
		return;
	wbuf_puts(&c->body, "<p>");
	web_a(c, PAGE_REPORT, NULL, T(c, S_SEE_REPORT));
	wbuf_puts(&c->body, "</p>\n");
}

static unsigned recent(struct web_ctx *c)
{
	struct web_changes ch;
	char since[11];
	unsigned st, n = 0;

	web_date_add(web_today(c), -CHANGES_DAYS, since);
	if ((st = web_changes_recent(c, 1000, NULL, &ch)) != 0)
		return st;
	for (size_t i = 0; i < ch.n; i++)
		if (strncmp(ch.list[i].ch->time, since, 10) >= 0)
			n++;
	wbuf_puts(&c->body, "<h2>");
	web_t(c, S_CHANGES_45);
	wbuf_printf(&c->body, "</h2>\n<p>%u%s</p>\n", n, n == ch.n && ch.n >= 1000 ? "+" : "");
	if (n > 0) {
		web_table_open(c, S_CHANGES_45);
		web_thead(c, S_WHEN, S_RECORD, S_CHANGE, S_DECISION, S_COUNT_);
		for (size_t i = 0; i < ch.n && i < n && i < CHANGES_SHOWN; i++) {
			const struct web_change *w = &ch.list[i];

			wbuf_puts(&c->body, "<tr><td>");
			web_time(c, w->ch->time);
			wbuf_puts(&c->body, "</td><td>");
			web_t(c, web_kind_name(w->ch->kind));
			wbuf_puts(&c->body, " ");
			web_text(c, web_change_label(w));
			wbuf_puts(&c->body, "</td><td>");
			web_t(c, w->ch->op == STDREG__V1__OP__OP_CREATE   ? S_OP_CREATE
			         : w->ch->op == STDREG__V1__OP__OP_DELETE ? S_OP_DELETE
			                                                  : S_OP_UPDATE);
			wbuf_puts(&c->body, "</td><td>");
			web_text(c, w->ch->decision_ref);
			wbuf_puts(&c->body, "</td></tr>\n");
		}
		web_table_close(c);
	}
	wbuf_puts(&c->body, "<p>");
	web_a(c, PAGE_CHANGES, NULL, T(c, S_ALL_CHANGES));
	wbuf_puts(&c->body, "</p>\n");
	web_changes_release(&ch);
	return 0;
}

unsigned web_page_start(struct web_ctx *c)
{
	Stdreg__V1__ReportRequest rq = STDREG__V1__REPORT_REQUEST__INIT;
	Stdreg__V1__GapsRequest gq = STDREG__V1__GAPS_REQUEST__INIT;
	Stdreg__V1__ReportResponse *rep = NULL;
	Stdreg__V1__GapsResponse *gaps = NULL;
	unsigned st;

	web_title(c, S_START_H1);
	web_today(c);
	if ((st = web_call(c, "Report", &rq.base, &stdreg__v1__report_response__descriptor,
	                   (void **)&rep)) != 0)
		return st;
	if ((st = web_call(c, "Gaps", &gq.base, &stdreg__v1__gaps_response__descriptor,
	                   (void **)&gaps)) != 0)
		goto out;
	coverage(c, rep);
	without_lead(c, gaps);
	web_h2(c, S_GOALS);
	if ((st = goals_by_status(c)) != 0)
		goto out;
	web_h2(c, S_ITEMS);
	web_items_by_status(c, rep);
	overdue(c, rep);
	st = recent(c);
out:
	if (gaps != NULL)
		stdreg__v1__gaps_response__free_unpacked(gaps, NULL);
	stdreg__v1__report_response__free_unpacked(rep, NULL);
	return st;
}
