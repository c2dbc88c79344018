/*
 * web_page_items.c - the work items with filters (area, body, stage range, status, text)
 * and paging, the same filter as a CSV download, and one work item with its stage history.
 */
#include <stdlib.h>
#include <string.h>

#include "web_fmt.h"
#include "web_form.h"
#include "web_html.h"
#include "web_list.h"
#include "web_pages.h"
#include "web_route.h"
#include "web_tables.h"

#define PAGE_ROWS 50
#define CSV_MAX   100000 /* rows of one download */

/* The status filter's values in the query string, indexed by WorkItemStatus. */
static const char *const status_arg[] = { "", "in_development", "published", "cancelled" };
#define N_STATUS (sizeof status_arg / sizeof status_arg[0])

struct filter {
	const char *area, *body, *from, *to, *status, *text;
};

/* Reads the filter from the query into f and req; false if a value is not allowed. */
static bool read_filter(struct web_ctx *c, struct filter *f, Stdreg__V1__ListRequest *req)
{
	f->area = web_arg(c, "area");
	f->body = web_arg(c, "body");
	f->from = web_arg(c, "stage_from");
	f->to = web_arg(c, "stage_to");
	f->status = web_arg(c, "status");
	f->text = web_arg(c, "text");
	req->area_id = (char *)(f->area != NULL ? f->area : "");
	req->body_id = (char *)(f->body != NULL ? f->body : "");
	req->stage_from = (char *)(f->from != NULL ? f->from : "");
	req->stage_to = (char *)(f->to != NULL ? f->to : "");
	req->text = (char *)(f->text != NULL ? f->text : "");
	if (f->status != NULL) {
		size_t s = web_form_choice(status_arg, N_STATUS, f->status);

		if (s == N_STATUS) {
			web_bad_arg(c, "status", f->status);
			return false;
		}
		req->status = (Stdreg__V1__WorkItemStatus)s;
	}
	return true;
}

static void form(struct web_ctx *c, const struct filter *f, const struct web_list *areas,
                 const struct web_list *bodies)
{
	web_form_open(c);
	web_form_area_select(c, areas, f->area);
	web_form_select_open(c, "body", S_BODY);
	for (size_t i = 0; i < bodies->n; i++) {
		const Stdreg__V1__Body *b = bodies->items[i];

		web_form_option(c, b->id, web_body_label(b), f->body);
	}
	web_form_select_close(c);
	web_form_text(c, "stage_from", S_STAGE_FROM, f->from);
	web_form_text(c, "stage_to", S_STAGE_TO, f->to);
	web_form_select_open(c, "status", S_STATUS);
	for (size_t s = 1; s < N_STATUS; s++)
		web_form_option(c, status_arg[s], T(c, web_item_status_name(s)), f->status);
	web_form_select_close(c);
	web_form_text(c, "text", S_SEARCH_TEXT, f->text);
	web_form_close(c);
}

static void row(struct web_ctx *c, const Stdreg__V1__WorkItem *w)
{
	wbuf_puts(&c->body, "<tr><th scope=\"row\">");
	web_a(c, PAGE_ITEM, w->id, w->reference);
	wbuf_puts(&c->body, "</th><td>");
	web_text(c, w->title);
	wbuf_puts(&c->body, "</td><td>");
	if (w->body_id[0] != '\0')
		web_a(c, PAGE_BODY, w->body_id, w->body_id);
	wbuf_puts(&c->body, "</td><td>");
	for (size_t i = 0; i < w->n_area_ids; i++) {
		if (i > 0)
			wbuf_puts(&c->body, ", ");
		web_a(c, PAGE_AREA, w->area_ids[i], w->area_ids[i]);
	}
	wbuf_puts(&c->body, "</td><td>");
	web_stage(c, w);
	wbuf_puts(&c->body, "</td><td>");
	web_t(c, web_item_status_name(w->status));
	wbuf_puts(&c->body, "</td></tr>\n");
}

unsigned web_page_items(struct web_ctx *c)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__ListWorkItemsResponse *resp = NULL;
	struct web_list areas = { 0 }, bodies = { 0 };
	struct wbuf filter = { 0 };
	struct filter f;
	const char *page;
	unsigned st;

	web_title(c, S_ITEMS);
	if (!read_filter(c, &f, &req))
		return 400;
	wbuf_puts(&filter, c->query.p); // the filter alone, for the links below
	page = web_arg(c, "page");
	req.page_size = PAGE_ROWS;
	req.page_token = (char *)(page != NULL ? page : "");
	if ((st = web_list_areas(c, &areas)) != 0 || (st = web_list_bodies(c, &bodies)) != 0 ||
	    (st = web_call(c, "ListWorkItems", &req.base,
	                   &stdreg__v1__list_work_items_response__descriptor, (void **)&resp)) != 0)
		goto out;
	qsort(bodies.items, bodies.n, sizeof *bodies.items, web_body_order);
	form(c, &f, &areas, &bodies);
	wbuf_puts(&c->body, "<p><a href=\"");
	web_link(&c->body, c->lang, PAGE_ITEMS_CSV, NULL);
	if (filter.len > 0) {
		wbuf_puts(&c->body, "?");
		html_esc(&c->body, filter.p);
	}
	wbuf_puts(&c->body, "\">");
	web_t(c, S_CSV);
	wbuf_puts(&c->body, "</a></p>\n");
	if (resp->n_work_items == 0 && resp->next_page_token[0] != '\0') {
		/* A filter that reads every item reads a slice per page (store_list). */
		wbuf_puts(&c->body, "<p>");
		web_t(c, S_NONE_YET);
		wbuf_puts(&c->body, "</p>\n");
	} else if (resp->n_work_items == 0) {
		web_none(c);
	} else {
		web_table_open(c, S_ITEMS);
		web_thead(c, S_REFERENCE, S_TITLE, S_BODY, S_AREAS, S_STAGE, S_STATUS, S_COUNT_);
		for (size_t i = 0; i < resp->n_work_items; i++)
			row(c, resp->work_items[i]);
		web_table_close(c);
	}
	if (page == NULL && resp->next_page_token[0] == '\0')
		goto out; // one page: nothing to page through
	wbuf_puts(&c->body, "<nav class=\"pager\" aria-label=\"");
	web_t(c, S_ITEMS);
	wbuf_puts(&c->body, "\">");
	if (page != NULL) {
		wbuf_puts(&c->body, "<a href=\"");
		web_link(&c->body, c->lang, PAGE_ITEMS, NULL);
		if (filter.len > 0) {
			wbuf_puts(&c->body, "?");
			html_esc(&c->body, filter.p);
		}
		wbuf_puts(&c->body, "\">");
		web_t(c, S_FIRST_PAGE);
		wbuf_puts(&c->body, "</a>");
	}
	if (resp->next_page_token[0] != '\0') {
		wbuf_puts(&c->body, "<a rel=\"next\" href=\"");
		web_link(&c->body, c->lang, PAGE_ITEMS, NULL);
		wbuf_puts(&c->body, "?");
		if (filter.len > 0) {
			html_esc(&c->body, filter.p);
			wbuf_puts(&c->body, "&amp;");
		}
		wbuf_puts(&c->body, "page=");
		html_url_arg(&c->body, resp->next_page_token);
		wbuf_puts(&c->body, "\">");
		web_t(c, S_NEXT_PAGE);
		wbuf_puts(&c->body, "</a>");
	}
	wbuf_puts(&c->body, "</nav>\n");
out:
	wbuf_release(&filter);
	web_list_release(&areas);
	web_list_release(&bodies);
	if (resp != NULL)
		stdreg__v1__list_work_items_response__free_unpacked(resp, NULL);
	return st;
}

/* One CSV field (RFC 4180): quoted when needed; a leading = + - @, tab or CR is defused
 * with a quote so that a spreadsheet never runs a stored value as a formula (OWASP's CSV
 * injection list). */
static void csv_field(struct wbuf *b, const char *s, bool last)
{
	bool quote = s != NULL && strpbrk(s, ",\"\r\n") != NULL;

	if (s == NULL)
		s = "";
	if (quote)
		wbuf_puts(b, "\"");
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		wbuf_puts(b, "'");
	for (; *s != '\0'; s++) {
		if (*s == '"')
			wbuf_puts(b, "\"");
		wbuf_add(b, s, 1);
	}
	if (quote)
		wbuf_puts(b, "\"");
	wbuf_puts(b, last ? "\r\n" : ",");
}

/*
 * The rows of a filter, CSV_MAX at most: a larger result comes in files, each with a Link
 * header (RFC 8288, rel="next") to the next one, ?page= its token, as the pages of the
 * HTML list are linked.
 */
unsigned web_page_items_csv(struct web_ctx *c)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	struct web_list wl;
	struct filter f;
	const char *page;
	unsigned st;

	if (!read_filter(c, &f, &req))
		return 400;
	wbuf_puts(&c->link, "<");
	web_link(&c->link, c->lang, PAGE_ITEMS_CSV, NULL);
	wbuf_puts(&c->link, "?");
	if (c->query.len > 0) {
		wbuf_add(&c->link, c->query.p, c->query.len); /* the filter alone */
		wbuf_puts(&c->link, "&");
	}
	page = web_arg(c, "page");
	req.page_token = (char *)(page != NULL ? page : "");
	if ((st = web_list_all(c, "ListWorkItems", &req.base,
	                       &stdreg__v1__list_work_items_response__descriptor, CSV_MAX, &wl)) !=
	    0) {
		web_list_release(&wl);
		c->link.len = 0;
		return st;
	}
	if (wl.next != NULL) {
		wbuf_puts(&c->link, "page=");
		html_url_arg(&c->link, wl.next);
		wbuf_puts(&c->link, ">; rel=\"next\"");
	} else {
		c->link.len = 0;
	}
	c->raw = true;
	c->ctype = "text/csv; charset=utf-8; header=present";
	c->filename = "work-items.csv";
	wbuf_puts(&c->body, "id,reference,title,body_id,area_ids,stage,status,target_date,url\r\n");
	for (size_t i = 0; i < wl.n; i++) {
		const Stdreg__V1__WorkItem *w = wl.items[i];
		struct wbuf areas = { 0 };

		for (size_t a = 0; a < w->n_area_ids; a++) {
			if (a > 0)
				wbuf_puts(&areas, " ");
			wbuf_puts(&areas, w->area_ids[a]);
		}
		csv_field(&c->body, w->id, false);
		csv_field(&c->body, w->reference, false);
		csv_field(&c->body, w->title, false);
		csv_field(&c->body, w->body_id, false);
		csv_field(&c->body, areas.p, false);
		csv_field(&c->body, w->stage, false);
		csv_field(&c->body, (unsigned)w->status < N_STATUS ? status_arg[w->status] : "",
		          false);
		csv_field(&c->body, w->target_date, false);
		csv_field(&c->body, w->url, true);
		wbuf_release(&areas);
	}
	web_list_release(&wl);
	return 0;
}

static void facts(struct web_ctx *c, const Stdreg__V1__WorkItem *w)
{
	wbuf_puts(&c->body, "<h2>");
	web_t(c, S_FACTS);
	wbuf_puts(&c->body, "</h2>\n<dl>\n");
	web_dl_text(c, S_REFERENCE, w->reference);
	web_dl_text(c, S_TITLE, w->title);
	if (w->body_id[0] != '\0') {
		web_dt(c, S_BODY);
		web_a(c, PAGE_BODY, w->body_id, w->body_id);
		web_dd_end(c);
	}
	if (w->n_area_ids > 0) {
		web_dt(c, S_AREAS);
		for (size_t i = 0; i < w->n_area_ids; i++) {
			if (i > 0)
				wbuf_puts(&c->body, ", ");
			web_a(c, PAGE_AREA, w->area_ids[i], w->area_ids[i]);
		}
		web_dd_end(c);
	}
	web_dl_text(c, S_DELIVERABLE, w->deliverable_type);
	web_dt(c, S_STAGE);
	web_stage(c, w);
	web_dd_end(c);
	web_dt(c, S_STATUS);
	web_tag(c,
	        w->status == STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_PUBLISHED   ? "green"
	        : w->status == STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED ? "grey"
	                                                                                : "blue",
	        web_item_status_name(w->status));
	web_dd_end(c);
	if (w->target_date[0] != '\0') {
		web_dt(c, S_TARGET_DATE);
		web_time(c, w->target_date);
		web_dd_end(c);
	}
	if (w->url[0] != '\0') {
		web_dt(c, S_LINK);
		web_ext_link(c, w->url);
		web_dd_end(c);
	}
	web_dl_text(c, S_NOTES, w->notes);
	if (w->meta != NULL && w->meta->updated_at[0] != '\0') {
		web_dt(c, S_LAST_UPDATED);
		web_time(c, w->meta->updated_at);
		web_dd_end(c);
	}
	wbuf_puts(&c->body, "</dl>\n");
}

/* The entries of the item's history that set its stage. */
static void stages(struct web_ctx *c, const Stdreg__V1__HistoryResponse *h)
{
	size_t shown = 0;

	web_h2(c, S_STAGE_HISTORY);
	for (size_t i = h->n_entries; i-- > 0;) {
		const Stdreg__V1__HistoryEntry *e = h->entries[i];

		for (size_t j = 0; j < e->n_changes; j++) {
			const Stdreg__V1__FieldChange *fc = e->changes[j];

			if (strcmp(fc->field, "stage") != 0)
				continue;
			if (shown++ == 0) {
				web_table_open(c, S_STAGE_HISTORY);
				web_thead(c, S_WHEN, S_OLD, S_NEW, S_DECISION, S_WHO, S_COUNT_);
			}
			wbuf_puts(&c->body, "<tr><td>");
			web_time(c, e->time);
			wbuf_puts(&c->body, "</td><td>");
			web_text(c, fc->old_value);
			wbuf_puts(&c->body, "</td><th scope=\"row\">");
			web_text(c, fc->new_value);
			wbuf_puts(&c->body, "</th><td>");
			web_text(c, e->decision_ref);
			wbuf_puts(&c->body, "</td><td>");
			web_text(c, e->principal);
			wbuf_puts(&c->body, "</td></tr>\n");
		}
	}
	web_table_end(c, shown);
}

unsigned web_page_item(struct web_ctx *c)
{
	Stdreg__V1__GetRequest get = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__HistoryRequest hr = STDREG__V1__HISTORY_REQUEST__INIT;
	Stdreg__V1__WorkItem *w = NULL;
	Stdreg__V1__HistoryResponse *h = NULL;
	unsigned st;

	get.id = c->rt.id;
	if ((st = web_call(c, "GetWorkItem", &get.base, &stdreg__v1__work_item__descriptor,
	                   (void **)&w)) != 0)
		return st;
	hr.kind = STDREG__V1__KIND__KIND_ITEM;
	hr.id = w->id;
	if ((st = web_call(c, "History", &hr.base, &stdreg__v1__history_response__descriptor,
	                   (void **)&h)) == 0) {
		web_title_text(c, w->reference, w->title);
		facts(c, w);
		stages(c, h);
		stdreg__v1__history_response__free_unpacked(h, NULL);
	}
	stdreg__v1__work_item__free_unpacked(w, NULL);
	return st;
}
