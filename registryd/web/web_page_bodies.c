/*
 * web_page_bodies.c - the standards bodies and their committees, and one body or committee
 * with its facts, its own committees and its work items by stage.
 */
#include <stdlib.h>
#include <string.h>

#include "web_fmt.h"
#include "web_list.h"
#include "web_pages.h"
#include "web_route.h"
#include "web_tables.h"

static void table(struct web_ctx *c, enum web_str caption, const struct web_list *l)
{
	web_table_open(c, caption);
	web_thead(c, S_ACRONYM, S_NAME, S_LEVEL, S_COUNTRY, S_PARENT_BODY, S_COUNT_);
	for (size_t i = 0; i < l->n; i++) {
		const Stdreg__V1__Body *b = l->items[i];

		wbuf_puts(&c->body, "<tr><th scope=\"row\">");
		web_a(c, PAGE_BODY, b->id, web_body_label(b));
		wbuf_puts(&c->body, "</th><td lang=\"en\">");
		web_text(c, b->name);
		wbuf_puts(&c->body, "</td><td>");
		if (b->level != STDREG__V1__BODY_LEVEL__BODY_LEVEL_UNSPECIFIED)
			web_t(c, web_level_name(b->level));
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, b->country);
		wbuf_puts(&c->body, "</td><td>");
		if (b->parent_id[0] != '\0')
			web_a(c, PAGE_BODY, b->parent_id, b->parent_id);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
}

unsigned web_page_bodies(struct web_ctx *c)
{
	struct web_list l;
	unsigned st;

	web_title(c, S_BODIES);
	if ((st = web_list_bodies(c, &l)) == 0) {
		// By name: bodies before their committees is not needed (a committee names its parent).
		qsort(l.items, l.n, sizeof *l.items, web_body_order);
		table(c, S_BODIES, &l);
	}
	web_list_release(&l);
	return st;
}

static void facts(struct web_ctx *c, const Stdreg__V1__Body *b)
{
	wbuf_puts(&c->body, "<h2>");
	web_t(c, S_FACTS);
	wbuf_puts(&c->body, "</h2>\n<dl>\n");
	web_dl_text(c, S_ID, b->id);
	web_dl_text(c, S_ACRONYM, b->acronym);
	if (b->name[0] != '\0') {
		web_dt(c, S_NAME);
		wbuf_puts(&c->body, "<span lang=\"en\">");
		web_text(c, b->name);
		wbuf_puts(&c->body, "</span>");
		web_dd_end(c);
	}
	if (b->level != STDREG__V1__BODY_LEVEL__BODY_LEVEL_UNSPECIFIED) {
		web_dt(c, S_LEVEL);
		web_t(c, web_level_name(b->level));
		web_dd_end(c);
	}
	web_dl_text(c, S_COUNTRY, b->country);
	if (b->parent_id[0] != '\0') {
		web_dt(c, S_PARENT_BODY);
		web_a(c, PAGE_BODY, b->parent_id, b->parent_id);
		web_dd_end(c);
	}
	if (b->n_mirrors > 0) {
		web_dt(c, S_MIRRORS);
		for (size_t i = 0; i < b->n_mirrors; i++) {
			if (i > 0)
				wbuf_puts(&c->body, ", ");
			web_a(c, PAGE_BODY, b->mirrors[i], b->mirrors[i]);
		}
		web_dd_end(c);
	}
	if (b->url[0] != '\0') {
		web_dt(c, S_WEBSITE);
		web_ext_link(c, b->url);
		web_dd_end(c);
	}
	wbuf_puts(&c->body, "</dl>\n");
}

/* Work items a body page lists at most; the rest are on the work items page. */
#define ITEMS_SHOWN 200

static void items(struct web_ctx *c, struct web_list *wl, const char *body)
{
	if (!web_section(c, S_BODY_ITEMS, wl->n))
		return;
	qsort(wl->items, wl->n, sizeof *wl->items, web_item_stage_order);
	web_table_open(c, S_BODY_ITEMS);
	web_thead(c, S_STAGE, S_REFERENCE, S_TITLE, S_STATUS, S_COUNT_);
	for (size_t i = 0; i < wl->n; i++) {
		const Stdreg__V1__WorkItem *w = wl->items[i];

		web_item_stage_row(c, w);
		wbuf_puts(&c->body, "</td><td>");
		web_t(c, web_item_status_name(w->status));
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
	if (wl->more)
		web_more_items(c, "body", body);
}

unsigned web_page_body(struct web_ctx *c)
{
	Stdreg__V1__GetRequest get = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__ListRequest cr = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__ListRequest ir = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__Body *b = NULL;
	struct web_list committees = { 0 }, wl = { 0 };
	unsigned st;

	get.id = c->rt.id;
	if ((st = web_call(c, "GetBody", &get.base, &stdreg__v1__body__descriptor, (void **)&b)) !=
	    0)
		return st;
	web_title_text(c, NULL, web_body_label(b));
	cr.body_id = b->id;
	ir.body_id = b->id;
	if ((st = web_list_all(c, "ListBodies", &cr.base,
	                       &stdreg__v1__list_bodies_response__descriptor, 0, &committees)) !=
	            0 ||
	    (st = web_list_all(c, "ListWorkItems", &ir.base,
	                       &stdreg__v1__list_work_items_response__descriptor, ITEMS_SHOWN,
	                       &wl)) != 0)
		goto out;
	facts(c, b);
	if (committees.n > 0) {
		web_h2(c, S_COMMITTEES);
		qsort(committees.items, committees.n, sizeof *committees.items, web_body_order);
		table(c, S_COMMITTEES, &committees);
	}
	items(c, &wl, b->id);
out:
	web_list_release(&committees);
	web_list_release(&wl);
	stdreg__v1__body__free_unpacked(b, NULL);
	return st;
}
