/*
 * web_render.c - the view's render threads: pages are rendered here, off the listener's
 * threads, because a page waits for its calls (the long-running reads wait for a worker).
 *
 * The pages waiting are queued by peer (peer.h). A free thread takes the next page of the
 * peer with the fewest pages being rendered (of those, the first in turn), and one peer
 * renders on at most WEB_RENDER_PER_PEER threads at once. So a peer that asks for slow
 * pages by the dozen (a CSV download of a search reads the whole store) leaves a thread
 * to the others, and a page of any other peer waits for at most one page to finish, not
 * for anyone's queue. The number of pages waiting is bounded by the listener's connection
 * cap (each holds its suspended connection).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"
#include "peer.h"
#include "rg_error.h"
#include "web_ctx.h"

struct render_job {
	struct web_pending *p;
	void (*done)(void *arg);
	void *arg;
	struct render_job *next;
};

/* A peer with pages queued or being rendered: in w->render_peers, in turn order. */
struct render_peer {
	char key[PEER_KEY_MAX];
	struct render_job *head, *tail; /* its pages waiting, in order */
	unsigned running;               /* its pages being rendered now */
	struct render_peer *next;
};

/* Unlinks rp (prev is the peer before it, NULL at the head). */
static void unlink_peer(struct web *w, struct render_peer *prev, struct render_peer *rp)
{
	if (prev != NULL)
		prev->next = rp->next;
	else
		w->render_peers = rp->next;
	if (w->render_peers_tail == rp)
		w->render_peers_tail = prev;
	rp->next = NULL;
}

static void append_peer(struct web *w, struct render_peer *rp)
{
	if (w->render_peers_tail != NULL)
		w->render_peers_tail->next = rp;
	else
		w->render_peers = rp;
	w->render_peers_tail = rp;
}

/*
 * The next page to render: of the peers with a page waiting and a thread to spare (any
 * peer once stopping, so that everything queued is rendered), the one with the fewest
 * pages being rendered, the first in turn among equals; that peer then goes to the end of
 * the turn. NULL if none. Under render_lock.
 */
static struct render_job *take_job(struct web *w, struct render_peer **peer)
{
	struct render_peer *prev = NULL, *best = NULL, *best_prev = NULL;
	struct render_job *j;
	for (struct render_peer *rp = w->render_peers; rp != NULL; prev = rp, rp = rp->next) {
		if (rp->head == NULL || (rp->running >= w->render_share && !w->render_stop))
			continue;
		if (best == NULL || rp->running < best->running) {
			best = rp;
			best_prev = prev;
		}
	}
	if (best == NULL)
		return NULL;
	j = best->head;
	best->head = j->next;
	if (best->head == NULL)
		best->tail = NULL;
	best->running++;
	unlink_peer(w, best_prev, best);
	append_peer(w, best);
	*peer = best;
	return j;
}

/* rp's page is rendered: rp leaves the turn when it has nothing left. Under render_lock. */
static void job_done(struct web *w, struct render_peer *rp)
{
	struct render_peer *prev = NULL;

	if (--rp->running > 0 || rp->head != NULL) {
		// A thread that waited while rp held its share may now take rp's next page.
		pthread_cond_signal(&w->render_cv);
		return;
	}
	for (struct render_peer *p = w->render_peers; p != rp; prev = p, p = p->next)
		;
	unlink_peer(w, prev, rp);
	free(rp);
}

static void *render_main(void *arg)
{
	struct web *w = arg;

	pthread_mutex_lock(&w->render_lock);
	for (;;) {
		struct render_peer *rp = NULL;
		struct render_job *j;

		while ((j = take_job(w, &rp)) == NULL && !w->render_stop)
			pthread_cond_wait(&w->render_cv, &w->render_lock);
		if (j == NULL) /* stopping, and nothing left */
			break;
		pthread_mutex_unlock(&w->render_lock);
		web_pending_render(j->p);
		j->done(j->arg);
		free(j);
		pthread_mutex_lock(&w->render_lock);
		job_done(w, rp);
	}
	pthread_mutex_unlock(&w->render_lock);
	return NULL;
}

int web_render_start(struct web *w)
{
	pthread_mutex_init(&w->render_lock, NULL);
	pthread_cond_init(&w->render_cv, NULL);
	w->render_share = WEB_RENDER_PER_PEER;
	for (; w->n_render < WEB_RENDER_THREADS; w->n_render++) {
		if (pthread_create(&w->render[w->n_render], NULL, render_main, w) != 0)
			break;
		pthread_setname_np(w->render[w->n_render], "stdreg:web");
	}
	// A peer's share is one thread less than there are, also when fewer started.
	pthread_mutex_lock(&w->render_lock);
	if (w->n_render > 0 && w->render_share >= w->n_render)
		w->render_share = w->n_render > 1 ? w->n_render - 1 : 1;
	pthread_mutex_unlock(&w->render_lock);
	if (w->n_render == 0) {
		w->render_stop = true; /* web_render() renders on the caller's thread */
		return RG_EINTERNAL;
	}
	return RG_OK;
}

/* The peer of key in the turn, appended if it has nothing queued yet; NULL without memory.
 * Under render_lock. */
static struct render_peer *peer_of_key(struct web *w, const char *key)
{
	struct render_peer *rp;

	for (rp = w->render_peers; rp != NULL; rp = rp->next)
		if (strcmp(rp->key, key) == 0)
			return rp;
	if ((rp = calloc(1, sizeof *rp)) == NULL)
		return NULL;
	snprintf(rp->key, sizeof rp->key, "%s", key);
	append_peer(w, rp);
	return rp;
}

void web_render(struct web *w, struct web_pending *p, const char *peer_key, void (*done)(void *arg),
                void *arg)
{
	struct render_job *j = malloc(sizeof *j);
	struct render_peer *rp = NULL;

	pthread_mutex_lock(&w->render_lock);
	if (j == NULL || w->render_stop || (rp = peer_of_key(w, peer_key)) == NULL) {
		pthread_mutex_unlock(&w->render_lock);
		free(j);
		web_pending_render(p);
		done(arg);
		return;
	}
	*j = (struct render_job){ .p = p, .done = done, .arg = arg };
	if (rp->tail != NULL)
		rp->tail->next = j;
	else
		rp->head = j;
	rp->tail = j;
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
