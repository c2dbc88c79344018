/*
 * metrics.h - request counters and latency histograms of registryd, and the figures of the
 * Stats call and of the Prometheus endpoint.
 *
 * Recording is lock-free: one relaxed atomic add per counter, so the read path pays a few
 * uncontended increments and nothing else. A reader sees each counter exactly, but not all
 * of them at one instant (a request may show in its code's count and not yet in the
 * histogram): fine for monitoring, which is all this is for.
 */
#ifndef REGISTRYD_METRICS_H
#define REGISTRYD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* gRPC codes 0..16; a code outside is counted as UNKNOWN (2). */
#define METRICS_CODES 17
/* Bucket i counts latencies below 2^i microseconds (bucket 0: below 1 us); the last one
 * counts everything from 2^(METRICS_BUCKETS-2) us (about 18 minutes) up. */
#define METRICS_BUCKETS 32

struct metrics;
struct call_env;

/* The counts of one method at one moment. */
struct metrics_method {
	uint64_t codes[METRICS_CODES];
	uint64_t buckets[METRICS_BUCKETS]; /* not cumulative */
	uint64_t count;
	uint64_t total_us;
};

/*
 * Creates the counters of n_methods methods plus one row for requests whose method is not
 * known (row n_methods). Errors: RG_ENOMEM.
 */
int metrics_new(struct metrics **out, size_t n_methods);

/* Frees m; NULL is allowed. */
void metrics_free(struct metrics *m);

/* Counts one finished request of method row i (n_methods: unknown) that ended with code
 * after us microseconds. Safe from any thread; rows past the end count as unknown. */
void metrics_record(struct metrics *m, size_t i, int code, uint64_t us);

/* A connection opened (+1) or closed (-1). Safe from any thread. */
void metrics_connections_add(struct metrics *m, int delta);

/* Reads row i into *out. */
void metrics_read(const struct metrics *m, size_t i, struct metrics_method *out);

/* The number of method rows (without the unknown row). */
size_t metrics_methods(const struct metrics *m);

/* Open connections as counted by metrics_connections_add. */
uint64_t metrics_connections(const struct metrics *m);

/* Seconds since metrics_new. */
uint64_t metrics_uptime_s(const struct metrics *m);

/* The upper bound, in microseconds, of the bucket that holds quantile q (0 < q <= 1) of
 * the latencies of mm; 0 when it has none. The last bucket has no bound: it reports the
 * bound below it, times two. */
uint64_t metrics_quantile_us(const struct metrics_method *mm, double q);

/* The upper bound in microseconds of bucket i (UINT64_MAX for the last). */
uint64_t metrics_bucket_bound_us(size_t i);

/* Everything Stats and the metrics endpoint show, gathered at one moment. */
struct stats_figures {
	uint64_t revision;
	struct store_writer_stats writer;
	struct store_info store;
	uint64_t connections;
	uint32_t parked_watches;
	uint64_t uptime_s;
	size_t n_methods;               /* rows of methods, the last one the unknown row */
	struct metrics_method *methods; /* n_methods + 1 rows; malloc'd */
};

/*
 * Gathers the figures of the daemon whose calls share e (handlers/stats.c; the metrics
 * endpoint reaches it through dispatcher_stats()). Must not be called by a thread that
 * holds a live read transaction. Release with stats_figures_release().
 * Errors: RG_ENOMEM.
 */
int stats_collect(struct call_env *e, struct stats_figures *out);
void stats_figures_release(struct stats_figures *f);

/* The method name of row i ("/stdreg.v1.Registry/GetArea"), or "" for the unknown row. */
const char *stats_method_name(size_t i);

/*
 * Writes the figures as Prometheus text exposition format 0.0.4 into a malloc'd,
 * terminated buffer (*out, length *len). Errors: RG_ENOMEM.
 */
int stats_prometheus(const struct stats_figures *f, char **out, size_t *len);

#endif
