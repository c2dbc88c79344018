/*
 * web_serve.c - one web request from its path to its response: route, render (the page,
 * or the error page in the same frame), then the headers every answer carries, the ETag
 * and a 304 for a matching If-None-Match.
 *
 * The ETag is built from what the page's bytes depend on: the highest store revision its
 * calls read, its language, its path and query, the day for pages that depend on today,
 * and the daemon's start (so a new binary with other templates never matches an old tag).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web.h"
#include "web_html.h"
#include "web_layout.h"
#include "web_pages.h"
#include "web_route.h"

#define CSP                                                                                   \
	"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri " \
	"'none'; frame-ancestors 'none'"

static const web_page_fn pages[] = {
	[PAGE_START] = web_page_start,
	[PAGE_AREAS] = web_page_areas,
	[PAGE_AREA] = web_page_area,
	[PAGE_AREA_FEED] = web_page_area_feed,
	[PAGE_GAPS] = web_page_gaps,
	[PAGE_AGENCIES] = web_page_agencies,
	[PAGE_AGENCY] = web_page_agency,
	[PAGE_GOALS] = web_page_goals,
	[PAGE_GOAL] = web_page_goal,
	[PAGE_ITEMS] = web_page_items,
	[PAGE_ITEMS_CSV] = web_page_items_csv,
	[PAGE_ITEM] = web_page_item,
	[PAGE_BODIES] = web_page_bodies,
	[PAGE_BODY] = web_page_body,
	[PAGE_REPORT] = web_page_report,
	[PAGE_CHANGES] = web_page_changes,
	[PAGE_CHANGES_FEED] = web_page_changes_feed,
	[PAGE_A11Y] = web_page_a11y,
	[PAGE_ABOUT] = web_page_about,
	[PAGE_CSS] = web_page_css,
	[PAGE_NOT_FOUND] = NULL,
};

// Distinguishes this run's tags from those of an earlier binary (see the top).
static uint64_t start_id;

bool web_wants(struct MHD_Connection *conn, const char *url)
{
	const char *accept =
	        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	return web_route_known(url) || (accept != NULL && strstr(accept, "text/html") != NULL);
}

const char *web_arg(struct web_ctx *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);

	if (v == NULL || v[0] == '\0')
		return NULL;
	if (c->query.len > 0)
		wbuf_puts(&c->query, "&");
	wbuf_puts(&c->query, name);
	wbuf_puts(&c->query, "=");
	html_url_arg(&c->query, v);
	return v;
}

unsigned web_bad_arg(struct web_ctx *c, const char *name, const char *value)
{
	if (c->detail.len == 0) {
		html_esc(&c->detail, name);
		wbuf_puts(&c->detail, " = '");
		html_esc(&c->detail, value);
		wbuf_puts(&c->detail, "'");
	}
	return MHD_HTTP_BAD_REQUEST;
}

/* FNV-1a, to keep a long query out of the tag. */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void make_etag(struct web_ctx *c, const char *url, char *etag, size_t n)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, url, strlen(url));

	h = fnv(h, "?", 1);
	if (c->query.len > 0)
		h = fnv(h, c->query.p, c->query.len);
	snprintf(etag, n, "\"r%" PRIu64 "-%s-%016" PRIx64 "%s%s-%" PRIx64 "\"", c->revision,
	         web_lang_code(c->lang), h, c->today ? "-d" : "", c->today ? c->day : "", start_id);
}

/* Whether If-None-Match lists etag or is "*" (weak comparison, RFC 9110 §13.1.2). */
static bool none_match(const char *inm, const char *etag)
{
	size_t n = strlen(etag);

	while (inm != NULL && *inm != '\0') {
		while (*inm == ' ' || *inm == ',')
			inm++;
		if (strncmp(inm, "W/", 2) == 0)
			inm += 2;
		if (*inm == '*' || (strncmp(inm, etag, n) == 0 &&
		                    (inm[n] == '\0' || inm[n] == ',' || inm[n] == ' ')))
			return true;
		inm = strchr(inm, ',');
	}
	return false;
}

static enum MHD_Result queue(struct web_ctx *c, unsigned status, const char *url,
                             const struct wbuf *doc)
{
	const char *ctype = c->raw ? c->ctype : "text/html; charset=utf-8";
	struct MHD_Response *resp;
	enum MHD_Result rv;
	char etag[160], disp[160];
	bool not_modified = false;

	if (status == MHD_HTTP_OK) {
		make_etag(c, url, etag, sizeof etag);
		not_modified =
		        none_match(MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND,
		                                               MHD_HTTP_HEADER_IF_NONE_MATCH),
		                   etag);
	}
	// A 304 has no body (RFC 9110 §15.4.5), but the same validators and caching headers.
	resp = MHD_create_response_from_buffer(not_modified ? 0 : doc->len,
	                                       not_modified ? (void *)"" : doc->p,
	                                       MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (!not_modified)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "strict-origin-when-cross-origin");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_LANGUAGE, web_lang_code(c->lang));
	if (status == MHD_HTTP_OK) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
		// Browsers may keep a page, but must ask again before they show it.
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	} else {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	}
	if (c->filename != NULL && !not_modified) {
		snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", c->filename);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	}
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Bearer realm=\"stdreg\"");
	rv = MHD_queue_response(c->conn, not_modified ? MHD_HTTP_NOT_MODIFIED : status, resp);
	MHD_destroy_response(resp);
	return rv;
}

/* Renders the page of c->rt (or an error page); returns the HTTP status. */
static unsigned render(struct web_ctx *c, const char *verb)
{
	web_page_fn fn = pages[c->rt.page];
	unsigned status;

	if (strcmp(verb, "GET") != 0 && strcmp(verb, "HEAD") != 0)
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	else if (fn == NULL)
		status = MHD_HTTP_NOT_FOUND;
	else if ((status = fn(c)) == 0 && c->fail != 0)
		status = c->fail; // a call that failed (say, 401 when --private) wins
	if (status == 0 && (wbuf_failed(&c->body) || wbuf_failed(&c->title)))
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	if (status != 0)
		web_error_page(c, status);
	return status == 0 ? MHD_HTTP_OK : status;
}

enum MHD_Result web_serve(struct web *w, struct MHD_Connection *conn, const char *url,
                          const char *verb)
{
	struct web_ctx c = { .w = w, .conn = conn };
	struct wbuf doc = { 0 };
	enum MHD_Result rv;
	unsigned status;

	web_route_parse(url, &c.rt);
	c.lang = c.rt.lang;
	status = render(&c, verb);
	if (c.raw) {
		rv = queue(&c, status, url, &c.body);
	} else {
		web_layout(&c, &doc);
		rv = wbuf_failed(&doc) ? MHD_NO : queue(&c, status, url, &doc);
	}
	wbuf_release(&doc);
	wbuf_release(&c.body);
	wbuf_release(&c.title);
	wbuf_release(&c.query);
	wbuf_release(&c.detail);
	return rv;
}

/* Called once from web_new(), before any page. */
void web_serve_init(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	start_id = (uint64_t)ts.tv_sec ^ ((uint64_t)ts.tv_nsec << 20);
}
