/*
 * dedupe.c - see dedupe.h. A chained hash table of entries, also linked in the order they
 * began (oldest first), which is the order they expire in, and per principal in the same
 * order: over a bound, the principal holding the most loses its oldest.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "status.h"
#include "store.h"
#include "locked.h"

struct holder;

struct entry {
	const char *principal; /* its holder's name */
	struct holder *holder;
	uint64_t request_id;
	uint64_t fingerprint;
	bool done; /* completed: reply and code are set */
	int code;
	uint64_t done_ns; /* when it completed */
	uint8_t *reply;   /* the packed Response (done) */
	size_t len;
	struct dedupe_waiter *waiters; /* in flight: resends waiting for the reply */
	struct entry *hnext;           /* hash chain */
	struct entry *prev, *next;     /* age list */
	struct entry *aprev, *anext;   /* its holder's age list */
};

/* A principal with entries: what it holds, so that eviction takes from the biggest. */
struct holder {
	char *name;
	size_t count, bytes;
	struct entry *oldest, *newest;
	struct holder *next;
};

struct dedupe {
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t n_buckets; /* a power of two */
	struct entry *oldest, *newest;
	struct holder *holders; /* with at least one entry */
	size_t count;
	size_t bytes; /* of the stored replies */
	size_t max_entries;
	size_t max_bytes;
	uint64_t ttl_ns;
};

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_SEED 0xcbf29ce484222325ull

uint64_t dedupe_fingerprint(const char *method, const uint8_t *payload, size_t len)
{
	uint64_t h = fnv1a(FNV_SEED, method, strlen(method) + 1);

	return fnv1a(h, payload, len);
}

static size_t bucket_of(const struct dedupe *dd, const char *principal, uint64_t id)
{
	uint64_t h = fnv1a(FNV_SEED, principal, strlen(principal));

	return (size_t)(fnv1a(h, &id, sizeof id) & (dd->n_buckets - 1));
}

int dedupe_new(struct dedupe **out, size_t max_entries, size_t max_bytes, uint32_t ttl_ms)
{
	struct dedupe *dd = calloc(1, sizeof *dd);
	size_t n = 16;

	if (dd == NULL)
		return RG_ENOMEM;
	while (n < max_entries && n < ((size_t)1 << 24))
		n <<= 1;
	dd->buckets = calloc(n, sizeof *dd->buckets);
	if (dd->buckets == NULL || pthread_mutex_init(&dd->lock, NULL) != 0) {
		free(dd->buckets);
		free(dd);
		return RG_ENOMEM;
	}
	dd->n_buckets = n;
	dd->max_entries = max_entries > 0 ? max_entries : 1;
	dd->max_bytes = max_bytes;
	dd->ttl_ns = (uint64_t)ttl_ms * 1000000u;
	*out = dd;
	return RG_OK;
}

static struct entry *find(struct dedupe *dd, const char *principal, uint64_t id)
{
	struct entry *e = dd->buckets[bucket_of(dd, principal, id)];

	while (e != NULL && (e->request_id != id || strcmp(e->principal, principal) != 0))
		e = e->hnext;
	return e;
}

static struct holder *holder_get(struct dedupe *dd, const char *name)
{
	struct holder *h;

	for (h = dd->holders; h != NULL; h = h->next)
		if (strcmp(h->name, name) == 0)
			return h;
	h = calloc(1, sizeof *h);
	if (h == NULL || (h->name = strdup(name)) == NULL) {
		free(h);
		return NULL;
	}
	h->next = dd->holders;
	dd->holders = h;
	return h;
}

static void holder_put(struct dedupe *dd, struct holder *h)
{
	struct holder **pp = &dd->holders;

	if (h->count > 0)
		return;
	while (*pp != h)
		pp = &(*pp)->next;
	*pp = h->next;
	free(h->name);
	free(h);
}

/* Unlinks e and frees it; its waiters must have been taken. */
static void drop(struct dedupe *dd, struct entry *e)
{
	struct holder *h = e->holder;

	struct entry **pp = &dd->buckets[bucket_of(dd, e->principal, e->request_id)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		dd->oldest = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		dd->newest = e->prev;
	if (e->aprev != NULL)
		e->aprev->anext = e->anext;
	else
		h->oldest = e->anext;
	if (e->anext != NULL)
		e->anext->aprev = e->aprev;
	else
		h->newest = e->aprev;
	dd->count--;
	dd->bytes -= e->len;
	h->count--;
	h->bytes -= e->len;
	free(e->reply);
	free(e);
	holder_put(dd, h);
}

/* The oldest completed entry of the principal holding the most entries (by_bytes: the most
 * reply bytes) that has one; NULL if none. */
static struct entry *victim(struct dedupe *dd, bool by_bytes)
{
	struct entry *best = NULL;
	size_t most = 0;

	for (struct holder *h = dd->holders; h != NULL; h = h->next) {
		size_t n = by_bytes ? h->bytes : h->count;
		struct entry *e = h->oldest;

		while (e != NULL && !e->done)
			e = e->anext;
		if (e != NULL && (best == NULL || n > most)) {
			best = e;
			most = n;
		}
	}
	return best;
}

void dedupe_free(struct dedupe *dd)
{
	if (dd == NULL)
		return;
	while (dd->oldest != NULL)
		drop(dd, dd->oldest);
	free(dd->buckets);
	pthread_mutex_destroy(&dd->lock);
	free(dd);
}

/*
 * Drops completed entries that expired, and then the oldest completed ones until there is
 * room for need_entries more entries and need_bytes more bytes. Entries in flight stay
 * (there are at most as many as requests handled at once). Returns whether there is room.
 */
static bool make_room(struct dedupe *dd, uint64_t now_ns, size_t need_entries, size_t need_bytes)
{
	struct entry *e = dd->oldest, *next;

	for (; e != NULL; e = next) {
		next = e->next;
		if (!e->done)
			continue;
		if (now_ns - e->done_ns < dd->ttl_ns)
			break; /* the rest began later: they expire later (near enough) */
		drop(dd, e);
	}
	// Over a bound, the principal holding the most gives up its oldest: one principal's
	// writes cannot evict another's remembered replies while it holds more.
	for (;;) {
		bool entries = dd->count + need_entries > dd->max_entries;

		if (!entries && dd->bytes + need_bytes <= dd->max_bytes)
			break;
		e = victim(dd, !entries);
		if (e == NULL)
			break;
		drop(dd, e);
	}
	return dd->count + need_entries <= dd->max_entries &&
	       dd->bytes + need_bytes <= dd->max_bytes;
}

enum dedupe_result dedupe_begin(struct dedupe *dd, const char *principal, uint64_t request_id,
                                uint64_t fingerprint, uint64_t now_ns, struct dedupe_waiter *w,
                                int *code, uint8_t **reply, size_t *len)
{
	enum dedupe_result res;
	struct entry *e;
	size_t b;

	pthread_mutex_lock(&dd->lock);
	e = find(dd, principal, request_id);
	if (e != NULL && e->done && now_ns - e->done_ns >= dd->ttl_ns) {
		drop(dd, e);
		e = NULL;
	}
	if (e != NULL) {
		if (e->fingerprint != fingerprint) {
			res = DEDUPE_MISMATCH;
		} else if (!e->done) {
			w->next = e->waiters;
			e->waiters = w;
			res = DEDUPE_WAITING;
		} else {
			uint8_t *copy = malloc(e->len > 0 ? e->len : 1);

			if (copy != NULL) {
				memcpy(copy, e->reply, e->len);
				*reply = copy;
				*len = e->len;
				*code = e->code;
				res = DEDUPE_DONE;
			} else {
				// Cannot answer from memory: refuse rather than apply twice.
				res = DEDUPE_MISMATCH;
			}
		}
		pthread_mutex_unlock(&dd->lock);
		return res;
	}
	res = DEDUPE_SKIP;
	if (make_room(dd, now_ns, 1, 0) && (e = calloc(1, sizeof *e)) != NULL) {
		e->holder = holder_get(dd, principal);
		if (e->holder == NULL) {
			free(e);
		} else {
			struct holder *h = e->holder;

			e->principal = h->name;
			e->aprev = h->newest;
			if (h->newest != NULL)
				h->newest->anext = e;
			else
				h->oldest = e;
			h->newest = e;
			h->count++;
			e->request_id = request_id;
			e->fingerprint = fingerprint;
			b = bucket_of(dd, principal, request_id);
			e->hnext = dd->buckets[b];
			dd->buckets[b] = e;
			e->prev = dd->newest;
			if (dd->newest != NULL)
				dd->newest->next = e;
			else
				dd->oldest = e;
			dd->newest = e;
			dd->count++;
			res = DEDUPE_NEW;
		}
	}
	pthread_mutex_unlock(&dd->lock);
	return res;
}

/* A failure after which nothing was applied and a resend should run again. */
static bool transient(int code)
{
	return code == GRPC_UNAVAILABLE || code == GRPC_DEADLINE_EXCEEDED ||
	       code == GRPC_RESOURCE_EXHAUSTED || code == GRPC_INTERNAL;
}

void dedupe_complete(struct dedupe *dd, const char *principal, uint64_t request_id, int code,
                     const uint8_t *buf, size_t len, uint64_t now_ns)
{
	struct dedupe_waiter *w, *next;
	struct entry *e;
	bool keep;

	pthread_mutex_lock(&dd->lock);
	e = find(dd, principal, request_id);
	if (e == NULL || e->done) {
		pthread_mutex_unlock(&dd->lock);
		return;
	}
	w = e->waiters;
	e->waiters = NULL;
	keep = !transient(code) && len <= dd->max_bytes;
	if (keep) {
		e->reply = malloc(len > 0 ? len : 1);
		keep = e->reply != NULL;
	}
	if (keep) {
		memcpy(e->reply, buf, len);
		e->done = true;
		e->code = code;
		e->done_ns = now_ns;
		// Over the byte bound, the oldest completed entries go (e too, if it is the
		// oldest: it has been answered, the cache only loses a resend's shortcut).
		dd->bytes += len;
		e->holder->bytes += len;
		e->len = len;
		make_room(dd, now_ns, 0, 0);
	} else {
		drop(dd, e);
	}
	pthread_mutex_unlock(&dd->lock);
	for (; w != NULL; w = next) {
		next = w->next;
		w->done(w, code, buf, len);
	}
}

size_t dedupe_count(struct dedupe *dd)
{
	return locked_size(&dd->lock, &dd->count);
}
