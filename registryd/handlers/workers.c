/*
 * workers.c - see workers.h.
 */
#include <stdlib.h>

#include "workers.h"

struct work_item {
	struct call c;
	struct work_item *next;
};

struct workers {
	pthread_t *threads;
	uint32_t n_threads;
	uint32_t queue_max;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct work_item *head, *tail; /* under lock */
	uint32_t queued;               /* under lock */
	bool stopping;                 /* under lock */
	bool joined;                   /* under lock */
};

static void *worker_main(void *arg)
{
	struct workers *ws = arg;
	struct work_item *it;

	for (;;) {
		pthread_mutex_lock(&ws->lock);
		while (ws->head == NULL && !ws->stopping)
			pthread_cond_wait(&ws->cond, &ws->lock);
		it = ws->head;
		if (it == NULL) {
			pthread_mutex_unlock(&ws->lock);
			return NULL;
		}
		ws->head = it->next;
		if (ws->head == NULL)
			ws->tail = NULL;
		ws->queued--;
		// Once stopping, what is still queued is refused rather than run.
		bool refuse = ws->stopping;
		pthread_mutex_unlock(&ws->lock);
		if (refuse) {
			call_fail(&it->c, GRPC_UNAVAILABLE, NULL, "registryd is shutting down");
			call_send(&it->c);
		} else if (it->c.m->handler(&it->c) == CALL_DONE) {
			call_send(&it->c);
		}
		free(it);
	}
}

int workers_new(struct workers **out, uint32_t n, uint32_t queue_max)
{
	struct workers *ws = calloc(1, sizeof *ws);

	if (ws == NULL)
		return RG_ENOMEM;
	ws->threads = calloc(n > 0 ? n : 1, sizeof *ws->threads);
	if (ws->threads == NULL) {
		free(ws);
		return RG_ENOMEM;
	}
	ws->queue_max = queue_max;
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->cond, NULL);
	for (; ws->n_threads < n; ws->n_threads++) {
		if (pthread_create(&ws->threads[ws->n_threads], NULL, worker_main, ws) != 0) {
			workers_free(ws);
			return RG_EINTERNAL;
		}
		pthread_setname_np(ws->threads[ws->n_threads], "stdreg:worker");
	}
	*out = ws;
	return RG_OK;
}

enum call_result workers_submit(struct workers *ws, struct call *c)
{
	struct work_item *it = malloc(sizeof *it);
	int code = GRPC_OK;

	if (it == NULL)
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
	it->c = *c;
	it->next = NULL;
	pthread_mutex_lock(&ws->lock);
	if (ws->stopping)
		code = GRPC_UNAVAILABLE;
	else if (ws->queued >= ws->queue_max)
		code = GRPC_RESOURCE_EXHAUSTED;
	if (code == GRPC_OK) {
		if (ws->tail != NULL)
			ws->tail->next = it;
		else
			ws->head = it;
		ws->tail = it;
		ws->queued++;
		pthread_cond_signal(&ws->cond);
	}
	pthread_mutex_unlock(&ws->lock);
	if (code == GRPC_OK) {
		c->req = NULL; /* the worker's now */
		return CALL_PENDING;
	}
	free(it);
	if (code == GRPC_UNAVAILABLE)
		return call_fail(c, code, NULL, "registryd is shutting down");
	return call_fail(c, code, NULL, "too many long calls are waiting (%u); try again later",
	                 ws->queue_max);
}

void workers_shutdown(struct workers *ws)
{
	bool join;

	pthread_mutex_lock(&ws->lock);
	ws->stopping = true;
	join = !ws->joined;
	ws->joined = true;
	pthread_cond_broadcast(&ws->cond);
	pthread_mutex_unlock(&ws->lock);
	if (!join)
		return;
	for (uint32_t i = 0; i < ws->n_threads; i++)
		pthread_join(ws->threads[i], NULL);
}

void workers_free(struct workers *ws)
{
	if (ws == NULL)
		return;
	workers_shutdown(ws);
	pthread_cond_destroy(&ws->cond);
	pthread_mutex_destroy(&ws->lock);
	free(ws->threads);
	free(ws);
}
