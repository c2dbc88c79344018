/*
 * inflight.c - see inflight.h. The counts of the principals with writes in flight
 * (counts.c): only principals holding a token can write, and only those with a write in
 * flight are listed, so the list stays short.
 */
#include <pthread.h>
#include <stdlib.h>

#include "counts.h"
#include "inflight.h"
#include "store.h"

struct inflight {
	pthread_mutex_t lock;
	struct counts held; /* under lock */
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
	counts_release(&f->held);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

bool inflight_take(struct inflight *f, const char *principal, uint32_t max)
{
	int rc;

	pthread_mutex_lock(&f->lock);
	rc = counts_take(&f->held, principal, max);
	pthread_mutex_unlock(&f->lock);
	return rc == RG_OK;
}

void inflight_release(struct inflight *f, const char *principal)
{
	pthread_mutex_lock(&f->lock);
	counts_give(&f->held, principal);
	pthread_mutex_unlock(&f->lock);
}

uint32_t inflight_count(struct inflight *f, const char *principal)
{
	size_t n;

	pthread_mutex_lock(&f->lock);
	n = counts_of(&f->held, principal);
	pthread_mutex_unlock(&f->lock);
	return (uint32_t)n;
}
