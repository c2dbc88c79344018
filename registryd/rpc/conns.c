/*
 * conns.c - see conns.h. Connections in a chained hash table by pipe id; the keys with
 * their counts in counts.c's list (one entry per peer address with connections open: no
 * more entries than connections, which --max-connections bounds).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conns.h"
#include "counts.h"
#include "store.h"

#define BUCKETS 1024

struct conn {
	uint32_t pipe;
	char key[CONNS_KEY_MAX]; /* cut to fit, as the faces cut what they pass */
	uint64_t made_ns;
	bool active; /* sent a request, or already returned by conns_idle */
	struct conn *next;
};

struct conns {
	pthread_mutex_t lock;
	size_t max_per_key;
	struct counts keys;
	struct conn *buckets[BUCKETS];
};

int conns_new(struct conns **out, size_t max_per_key)
{
	struct conns *c = calloc(1, sizeof *c);

	if (c == NULL)
		return RG_ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->max_per_key = max_per_key;
	*out = c;
	return RG_OK;
}

void conns_free(struct conns *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < BUCKETS; i++)
		while (c->buckets[i] != NULL) {
			struct conn *x = c->buckets[i];

			c->buckets[i] = x->next;
			free(x);
		}
	counts_release(&c->keys);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct conn **conn_find(struct conns *c, uint32_t pipe)
{
	struct conn **pp = &c->buckets[pipe % BUCKETS];

	while (*pp != NULL && (*pp)->pipe != pipe)
		pp = &(*pp)->next;
	return pp;
}

int conns_add(struct conns *c, uint32_t pipe, const char *key, uint64_t now_ns)
{
	struct conn *x = calloc(1, sizeof *x);
	int rc;

	if (x == NULL)
		return RG_ENOMEM;
	snprintf(x->key, sizeof x->key, "%s", key);
	x->pipe = pipe;
	x->made_ns = now_ns;
	pthread_mutex_lock(&c->lock);
	rc = counts_take(&c->keys, x->key, c->max_per_key);
	if (rc == RG_OK) {
		x->next = c->buckets[pipe % BUCKETS];
		c->buckets[pipe % BUCKETS] = x;
	}
	pthread_mutex_unlock(&c->lock);
	if (rc != RG_OK)
		free(x);
	return rc;
}

void conns_remove(struct conns *c, uint32_t pipe)
{
	struct conn **pp, *x;

	pthread_mutex_lock(&c->lock);
	pp = conn_find(c, pipe);
	x = *pp;
	if (x != NULL) {
		*pp = x->next;
		counts_give(&c->keys, x->key);
	}
	pthread_mutex_unlock(&c->lock);
	free(x);
}

void conns_seen(struct conns *c, uint32_t pipe)
{
	struct conn *x;

	pthread_mutex_lock(&c->lock);
	x = *conn_find(c, pipe);
	if (x != NULL)
		x->active = true;
	pthread_mutex_unlock(&c->lock);
}

size_t conns_idle(struct conns *c, uint64_t cutoff_ns, uint32_t *out, size_t n)
{
	size_t got = 0;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < BUCKETS && got < n; i++)
		for (struct conn *x = c->buckets[i]; x != NULL && got < n; x = x->next)
			if (!x->active && x->made_ns < cutoff_ns) {
				x->active = true;
				out[got++] = x->pipe;
			}
	pthread_mutex_unlock(&c->lock);
	return got;
}

size_t conns_of(struct conns *c, const char *key)
{
	char cut[CONNS_KEY_MAX];
	size_t n;

	snprintf(cut, sizeof cut, "%s", key); /* as conns_add keeps it */
	pthread_mutex_lock(&c->lock);
	n = counts_of(&c->keys, cut);
	pthread_mutex_unlock(&c->lock);
	return n;
}
