/*
 * close.c - closing the socket within a grace time.
 *
 * nng 1.5's nng_close() can, rarely, wait forever for a context it never lets go of (a
 * class of close deadlocks reported upstream, e.g. nanomsg/nng#1543 and #1813). By the
 * time the socket is closed every write has been committed and answered (main's shutdown
 * order), so a daemon whose close hangs may end: the close runs on a thread of its own and
 * the caller gives up on it after CLOSE_GRACE_S, returning to main, which ends the process.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "server_int.h"

#define CLOSE_GRACE_S 5

/* Shared by the caller and the closing thread; the last of the two to let go frees it. */
struct close_job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	nng_socket sock;
	bool closed;    /* under lock */
	bool abandoned; /* under lock: the caller gave up waiting */
};

static void close_job_free(struct close_job *j)
{
	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

static void *closer(void *arg)
{
	struct close_job *j = arg;
	bool abandoned;

	nng_close(j->sock);
	pthread_mutex_lock(&j->lock);
	j->closed = true;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&j->lock);
	if (abandoned)
		close_job_free(j);
	return NULL;
}

bool server_close_socket(nng_socket sock)
{
	struct close_job *j = calloc(1, sizeof *j);
	struct timespec until = clock_deadline_in(CLOCK_REALTIME, CLOSE_GRACE_S * 1000);
	pthread_t th;
	bool closed;

	// Without memory or a thread, close here and wait as long as it takes.
	if (j == NULL) {
		nng_close(sock);
		return true;
	}
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	j->sock = sock;
	if (pthread_create(&th, NULL, closer, j) != 0) {
		nng_close(sock);
		close_job_free(j);
		return true;
	}
	pthread_mutex_lock(&j->lock);
	while (!j->closed)
		if (pthread_cond_timedwait(&j->cond, &j->lock, &until) == ETIMEDOUT)
			break;
	closed = j->closed;
	j->abandoned = !closed;
	pthread_mutex_unlock(&j->lock);
	if (!closed) {
		pthread_detach(th); /* frees j if it ever finishes */
		log_event("warn", "socket close did not finish; exiting with every write committed",
		          "");
		return false;
	}
	pthread_join(th, NULL);
	close_job_free(j);
	return true;
}
