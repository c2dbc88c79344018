/*
 * web_ctx.h - what the files of the web view share: one page request being rendered, the
 * route it came in by, and the calls it makes.
 *
 * A page function writes the inside of <main> into c->body and sets c->title; the layout
 * (web_layout.c) wraps it afterwards, so the header's language link can carry the query
 * the page read (c->query). Feeds and CSV set c->raw and write the whole document.
 */
#ifndef REGISTRYD_WEB_CTX_H
#define REGISTRYD_WEB_CTX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>
#include <protobuf-c/protobuf-c.h>

#include "store.h"
#include "web_buf.h"
#include "web_i18n.h"

struct dispatcher;
struct web_slot;
struct web_cache;

/* The web view (web.h): its dispatcher and its pool of dispatch slots. */
#define WEB_RENDER_THREADS 4
/* Threads one peer renders on at once: the others always have one (web_render.c). */
#define WEB_RENDER_PER_PEER (WEB_RENDER_THREADS - 1)

struct render_peer;
struct web_pending;

struct web {
	struct dispatcher *d;
	/* The render threads and their queue (web_render.c). */
	pthread_t render[WEB_RENDER_THREADS];
	unsigned n_render;
	pthread_mutex_t render_lock;
	pthread_cond_t render_cv;
	struct render_peer *render_peers, *render_peers_tail; /* in turn; under render_lock */
	bool render_stop;                                     /* under render_lock */
	unsigned render_share; /* threads one peer may render on; under render_lock */
	pthread_mutex_t lock;
	struct web_slot *free_slots; /* under lock */
	struct web_slot *all_slots;  /* under lock */
	unsigned n_slots;            /* under lock */
	unsigned max_slots;
	struct web_cache *cache; /* rendered pages by ETag (web_cache.h) */
	store *st;               /* the dispatcher's, for its revision only (pages' tags) */
	atomic_int anonymous;    /* enum web_anon: whether anonymous callers may read */
};

/* What the method table said of anonymous reads (web_serve.c). */
enum web_anon {
	WEB_ANON_UNKNOWN, /* not asked yet, or no answer */
	WEB_ANON_YES,
	WEB_ANON_NO, /* --private: every page is the 401 page */
};

/* Every page (and the non-page answers) of the view; web_route.c maps paths to these. */
enum web_page {
	PAGE_START,
	PAGE_AREAS,
	PAGE_AREA,
	PAGE_AREA_FEED,
	PAGE_GAPS,
	PAGE_AGENCIES,
	PAGE_AGENCY,
	PAGE_GOALS,
	PAGE_GOAL,
	PAGE_ITEMS,
	PAGE_ITEMS_CSV,
	PAGE_ITEM,
	PAGE_BODIES,
	PAGE_BODY,
	PAGE_REPORT,
	PAGE_CHANGES,
	PAGE_CHANGES_FEED,
	PAGE_A11Y,
	PAGE_ABOUT,
	PAGE_CSS,
	PAGE_NOT_FOUND,
};

/* A path, parsed. */
struct web_route {
	enum web_page page;
	enum web_lang lang;
	char id[128]; /* the record id of a one-record page ("" otherwise) */
};

struct web_ctx {
	struct web *w;
	struct MHD_Connection *conn;
	struct web_route rt;
	enum web_lang lang;
	struct wbuf body;     /* inside <main>, or the whole document when raw */
	struct wbuf title;    /* escaped text of <title> and <h1> */
	struct wbuf query;    /* "a=1&b=2": the query arguments the page read, encoded */
	uint64_t revision;    /* the highest store revision of the page's calls */
	bool today;           /* the page depends on today's date (ETag carries the day) */
	bool raw;             /* body is the whole response (feed, CSV, style sheet) */
	const char *ctype;    /* content type when raw */
	const char *filename; /* Content-Disposition attachment name, or NULL */
	struct wbuf link;     /* a Link header's value (RFC 8288), or empty */
	unsigned fail;        /* HTTP status of a failed call (0 while all went well) */
	struct wbuf detail;   /* escaped text: what was wrong with the request (a 400 page) */
	bool detail_en;       /* detail is the daemon's message, which is in English */
	unsigned h2s;         /* headings so far; the last one's id is "s<h2s>" */
	int h2_key;           /* the string of the last heading */
	size_t h2_end;        /* where body ended after it: a table there is its section's */
	char day[11];         /* today, YYYY-MM-DD (UTC) */
};

/* A page: renders into c; returns 0, or an HTTP status for the error page to show. */
typedef unsigned (*web_page_fn)(struct web_ctx *c);

/* The string of key k in the page's language. */
#define T(c, k) web_str((c)->lang, (k))

/*
 * A query argument of the request, recorded in c->query (so it is part of the ETag and of
 * the other-language link); NULL when absent or empty.
 */
const char *web_arg(struct web_ctx *c, const char *name);

/*
 * Calls method (the short name, "GetArea") with req through the dispatcher as the
 * anonymous principal and unpacks the reply into *out (a message of type out; free with
 * protobuf_c_message_free_unpacked). Returns 0, or the HTTP status of a failure (404 for
 * NOT_FOUND, 401 for UNAUTHENTICATED, 400 for INVALID_ARGUMENT, else 503), also kept in
 * c->fail when it is not a 404.
 */
unsigned web_call(struct web_ctx *c, const char *method, const ProtobufCMessage *req,
                  const ProtobufCMessageDescriptor *out, void **reply);

/* Notes that query argument name has a value the page cannot use; returns 400. */
unsigned web_bad_arg(struct web_ctx *c, const char *name, const char *value);

/* Sets up what every page shares (the ETag's run id); web_new() calls it. */
void web_serve_init(void);
/* Renders p: its page (or error page) and, unless raw, the page frame around it. */
void web_pending_render(struct web_pending *p);
/* Starts the render threads (web_new). Errors: RG_EINTERNAL (none could start). */
int web_render_start(struct web *w);

#endif
