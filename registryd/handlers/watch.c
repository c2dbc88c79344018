/*
 * watch.c - see watch.h: the Watch handler and the hub thread of parked watches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fit.h"
#include "handlers.h"
#include "watch.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

// A reply must fit what a client receives (4 MiB by default) with room for the envelope;
// a bigger batch of changes is cut (between revisions) and the rest comes next time.
#define WATCH_REPLY_MAX (3u << 20)
// A watch with a deadline answers this long before it, so the answer arrives in time.
#define WATCH_DEADLINE_MARGIN_NS (100u * 1000000u)

struct watch {
	struct call c;         /* parked: c.reply is the holder's; c.req the WatchRequest */
	uint64_t since;        /* no wanted change up to it: where the next scan starts, */
	uint32_t since_change; /* less this many changes of the revision after it */
	uint64_t until_ns;     /* answer with no changes then (dispatch_now_ns clock) */
	struct watch *next;
};

// Closed connections noted between two rounds of the hub thread at most; a close beyond
// them is not noted, and its watches wait out their time as they would have.
#define HUB_CLOSED_MAX 1024
// The latest connection closes. A close and a park of the same connection run on
// different threads (and nng hands over a request that arrived just before its connection
// closed), so a watch may be handed over after the round that took its connection's close.
// It is looked up here. Connection ids (nng pipe ids) are not used again before 2^31 more
// connections, far more than this ring remembers.
#define HUB_RECENT_CLOSES 1024
// How often a parked watch whose face is not told of closes (HTTP) is asked whether its
// peer is still there (dispatch_peer.gone): a peer that left gives its place back within
// about this long, not at the end of its wait.
#define HUB_PROBE_NS (1000u * 1000000u)

/* What an account may have parked: watches and their decoded bytes (0 = no bound). */
struct budget {
	uint32_t parked;
	size_t bytes;
};

/* How many watches one account has parked (only accounts that have some). An account is a
 * principal, anonymous callers from one peer (anonymous, name the peer's key), or all
 * anonymous callers (anonymous, name ""). */
struct holder_count {
	bool anonymous;
	char name[PEER_KEY_MAX > AUTH_PRINCIPAL_MAX ? PEER_KEY_MAX : AUTH_PRINCIPAL_MAX];
	uint32_t parked;
	size_t bytes; /* decoded bytes of its parked watches */
	struct holder_count *next;
};

/* One account a watch is charged to: its key, its budget, and how a refusal names it. */
struct charge {
	bool anonymous;
	const char *name;
	const struct budget *b;
	char what[AUTH_PRINCIPAL_MAX + PEER_KEY_MAX + 32];
};

struct watch_hub {
	store *st;
	store_txn *t;                    /* the hub thread's */
	struct budget all;               /* every parked watch together */
	struct budget principal;         /* one principal's */
	struct budget peer;              /* anonymous callers' from one peer */
	struct budget anonymous;         /* all anonymous callers' */
	struct holder_count *by_account; /* under lock */
	size_t bytes;                    /* under lock: decoded bytes of parked watches */
	uint32_t max_wait_ms;
	uint64_t closed[HUB_CLOSED_MAX]; /* under lock: connections closed since the last round */
	size_t n_closed;                 /* under lock */
	uint64_t recent[HUB_RECENT_CLOSES]; /* under lock: a ring of closed connections */
	size_t n_recent;                    /* under lock: closes noted in all */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;    /* CLOCK_MONOTONIC */
	struct watch *incoming; /* under lock: parked, not yet taken by the thread */
	uint64_t latest;        /* under lock: newest committed revision notified */
	uint32_t parked;        /* under lock: reserved or parked */
	bool stopping;          /* under lock */
	bool joined;            /* under lock: someone has joined (or is joining) the thread */
};

/* What watch_query asks fit_page for. */
struct watch_page {
	store_txn *t;
	const Stdreg__V1__WatchRequest *r;
	uint64_t since;
	uint32_t since_change;
};

static int watch_page_query(void *arg, uint32_t max, ProtobufCMessage **out,
                            struct store_error *err)
{
	const struct watch_page *p = arg;

	return store_watch(p->t, p->since, p->since_change, (const int *)p->r->kinds, p->r->n_kinds,
	                   p->r->ids, p->r->n_ids, max, out, err);
}

/*
 * Runs store_watch for r from since, since_change in t. A response that would not fit in a
 * reply is asked again for fewer changes; nothing is lost, as the response says where to go
 * on (inside a revision if need be).
 */
static int watch_query(store_txn *t, const Stdreg__V1__WatchRequest *r, uint64_t since,
                       uint32_t since_change, Stdreg__V1__WatchResponse **out,
                       struct store_error *err)
{
	struct watch_page p = { .t = t, .r = r, .since = since, .since_change = since_change };

	return fit_page(watch_page_query, &p, r->max_events, "changes", WATCH_REPLY_MAX,
	                (ProtobufCMessage **)out, err);
}

/* An empty response that goes on from since, since_change (malloc'd as store_watch's
 * are); NULL without memory. */
static Stdreg__V1__WatchResponse *watch_nothing_yet(uint64_t since, uint32_t since_change)
{
	Stdreg__V1__WatchResponse *r = malloc(sizeof *r);

	if (r == NULL)
		return NULL;
	stdreg__v1__watch_response__init(r);
	r->next_revision = since;
	r->next_change = since_change;
	return r;
}

/* Packs resp (or an empty response that goes on from w's place) as the reply of w, or its
 * error if it has one. */
static void watch_pack(struct watch *w, const Stdreg__V1__WatchResponse *resp)
{
	Stdreg__V1__WatchResponse empty = STDREG__V1__WATCH_RESPONSE__INIT;

	if (w->c.st.code != GRPC_OK) {
		call_pack(&w->c, NULL, 0);
		return;
	}
	if (resp == NULL) {
		empty.next_revision = w->since;
		empty.next_change = w->since_change;
		resp = &empty;
	}
	call_reply_message(&w->c, &resp->base);
}

/* Answers a parked watch and frees it. resp may be NULL (no changes). */
static void watch_finish(struct watch *w, const Stdreg__V1__WatchResponse *resp)
{
	if (w->c.st.code == GRPC_OK)
		status_ok(&w->c.st);
	w->c.revision = resp != NULL ? resp->next_revision : w->since;
	watch_pack(w, resp);
	call_send(&w->c);
	free(w);
}

/* --- the hub thread ----------------------------------------------------------------- */

/*
 * The accounts a watch of call c is charged to (out: at most 2; returns how many): a
 * principal's own; for an anonymous caller, its peer's and that of all anonymous callers.
 * Anonymous callers share a name, not a budget: per peer, so that one address cannot take
 * every place anonymous callers have; all together as well, so that anonymous callers
 * from many addresses cannot take the principals' places.
 */
static size_t watch_charges(const struct watch_hub *h, const struct call *c, struct charge out[2])
{
	if (!c->who.anonymous) {
		out[0] = (struct charge){ .name = c->who.name, .b = &h->principal };
		snprintf(out[0].what, sizeof out[0].what, "'%s'", c->who.name);
		return 1;
	}
	// Never "": that names all anonymous callers' account.
	out[0] = (struct charge){ .anonymous = true,
		                  .name = c->peer_key[0] != '\0' ? c->peer_key : "-",
		                  .b = &h->peer };
	snprintf(out[0].what, sizeof out[0].what, "anonymous callers from %s", out[0].name);
	out[1] = (struct charge){ .anonymous = true, .name = "", .b = &h->anonymous };
	snprintf(out[1].what, sizeof out[1].what, "anonymous callers");
	return 2;
}

/* Under h->lock: the link that holds the count of account (anonymous, name), or the list's
 * end link (whose target is NULL) if it has no watch parked; never NULL itself. */
static struct holder_count **holder_find(struct watch_hub *h, bool anonymous, const char *name)
{
	struct holder_count **pp = &h->by_account;

	while (*pp != NULL && ((*pp)->anonymous != anonymous || strcmp((*pp)->name, name) != 0))
		pp = &(*pp)->next;
	return pp;
}

/* Under h->lock: one watch of c, of c->decoded bytes, fewer for each of its accounts. */
static void holder_release(struct watch_hub *h, const struct call *c)
{
	struct charge ch[2];
	size_t n = watch_charges(h, c, ch);

	h->parked--;
	h->bytes -= c->decoded;
	for (size_t i = 0; i < n; i++) {
		struct holder_count **pp = holder_find(h, ch[i].anonymous, ch[i].name), *hc = *pp;

		if (hc == NULL)
			continue;
		hc->bytes -= c->decoded;
		if (--hc->parked == 0) {
			*pp = hc->next;
			free(hc);
		}
	}
}

/* Gives back the place of a parked watch of c: before its reply goes out, so that the
 * caller who has it can park again at once. */
static void hub_unreserve(struct watch_hub *h, const struct call *c)
{
	pthread_mutex_lock(&h->lock);
	holder_release(h, c);
	pthread_mutex_unlock(&h->lock);
}

static int conn_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Under h->lock: moves the connections closed since the last round to out (sorted);
 * returns how many. */
static size_t hub_take_closed(struct watch_hub *h, uint64_t *out)
{
	size_t n = h->n_closed;

	memcpy(out, h->closed, n * sizeof *out);
	h->n_closed = 0;
	qsort(out, n, sizeof *out, conn_cmp);
	return n;
}

/* Whether w's connection is among the n closed ones (sorted). */
static bool watch_orphaned(const struct watch *w, const uint64_t *closed, size_t n)
{
	return w->c.conn != 0 && n > 0 &&
	       bsearch(&w->c.conn, closed, n, sizeof *closed, conn_cmp) != NULL;
}

/*
 * Looks at every parked watch in *list: those that may see changes up to latest are
 * scanned; those with changes, or whose wait passed by now, are answered and unlinked.
 * With probe, those that can be asked whether their peer is gone are asked.
 */
static void hub_scan(struct watch_hub *h, struct watch **list, uint64_t latest, uint64_t now,
                     const uint64_t *closed, size_t n_closed, bool probe)
{
	struct watch **pp = list, *w;
	struct store_error err;
	bool live = false, failed = false;

	while ((w = *pp) != NULL) {
		const Stdreg__V1__WatchRequest *r = (const Stdreg__V1__WatchRequest *)w->c.req;
		Stdreg__V1__WatchResponse *resp = NULL;
		int rc = RG_OK;

		// Its reply could reach no one: its place goes to those still waiting.
		if (watch_orphaned(w, closed, n_closed))
			status_set(&w->c.st, GRPC_CANCELLED, "the connection closed");
		else if (probe && w->c.gone != NULL && w->c.st.code == GRPC_OK &&
		         w->c.gone(w->c.gone_arg))
			status_set(&w->c.st, GRPC_CANCELLED, "the client went away");
		if (w->since < latest && !failed && w->c.st.code == GRPC_OK) {
			if (!live) {
				rc = store_read_renew(h->t);
				live = rc == RG_OK;
				failed =
				        !live; /* retried at the next wake-up; timeouts still run */
			}
			memset(&err, 0, sizeof err);
			if (live)
				rc = watch_query(h->t, r, w->since, w->since_change, &resp, &err);
			if (live && rc != RG_OK) {
				status_from_store(&w->c.st, rc, &err);
			} else if (resp != NULL && resp->n_changes == 0) {
				// Read so far without a match: go on from there (at the next
				// round while more is left, else at the next commit).
				w->since = resp->next_revision;
				w->since_change = resp->next_change;
				stdreg__v1__watch_response__free_unpacked(resp, NULL);
				resp = NULL;
			}
		}
		if (resp == NULL && w->c.st.code == GRPC_OK && w->until_ns > now) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		hub_unreserve(h, &w->c);
		watch_finish(w, resp);
		if (resp != NULL)
			stdreg__v1__watch_response__free_unpacked(resp, NULL);
	}
	if (live)
		store_read_reset(h->t);
}

static void *hub_main(void *arg)
{
	struct watch_hub *h = arg;
	struct watch *list = NULL, *w;
	uint64_t *closed = malloc(HUB_CLOSED_MAX * sizeof *closed);
	uint64_t next_probe = 0; /* 0: nothing to ask */
	size_t n_closed = 0;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		uint64_t latest = h->latest, now = dispatch_now_ns(), earliest = UINT64_MAX;
		bool due, probe = false, askable = false;

		while ((w = h->incoming) != NULL) {
			h->incoming = w->next;
			w->next = list;
			list = w;
		}
		if (h->stopping)
			break;
		n_closed = closed != NULL ? hub_take_closed(h, closed) : 0;
		due = n_closed > 0;
		for (w = list; w != NULL; w = w->next) {
			if (w->since < latest || w->until_ns <= now || w->c.st.code != GRPC_OK)
				due = true;
			if (w->until_ns < earliest)
				earliest = w->until_ns;
			askable = askable || w->c.gone != NULL;
		}
		if (!askable)
			next_probe = 0;
		else if (next_probe == 0)
			next_probe = now + HUB_PROBE_NS;
		if (next_probe != 0 && next_probe <= now)
			due = probe = true;
		else if (next_probe != 0 && next_probe < earliest)
			earliest = next_probe;
		if (!due) {
			if (earliest == UINT64_MAX) {
				pthread_cond_wait(&h->cond, &h->lock);
			} else {
				struct timespec ts = { (time_t)(earliest / 1000000000u),
					               (long)(earliest % 1000000000u) };
				pthread_cond_timedwait(&h->cond, &h->lock, &ts);
			}
			continue;
		}
		pthread_mutex_unlock(&h->lock);
		hub_scan(h, &list, latest, now, closed, n_closed, probe);
		if (probe)
			next_probe = now + HUB_PROBE_NS;
		pthread_mutex_lock(&h->lock);
	}
	pthread_mutex_unlock(&h->lock);
	free(closed);
	// Shutting down: no more can come (watch_hub_add refuses once stopping is set).
	while ((w = list) != NULL) {
		list = w->next;
		hub_unreserve(h, &w->c);
		status_set(&w->c.st, GRPC_UNAVAILABLE, "registryd is shutting down");
		watch_finish(w, NULL);
	}
	return NULL;
}

int watch_hub_new(struct watch_hub **out, store *st, const struct dispatch_limits *l)
{
	struct watch_hub *h = calloc(1, sizeof *h);
	pthread_condattr_t ca;
	int rc;

	if (h == NULL)
		return RG_ENOMEM;
	h->st = st;
	h->all = (struct budget){ l->watch_max_parked, l->watch_max_bytes };
	h->principal = (struct budget){ l->watch_max_per_principal, l->watch_max_bytes_principal };
	h->peer = (struct budget){ l->watch_max_per_peer, l->watch_max_bytes_peer };
	h->anonymous = (struct budget){ l->watch_max_anonymous, l->watch_max_bytes_anonymous };
	h->max_wait_ms = l->watch_max_wait_ms;
	h->latest = store_revision(st);
	rc = store_read_begin(st, &h->t);
	if (rc != RG_OK) {
		free(h);
		return rc;
	}
	store_read_reset(h->t);
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&h->thread, NULL, hub_main, h) != 0) {
		pthread_cond_destroy(&h->cond);
		pthread_mutex_destroy(&h->lock);
		store_read_free(h->t);
		free(h);
		return RG_EINTERNAL;
	}
	pthread_setname_np(h->thread, "stdreg:watch");
	*out = h;
	return RG_OK;
}

void watch_notify(struct watch_hub *h, uint64_t revision)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	if (revision > h->latest) {
		h->latest = revision;
		// With nothing parked the hub has nothing to do, and waking it would cost every
		// commit a thread switch (about 12 us of a single put). A watch parked later reads
		// latest under this lock.
		if (h->parked > 0)
			pthread_cond_signal(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
}

void watch_hub_shutdown(struct watch_hub *h)
{
	bool join;

	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	join = !h->joined;
	h->joined = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (join)
		pthread_join(h->thread, NULL);
}

void watch_hub_free(struct watch_hub *h)
{
	if (h == NULL)
		return;
	watch_hub_shutdown(h);
	while (h->by_account != NULL) { /* none after shutdown; defensive */
		struct holder_count *hc = h->by_account;

		h->by_account = hc->next;
		free(hc);
	}
	store_read_free(h->t);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void watch_hub_connection_closed(struct watch_hub *h, uint64_t conn)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->recent[h->n_recent++ % HUB_RECENT_CLOSES] = conn;
	// Most connections have nothing parked; noted only while something is.
	if (h->parked > 0 && !h->stopping && h->n_closed < HUB_CLOSED_MAX) {
		h->closed[h->n_closed++] = conn;
		pthread_cond_signal(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
}

uint32_t watch_hub_parked(struct watch_hub *h)
{
	uint32_t n;

	pthread_mutex_lock(&h->lock);
	n = h->parked;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* Whether adding bytes to used goes past max (0 = no bound). */
static bool past(size_t used, size_t bytes, size_t max)
{
	return max != 0 && (bytes > max || used > max - bytes);
}

/* Whether one more watch of bytes decoded fits b, beside parked watches of used bytes. */
static bool fits(const struct budget *b, uint32_t parked, size_t used, size_t bytes)
{
	return (b->parked == 0 || parked < b->parked) && !past(used, bytes, b->bytes);
}

/* Under h->lock: the count of account ch, made (with nothing parked) if it has none yet;
 * NULL without memory. */
static struct holder_count *holder_get(struct watch_hub *h, const struct charge *ch)
{
	struct holder_count *hc = *holder_find(h, ch->anonymous, ch->name);

	if (hc != NULL || (hc = calloc(1, sizeof *hc)) == NULL)
		return hc;
	hc->anonymous = ch->anonymous;
	snprintf(hc->name, sizeof hc->name, "%s", ch->name);
	hc->next = h->by_account;
	h->by_account = hc;
	return hc;
}

/* Under h->lock: drops the count of an account that holds nothing (made by holder_get for
 * a watch that did not fit). */
static void holder_forget_empty(struct watch_hub *h, struct holder_count *hc)
{
	struct holder_count **pp = holder_find(h, hc->anonymous, hc->name);

	if (hc->parked == 0) {
		*pp = hc->next;
		free(hc);
	}
}

/* A place for one more parked watch of call c, holding c->decoded bytes, in every budget
 * it is charged to: RG_OK; RG_ENOSPC (full: why names whose budget, as "too many watches
 * of WHY are waiting"); RG_ENOMEM or RG_ESHUTDOWN. */
static int hub_reserve(struct watch_hub *h, const struct call *c, char *why, size_t why_len)
{
	struct charge ch[2];
	struct holder_count *hc[2] = { NULL, NULL };
	size_t n = watch_charges(h, c, ch), i;
	int rc = RG_OK;

	pthread_mutex_lock(&h->lock);
	if (h->stopping) {
		rc = RG_ESHUTDOWN;
	} else if (!fits(&h->all, h->parked, h->bytes, c->decoded)) {
		rc = RG_ENOSPC;
		snprintf(why, why_len, "all callers (at most %u, or %zu KiB)", h->all.parked,
		         h->all.bytes >> 10);
	}
	for (i = 0; i < n && rc == RG_OK; i++) {
		if ((hc[i] = holder_get(h, &ch[i])) == NULL) {
			rc = RG_ENOMEM;
		} else if (!fits(ch[i].b, hc[i]->parked, hc[i]->bytes, c->decoded)) {
			rc = RG_ENOSPC;
			snprintf(why, why_len, "%s (at most %u, or %zu KiB)", ch[i].what,
			         ch[i].b->parked, ch[i].b->bytes >> 10);
		}
	}
	for (i = 0; i < n && hc[i] != NULL; i++) {
		if (rc == RG_OK) {
			hc[i]->parked++;
			hc[i]->bytes += c->decoded;
		} else {
			holder_forget_empty(h, hc[i]);
		}
	}
	if (rc == RG_OK) {
		h->parked++;
		h->bytes += c->decoded;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* Under h->lock: whether connection conn is among the latest closes. */
static bool hub_closed_lately(const struct watch_hub *h, uint64_t conn)
{
	size_t kept = h->n_recent < HUB_RECENT_CLOSES ? h->n_recent : HUB_RECENT_CLOSES;

	for (size_t i = 0; i < kept; i++)
		if (h->recent[i] == conn)
			return true;
	return false;
}

/* Hands w to the thread (using a reservation); false if shutting down (reservation
 * released, w still the caller's). A watch whose connection has closed goes too, answered
 * CANCELLED at the thread's next round. */
static bool hub_add(struct watch_hub *h, struct watch *w)
{
	bool ok;

	pthread_mutex_lock(&h->lock);
	ok = !h->stopping;
	if (ok) {
		if (w->c.conn != 0 && hub_closed_lately(h, w->c.conn))
			status_set(&w->c.st, GRPC_CANCELLED, "the connection closed");
		w->next = h->incoming;
		h->incoming = w;
		pthread_cond_signal(&h->cond);
	} else {
		holder_release(h, &w->c);
	}
	pthread_mutex_unlock(&h->lock);
	return ok;
}

/* --- the handler -------------------------------------------------------------------- */

/* When a watch received at c->received_ns stops waiting: wait_ms (capped) later, and
 * before the caller's own deadline. */
static uint64_t watch_until(const struct call *c, uint32_t wait_ms, uint32_t max_wait_ms)
{
	uint64_t until, now = dispatch_now_ns();

	if (wait_ms > max_wait_ms)
		wait_ms = max_wait_ms;
	until = c->received_ns + (uint64_t)wait_ms * 1000000u;
	if (c->deadline_ns != 0 && c->deadline_ns - WATCH_DEADLINE_MARGIN_NS < until)
		until = c->deadline_ns > WATCH_DEADLINE_MARGIN_NS
		                ? c->deadline_ns - WATCH_DEADLINE_MARGIN_NS
		                : 0;
	return until > now ? until : now;
}

/* Parks c with the hub: CALL_PENDING, or an error reply (through the parked reply target
 * when the park itself succeeded). */
static enum call_result watch_park(struct call *c, uint64_t since, uint32_t since_change)
{
	struct watch_hub *h = call_watch(c);
	struct watch *w;
	char why[256] = "";
	int rc = hub_reserve(h, c, why, sizeof why);

	if (rc == RG_ESHUTDOWN)
		return call_fail(c, GRPC_UNAVAILABLE, NULL, "registryd is shutting down");
	if (rc == RG_ENOSPC)
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL,
		                 "too many watches of %s are waiting; try again later", why);
	if (rc != RG_OK)
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
	w = calloc(1, sizeof *w);
	if (w == NULL) {
		hub_unreserve(h, c);
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
	}
	w->since = since;
	w->since_change = since_change;
	w->until_ns =
	        watch_until(c, ((const Stdreg__V1__WatchRequest *)c->req)->wait_ms, h->max_wait_ms);
	if (!call_park(c)) {
		hub_unreserve(h, c);
		free(w);
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "cannot park the watch");
	}
	// From here the slot may be serving another request: only c and w are ours.
	w->c = *c;
	c->req = NULL;
	if (hub_add(h, w))
		return CALL_PENDING;
	c->req = w->c.req;
	free(w);
	return call_fail(c, GRPC_UNAVAILABLE, NULL, "registryd is shutting down");
}

bool watch_filter_ok(struct call *c, const int *kinds, size_t n_kinds, char *const *ids,
                     size_t n_ids)
{
	// Bounds first: every change a scan reads is compared with each id and kind.
	if (n_ids > WATCH_MAX_IDS) {
		call_fail(c, GRPC_INVALID_ARGUMENT, "ids", "too many ids (%zu; at most %d)", n_ids,
		          WATCH_MAX_IDS);
		return false;
	}
	if (n_kinds > WATCH_MAX_KINDS) {
		call_fail(c, GRPC_INVALID_ARGUMENT, "kinds", "too many kinds (%zu; at most %d)",
		          n_kinds, WATCH_MAX_KINDS);
		return false;
	}
	for (size_t i = 0; i < n_kinds; i++)
		if (store_kind_name((enum store_kind)kinds[i]) == NULL) {
			call_fail(c, GRPC_INVALID_ARGUMENT, "kinds", "unknown kind %d", kinds[i]);
			return false;
		}
	// No record has a longer id, so a longer one can match nothing; while parked it would
	// only hold memory (255 ids of 16 000 bytes were 4 MB a watch).
	for (size_t i = 0; i < n_ids; i++)
		if (strlen(ids[i]) > STORE_ID_MAX) {
			call_fail(c, GRPC_INVALID_ARGUMENT, "ids",
			          "id %zu is %zu bytes long (ids are at most %d)", i,
			          strlen(ids[i]), STORE_ID_MAX);
			return false;
		}
	return true;
}

enum call_result handle_watch(struct call *c)
{
	const Stdreg__V1__WatchRequest *r = (const Stdreg__V1__WatchRequest *)c->req;
	Stdreg__V1__WatchResponse *resp = NULL;
	struct store_error err = { 0 };
	store_txn *t;
	uint64_t since;
	uint32_t since_change;
	int rc;

	if (!watch_filter_ok(c, (const int *)r->kinds, r->n_kinds, r->ids, r->n_ids))
		return CALL_DONE;
	if ((t = call_read_begin(c)) == NULL)
		return CALL_DONE;
	// Nothing after the newest revision yet; and since + 1 must not wrap to 0
	// (since_revision 2^64-1 would scan the whole changelog).
	rc = RG_OK;
	if (r->since_revision >= c->revision)
		resp = watch_nothing_yet(r->since_revision, r->since_change);
	else
		rc = watch_query(t, r, r->since_revision, r->since_change, &resp, &err);
	if (rc == RG_OK && resp == NULL)
		rc = RG_ENOMEM;
	store_read_reset(t);
	if (rc != RG_OK)
		return call_fail_store(c, rc, &err, NULL);
	if (resp->n_changes > 0 || r->wait_ms == 0) {
		status_ok(&c->st);
		call_reply_message(c, &resp->base);
		stdreg__v1__watch_response__free_unpacked(resp, NULL);
		return CALL_DONE;
	}
	since = resp->next_revision;
	since_change = resp->next_change;
	stdreg__v1__watch_response__free_unpacked(resp, NULL);
	return watch_park(c, since, since_change);
}
