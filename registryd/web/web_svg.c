/*
 * web_svg.c - the bar charts (web_svg.h).
 */
#include <stdio.h>
#include <string.h>

#include "web_fmt.h"
#include "web_html.h"
#include "web_svg.h"

#define BAR_W  44
#define GAP    28 /* wide enough for a date under each bar */
#define PLOT_H 140
#define TOP    24 /* room for the value over the tallest bar */
#define BOTTOM 28 /* room for the labels under the bars */
#define LEFT   8
#define LEGEND 18 /* per series line of the legend */

/* Fill classes of the series, dark enough for 3:1 against white (web_style.css). */
static const char *const fills[SVG_MAX_SERIES] = { "s0", "s1", "s2", "s3", "s4", "s5" };

static double total(const struct web_bar *b, size_t n_series)
{
	double t = 0;

	for (size_t s = 0; s < n_series; s++)
		t += b->value[s];
	return t;
}

static void number(struct wbuf *b, double v, const char *unit)
{
	if (v == (double)(long long)v)
		wbuf_printf(b, "%lld", (long long)v);
	else
		wbuf_printf(b, "%.1f", v);
	wbuf_puts(b, unit);
}

/* The description: every bar's label and values, in words. */
static void desc(struct web_ctx *c, const struct web_bar *bars, size_t n, const char *const *series,
                 size_t n_series, const char *unit)
{
	html_esc(&c->body, T(c, S_BAR_CHART));
	wbuf_puts(&c->body, ". ");
	for (size_t i = 0; i < n; i++) {
		html_esc(&c->body, bars[i].label);
		wbuf_puts(&c->body, ": ");
		for (size_t s = 0; s < n_series; s++) {
			if (n_series > 1) {
				if (s > 0)
					wbuf_puts(&c->body, ", ");
				html_esc(&c->body, series[s]);
				wbuf_puts(&c->body, " ");
			}
			number(&c->body, bars[i].value[s], unit);
		}
		wbuf_puts(&c->body, ". ");
	}
	html_esc(&c->body, T(c, S_SAME_DATA));
}

void web_svg_bars(struct web_ctx *c, const char *id, const char *title, const struct web_bar *bars,
                  size_t n, const char *const *series, size_t n_series, const char *unit)
{
	double max = 0;
	int width = LEFT * 2 + (int)n * (BAR_W + GAP);
	int legend = n_series > 1 ? (int)n_series * LEGEND + 8 : 0;
	int height = TOP + PLOT_H + BOTTOM + legend;

	if (n_series > SVG_MAX_SERIES)
		n_series = SVG_MAX_SERIES;
	if (width < 240)
		width = 240;
	for (size_t i = 0; i < n; i++)
		if (total(&bars[i], n_series) > max)
			max = total(&bars[i], n_series);
	if (strcmp(unit, "%") == 0 || max <= 0)
		max = max > 100 ? max : (strcmp(unit, "%") == 0 ? 100 : 1);
	wbuf_printf(
	        &c->body,
	        "<figure>\n<svg class=\"chart\" role=\"img\" aria-labelledby=\"%s-t %s-d\" "
	        "viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"%s-t\">",
	        id, id, width, height, id);
	html_esc(&c->body, title);
	wbuf_printf(&c->body, "</title>\n<desc id=\"%s-d\">", id);
	desc(c, bars, n, series, n_series, unit);
	wbuf_puts(&c->body, "</desc>\n");
	wbuf_printf(&c->body, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
	            LEFT, TOP + PLOT_H, width - LEFT, TOP + PLOT_H);
	for (size_t i = 0; i < n; i++) {
		int x = LEFT + GAP / 2 + (int)i * (BAR_W + GAP), y = TOP + PLOT_H;

		for (size_t s = 0; s < n_series; s++) {
			int h = (int)(bars[i].value[s] / max * PLOT_H + 0.5);

			if (h <= 0)
				continue;
			y -= h;
			wbuf_printf(&c->body,
			            "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" "
			            "height=\"%d\"/>\n",
			            fills[s], x, y, BAR_W, h);
		}
		wbuf_printf(&c->body, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
		            x + BAR_W / 2, y - 4);
		number(&c->body, total(&bars[i], n_series), unit);
		wbuf_printf(&c->body, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
		            x + BAR_W / 2, TOP + PLOT_H + 16);
		html_esc(&c->body, bars[i].label);
		wbuf_puts(&c->body, "</text>\n");
	}
	for (size_t s = 0; s < n_series && n_series > 1; s++) {
		int y = TOP + PLOT_H + BOTTOM + 4 + (int)s * LEGEND;

		wbuf_printf(&c->body,
		            "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\"/>"
		            "<text x=\"%d\" y=\"%d\">",
		            fills[s], LEFT, y, LEFT + 18, y + 11);
		html_esc(&c->body, series[s]);
		wbuf_puts(&c->body, "</text>\n");
	}
	wbuf_puts(&c->body, "</svg>\n<figcaption>");
	html_esc(&c->body, title);
	wbuf_puts(&c->body, ". ");
	html_esc(&c->body, T(c, S_SAME_DATA));
	wbuf_puts(&c->body, "</figcaption>\n</figure>\n");
}
