/*
 * inflight.c - see inflight.h. A list of the principals with writes in flight: only
 * principals holding a token can write, and only those with a write in flight are listed,
 * so it stays short.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "inflight.h"
#include "store.h"

struct holder {
	char *name;
	uint32_t n;
	struct holder *next;
};

struct inflight {
	pthread_mutex_t lock;
	struct holder *list; /* under lock */
};

int inflight_new(struct inflight **out)
{
	struct inflight *f = calloc(1, sizeof *f);

	if (f == NULL)
		return RG_ENOMEM;
	pthread_mutex_init(&f->lock, NULL);
	*out = f;
	return RG_OK;
}

void inflight_free(struct inflight *f)
{
	if (f == NULL)
		return;
	while (f->list != NULL) {
		struct holder *h = f->list;

		f->list = h->next;
		free(h->name);
		free(h);
	}
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static struct holder **find(struct inflight *f, const char *principal)
{
	struct holder **pp = &f->list;

	while (*pp != NULL && strcmp((*pp)->name, principal) != 0)
		pp = &(*pp)->next;
	return pp;
}

bool inflight_take(struct inflight *f, const char *principal, uint32_t max)
{
	struct holder *h;
	bool ok = true;

	pthread_mutex_lock(&f->lock);
	h = *find(f, principal);
	if (h != NULL && max != 0 && h->n >= max) {
		ok = false;
	} else if (h == NULL) {
		h = calloc(1, sizeof *h);
		if (h != NULL && (h->name = strdup(principal)) == NULL) {
			free(h);
			h = NULL;
		}
		if (h != NULL) {
			h->next = f->list;
			f->list = h;
		}
		ok = h != NULL;
	}
	if (ok)
		h->n++;
	pthread_mutex_unlock(&f->lock);
	return ok;
}

void inflight_release(struct inflight *f, const char *principal)
{
	struct holder **pp, *h;

	pthread_mutex_lock(&f->lock);
	pp = find(f, principal);
	h = *pp;
	if (h != NULL && --h->n == 0) {
		*pp = h->next;
		free(h->name);
		free(h);
	}
	pthread_mutex_unlock(&f->lock);
}

uint32_t inflight_count(struct inflight *f, const char *principal)
{
	struct holder *h;
	uint32_t n;

	pthread_mutex_lock(&f->lock);
	h = *find(f, principal);
	n = h != NULL ? h->n : 0;
	pthread_mutex_unlock(&f->lock);
	return n;
}
