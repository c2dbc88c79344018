/*
 * conns.c - see conns.h. Connections in a chained hash table by pipe id; the keys with
 * their counts in a list (one entry per peer address with connections open: no more
 * entries than connections, which --max-connections bounds).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conns.h"
#include "store.h"

#define BUCKETS 1024

struct key {
	char name[CONNS_KEY_MAX];
	size_t n;
	struct key *next;
};

struct conn {
	uint32_t pipe;
	struct key *key;
	uint64_t made_ns;
	bool active; /* sent a request, or already returned by conns_idle */
	struct conn *next;
};

struct conns {
	pthread_mutex_t lock;
	size_t max_per_key;
	struct key *keys;
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
	while (c->keys != NULL) {
		struct key *k = c->keys;

		c->keys = k->next;
		free(k);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct key **key_find(struct conns *c, const char *name)
{
	struct key **pp = &c->keys;

	while (*pp != NULL && strcmp((*pp)->name, name) != 0)
		pp = &(*pp)->next;
	return pp;
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
	struct conn *x;
	struct key *k;
	int rc = RG_OK;

	pthread_mutex_lock(&c->lock);
	k = *key_find(c, key);
	if (k != NULL && c->max_per_key != 0 && k->n >= c->max_per_key) {
		rc = RG_ENOSPC;
	} else if ((x = calloc(1, sizeof *x)) == NULL) {
		rc = RG_ENOMEM;
	} else if (k == NULL && (k = calloc(1, sizeof *k)) == NULL) {
		free(x);
		rc = RG_ENOMEM;
	} else {
		if (k->n == 0) {
			snprintf(k->name, sizeof k->name, "%s", key);
			k->next = c->keys;
			c->keys = k;
		}
		k->n++;
		x->pipe = pipe;
		x->key = k;
		x->made_ns = now_ns;
		x->next = c->buckets[pipe % BUCKETS];
		c->buckets[pipe % BUCKETS] = x;
	}
	pthread_mutex_unlock(&c->lock);
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
		if (--x->key->n == 0) {
			struct key **kp = key_find(c, x->key->name), *k = *kp;

			*kp = k->next;
			free(k);
		}
		free(x);
	}
	pthread_mutex_unlock(&c->lock);
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
	struct key *k;
	size_t n;

	pthread_mutex_lock(&c->lock);
	k = *key_find(c, key);
	n = k != NULL ? k->n : 0;
	pthread_mutex_unlock(&c->lock);
	return n;
}
