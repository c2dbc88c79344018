/*
 * web_md.c - the Markdown subset of web_md.h, line by line.
 */
#include <string.h>

#include "web_html.h"
#include "web_md.h"

enum block { NONE, PARA, LIST };

/* Escapes n bytes of s. */
static void esc_n(struct wbuf *b, const char *s, size_t n)
{
	struct wbuf tmp = { 0 };

	wbuf_add(&tmp, s, n);
	html_esc(b, tmp.p);
	wbuf_release(&tmp);
}

/* A line's text with its [text](url) links; a link that is not http(s) stays text. */
static void inline_text(struct wbuf *b, const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		const char *open = memchr(s, '[', (size_t)(end - s));
		const char *close, *paren, *url_end;

		if (open == NULL || (close = memchr(open, ']', (size_t)(end - open))) == NULL ||
		    close + 1 >= end || close[1] != '(' ||
		    (url_end = memchr(close, ')', (size_t)(end - close))) == NULL) {
			esc_n(b, s, (size_t)(end - s));
			return;
		}
		paren = close + 2;
		esc_n(b, s, (size_t)(open - s));
		{
			struct wbuf url = { 0 };

			wbuf_add(&url, paren, (size_t)(url_end - paren));
			if (html_url_ok(url.p)) {
				wbuf_puts(b, "<a href=\"");
				html_esc(b, url.p);
				wbuf_puts(b, "\">");
				esc_n(b, open + 1, (size_t)(close - open - 1));
				wbuf_puts(b, "</a>");
			} else {
				esc_n(b, open, (size_t)(url_end + 1 - open));
			}
			wbuf_release(&url);
		}
		s = url_end + 1;
	}
}

static void end_block(struct wbuf *b, enum block *cur)
{
	if (*cur == PARA)
		wbuf_puts(b, "</p>\n");
	else if (*cur == LIST)
		wbuf_puts(b, "</li>\n</ul>\n");
	*cur = NONE;
}

void web_md_render(struct web_ctx *c, const char *src)
{
	struct wbuf *b = &c->body;
	enum block cur = NONE;

	while (*src != '\0') {
		const char *nl = strchr(src, '\n');
		size_t n = nl != NULL ? (size_t)(nl - src) : strlen(src);

		if (n == 0) {
			end_block(b, &cur);
		} else if (strncmp(src, "# ", 2) == 0) {
			end_block(b, &cur);
			esc_n(&c->title, src + 2, n - 2);
		} else if (strncmp(src, "## ", 3) == 0 || strncmp(src, "### ", 4) == 0) {
			int level = src[2] == '#' ? 3 : 2;

			end_block(b, &cur);
			wbuf_printf(b, "<h%d>", level);
			inline_text(b, src + level + 1, n - (size_t)level - 1);
			wbuf_printf(b, "</h%d>\n", level);
		} else if (strncmp(src, "- ", 2) == 0) {
			if (cur == LIST) {
				wbuf_puts(b, "</li>\n<li>");
			} else {
				end_block(b, &cur);
				wbuf_puts(b, "<ul>\n<li>");
				cur = LIST;
			}
			inline_text(b, src + 2, n - 2);
		} else {
			// A paragraph line, or the continuation of a list item or paragraph.
			if (cur == NONE) {
				wbuf_puts(b, "<p>");
				cur = PARA;
			} else {
				wbuf_puts(b, "\n");
			}
			inline_text(b, src, n);
		}
		src += n;
		if (*src == '\n')
			src++;
	}
	end_block(b, &cur);
}
