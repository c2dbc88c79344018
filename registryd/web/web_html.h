/*
 * web_html.h - every byte a page shows from the store goes through one of these, chosen by
 * where it lands (cgit's html.c habit). There is no other way from stored text to output.
 */
#ifndef REGISTRYD_WEB_HTML_H
#define REGISTRYD_WEB_HTML_H

#include <stdbool.h>

#include "web_buf.h"

/*
 * The one escaping function, for element text and double-quoted attribute values in HTML
 * and in XML (the Atom feeds): & < > " ' become entities, control characters other than
 * tab and newline are dropped, and U+FFFE and U+FFFF, which XML 1.0 does not allow, become
 * U+FFFD. NULL appends nothing.
 */
void html_esc(struct wbuf *b, const char *s);

/*
 * Whether s may be the href of a link: an absolute http:// or https:// URL without spaces
 * or control characters. Anything else (javascript:, data:, relative) is shown as text.
 */
bool html_url_ok(const char *s);

/*
 * A value inside a URL (a path segment or a query value): every byte but A-Z a-z 0-9 - . _ ~
 * is percent-encoded, so the result needs no further escaping in an attribute.
 */
void html_url_arg(struct wbuf *b, const char *s);

#endif
