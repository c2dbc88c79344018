/*
 * metrics.c - lock-free request counters and log2 latency histograms.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "metrics.h"

struct metrics_row {
	atomic_uint_fast64_t codes[METRICS_CODES];
	atomic_uint_fast64_t buckets[METRICS_BUCKETS];
	atomic_uint_fast64_t total_us;
};

struct metrics {
	size_t n;                  /* method rows; row n counts unknown methods */
	atomic_int_fast64_t conns; /* open connections */
	uint64_t started_s;        /* CLOCK_MONOTONIC */
	struct metrics_row rows[]; /* n + 1 */
};

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

int metrics_new(struct metrics **out, size_t n_methods)
{
	struct metrics *m;
	size_t i, j;

	m = malloc(sizeof *m + (n_methods + 1) * sizeof m->rows[0]);
	if (m == NULL)
		return RG_ENOMEM;
	m->n = n_methods;
	atomic_init(&m->conns, 0);
	m->started_s = now_s();
	for (i = 0; i <= n_methods; i++) {
		for (j = 0; j < METRICS_CODES; j++)
			atomic_init(&m->rows[i].codes[j], 0);
		for (j = 0; j < METRICS_BUCKETS; j++)
			atomic_init(&m->rows[i].buckets[j], 0);
		atomic_init(&m->rows[i].total_us, 0);
	}
	*out = m;
	return RG_OK;
}

void metrics_free(struct metrics *m)
{
	free(m);
}

/* The bucket of a latency: the number of bits of us (0 -> 0, 1 -> 1, 2..3 -> 2, ...). */
static size_t bucket_of(uint64_t us)
{
	size_t b = us == 0 ? 0 : (size_t)(64 - __builtin_clzll(us));

	return b < METRICS_BUCKETS ? b : METRICS_BUCKETS - 1;
}

void metrics_record(struct metrics *m, size_t i, int code, uint64_t us)
{
	struct metrics_row *r;

	if (m == NULL)
		return;
	r = &m->rows[i < m->n ? i : m->n];
	if (code < 0 || code >= METRICS_CODES)
		code = 2; /* UNKNOWN */
	atomic_fetch_add_explicit(&r->codes[code], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->buckets[bucket_of(us)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->total_us, us, memory_order_relaxed);
}

void metrics_connections_add(struct metrics *m, int delta)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->conns, delta, memory_order_relaxed);
}

void metrics_read(const struct metrics *m, size_t i, struct metrics_method *out)
{
	const struct metrics_row *r = &m->rows[i < m->n ? i : m->n];
	size_t j;

	out->count = 0;
	for (j = 0; j < METRICS_CODES; j++) {
		out->codes[j] = atomic_load_explicit(&r->codes[j], memory_order_relaxed);
		out->count += out->codes[j];
	}
	for (j = 0; j < METRICS_BUCKETS; j++)
		out->buckets[j] = atomic_load_explicit(&r->buckets[j], memory_order_relaxed);
	out->total_us = atomic_load_explicit(&r->total_us, memory_order_relaxed);
}

size_t metrics_methods(const struct metrics *m)
{
	return m->n;
}

uint64_t metrics_connections(const struct metrics *m)
{
	int_fast64_t c = atomic_load_explicit(&m->conns, memory_order_relaxed);

	return c > 0 ? (uint64_t)c : 0;
}

uint64_t metrics_uptime_s(const struct metrics *m)
{
	return now_s() - m->started_s;
}

uint64_t metrics_bucket_bound_us(size_t i)
{
	if (i >= METRICS_BUCKETS - 1)
		return UINT64_MAX;
	return (uint64_t)1 << i;
}

uint64_t metrics_quantile_us(const struct metrics_method *mm, double q)
{
	uint64_t total = 0, seen = 0, rank;
	size_t i;

	for (i = 0; i < METRICS_BUCKETS; i++)
		total += mm->buckets[i];
	if (total == 0)
		return 0;
	// The rank of the quantile, 1-based: the smallest latency with q of all at or below it.
	rank = (uint64_t)(q * (double)total + 0.999999);
	if (rank == 0)
		rank = 1;
	if (rank > total)
		rank = total;
	for (i = 0; i < METRICS_BUCKETS; i++) {
		seen += mm->buckets[i];
		if (seen >= rank)
			break;
	}
	if (i >= METRICS_BUCKETS - 1)
		return metrics_bucket_bound_us(METRICS_BUCKETS - 2) * 2;
	return metrics_bucket_bound_us(i);
}
