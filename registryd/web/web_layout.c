/*
 * web_layout.c - the page frame (web_layout.h) and the error pages in it.
 */
#include <string.h>

#include "web_html.h"
#include "web_layout.h"
#include "web_route.h"

/* The main menu, in order. */
static const struct {
	enum web_page page;
	enum web_str name;
} menu[] = {
	{ PAGE_START, S_START },       { PAGE_AREAS, S_AREAS },   { PAGE_GAPS, S_GAPS },
	{ PAGE_AGENCIES, S_AGENCIES }, { PAGE_GOALS, S_GOALS },   { PAGE_ITEMS, S_ITEMS },
	{ PAGE_BODIES, S_BODIES },     { PAGE_REPORT, S_REPORT }, { PAGE_CHANGES, S_CHANGES },
};

/* The section a page belongs to, for aria-current in the menu. */
static enum web_page section(enum web_page p)
{
	switch (p) {
	case PAGE_AREA:
		return PAGE_AREAS;
	case PAGE_AGENCY:
		return PAGE_AGENCIES;
	case PAGE_GOAL:
		return PAGE_GOALS;
	case PAGE_ITEM:
		return PAGE_ITEMS;
	case PAGE_BODY:
		return PAGE_BODIES;
	default:
		return p;
	}
}

/* The same page in the other language, with the query the page read. */
static void twin(struct web_ctx *c, struct wbuf *out)
{
	enum web_lang other = c->lang == LANG_EN ? LANG_SV : LANG_EN;
	enum web_page p = c->rt.page == PAGE_NOT_FOUND ? PAGE_START : c->rt.page;

	web_link(out, other, p, c->rt.id);
	if (c->query.len > 0) {
		wbuf_puts(out, "?");
		html_esc(out, c->query.p);
	}
}

static void head(struct web_ctx *c, struct wbuf *out)
{
	wbuf_puts(out, "<!DOCTYPE html>\n<html lang=\"");
	wbuf_puts(out, web_lang_code(c->lang));
	wbuf_puts(out, "\">\n<head>\n<meta charset=\"utf-8\">\n"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	               "<title>");
	wbuf_add(out, c->title.p != NULL ? c->title.p : "", c->title.len);
	wbuf_puts(out, " – ");
	html_esc(out, T(c, S_SITE));
	wbuf_puts(out, "</title>\n<link rel=\"stylesheet\" href=\"" WEB_CSS_PATH "\">\n");
	wbuf_puts(out, "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"");
	html_esc(out, T(c, S_FEED));
	wbuf_puts(out, "\" href=\"");
	web_link(out, c->lang, PAGE_CHANGES_FEED, NULL);
	wbuf_puts(out, "\">\n</head>\n");
}

static void header(struct web_ctx *c, struct wbuf *out)
{
	enum web_page cur = section(c->rt.page);

	wbuf_puts(out, "<header class=\"site-header\">\n<p class=\"site-name\"><a href=\"");
	web_link(out, c->lang, PAGE_START, NULL);
	wbuf_puts(out, "\">");
	html_esc(out, T(c, S_SITE));
	wbuf_puts(out, "</a></p>\n<p class=\"lang-switch\"><a href=\"");
	twin(c, out);
	wbuf_puts(out, "\" hreflang=\"");
	html_esc(out, T(c, S_OTHER_LANG_CODE));
	wbuf_puts(out, "\" lang=\"");
	html_esc(out, T(c, S_OTHER_LANG_CODE));
	wbuf_puts(out, "\">");
	html_esc(out, T(c, S_OTHER_LANG));
	wbuf_puts(out, "</a></p>\n<nav aria-label=\"");
	html_esc(out, T(c, S_NAV));
	wbuf_puts(out, "\"><ul>\n");
	for (size_t i = 0; i < sizeof menu / sizeof menu[0]; i++) {
		wbuf_puts(out, "<li><a href=\"");
		web_link(out, c->lang, menu[i].page, NULL);
		wbuf_puts(out, menu[i].page == cur ? "\" aria-current=\"page\">" : "\">");
		html_esc(out, T(c, menu[i].name));
		wbuf_puts(out, "</a></li>\n");
	}
	wbuf_puts(out, "</ul></nav>\n</header>\n");
}

static void footer(struct web_ctx *c, struct wbuf *out)
{
	static const struct {
		enum web_page page;
		enum web_str name;
	} links[] = {
		{ PAGE_A11Y, S_A11Y },
		{ PAGE_ABOUT, S_ABOUT },
		{ PAGE_CHANGES_FEED, S_FEED },
	};

	wbuf_puts(out, "<footer class=\"site-footer\">\n<nav aria-label=\"");
	html_esc(out, T(c, S_FOOTER_NAV));
	wbuf_puts(out, "\"><ul>\n");
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		wbuf_puts(out, "<li><a href=\"");
		web_link(out, c->lang, links[i].page, NULL);
		wbuf_puts(out, "\">");
		html_esc(out, T(c, links[i].name));
		wbuf_puts(out, "</a></li>\n");
	}
	wbuf_puts(out, "</ul></nav>\n<p>");
	html_esc(out, T(c, S_FOOTER_NOTE));
	wbuf_puts(out, "</p>\n</footer>\n");
}

void web_layout(struct web_ctx *c, struct wbuf *out)
{
	head(c, out);
	wbuf_puts(out, "<body>\n<a class=\"skip-link\" href=\"#main\">");
	html_esc(out, T(c, S_SKIP));
	wbuf_puts(out, "</a>\n");
	header(c, out);
	wbuf_puts(out, "<main id=\"main\">\n<h1>");
	wbuf_add(out, c->title.p != NULL ? c->title.p : "", c->title.len);
	wbuf_puts(out, "</h1>\n");
	wbuf_add(out, c->body.p != NULL ? c->body.p : "", c->body.len);
	wbuf_puts(out, "</main>\n");
	footer(c, out);
	wbuf_puts(out, "</body>\n</html>\n");
}

void web_error_page(struct web_ctx *c, unsigned status)
{
	enum web_str h1, text;

	switch (status) {
	case 400:
		h1 = S_ERR_400, text = S_ERR_400_TEXT;
		break;
	case 401:
		h1 = S_ERR_401, text = S_ERR_401_TEXT;
		break;
	case 404:
		h1 = S_ERR_404, text = S_ERR_404_TEXT;
		break;
	case 405:
		h1 = S_ERR_405, text = S_ERR_405_TEXT;
		break;
	default:
		h1 = S_ERR_503, text = S_ERR_503_TEXT;
		break;
	}
	c->raw = false;
	c->body.len = 0;
	c->title.len = 0;
	html_esc(&c->title, T(c, h1));
	wbuf_puts(&c->body, "<p>");
	html_esc(&c->body, T(c, text));
	wbuf_puts(&c->body, "</p>\n");
	if (status == 400 && c->detail.len > 0) {
		// What was wrong, escaped already (web_bad_arg, or the daemon's message).
		wbuf_puts(&c->body, "<p>");
		html_esc(&c->body, T(c, S_ERR_DETAIL));
		// The daemon speaks English: a Swedish page says so, for screen readers (WCAG
		// 3.1.2, language of parts).
		wbuf_puts(&c->body,
		          c->detail_en && c->lang != LANG_EN ? ": <code lang=\"en\">" : ": <code>");
		wbuf_add(&c->body, c->detail.p, c->detail.len);
		wbuf_puts(&c->body, "</code></p>\n");
	}
	wbuf_puts(&c->body, "<p><a href=\"");
	web_link(&c->body, c->lang, PAGE_START, NULL);
	wbuf_puts(&c->body, "\">");
	html_esc(&c->body, T(c, S_START));
	wbuf_puts(&c->body, "</a></p>\n");
}
