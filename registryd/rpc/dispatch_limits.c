/* dispatch_limits.c - the default bounds (dispatch_limits.h). */
#include "dedupe.h"
#include "dispatch_limits.h"

void dispatch_limits_default(struct dispatch_limits *l)
{
	*l = (struct dispatch_limits){
		.watch_max_parked = DISPATCH_WATCH_MAX_PARKED,
		.watch_max_wait_ms = DISPATCH_WATCH_MAX_WAIT_MS,
		.watch_max_per_principal = DISPATCH_WATCH_PER_PRINCIPAL,
		.watch_max_per_peer = DISPATCH_WATCH_PER_PEER,
		.watch_max_anonymous = DISPATCH_WATCH_ANONYMOUS,
		.workers = DISPATCH_WORKERS,
		.worker_queue = DISPATCH_WORKER_QUEUE,
		.uploads_max = DISPATCH_UPLOADS_MAX,
		.upload_max_bytes = DISPATCH_UPLOAD_MAX_BYTES,
		.uploads_max_bytes = DISPATCH_UPLOADS_MAX_BYTES,
		.upload_idle_ms = DISPATCH_UPLOAD_IDLE_MS,
		.dedupe_max_entries = DEDUPE_MAX_ENTRIES,
		.dedupe_max_bytes = DEDUPE_MAX_BYTES,
		.dedupe_ttl_ms = DEDUPE_TTL_MS,
		.decode_max_request = DISPATCH_DECODE_MAX_REQUEST,
		.decode_max_total = DISPATCH_DECODE_MAX_TOTAL,
		.max_entries = DISPATCH_MAX_ENTRIES,
		.watch_max_bytes = DISPATCH_WATCH_MAX_BYTES,
		.watch_max_bytes_principal = DISPATCH_WATCH_MAX_BYTES_PRINCIPAL,
		.watch_max_bytes_peer = DISPATCH_WATCH_MAX_BYTES_PEER,
		.watch_max_bytes_anonymous = DISPATCH_WATCH_MAX_BYTES_ANONYMOUS,
		.writes_per_principal = DISPATCH_WRITES_PER_PRINCIPAL,
	};
}
