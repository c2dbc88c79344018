/*
 * web_form.h - GET filter forms: a <form method="get"> of labelled fields whose values
 * come back in the query string (web_arg), so filters work without JavaScript and every
 * filtered page has its own address.
 */
#ifndef REGISTRYD_WEB_FORM_H
#define REGISTRYD_WEB_FORM_H

#include "web_ctx.h"
#include "web_list.h"

/* <form class="filters" method="get" action="the page's path"> */
void web_form_open(struct web_ctx *c);
/* The submit button and </form>. */
void web_form_close(struct web_ctx *c);
/* A text field named name, labelled k, holding value (may be NULL). */
void web_form_text(struct web_ctx *c, const char *name, enum web_str k, const char *value);
/* <select> named name, labelled k, with a first option "any" (empty value). */
void web_form_select_open(struct web_ctx *c, const char *name, enum web_str k);
/* An option: value and shown text are stored text; selected when it equals current. */
void web_form_option(struct web_ctx *c, const char *value, const char *text, const char *current);
void web_form_select_close(struct web_ctx *c);
/* The select named "area" of every area in areas (by name in the page's language). */
void web_form_area_select(struct web_ctx *c, const struct web_list *areas, const char *current);
/* Where v stands among values[1] to values[count-1] (values[0] is "unspecified"); count
 * when it is none of them. */
size_t web_form_choice(const char *const *values, size_t count, const char *v);

#endif
