/*
 * web_md.h - a small subset of Markdown for the pages kept as files in the repository
 * (the accessibility statement): "# " is the page title, "## " and "### " headings, "- "
 * list items, blank lines end paragraphs, and [text](https://...) links. Everything else is
 * text, escaped.
 */
#ifndef REGISTRYD_WEB_MD_H
#define REGISTRYD_WEB_MD_H

#include "web_ctx.h"

/* Renders src into c->body, its "# " line into c->title. */
void web_md_render(struct web_ctx *c, const char *src);

#endif
