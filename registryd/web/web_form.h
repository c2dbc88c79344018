/*
 * web_form.h - GET filter forms: a <form method="get"> of labelled fields whose values
 * come back in the query string (web_arg), so filters work without JavaScript and every
 * filtered page has its own address.
 */
#ifndef REGISTRYD_WEB_FORM_H
#define REGISTRYD_WEB_FORM_H

#include "web_ctx.h"

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

#endif
