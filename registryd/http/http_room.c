/*
 * http_room.c - the memory request bodies may hold while they are read, in all and per
 * address.
 *
 * A body is buffered whole before its call is made (a protobuf or JSON message needs all
 * of it), up to --http-max-body-bytes. Without a bound on all of them together, the
 * connection cap times the body limit (1 024 x 4 MiB) was what peers could make the daemon
 * hold, and a peer that trickles its bodies holds that until the idle timeout. So every
 * buffer's growth is taken from a shared room, and one address may take at most a quarter
 * of it: four addresses are needed to fill it, and then other bodies are refused 503 while
 * nng and bodiless calls go on.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http_room.h"

struct holder {
	char key[HTTP_ROOM_KEY_MAX];
	size_t bytes;
};

struct http_room {
	pthread_mutex_t lock;
	size_t max_total, max_per_key;
	size_t total;
	struct holder *holders; /* only keys that hold bytes */
	size_t n, cap;
};

int http_room_new(struct http_room **out, size_t max_total, size_t max_per_key)
{
	struct http_room *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -1;
	pthread_mutex_init(&r->lock, NULL);
	r->max_total = max_total;
	r->max_per_key = max_per_key;
	*out = r;
	return 0;
}

void http_room_free(struct http_room *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->holders);
	free(r);
}

/* The holder of key, or NULL; under lock. Linear: there are at most as many holders as
 * connections reading a body. */
static struct holder *find(struct http_room *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->holders[i].key, key) == 0)
			return &r->holders[i];
	return NULL;
}

static struct holder *add(struct http_room *r, const char *key)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct holder *h = realloc(r->holders, cap * sizeof(*h));
		if (h == NULL)
			return NULL;
		r->holders = h;
		r->cap = cap;
	}
	memset(&r->holders[r->n], 0, sizeof(r->holders[r->n]));
	strncpy(r->holders[r->n].key, key, HTTP_ROOM_KEY_MAX - 1);
	return &r->holders[r->n++];
}

enum http_room_take http_room_take(struct http_room *r, const char *key, size_t n)
{
	enum http_room_take rc = HTTP_ROOM_TAKEN;
	struct holder *h;

	pthread_mutex_lock(&r->lock);
	h = find(r, key);
	if (r->total + n > r->max_total)
		rc = HTTP_ROOM_ALL_FULL;
	else if ((h ? h->bytes : 0) + n > r->max_per_key)
		rc = HTTP_ROOM_KEY_FULL;
	else if (h == NULL && (h = add(r, key)) == NULL)
		rc = HTTP_ROOM_ALL_FULL; /* out of memory: as good as full */
	if (rc == HTTP_ROOM_TAKEN) {
		h->bytes += n;
		r->total += n;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void http_room_give(struct http_room *r, const char *key, size_t n)
{
	struct holder *h;

	if (n == 0)
		return;
	pthread_mutex_lock(&r->lock);
	if ((h = find(r, key)) != NULL) {
		size_t back = n < h->bytes ? n : h->bytes;
		h->bytes -= back;
		r->total -= back;
		if (h->bytes == 0)
			*h = r->holders[--r->n];
	}
	pthread_mutex_unlock(&r->lock);
}

size_t http_room_held(struct http_room *r, const char *key)
{
	struct holder *h;
	size_t bytes;

	pthread_mutex_lock(&r->lock);
	h = key ? find(r, key) : NULL;
	bytes = key ? (h ? h->bytes : 0) : r->total;
	pthread_mutex_unlock(&r->lock);
	return bytes;
}
