/*
 * web_form.c - the GET filter forms (web_form.h).
 */
#include <string.h>

#include "web_fmt.h"
#include "web_form.h"
#include "web_html.h"
#include "web_route.h"

void web_form_open(struct web_ctx *c)
{
	wbuf_puts(&c->body, "<form class=\"filters\" method=\"get\" action=\"");
	web_link(&c->body, c->lang, c->rt.page, c->rt.id);
	wbuf_puts(&c->body, "\">\n");
}

void web_form_close(struct web_ctx *c)
{
	wbuf_puts(&c->body, "<div><button type=\"submit\">");
	web_t(c, S_SHOW);
	wbuf_puts(&c->body, "</button></div>\n</form>\n");
}

void web_form_text(struct web_ctx *c, const char *name, enum web_str k, const char *value)
{
	wbuf_printf(&c->body, "<div><label for=\"f-%s\">", name);
	web_t(c, k);
	wbuf_printf(&c->body, "</label><input type=\"text\" id=\"f-%s\" name=\"%s\" value=\"", name,
	            name);
	html_esc(&c->body, value);
	wbuf_puts(&c->body, "\"></div>\n");
}

void web_form_select_open(struct web_ctx *c, const char *name, enum web_str k)
{
	wbuf_printf(&c->body, "<div><label for=\"f-%s\">", name);
	web_t(c, k);
	wbuf_printf(&c->body, "</label><select id=\"f-%s\" name=\"%s\">\n<option value=\"\">", name,
	            name);
	web_t(c, S_ANY);
	wbuf_puts(&c->body, "</option>\n");
}

void web_form_option(struct web_ctx *c, const char *value, const char *text, const char *current)
{
	wbuf_puts(&c->body, "<option value=\"");
	html_esc(&c->body, value);
	wbuf_puts(&c->body,
	          current != NULL && strcmp(current, value) == 0 ? "\" selected>" : "\">");
	html_esc(&c->body, text);
	wbuf_puts(&c->body, "</option>\n");
}

void web_form_select_close(struct web_ctx *c)
{
	wbuf_puts(&c->body, "</select></div>\n");
}

void web_form_area_select(struct web_ctx *c, const struct web_list *areas, const char *current)
{
	web_form_select_open(c, "area", S_AREA);
	for (size_t i = 0; i < areas->n; i++) {
		const Stdreg__V1__Area *a = areas->items[i];

		web_form_option(c, a->id, web_area_name(c, a), current);
	}
	web_form_select_close(c);
}

size_t web_form_choice(const char *const *values, size_t count, const char *v)
{
	size_t i = 1;

	while (i < count && strcmp(values[i], v) != 0)
		i++;
	return i;
}
