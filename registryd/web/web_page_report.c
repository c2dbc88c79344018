/*
 * web_page_report.c - the follow-up report: coverage of the prioritised areas per quarter
 * and goals by status per quarter (Trend), work items by status and the load per agency
 * (Report), the longest overdue items and the newest stage changes, with how many there are
 * in all when the server cut the list. Each chart is followed by the same figures as a table.
 */
#include <stdio.h>
#include <string.h>

#include "web_fmt.h"
#include "web_list.h"
#include "web_pages.h"
#include "web_route.h"
#include "web_svg.h"
#include "web_tables.h"

#include "stdreg/v1/goals.pb-c.h"

#define MAX_QUARTERS 12
#define N_DERIVED    (STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_WITHDRAWN + 1)

/* The last MAX_QUARTERS rows of the trend. */
static size_t first_row(const Stdreg__V1__TrendResponse *t)
{
	return t->n_rows > MAX_QUARTERS ? t->n_rows - MAX_QUARTERS : 0;
}

static void coverage(struct web_ctx *c, const Stdreg__V1__TrendResponse *t)
{
	struct web_bar bars[MAX_QUARTERS] = { 0 };
	size_t n = 0;

	web_h2(c, S_REPORT_COVERAGE);
	for (size_t i = first_row(t); i < t->n_rows; i++, n++) {
		bars[n].label = t->rows[i]->quarter_end;
		bars[n].value[0] = t->rows[i]->lead_percent;
	}
	web_svg_bars(c, "coverage", T(c, S_REPORT_COVERAGE), bars, n, NULL, 1, "%");
	web_table_open(c, S_REPORT_COVERAGE);
	web_thead_num(c, S_QUARTER_END, S_PRIORITISED, S_WITH_LEAD, S_LEAD_PERCENT, S_COUNT_);
	for (size_t i = first_row(t); i < t->n_rows; i++) {
		const Stdreg__V1__TrendRow *r = t->rows[i];

		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_time(c, r->quarter_end);
		wbuf_printf(&c->body,
		            "</th><td class=\"num\">%u</td><td class=\"num\">%u</td>"
		            "<td class=\"num\">%.0f</td></tr>\n",
		            r->prioritised, r->prioritised_with_lead, r->lead_percent);
	}
	web_table_close(c);
}

static unsigned status_count(const Stdreg__V1__TrendRow *r, int status)
{
	for (size_t k = 0; k < r->n_by_status; k++)
		if ((int)r->by_status[k]->status == status)
			return r->by_status[k]->count;
	return 0;
}

static void goals(struct web_ctx *c, const Stdreg__V1__TrendResponse *t)
{
	struct web_bar bars[MAX_QUARTERS] = { 0 };
	const char *names[SVG_MAX_SERIES];
	int used[N_DERIVED];
	size_t n_used = 0, n = 0;

	web_h2(c, S_REPORT_GOALS);
	// The statuses that occur, in the enum's order; the chart draws the first six.
	for (int s = 1; s < N_DERIVED; s++) {
		bool seen = false;

		for (size_t i = first_row(t); i < t->n_rows && !seen; i++)
			seen = status_count(t->rows[i], s) > 0;
		if (seen)
			used[n_used++] = s;
	}
	if (n_used == 0) {
		web_none(c);
		return;
	}
	for (size_t s = 0; s < n_used && s < SVG_MAX_SERIES; s++)
		names[s] = T(c, web_goal_status_name(used[s]));
	for (size_t i = first_row(t); i < t->n_rows; i++, n++) {
		bars[n].label = t->rows[i]->quarter_end;
		for (size_t s = 0; s < n_used && s < SVG_MAX_SERIES; s++)
			bars[n].value[s] = status_count(t->rows[i], used[s]);
	}
	web_svg_bars(c, "goals", T(c, S_REPORT_GOALS), bars, n, names,
	             n_used < SVG_MAX_SERIES ? n_used : SVG_MAX_SERIES, "");
	web_table_open(c, S_REPORT_GOALS);
	wbuf_puts(&c->body, "<thead><tr><th scope=\"col\">");
	web_t(c, S_QUARTER_END);
	wbuf_puts(&c->body, "</th>");
	for (size_t s = 0; s < n_used; s++) {
		wbuf_puts(&c->body, "<th scope=\"col\" class=\"num\">");
		web_t(c, web_goal_status_name(used[s]));
		wbuf_puts(&c->body, "</th>");
	}
	wbuf_puts(&c->body, "<th scope=\"col\" class=\"num\">");
	web_t(c, S_TOTAL);
	wbuf_puts(&c->body, "</th></tr></thead><tbody>\n");
	for (size_t i = first_row(t); i < t->n_rows; i++) {
		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_time(c, t->rows[i]->quarter_end);
		wbuf_puts(&c->body, "</th>");
		for (size_t s = 0; s < n_used; s++)
			wbuf_printf(&c->body, "<td class=\"num\">%u</td>",
			            status_count(t->rows[i], used[s]));
		wbuf_printf(&c->body, "<td class=\"num\">%u</td></tr>\n", t->rows[i]->goals);
	}
	web_table_close(c);
}

static void items(struct web_ctx *c, const Stdreg__V1__ReportResponse *rep)
{
	struct web_bar bars[WEB_ITEM_GROUPS] = { 0 };

	web_h2(c, S_ITEMS_BY_STATUS);
	for (size_t g = 0; g < WEB_ITEM_GROUPS; g++) {
		bars[g].label = T(c, web_item_groups[g].name);
		bars[g].value[0] = web_item_group_count(rep, g);
	}
	web_svg_bars(c, "items", T(c, S_ITEMS_BY_STATUS), bars, WEB_ITEM_GROUPS, NULL, 1, "");
	web_items_by_status(c, rep);
}

static void load(struct web_ctx *c, const Stdreg__V1__ReportResponse *rep,
                 const struct web_list *agencies)
{
	if (!web_section(c, S_REPORT_LOAD, rep->n_agencies))
		return;
	web_table_open(c, S_REPORT_LOAD);
	web_thead_num(c, S_AGENCY, S_AREAS_LED, S_AREAS_SUPPORTED, S_ITEMS, S_OVERDUE, S_COUNT_);
	for (size_t i = 0; i < rep->n_agencies; i++) {
		const Stdreg__V1__AgencyLoad *l = rep->agencies[i];

		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_AGENCY, l->agency_id, web_agency_name(agencies, l->agency_id));
		wbuf_printf(&c->body,
		            "</th><td class=\"num\">%u</td><td class=\"num\">%u</td>"
		            "<td class=\"num\">%u</td><td class=\"num\">%u</td></tr>\n",
		            l->areas_led, l->areas_supported, l->work_items, l->overdue);
	}
	web_table_close(c);
}

/* The longest overdue items (the server sends at most 100) and how many there are in all. */
static void overdue(struct web_ctx *c, const Stdreg__V1__ReportResponse *rep)
{
	unsigned total =
	        rep->overdue_total > rep->n_overdue ? rep->overdue_total : (unsigned)rep->n_overdue;

	if (!web_section(c, S_OVERDUE_ITEMS, total))
		return;
	web_list_counts(c, S_IN_ALL, total, rep->n_overdue, S_SHOWN_LONGEST_OVERDUE);
	if (rep->n_overdue == 0)
		return;
	web_table_open(c, S_OVERDUE_ITEMS);
	web_thead(c, S_REFERENCE, S_STAGE, S_TARGET_DATE, S_COUNT_);
	for (size_t i = 0; i < rep->n_overdue; i++) {
		const Stdreg__V1__WorkItem *w = rep->overdue[i];

		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_ITEM, w->id, w->reference[0] != '\0' ? w->reference : w->id);
		wbuf_puts(&c->body, "</th><td>");
		web_stage(c, w);
		wbuf_puts(&c->body, "</td><td>");
		web_time(c, w->target_date);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
}

/* The newest stage changes of the report's window (at most 100) and how many in all. */
static void stage_changes(struct web_ctx *c, const Stdreg__V1__ReportResponse *rep)
{
	unsigned total = rep->stage_changes_total > rep->n_stage_changes
	                         ? rep->stage_changes_total
	                         : (unsigned)rep->n_stage_changes;

	if (!web_section(c, S_STAGE_CHANGES, total))
		return;
	web_list_counts(c, S_IN_ALL, total, rep->n_stage_changes, S_SHOWN_NEWEST);
	if (rep->n_stage_changes == 0)
		return;
	web_table_open(c, S_STAGE_CHANGES);
	web_thead(c, S_WHEN, S_ITEM, S_STAGE_FROM, S_STAGE_TO, S_COUNT_);
	for (size_t i = 0; i < rep->n_stage_changes; i++) {
		const Stdreg__V1__StageChange *s = rep->stage_changes[i];

		wbuf_puts(&c->body, "<tr><td>");
		web_time(c, s->time);
		wbuf_puts(&c->body, "</td><th scope=\"row\">");
		web_a(c, PAGE_ITEM, s->work_item_id,
		      s->reference[0] != '\0' ? s->reference : s->work_item_id);
		wbuf_puts(&c->body, "</th><td>");
		web_text(c, s->old_stage);
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, s->new_stage);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
}

unsigned web_page_report(struct web_ctx *c)
{
	Stdreg__V1__TrendRequest tq = STDREG__V1__TREND_REQUEST__INIT;
	Stdreg__V1__ReportRequest rq = STDREG__V1__REPORT_REQUEST__INIT;
	Stdreg__V1__TrendResponse *t = NULL;
	Stdreg__V1__ReportResponse *rep = NULL;
	struct web_list agencies = { 0 };
	unsigned st;

	web_title(c, S_REPORT);
	web_today(c);
	if ((st = web_call(c, "Trend", &tq.base, &stdreg__v1__trend_response__descriptor,
	                   (void **)&t)) != 0 ||
	    (st = web_call(c, "Report", &rq.base, &stdreg__v1__report_response__descriptor,
	                   (void **)&rep)) != 0 ||
	    (st = web_list_agencies(c, &agencies)) != 0)
		goto out;
	wbuf_puts(&c->body, "<p>");
	web_t(c, S_AS_OF);
	wbuf_puts(&c->body, " ");
	web_time(c, rep->today);
	wbuf_puts(&c->body, "</p>\n");
	coverage(c, t);
	goals(c, t);
	items(c, rep);
	load(c, rep, &agencies);
	overdue(c, rep);
	stage_changes(c, rep);
out:
	web_list_release(&agencies);
	if (rep != NULL)
		stdreg__v1__report_response__free_unpacked(rep, NULL);
	if (t != NULL)
		stdreg__v1__trend_response__free_unpacked(t, NULL);
	return st;
}
