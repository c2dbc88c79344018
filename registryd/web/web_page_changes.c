/*
 * web_page_changes.c - recent changes: who, when, the decision and old -> new, as a page
 * and as Atom feeds (RFC 4287) of all changes and of one area's.
 */
#include <string.h>

#include "web_changes.h"
#include "web_fmt.h"
#include "web_html.h"
#include "web_pages.h"
#include "web_route.h"

#define PAGE_CHANGES_MAX 200
#define FEED_ENTRIES     50

/* The page that shows a changed record, and the id to give it. */
static enum web_page record_page(const struct web_change *w, const char **id)
{
	const ProtobufCMessage *m = w->after != NULL ? w->after : w->before;

	*id = w->ch->id;
	switch (w->ch->kind) {
	case STDREG__V1__KIND__KIND_AREA:
		return PAGE_AREA;
	case STDREG__V1__KIND__KIND_BODY:
		return PAGE_BODY;
	case STDREG__V1__KIND__KIND_AGENCY:
		return PAGE_AGENCY;
	case STDREG__V1__KIND__KIND_ITEM:
		return PAGE_ITEM;
	case STDREG__V1__KIND__KIND_GOAL:
		return PAGE_GOAL;
	case STDREG__V1__KIND__KIND_ASSIGNMENT:
		if (m == NULL)
			return PAGE_NOT_FOUND;
		*id = ((const Stdreg__V1__Assignment *)m)->area_id;
		return PAGE_AREA;
	case STDREG__V1__KIND__KIND_FOLLOW_UP:
		if (m == NULL)
			return PAGE_NOT_FOUND;
		*id = ((const Stdreg__V1__FollowUp *)m)->goal_id;
		return PAGE_GOAL;
	default:
		return PAGE_NOT_FOUND;
	}
}

static enum web_str op_name(const Stdreg__V1__Change *ch)
{
	return ch->op == STDREG__V1__OP__OP_CREATE   ? S_OP_CREATE
	       : ch->op == STDREG__V1__OP__OP_DELETE ? S_OP_DELETE
	                                             : S_OP_UPDATE;
}

unsigned web_page_changes(struct web_ctx *c)
{
	struct web_changes ch;
	unsigned st;

	web_title(c, S_CHANGES_H1);
	if ((st = web_changes_recent(c, PAGE_CHANGES_MAX, NULL, &ch)) != 0)
		return st;
	wbuf_puts(&c->body, "<p><a href=\"");
	web_link(&c->body, c->lang, PAGE_CHANGES_FEED, NULL);
	wbuf_puts(&c->body, "\">");
	web_t(c, S_FEED);
	wbuf_puts(&c->body, "</a></p>\n");
	if (ch.n == 0) {
		wbuf_puts(&c->body, "<p>");
		web_t(c, S_NONE);
		wbuf_puts(&c->body, "</p>\n");
		web_changes_release(&ch);
		return 0;
	}
	web_table_open(c, S_CHANGES_H1);
	web_thead(c, S_WHEN, S_WHO, S_RECORD, S_CHANGE, S_DECISION, S_COUNT_);
	for (size_t i = 0; i < ch.n; i++) {
		const struct web_change *w = &ch.list[i];
		const char *id;
		enum web_page p = record_page(w, &id);

		wbuf_puts(&c->body, "<tr><td>");
		web_time(c, w->ch->time);
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, w->ch->principal);
		wbuf_puts(&c->body, "</td><th scope=\"row\">");
		web_t(c, web_kind_name(w->ch->kind));
		wbuf_puts(&c->body, " ");
		if (p != PAGE_NOT_FOUND && w->ch->op != STDREG__V1__OP__OP_DELETE)
			web_a(c, p, id, web_change_label(w));
		else
			web_text(c, web_change_label(w));
		wbuf_puts(&c->body, "</th><td>");
		web_t(c, op_name(w->ch));
		if (w->before != NULL && w->after != NULL) {
			wbuf_puts(&c->body, ": ");
			web_change_diff(&c->body, w);
		}
		wbuf_puts(&c->body, "</td><td>");
		web_text(c, w->ch->decision_ref);
		wbuf_puts(&c->body, "</td></tr>\n");
	}
	web_table_close(c);
	web_changes_release(&ch);
	return 0;
}

/* "http://HOST" of the request, for the feed's absolute links; a Host header with other
 * characters than a host name's is not echoed. */
static void base_url(struct web_ctx *c, struct wbuf *b)
{
	const char *host =
	        MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const union MHD_ConnectionInfo *tls =
	        MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);

	if (host == NULL || host[0] == '\0' ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
	            strlen(host))
		host = "localhost";
	wbuf_puts(b, tls != NULL && tls->tls_session != NULL ? "https://" : "http://");
	wbuf_puts(b, host);
}

/* An Atom link element to page/id. */
static void atom_link(struct web_ctx *c, const char *rel, const char *type, enum web_page page,
                      const char *id)
{
	wbuf_printf(&c->body, "<link rel=\"%s\" type=\"%s\" href=\"", rel, type);
	base_url(c, &c->body);
	web_link(&c->body, c->lang, page, id);
	wbuf_puts(&c->body, "\"/>\n");
}

static void entry(struct web_ctx *c, const struct web_change *w)
{
	const char *id;
	enum web_page p = record_page(w, &id);

	wbuf_puts(&c->body, "<entry>\n<title>");
	html_esc(&c->body, T(c, web_kind_name(w->ch->kind)));
	wbuf_puts(&c->body, " ");
	html_esc(&c->body, web_change_label(w));
	wbuf_puts(&c->body, ": ");
	html_esc(&c->body, T(c, op_name(w->ch)));
	wbuf_printf(&c->body,
	            "</title>\n<id>urn:stdreg:change:%llu:%d:", (unsigned long long)w->ch->revision,
	            (int)w->ch->kind);
	html_url_arg(&c->body, w->ch->id);
	wbuf_puts(&c->body, "</id>\n<updated>");
	html_esc(&c->body, w->ch->time);
	wbuf_puts(&c->body, "</updated>\n<author><name>");
	html_esc(&c->body, w->ch->principal[0] != '\0' ? w->ch->principal : "-");
	wbuf_puts(&c->body, "</name></author>\n");
	if (p != PAGE_NOT_FOUND && w->ch->op != STDREG__V1__OP__OP_DELETE)
		atom_link(c, "alternate", "text/html", p, id);
	wbuf_puts(&c->body, "<summary type=\"text\">");
	html_esc(&c->body, T(c, S_DECISION));
	wbuf_puts(&c->body, ": ");
	html_esc(&c->body, w->ch->decision_ref[0] != '\0' ? w->ch->decision_ref : "-");
	if (w->before != NULL && w->after != NULL) {
		wbuf_puts(&c->body, ". ");
		web_change_diff(&c->body, w); // escaped already
	}
	wbuf_puts(&c->body, "</summary>\n</entry>\n");
}

/* The feed of all changes (area NULL) or of one area's. */
static unsigned feed(struct web_ctx *c, const char *area, const char *title)
{
	struct web_changes ch;
	unsigned st;

	if ((st = web_changes_recent(c, FEED_ENTRIES, area, &ch)) != 0)
		return st;
	c->raw = true;
	c->ctype = "application/atom+xml; charset=utf-8";
	wbuf_printf(&c->body,
	            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"%s\">\n<title>",
	            web_lang_code(c->lang));
	html_esc(&c->body, title);
	wbuf_puts(&c->body, "</title>\n<id>urn:stdreg:changes");
	if (area != NULL) {
		wbuf_puts(&c->body, ":area:");
		html_url_arg(&c->body, area);
	}
	wbuf_puts(&c->body, "</id>\n<updated>");
	// The newest entry's time; a feed without entries has not changed since the epoch.
	html_esc(&c->body, ch.n > 0 ? ch.list[0].ch->time : "1970-01-01T00:00:00Z");
	wbuf_puts(&c->body, "</updated>\n<author><name>");
	html_esc(&c->body, T(c, S_SITE));
	wbuf_puts(&c->body, "</name></author>\n");
	atom_link(c, "self", "application/atom+xml",
	          area != NULL ? PAGE_AREA_FEED : PAGE_CHANGES_FEED, area);
	atom_link(c, "alternate", "text/html", area != NULL ? PAGE_AREA : PAGE_CHANGES, area);
	for (size_t i = 0; i < ch.n; i++)
		entry(c, &ch.list[i]);
	wbuf_puts(&c->body, "</feed>\n");
	web_changes_release(&ch);
	return 0;
}

unsigned web_page_changes_feed(struct web_ctx *c)
{
	return feed(c, NULL, T(c, S_CHANGES_H1));
}

unsigned web_page_area_feed(struct web_ctx *c)
{
	Stdreg__V1__GetRequest get = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__Area *a = NULL;
	struct wbuf title = { 0 };
	unsigned st;

	get.id = c->rt.id;
	if ((st = web_call(c, "GetArea", &get.base, &stdreg__v1__area__descriptor, (void **)&a)) !=
	    0)
		return st;
	// Plain text: feed() escapes it.
	wbuf_puts(&title, T(c, S_CHANGES_H1));
	wbuf_puts(&title, ": ");
	wbuf_puts(&title, web_area_name(c, a));
	st = wbuf_failed(&title) ? 503 : feed(c, a->id, title.p);
	wbuf_release(&title);
	stdreg__v1__area__free_unpacked(a, NULL);
	return st;
}
