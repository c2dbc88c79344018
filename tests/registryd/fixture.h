/*
 * fixture.h - a store in a fresh temporary directory, its writer, a dispatcher and one
 * slot whose replies are caught for the test to read. No sockets.
 */
#ifndef TESTS_REGISTRYD_FIXTURE_H
#define TESTS_REGISTRYD_FIXTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "store.h"

#include "stdreg/v1/envelope.pb-c.h"

struct fixture {
	char dir[64];
	store *st;
	store_writer *writer;
	struct dispatcher *d;
	struct dispatch_slot *slot;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int replies;  /* under lock: how many times the reply callback ran */
	uint8_t *buf; /* under lock: the last reply */
	size_t len;
};

/* cmocka group-less setup/teardown: state is a struct fixture *. */
int fixture_setup(void **state);
int fixture_teardown(void **state);

/* Stops the writer early (as main does on shutdown); teardown then skips it. */
void fixture_stop_writer(struct fixture *f);

/*
 * Dispatches buf/len as received at received_ns (0 = now), waits for its one reply and
 * returns it decoded; free it with stdreg__v1__response__free_unpacked(). Fails the test
 * if no reply comes within 5 s or a second reply comes.
 */
Stdreg__V1__Response *fixture_call_raw(struct fixture *f, const uint8_t *buf, size_t len,
                                       uint64_t received_ns);

/* Packs a Request {method, request_id, timeout_ms, payload = packed msg (may be NULL)}
 * into a malloc'd buffer; *len is its size. */
uint8_t *fixture_request(const char *method, uint64_t request_id, uint32_t timeout_ms,
                         const ProtobufCMessage *payload, size_t *len);

/* fixture_request + fixture_call_raw, received now. */
Stdreg__V1__Response *fixture_call(struct fixture *f, const char *method, uint64_t request_id,
                                   uint32_t timeout_ms, const ProtobufCMessage *payload);

#endif
