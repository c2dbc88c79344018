/*
 * web_layout.h - the page frame every HTML answer shares, error pages included: lang, a
 * skip link first after <body>, header with the site name, main menu and the other
 * language's twin, one <main id="main"> with the one h1, and a footer that links the
 * accessibility statement.
 */
#ifndef REGISTRYD_WEB_LAYOUT_H
#define REGISTRYD_WEB_LAYOUT_H

#include "web_ctx.h"

/* Wraps c->body (the inside of <main>, after the h1) and c->title into a document in out. */
void web_layout(struct web_ctx *c, struct wbuf *out);

/* Replaces c's page by the error page of HTTP status (404, 400, 405, 503...). */
void web_error_page(struct web_ctx *c, unsigned status);

#endif
