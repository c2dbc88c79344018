/*
 * web_render.c - the view's render threads: pages are rendered here, off the listener's
 * threads, because a page waits for its calls (the long-running reads wait for a worker).
 * A queue of pages in order; WEB_RENDER_THREADS take from it. The number of pages waiting
 * is bounded by the listener's connection cap (each holds its suspended connection).
 */
#include <pthread.h>
#include <stdlib.h>

#include "web.h"
#include "rg_error.h"
#include "web_ctx.h"

struct render_job {
	struct web_pending *p;
	void (*done)(void *arg);
	void *arg;
	struct render_job *next;
};

static void *render_main(void *arg)
{
	struct web *w = arg;

	for (;;) {
		struct render_job *j;

		pthread_mutex_lock(&w->render_lock);
		while (w->render_head == NULL && !w->render_stop)
			pthread_cond_wait(&w->render_cv, &w->render_lock);
		j = w->render_head;
		if (j == NULL) { /* stopping, and nothing left */
			pthread_mutex_unlock(&w->render_lock);
			return NULL;
		}
		w->render_head = j->next;
		if (w->render_head == NULL)
			w->render_tail = NULL;
		pthread_mutex_unlock(&w->render_lock);
		web_pending_render(j->p);
		j->done(j->arg);
		free(j);
	}
}

int web_render_start(struct web *w)
{
	pthread_mutex_init(&w->render_lock, NULL);
	pthread_cond_init(&w->render_cv, NULL);
	for (; w->n_render < WEB_RENDER_THREADS; w->n_render++) {
		if (pthread_create(&w->render[w->n_render], NULL, render_main, w) != 0)
			break;
		pthread_setname_np(w->render[w->n_render], "stdreg:web");
	}
	if (w->n_render == 0) {
		w->render_stop = true; /* web_render() renders on the caller's thread */
		return RG_EINTERNAL;
	}
	return RG_OK;
}

void web_render(struct web *w, struct web_pending *p, void (*done)(void *arg), void *arg)
{
	struct render_job *j = malloc(sizeof *j);

	pthread_mutex_lock(&w->render_lock);
	if (j == NULL || w->render_stop) {
		pthread_mutex_unlock(&w->render_lock);
		free(j);
		web_pending_render(p);
		done(arg);
		return;
	}
	*j = (struct render_job){ .p = p, .done = done, .arg = arg };
	if (w->render_tail != NULL)
		w->render_tail->next = j;
	else
		w->render_head = j;
	w->render_tail = j;
	pthread_cond_signal(&w->render_cv);
	pthread_mutex_unlock(&w->render_lock);
}

void web_stop(struct web *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->render_lock);
	w->render_stop = true;
	pthread_cond_broadcast(&w->render_cv);
	pthread_mutex_unlock(&w->render_lock);
	for (; w->n_render > 0; w->n_render--)
		pthread_join(w->render[w->n_render - 1], NULL);
}
