/*
 * workers.h - a small fixed pool of threads for the methods flagged long_running in the
 * dispatch table (Report, Mine, Export: DESIGN §1 "long work on a worker"), so that they
 * never hold one of nng's callback threads, which serve every other call.
 *
 * A queued call keeps its slot (and the slot's read transaction, which the worker renews:
 * MDB_NOTLS allows it on any thread) until its reply; the handler runs on the worker as it
 * would have on the caller's thread.
 */
#ifndef REGISTRYD_WORKERS_H
#define REGISTRYD_WORKERS_H

#include <stdint.h>

#include "call.h"

struct workers;

/* Starts n threads; at most queue_max calls wait for one. Errors: RG_ENOMEM, RG_EINTERNAL. */
int workers_new(struct workers **out, uint32_t n, uint32_t queue_max);

/*
 * Queues c to run c->m->handler on a worker, taking over the call and its request:
 * CALL_PENDING. When the queue is full or the pool stopped, c is answered
 * RESOURCE_EXHAUSTED or UNAVAILABLE: CALL_DONE.
 */
enum call_result workers_submit(struct workers *w, struct call *c);

/* Answers the queued calls UNAVAILABLE, lets the running ones finish and joins the threads.
 * Idempotent; not from a worker. */
void workers_shutdown(struct workers *w);

/* Shuts down if needed and frees. NULL is allowed. */
void workers_free(struct workers *w);

#endif
