/*
 * web_route.c - the URL table. Each section has a Swedish and an English slug; a section
 * path lists, a path with one more segment shows one record (goal ids hold a '/', so for
 * goals the rest of the path is the id). Feeds and the CSV download have fixed suffixes.
 */
#include <stdio.h>
#include <string.h>

#include "web_html.h"
#include "web_route.h"

struct section {
	enum web_page list;  /* the section's own page */
	enum web_page one;   /* a record of it, or the list page when it has none */
	const char *slug[2]; /* [LANG_SV], [LANG_EN] */
};

static const struct section sections[] = {
	{ PAGE_AREAS, PAGE_AREA, { "omraden", "areas" } },
	{ PAGE_GAPS, PAGE_GAPS, { "luckor", "gaps" } },
	{ PAGE_AGENCIES, PAGE_AGENCY, { "myndigheter", "agencies" } },
	{ PAGE_GOALS, PAGE_GOAL, { "mal", "goals" } },
	{ PAGE_ITEMS, PAGE_ITEM, { "arbetsposter", "work-items" } },
	{ PAGE_BODIES, PAGE_BODY, { "organ", "bodies" } },
	{ PAGE_REPORT, PAGE_REPORT, { "rapport", "report" } },
	{ PAGE_CHANGES, PAGE_CHANGES, { "andringar", "changes" } },
	{ PAGE_A11Y, PAGE_A11Y, { "tillganglighet", "accessibility" } },
	{ PAGE_ABOUT, PAGE_ABOUT, { "om", "about" } },
};
#define N_SECTIONS (sizeof sections / sizeof sections[0])

#define FEED_SUFFIX ".atom" /* /andringar.atom */
#define CSV_SUFFIX  ".csv"  /* /arbetsposter.csv */
#define AREA_FEED   "/atom" /* /omraden/ID/atom */

static const struct section *section_of(enum web_page p)
{
	for (size_t i = 0; i < N_SECTIONS; i++)
		if (sections[i].list == p || sections[i].one == p)
			return &sections[i];
	if (p == PAGE_AREA_FEED)
		return &sections[0];
	if (p == PAGE_ITEMS_CSV)
		return &sections[4];
	if (p == PAGE_CHANGES_FEED)
		return &sections[7];
	return NULL;
}

/* The section whose slug starts rest and ends at *end; NULL if none. */
static const struct section *match(const char *rest, enum web_lang lang, const char **end)
{
	for (size_t i = 0; i < N_SECTIONS; i++) {
		size_t n = strlen(sections[i].slug[lang]);

		if (strncmp(rest, sections[i].slug[lang], n) == 0 &&
		    (rest[n] == '\0' || rest[n] == '/' || rest[n] == '.')) {
			*end = rest + n;
			return &sections[i];
		}
	}
	return NULL;
}

static bool copy_id(struct web_route *out, const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= sizeof out->id)
		return false;
	memcpy(out->id, id, n + 1);
	return true;
}

void web_route_parse(const char *path, struct web_route *out)
{
	const struct section *s;
	const char *rest = path, *end;

	memset(out, 0, sizeof *out);
	out->page = PAGE_NOT_FOUND;
	out->lang = LANG_SV;
	if (strcmp(path, WEB_CSS_PATH) == 0) {
		out->page = PAGE_CSS;
		return;
	}
	if (strcmp(path, "/en") == 0 || strncmp(path, "/en/", 4) == 0) {
		out->lang = LANG_EN;
		rest = path + 3;
	}
	if (strcmp(path, "/en") == 0) {
		out->page = PAGE_START;
		return;
	}
	if (*rest != '/')
		return;
	rest++;
	if (*rest == '\0') {
		out->page = PAGE_START;
		return;
	}
	if ((s = match(rest, out->lang, &end)) == NULL)
		return;
	if (*end == '\0' || strcmp(end, "/") == 0) {
		out->page = s->list;
		return;
	}
	if (strcmp(end, FEED_SUFFIX) == 0 && s->list == PAGE_CHANGES) {
		out->page = PAGE_CHANGES_FEED;
		return;
	}
	if (strcmp(end, CSV_SUFFIX) == 0 && s->list == PAGE_ITEMS) {
		out->page = PAGE_ITEMS_CSV;
		return;
	}
	if (*end != '/' || s->one == s->list || !copy_id(out, end + 1))
		return;
	out->page = s->one;
	if (s->list == PAGE_AREAS) {
		size_t n = strlen(out->id), k = strlen(AREA_FEED);

		if (n > k && strcmp(out->id + n - k, AREA_FEED) == 0) {
			out->id[n - k] = '\0';
			out->page = PAGE_AREA_FEED;
		}
		if (strchr(out->id, '/') != NULL)
			out->page = PAGE_NOT_FOUND;
	}
}

bool web_route_known(const char *path)
{
	struct web_route rt;
	const char *rest = path;
	const char *end;

	web_route_parse(path, &rt);
	if (rt.page != PAGE_NOT_FOUND)
		return true;
	// An unknown id under a known section is still the view's own 404.
	if (strncmp(path, "/en/", 4) == 0)
		rest = path + 3;
	return *rest == '/' && match(rest + 1, rt.lang, &end) != NULL;
}

void web_link(struct wbuf *b, enum web_lang lang, enum web_page page, const char *id)
{
	const struct section *s = section_of(page);

	if (page == PAGE_CSS) {
		wbuf_puts(b, WEB_CSS_PATH);
		return;
	}
	wbuf_puts(b, lang == LANG_EN ? "/en/" : "/");
	if (s == NULL)
		return; // the start page
	wbuf_puts(b, s->slug[lang]);
	if (page == PAGE_CHANGES_FEED) {
		wbuf_puts(b, FEED_SUFFIX);
		return;
	}
	if (page == PAGE_ITEMS_CSV) {
		wbuf_puts(b, CSV_SUFFIX);
		return;
	}
	if (id != NULL && id[0] != '\0' && page == s->one && s->one != s->list) {
		wbuf_puts(b, "/");
		html_url_arg(b, id);
	} else if (page == PAGE_AREA_FEED) {
		wbuf_puts(b, "/");
		html_url_arg(b, id);
		wbuf_puts(b, AREA_FEED);
	}
}
