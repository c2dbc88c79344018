/*
 * web_pages.h - the page functions, one file per page family (web_page_*.c). Each renders
 * into c (web_ctx.h) and returns 0 or the HTTP status of the error page to show instead.
 */
#ifndef REGISTRYD_WEB_PAGES_H
#define REGISTRYD_WEB_PAGES_H

#include "web_ctx.h"

unsigned web_page_start(struct web_ctx *c);
unsigned web_page_areas(struct web_ctx *c);
unsigned web_page_area(struct web_ctx *c);
unsigned web_page_gaps(struct web_ctx *c);
unsigned web_page_agencies(struct web_ctx *c);
unsigned web_page_agency(struct web_ctx *c);
unsigned web_page_goals(struct web_ctx *c);
unsigned web_page_goal(struct web_ctx *c);
unsigned web_page_items(struct web_ctx *c);
unsigned web_page_items_csv(struct web_ctx *c);
unsigned web_page_item(struct web_ctx *c);
unsigned web_page_bodies(struct web_ctx *c);
unsigned web_page_body(struct web_ctx *c);
unsigned web_page_report(struct web_ctx *c);
unsigned web_page_changes(struct web_ctx *c);
unsigned web_page_changes_feed(struct web_ctx *c);
unsigned web_page_area_feed(struct web_ctx *c);
unsigned web_page_a11y(struct web_ctx *c);
unsigned web_page_about(struct web_ctx *c);
unsigned web_page_css(struct web_ctx *c);

#endif
