/*
 * inflight.h - writes in flight per principal: one principal may not fill the writer's
 * queue (and every context waiting on it) for everyone else.
 *
 * A write takes a place when it passes authentication and gives it back when its reply is
 * sent (call_release). Thread safe: one mutex.
 */
#ifndef REGISTRYD_INFLIGHT_H
#define REGISTRYD_INFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inflight;

/* Errors: RG_ENOMEM. */
int inflight_new(struct inflight **out);

/* Frees the table (places still taken are forgotten). NULL is allowed. */
void inflight_free(struct inflight *f);

/* Takes a place for principal if it holds fewer than max (0 = no bound). False when it
 * holds max already, or without memory. */
bool inflight_take(struct inflight *f, const char *principal, uint32_t max);

/* Gives back a place inflight_take() gave principal. */
void inflight_release(struct inflight *f, const char *principal);

/* The places principal holds now; for tests. */
uint32_t inflight_count(struct inflight *f, const char *principal);

#endif
