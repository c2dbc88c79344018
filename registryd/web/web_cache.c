/*
 * web_cache.c - the page cache (web_cache.h): an array of entries, each with its tag's
 * hash so that a lookup compares one word per entry and a string only on a match; a few
 * hundred entries are scanned faster than a hash table is maintained. Eviction is the
 * clock algorithm: a hit sets the entry's used bit, the hand clears it in passing and
 * evicts the first entry whose bit is already clear.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rg_error.h"
#include "web_cache.h"

struct entry {
	uint64_t hash;
	char etag[WEB_CACHE_TAG_MAX];
	struct MHD_Response *page; /* NULL: the entry is empty */
	struct MHD_Response *not_modified;
	size_t bytes; /* what it counts against the budget */
	bool used;    /* asked for since the hand last passed */
};

struct web_cache {
	pthread_mutex_t lock;
	size_t max_bytes, max_entries;
	struct entry *e; /* max_entries of them, under lock */
	size_t bytes;    /* under lock: the sum of the entries' */
	size_t n;        /* under lock: entries in use */
	size_t hand;     /* under lock: the clock's hand */
};

/* FNV-1a. */
static uint64_t tag_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

int web_cache_new(struct web_cache **out, size_t max_bytes, size_t max_entries)
{
	struct web_cache *wc = calloc(1, sizeof *wc);

	if (wc == NULL)
		return RG_ENOMEM;
	if (max_entries > 0 && (wc->e = calloc(max_entries, sizeof *wc->e)) == NULL) {
		free(wc);
		return RG_ENOMEM;
	}
	wc->max_bytes = max_bytes;
	wc->max_entries = max_entries;
	pthread_mutex_init(&wc->lock, NULL);
	*out = wc;
	return RG_OK;
}

/* Empties e; a connection still sending its responses keeps them alive. Under lock. */
static void drop(struct web_cache *wc, struct entry *e)
{
	MHD_destroy_response(e->page);
	MHD_destroy_response(e->not_modified);
	wc->bytes -= e->bytes;
	wc->n--;
	memset(e, 0, sizeof *e);
}

void web_cache_free(struct web_cache *wc)
{
	if (wc == NULL)
		return;
	for (size_t i = 0; i < wc->max_entries; i++)
		if (wc->e[i].page != NULL)
			drop(wc, &wc->e[i]);
	pthread_mutex_destroy(&wc->lock);
	free(wc->e);
	free(wc);
}

/* The entry kept under etag (hash h), or NULL. Under lock. */
static struct entry *find(struct web_cache *wc, const char *etag, uint64_t h)
{
	for (size_t i = 0; i < wc->max_entries; i++) {
		struct entry *e = &wc->e[i];

		if (e->page != NULL && e->hash == h && strcmp(e->etag, etag) == 0)
			return e;
	}
	return NULL;
}

bool web_cache_queue(struct web_cache *wc, const char *etag, bool not_modified,
                     struct MHD_Connection *conn, enum MHD_Result *rv)
{
	uint64_t h = tag_hash(etag);
	struct entry *e;

	pthread_mutex_lock(&wc->lock);
	if ((e = find(wc, etag, h)) != NULL) {
		e->used = true;
		*rv = MHD_queue_response(conn, not_modified ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK,
		                         not_modified ? e->not_modified : e->page);
	}
	pthread_mutex_unlock(&wc->lock);
	return e != NULL;
}

bool web_cache_has(struct web_cache *wc, const char *etag)
{
	uint64_t h = tag_hash(etag);
	struct entry *e;

	pthread_mutex_lock(&wc->lock);
	if ((e = find(wc, etag, h)) != NULL)
		e->used = true;
	pthread_mutex_unlock(&wc->lock);
	return e != NULL;
}

/* Evicts the entry under the hand unless it was used since; moves the hand on. Under lock,
 * with at least one entry kept (so two turns of the hand always evict one). */
static void tick(struct web_cache *wc)
{
	struct entry *e = &wc->e[wc->hand];

	wc->hand = (wc->hand + 1) % wc->max_entries;
	if (e->page == NULL)
		return;
	if (e->used)
		e->used = false;
	else
		drop(wc, e);
}

bool web_cache_put(struct web_cache *wc, const char *etag, struct MHD_Response *page,
                   struct MHD_Response *not_modified, size_t len)
{
	size_t tag_len = strlen(etag), bytes = len + tag_len + sizeof(struct entry);
	uint64_t h = tag_hash(etag);
	struct entry *e;

	// One page may take an eighth of the budget, so that a few large ones cannot empty it.
	if (wc->max_entries == 0 || tag_len >= WEB_CACHE_TAG_MAX || bytes > wc->max_bytes / 8)
		return false;
	pthread_mutex_lock(&wc->lock);
	// Two renders of the same page at once: the later one replaces the earlier.
	if ((e = find(wc, etag, h)) != NULL)
		drop(wc, e);
	while (wc->n == wc->max_entries || wc->bytes + bytes > wc->max_bytes)
		tick(wc);
	for (e = wc->e; e->page != NULL; e++)
		; // there is an empty entry: n < max_entries
	*e = (struct entry){
		.hash = h, .page = page, .not_modified = not_modified, .bytes = bytes
	};
	memcpy(e->etag, etag, tag_len + 1);
	wc->bytes += bytes;
	wc->n++;
	pthread_mutex_unlock(&wc->lock);
	return true;
}

void web_cache_usage(struct web_cache *wc, size_t *bytes, size_t *entries)
{
	pthread_mutex_lock(&wc->lock);
	*bytes = wc->bytes;
	*entries = wc->n;
	pthread_mutex_unlock(&wc->lock);
}
