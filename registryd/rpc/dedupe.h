/*
 * dedupe.h - safe retries (DESIGN §5): the replies of recent writes, by (principal name,
 * request_id), so that a write resent by its client is answered again, not applied again.
 *
 * A write that passed auth calls dedupe_begin() before its handler runs:
 *   - first time: an in-flight entry is made (DEDUPE_NEW); the write runs, and its packed
 *     Response is handed to dedupe_complete() just before it is sent;
 *   - the write has completed: the stored reply is given back (DEDUPE_DONE);
 *   - the write is still running: the resend waits (DEDUPE_WAITING) and its waiter is
 *     answered with the same bytes when dedupe_complete() runs.
 * So a write is never applied twice for one (principal, request_id), whatever the timing.
 *
 * Bounded: at most max_entries entries and max_bytes of stored replies, each kept ttl_ms
 * after it completed. Over a bound, the oldest completed entry of the principal holding the
 * most entries (or reply bytes) is dropped: the budget is shared fairly, and a principal
 * that writes a lot evicts its own replies, not another's. A reply of a
 * transient failure (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL: the write
 * was not applied) is passed to waiters but not kept, so a later resend runs the write.
 * A resend whose method or payload differs from the first is refused (DEDUPE_MISMATCH).
 *
 * Thread safe: one mutex; callbacks run without it held.
 */
#ifndef REGISTRYD_DEDUPE_H
#define REGISTRYD_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

struct dedupe;

#define DEDUPE_MAX_ENTRIES 10000
#define DEDUPE_MAX_BYTES   ((size_t)64 << 20)
#define DEDUPE_TTL_MS      (10u * 60u * 1000u)

/*
 * A resend waiting for the first send of the same write; allocated by the caller and
 * handed to dedupe_begin(). done(w, code, buf, len) is called once, on the thread that completes
 * the write, with the reply bytes (borrowed for the call); after it returns the waiter is
 * the caller's again (done may free it).
 */
struct dedupe_waiter {
	void (*done)(struct dedupe_waiter *w, int code, const uint8_t *buf, size_t len);
	struct dedupe_waiter *next; /* dedupe's */
};

enum dedupe_result {
	DEDUPE_NEW,      /* run the write, then call dedupe_complete() (also when it fails) */
	DEDUPE_DONE,     /* *reply (malloc'd, the caller frees it) is the stored answer */
	DEDUPE_WAITING,  /* w will be answered by dedupe_complete() of the first send */
	DEDUPE_MISMATCH, /* request_id already used by this principal for another request */
	DEDUPE_SKIP,     /* not remembered (no memory, or too many in flight): just run it */
};

/* A new, empty cache. Errors: RG_ENOMEM. */
int dedupe_new(struct dedupe **out, size_t max_entries, size_t max_bytes, uint32_t ttl_ms);

/* Frees the cache. No write may be in flight (no waiter left). NULL is allowed. */
void dedupe_free(struct dedupe *dd);

/*
 * See the top of the file. principal is the caller's name (as auth established it),
 * request_id is not 0, fingerprint identifies the request (dedupe_fingerprint), now_ns is
 * the dispatch_now_ns() clock. On DEDUPE_DONE, *reply and *len hold a copy of the reply and
 * *code its status code.
 */
enum dedupe_result dedupe_begin(struct dedupe *dd, const char *principal, uint64_t request_id,
                                uint64_t fingerprint, uint64_t now_ns, struct dedupe_waiter *w,
                                int *code, uint8_t **reply, size_t *len);

/*
 * The write begun with DEDUPE_NEW completed with the packed Response buf/len (borrowed)
 * whose status is code: keeps it (unless code is transient) and answers the waiters with
 * it, on this thread, before returning.
 */
void dedupe_complete(struct dedupe *dd, const char *principal, uint64_t request_id, int code,
                     const uint8_t *buf, size_t len, uint64_t now_ns);

/* FNV-1a of the method name and the payload: tells a resend from a reuse of its id. */
uint64_t dedupe_fingerprint(const char *method, const uint8_t *payload, size_t len);

/* Entries kept now (in flight included); for tests. */
size_t dedupe_count(struct dedupe *dd);

#endif
