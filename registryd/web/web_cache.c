/*
 * web_cache.c - the page cache (web_cache.h): a fixed ring of entries, the oldest replaced
 * first. Lookups compare the tag strings; there are few entries and tags are short.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rg_error.h"
#include "web_cache.h"

struct entry {
	char etag[160];
	struct MHD_Response *resp; /* NULL: empty */
};

struct web_cache {
	pthread_mutex_t lock;
	struct entry e[WEB_CACHE_ENTRIES]; /* under lock */
	size_t next;                       /* under lock: the entry replaced next */
};

int web_cache_new(struct web_cache **out)
{
	struct web_cache *wc = calloc(1, sizeof *wc);

	if (wc == NULL)
		return RG_ENOMEM;
	pthread_mutex_init(&wc->lock, NULL);
	*out = wc;
	return RG_OK;
}

void web_cache_free(struct web_cache *wc)
{
	if (wc == NULL)
		return;
	for (size_t i = 0; i < WEB_CACHE_ENTRIES; i++)
		if (wc->e[i].resp != NULL)
			MHD_destroy_response(wc->e[i].resp);
	pthread_mutex_destroy(&wc->lock);
	free(wc);
}

bool web_cache_queue(struct web_cache *wc, const char *etag, struct MHD_Connection *conn,
                     enum MHD_Result *rv)
{
	bool found = false;

	pthread_mutex_lock(&wc->lock);
	for (size_t i = 0; i < WEB_CACHE_ENTRIES && !found; i++) {
		if (wc->e[i].resp != NULL && strcmp(wc->e[i].etag, etag) == 0) {
			*rv = MHD_queue_response(conn, MHD_HTTP_OK, wc->e[i].resp);
			found = true;
		}
	}
	pthread_mutex_unlock(&wc->lock);
	return found;
}

bool web_cache_put(struct web_cache *wc, const char *etag, struct MHD_Response *resp, size_t len)
{
	struct entry *e;

	if (len > WEB_CACHE_MAX_BYTES || strlen(etag) >= sizeof e->etag)
		return false;
	pthread_mutex_lock(&wc->lock);
	e = &wc->e[wc->next];
	wc->next = (wc->next + 1) % WEB_CACHE_ENTRIES;
	if (e->resp != NULL)
		MHD_destroy_response(e->resp); // a connection still sending it keeps it alive
	strcpy(e->etag, etag);
	e->resp = resp;
	pthread_mutex_unlock(&wc->lock);
	return true;
}
