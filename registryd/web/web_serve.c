/*
 * web_serve.c - one web request from its path to its response: route, render (the page,
 * or the error page in the same frame), then the headers every answer carries, the ETag
 * and a 304 for a matching If-None-Match.
 *
 * The ETag (web_tag.h) is known before the page is rendered, from the store's revision
 * (an atomic read) once the method table has said that anonymous callers may read. So a
 * revalidation, or a page kept in the cache, is answered in the listener's callback with
 * no call, no render and no hand-off to a render thread.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web.h"
#include "web_html.h"
#include "web_cache.h"
#include "web_fmt.h"
#include "web_layout.h"
#include "web_pages.h"
#include "web_route.h"
#include "web_tag.h"

#include "stdreg/v1/registry.pb-c.h"

#define CSP                                                                                   \
	"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri " \
	"'none'; frame-ancestors 'none'"

/* Each page: its function, whether it reads the store, whether it depends on today. */
static const struct {
	web_page_fn fn;
	bool store;
	bool today;
} pages[] = {
	[PAGE_START] = { web_page_start, true, true },
	[PAGE_AREAS] = { web_page_areas, true, true }, /* the leads of today */
	[PAGE_AREA] = { web_page_area, true, true },
	[PAGE_AREA_FEED] = { web_page_area_feed, true, false },
	[PAGE_GAPS] = { web_page_gaps, true, true },
	[PAGE_AGENCIES] = { web_page_agencies, true, false },
	[PAGE_AGENCY] = { web_page_agency, true, true },
	[PAGE_GOALS] = { web_page_goals, true, true },
	[PAGE_GOAL] = { web_page_goal, true, true },
	[PAGE_ITEMS] = { web_page_items, true, false },
	[PAGE_ITEMS_CSV] = { web_page_items_csv, true, false },
	[PAGE_ITEM] = { web_page_item, true, false },
	[PAGE_BODIES] = { web_page_bodies, true, false },
	[PAGE_BODY] = { web_page_body, true, false },
	[PAGE_REPORT] = { web_page_report, true, true },
	[PAGE_CHANGES] = { web_page_changes, true, false },
	[PAGE_CHANGES_FEED] = { web_page_changes_feed, true, false },
	[PAGE_A11Y] = { web_page_a11y, false, false },
	[PAGE_ABOUT] = { web_page_about, false, false },
	[PAGE_CSS] = { web_page_css, false, false },
	[PAGE_NOT_FOUND] = { NULL, false, false },
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

/* MHD_KeyValueIterator: adds every query argument to the tag's hash, in the request's order. */
static enum MHD_Result hash_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
	uint64_t *h = cls;

	(void)kind;
	*h = web_tag_arg(*h, key, value);
	return MHD_YES;
}

/*
 * The page's tag, known before it is rendered so that a revalidation costs no render: the
 * store revision now (a page rendered after a later write carries the older tag, which
 * only makes the next revalidation a 200), the language, the path and every query argument,
 * and the day for pages that depend on today.
 */
static void make_etag(struct web_ctx *c, const char *url, uint64_t rev, char *etag, size_t n)
{
	uint64_t h = web_tag_path(url);

	MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, hash_arg, &h);
	web_tag_format(etag, n, rev, web_lang_code(c->lang), h, c->today ? c->day : NULL, start_id);
}

/*
 * Whether anonymous callers may read (not --private), asked of the method table until it
 * answers: dispatcher_set_private() is called before the first request and never again, so
 * one answer holds for the daemon's life. A call that fails for another reason (no slot,
 * shutting down) answers nothing, and is asked again next time.
 */
static bool anonymous_reads(struct web_ctx *c)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	struct web_ctx probe = { .w = c->w, .conn = c->conn };
	int known = atomic_load(&c->w->anonymous);
	void *m = NULL;

	if (known != WEB_ANON_UNKNOWN)
		return known == WEB_ANON_YES;
	req.page_size = 1;
	if (web_call(&probe, "ListAreas", &req.base, &stdreg__v1__list_areas_response__descriptor,
	             &m) == 0) {
		protobuf_c_message_free_unpacked(m, NULL);
		atomic_store(&c->w->anonymous, WEB_ANON_YES);
		return true;
	}
	wbuf_release(&probe.detail);
	if (probe.fail == MHD_HTTP_UNAUTHORIZED)
		atomic_store(&c->w->anonymous, WEB_ANON_NO);
	return false;
}

/*
 * The store's revision now, for a page's tag; false when the page must not be tagged (an
 * anonymous caller may not read: its page is the 401 page). The store sets the revision
 * after the commit, so a page rendered afterwards shows at least that revision.
 */
static bool revision_now(struct web_ctx *c, uint64_t *rev)
{
	if (!anonymous_reads(c))
		return false;
	*rev = store_revision(c->w->st);
	return true;
}

bool web_none_match(const char *inm, const char *etag)
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

/* The answer: doc with status, or a 304 when not_modified (etag: the page's tag). */
static struct MHD_Response *response(struct web_ctx *c, unsigned status, const char *etag,
                                     bool not_modified, const struct wbuf *doc)
{
	const char *ctype = c->raw ? c->ctype : "text/html; charset=utf-8";
	struct MHD_Response *resp;
	char disp[160];

	// A 304 has no body (RFC 9110 §15.4.5), but the same validators and caching headers.
	resp = MHD_create_response_from_buffer(not_modified ? 0 : doc->len,
	                                       not_modified || doc->p == NULL ? (void *)"" : doc->p,
	                                       MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return NULL;
	if (!not_modified)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "strict-origin-when-cross-origin");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_LANGUAGE, web_lang_code(c->lang));
	if (status == MHD_HTTP_OK || not_modified) {
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
	if (c->link.len > 0 && status == MHD_HTTP_OK && !not_modified)
		MHD_add_response_header(resp, "Link", c->link.p);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Bearer realm=\"stdreg\"");
	return resp;
}

/*
 * Queues the answer (see response()). A page (200) is also kept in the cache, with its 304,
 * when keep is set.
 */
static enum MHD_Result queue(struct web_ctx *c, unsigned status, const char *etag,
                             bool not_modified, bool keep, const struct wbuf *doc)
{
	struct MHD_Response *resp = response(c, status, etag, not_modified, doc), *resp304;
	enum MHD_Result rv;

	if (resp == NULL)
		return MHD_NO;
	rv = MHD_queue_response(c->conn, not_modified ? MHD_HTTP_NOT_MODIFIED : status, resp);
	if (keep && status == MHD_HTTP_OK && !not_modified && rv == MHD_YES) {
		resp304 = response(c, status, etag, true, doc);
		if (resp304 != NULL && web_cache_put(c->w->cache, etag, resp, resp304, doc->len))
			return rv; // the cache owns both now
		if (resp304 != NULL)
			MHD_destroy_response(resp304);
	}
	MHD_destroy_response(resp);
	return rv;
}

/* Renders the page of c->rt (or an error page); returns the HTTP status. */
static unsigned render(struct web_ctx *c, const char *verb)
{
	web_page_fn fn = pages[c->rt.page].fn;
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

/* A page to be rendered: what web_serve() found out, then what render() made of it. */
struct web_pending {
	struct web_ctx c;
	char *verb;
	char etag[160];
	bool keep;
	bool any_match; /* If-None-Match: *, which a page that is there (200) meets */
	unsigned status;
	struct wbuf doc;
};

enum MHD_Result web_serve(struct web *w, struct MHD_Connection *conn, const char *url,
                          const char *verb, struct web_pending **pending)
{
	struct web_ctx c = { .w = w, .conn = conn };
	struct wbuf doc = { 0 };
	struct web_pending *p;
	enum MHD_Result rv;
	uint64_t rev = 0;
	char etag[160] = "";
	bool reads = strcmp(verb, "GET") == 0 || strcmp(verb, "HEAD") == 0, keep = false;
	bool any_match = false;

	*pending = NULL;
	web_route_parse(url, &c.rt);
	c.lang = c.rt.lang;
	if (reads && pages[c.rt.page].fn != NULL) {
		bool not_modified;

		// A revalidation, or a page kept from before, is answered without a render.
		keep = !pages[c.rt.page].store || revision_now(&c, &rev);
		if (pages[c.rt.page].today)
			web_today(&c);
		make_etag(&c, url, rev, etag, sizeof etag);
		const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                              MHD_HTTP_HEADER_IF_NONE_MATCH);
		// "*" is met by any page that is there (RFC 9110 13.1.2), which only the render (or
		// the cache, which keeps pages that were) can tell: not by a 404 or a 400.
		any_match = web_none_match(inm, "*");
		not_modified = keep && !any_match && web_none_match(inm, etag);
		if (keep && web_cache_queue(w->cache, etag, not_modified || any_match, conn, &rv))
			return rv;
		if (not_modified)
			return queue(&c, MHD_HTTP_OK, etag, true, false, &doc);
	}
	p = calloc(1, sizeof *p);
	if (p == NULL || (p->verb = strdup(verb)) == NULL) {
		free(p);
		return MHD_NO;
	}
	p->c = c;
	p->keep = keep;
	p->any_match = any_match;
	memcpy(p->etag, etag, sizeof etag);
	*pending = p;
	return MHD_YES;
}

void web_pending_render(struct web_pending *p)
{
	p->status = render(&p->c, p->verb);
	if (!p->c.raw)
		web_layout(&p->c, &p->doc);
}

enum MHD_Result web_pending_answer(struct web_pending *p)
{
	enum MHD_Result rv;

	bool not_modified = p->any_match && p->status == MHD_HTTP_OK;

	if (p->c.raw)
		rv = queue(&p->c, p->status, p->etag, not_modified, p->keep, &p->c.body);
	else
		rv = wbuf_failed(&p->doc)
		             ? MHD_NO
		             : queue(&p->c, p->status, p->etag, not_modified, p->keep, &p->doc);
	web_pending_free(p);
	return rv;
}

void web_pending_free(struct web_pending *p)
{
	if (p == NULL)
		return;
	wbuf_release(&p->doc);
	wbuf_release(&p->c.body);
	wbuf_release(&p->c.title);
	wbuf_release(&p->c.query);
	wbuf_release(&p->c.detail);
	wbuf_release(&p->c.link);
	free(p->verb);
	free(p);
}

/* Called once from web_new(), before any page. */
void web_serve_init(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	start_id = (uint64_t)ts.tv_sec ^ ((uint64_t)ts.tv_nsec << 20);
}
