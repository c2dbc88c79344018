/*
 * web_tables.c - the pieces several pages render alike (web_tables.h).
 */
#include <string.h>

#include "web_fmt.h"
#include "web_route.h"
#include "web_tables.h"

void web_h2(struct web_ctx *c, enum web_str k)
{
	wbuf_printf(&c->body, "<h2 id=\"s%u\">", ++c->h2s);
	web_t(c, k);
	wbuf_puts(&c->body, "</h2>\n");
	c->h2_key = (int)k;
	c->h2_end = c->body.len;
}

void web_none(struct web_ctx *c)
{
	wbuf_puts(&c->body, "<p>");
	web_t(c, S_NONE);
	wbuf_puts(&c->body, "</p>\n");
}

bool web_section(struct web_ctx *c, enum web_str k, size_t n)
{
	web_h2(c, k);
	if (n == 0)
		web_none(c);
	return n > 0;
}

void web_table_end(struct web_ctx *c, size_t shown)
{
	if (shown > 0)
		web_table_close(c);
	else
		web_none(c);
}

void web_list_counts(struct web_ctx *c, enum web_str total_k, unsigned total, size_t shown,
                     enum web_str shown_k)
{
	bool cut = total > shown;

	wbuf_puts(&c->body, "<dl>\n");
	web_dt(c, total_k);
	wbuf_printf(&c->body, "%u", total);
	web_dd_end(c);
	if (cut) {
		web_dt(c, shown_k);
		wbuf_printf(&c->body, "%zu", shown);
		web_dd_end(c);
	}
	wbuf_puts(&c->body, "</dl>\n");
	if (cut) {
		wbuf_puts(&c->body, "<p>");
		web_t(c, S_LIST_CUT);
		wbuf_puts(&c->body, "</p>\n");
	}
}

void web_stage(struct web_ctx *c, const Stdreg__V1__WorkItem *w)
{
	web_text(c, w->stage);
	if (w->stage_scheme[0] == '\0') { // ISO codes have names
		wbuf_puts(&c->body, " ");
		web_t(c, web_stage_name(w->stage));
	}
}

void web_item_stage_row(struct web_ctx *c, const Stdreg__V1__WorkItem *w)
{
	wbuf_puts(&c->body, "<tr><td>");
	web_stage(c, w);
	wbuf_puts(&c->body, "</td><th scope=\"row\">");
	web_a(c, PAGE_ITEM, w->id, w->reference);
	wbuf_puts(&c->body, "</th><td>");
	web_text(c, w->title);
}

void web_goal_tag(struct web_ctx *c, Stdreg__V1__DerivedStatus s)
{
	web_tag(c, web_goal_status_class(s), web_goal_status_name(s));
}

const struct web_item_group web_item_groups[WEB_ITEM_GROUPS] = {
	{ "in_development", S_SG_IN_DEVELOPMENT },
	{ "published", S_SG_PUBLISHED },
	{ "cancelled", S_SG_CANCELLED },
};

unsigned web_item_group_count(const Stdreg__V1__ReportResponse *rep, size_t g)
{
	unsigned n = 0;

	for (size_t i = 0; i < rep->n_stage_groups; i++)
		if (strcmp(rep->stage_groups[i]->group, web_item_groups[g].group) == 0)
			n = rep->stage_groups[i]->count;
	return n;
}

void web_items_by_status(struct web_ctx *c, const Stdreg__V1__ReportResponse *rep)
{
	web_table_open(c, S_ITEMS_BY_STATUS);
	web_thead_num(c, S_STATUS, S_COUNT, S_COUNT_);
	for (size_t g = 0; g < WEB_ITEM_GROUPS; g++) {
		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_t(c, web_item_groups[g].name);
		wbuf_printf(&c->body, "</th><td class=\"num\">%u</td></tr>\n",
		            web_item_group_count(rep, g));
	}
	web_table_close(c);
}
