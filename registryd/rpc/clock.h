/*
 * clock.h - the daemon's one clock for arrivals, deadlines and timeouts.
 */
#ifndef REGISTRYD_CLOCK_H
#define REGISTRYD_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds: the clock of received_ns and of store_job.deadline_ns. */
uint64_t dispatch_now_ns(void);

#endif
