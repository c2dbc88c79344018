/*
 * dispatch_limits.h - the bounds on what callers may hold in the daemon (parked watches, workers,
 * staged uploads, resend memory, decoding), read by the dispatcher and by the modules that
 * enforce them (watch.c, uploads.c, dedupe.c).
 */
#ifndef REGISTRYD_DISPATCH_LIMITS_H
#define REGISTRYD_DISPATCH_LIMITS_H

#include <stddef.h>
#include <stdint.h>

/* Bounds on what callers may hold in the daemon; dispatch_limits_default() fills them. */
struct dispatch_limits {
	uint32_t watch_max_parked;        /* parked Watch calls; beyond: RESOURCE_EXHAUSTED */
	uint32_t watch_max_per_principal; /* parked Watch calls of one principal */
	uint32_t watch_max_per_peer;      /* ... of anonymous callers from one peer (address) */
	uint32_t watch_max_anonymous;     /* ... of all anonymous callers together */
	uint32_t watch_max_wait_ms;       /* wait_ms is capped to this */
	uint32_t workers;          /* threads for long_running methods (Report, Mine, Export) */
	uint32_t worker_queue;     /* calls waiting for a worker; beyond: RESOURCE_EXHAUSTED */
	uint32_t uploads_max;      /* staged bulk uploads at once */
	size_t upload_max_bytes;   /* decoded bytes staged in one principal's uploads */
	size_t uploads_max_bytes;  /* decoded bytes staged in all uploads together */
	uint32_t upload_idle_ms;   /* an upload untouched this long is dropped */
	size_t dedupe_max_entries; /* writes remembered for resends (dedupe.h) */
	size_t dedupe_max_bytes;   /* bytes of their replies */
	uint32_t dedupe_ttl_ms;    /* how long a reply is remembered */
	/* Decoding (wirecheck.h): estimated bytes unpacking may allocate. */
	size_t decode_max_request;        /* for one request's payload */
	size_t decode_max_total;          /* for every request being handled or parked together */
	uint32_t max_entries;             /* entries of one repeated field of a payload */
	size_t watch_max_bytes;           /* decoded bytes of all parked watches */
	size_t watch_max_bytes_principal; /* ... of one principal's */
	size_t watch_max_bytes_peer;      /* ... of anonymous callers' from one peer */
	size_t watch_max_bytes_anonymous; /* ... of all anonymous callers' */
	uint32_t writes_per_principal;    /* writes in flight of one principal; 0 = no bound */
};

#define DISPATCH_WATCH_MAX_PARKED          1024
#define DISPATCH_WATCH_MAX_WAIT_MS         60000
#define DISPATCH_WATCH_PER_PRINCIPAL       256
#define DISPATCH_WATCH_PER_PEER            64
#define DISPATCH_WATCH_ANONYMOUS           512
#define DISPATCH_WORKERS                   2
#define DISPATCH_WORKER_QUEUE              256
#define DISPATCH_UPLOADS_MAX               64
#define DISPATCH_UPLOAD_MAX_BYTES          (256u << 20)
#define DISPATCH_UPLOADS_MAX_BYTES         (512u << 20)
#define DISPATCH_UPLOAD_IDLE_MS            (10 * 60 * 1000)
#define DISPATCH_DECODE_MAX_REQUEST        ((size_t)64 << 20)
#define DISPATCH_DECODE_MAX_TOTAL          ((size_t)512 << 20)
#define DISPATCH_MAX_ENTRIES               (1u << 18)
#define DISPATCH_WATCH_MAX_BYTES           ((size_t)64 << 20)
#define DISPATCH_WATCH_MAX_BYTES_PRINCIPAL ((size_t)16 << 20)
#define DISPATCH_WATCH_MAX_BYTES_PEER      ((size_t)4 << 20)
#define DISPATCH_WATCH_MAX_BYTES_ANONYMOUS ((size_t)32 << 20)
#define DISPATCH_WRITES_PER_PRINCIPAL      64
/* The envelope, checked before it is decoded (before authentication): its metadata
 * entries, and the bytes decoding may take beyond the payload's own copy. */
#define DISPATCH_ENVELOPE_MAX_ENTRIES 64
#define DISPATCH_ENVELOPE_SLACK       ((size_t)64 << 10)

void dispatch_limits_default(struct dispatch_limits *l);

#endif
