/*
 * web_svg.h - bar charts as inline SVG: role="img" with a <title> and a <desc> that holds
 * the figures, integer coordinates in a viewBox (so the chart reflows), colours from the
 * style sheet's classes (no style attributes: the CSP allows none), and every bar labelled
 * with its value so colour never carries meaning alone. Pages follow each chart with the
 * same figures in a table.
 */
#ifndef REGISTRYD_WEB_SVG_H
#define REGISTRYD_WEB_SVG_H

#include "web_ctx.h"

#define SVG_MAX_SERIES 6

struct web_bar {
	const char *label;            /* stored or table text; escaped here */
	double value[SVG_MAX_SERIES]; /* one per series (stacked bottom up) */
};

/*
 * Appends <figure><svg ...>...</svg><figcaption>...</figcaption></figure>. id makes the
 * title and desc ids unique on the page; series names n_series names (for the legend and
 * the description; one series draws plain bars). unit follows each value ("%" or "").
 */
void web_svg_bars(struct web_ctx *c, const char *id, const char *title, const struct web_bar *bars,
                  size_t n, const char *const *series, size_t n_series, const char *unit);

#endif
