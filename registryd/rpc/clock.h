/*
 * clock.h - the daemon's one clock for arrivals, deadlines and timeouts, and the one way
 * to turn a wait into the absolute time pthread_cond_timedwait() takes.
 */
#ifndef REGISTRYD_CLOCK_H
#define REGISTRYD_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds: the clock of received_ns and of store_job.deadline_ns. */
uint64_t dispatch_now_ns(void);

/* The time ms from now on clock, for a condition variable made with that clock
 * (CLOCK_MONOTONIC when its attributes say so, CLOCK_REALTIME by default). */
struct timespec clock_deadline_in(clockid_t clock, int ms);

#endif
