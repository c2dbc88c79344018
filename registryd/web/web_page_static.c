/*
 * web_page_static.c - the pages that read no records: the style sheet, the accessibility
 * statement (rendered from data/accessibility-*.md) and the about page.
 */
#include "web_embed.h"
#include "web_fmt.h"
#include "web_md.h"
#include "web_pages.h"
#include "web_route.h"

unsigned web_page_css(struct web_ctx *c)
{
	c->raw = true;
	c->ctype = "text/css; charset=utf-8";
	wbuf_puts(&c->body, web_css);
	return 0;
}

unsigned web_page_a11y(struct web_ctx *c)
{
	web_md_render(c, c->lang == LANG_EN ? web_a11y_en : web_a11y_sv);
	return 0;
}

unsigned web_page_about(struct web_ctx *c)
{
	web_title(c, S_ABOUT);
	wbuf_puts(&c->body, "<p>");
	web_t(c, S_ABOUT_TEXT);
	wbuf_puts(&c->body, "</p>\n<h2>");
	web_t(c, S_ABOUT_API);
	wbuf_puts(&c->body, "</h2>\n<p>");
	web_t(c, S_ABOUT_API_TEXT);
	wbuf_puts(&c->body,
	          "</p>\n<pre><code>curl '/stdreg.v1.Registry/ListAreas?encoding=json&amp;"
	          "message={}'</code></pre>\n<h2>");
	web_t(c, S_ABOUT_FEEDS);
	wbuf_puts(&c->body, "</h2>\n<ul><li>");
	web_a(c, PAGE_CHANGES_FEED, NULL, T(c, S_FEED));
	wbuf_puts(&c->body, "</li><li>");
	web_a(c, PAGE_ITEMS_CSV, NULL, T(c, S_CSV));
	wbuf_puts(&c->body, "</li></ul>\n<h2>");
	web_t(c, S_ABOUT_LICENCE);
	wbuf_puts(&c->body, "</h2>\n<p>");
	web_t(c, S_ABOUT_LICENCE_TEXT);
	wbuf_puts(&c->body, " <a href=\"https://creativecommons.org/publicdomain/zero/1.0/\">"
	                    "CC0 1.0</a></p>\n");
	return 0;
}
