/*
 * web_route.h - the view's URLs: path -> page and language, and back (for links and for a
 * page's other-language twin). Swedish paths at /, English ones at /en/.
 */
#ifndef REGISTRYD_WEB_ROUTE_H
#define REGISTRYD_WEB_ROUTE_H

#include <stdbool.h>

#include "web_ctx.h"

#define WEB_CSS_PATH "/static/stil.css"

/* Parses a (percent-decoded) path; an unknown one gives PAGE_NOT_FOUND, with the
 * language its prefix says. */
void web_route_parse(const char *path, struct web_route *out);

/* Whether path is one of the view's (a page of either language or the style sheet),
 * an unknown record id included. */
bool web_route_known(const char *path);

/*
 * Appends the path of page in lang, with id (escaped as a URL argument) for a one-record
 * page, to b: "/omraden/ai", "/en/areas/ai". Ready for an href.
 */
void web_link(struct wbuf *b, enum web_lang lang, enum web_page page, const char *id);

#endif
