/*
 * locked.h - reading a counter that other threads change under a mutex: the metrics and
 * the tests ask for it, and a plain read of it would be a data race.
 */
#ifndef STDREG_LOCKED_H
#define STDREG_LOCKED_H

#include <pthread.h>
#include <stddef.h>

static inline size_t locked_size(pthread_mutex_t *m, const size_t *counter)
{
	size_t n;

	pthread_mutex_lock(m);
	n = *counter;
	pthread_mutex_unlock(m);
	return n;
}

#endif
