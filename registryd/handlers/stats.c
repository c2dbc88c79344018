/*
 * stats.c - the Stats call and the figures behind it, also rendered as
 * Prometheus text for the metrics endpoint (metrics_http.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "metrics.h"
#include "watch.h"

#include "stdreg/v1/registry.pb-c.h"

#define METHOD_PREFIX "/stdreg.v1.Registry/"

const char *stats_method_name(size_t i)
{
	const char *name = dispatch_method_name(i);

	return name != NULL ? name : "";
}

int stats_collect(struct call_env *d, struct stats_figures *out)
{
	struct stats_figures f = { 0 };
	size_t i;

	f.n_methods = metrics_methods(d->metrics);
	f.methods = malloc((f.n_methods + 1) * sizeof f.methods[0]);
	if (f.methods == NULL)
		return RG_ENOMEM;
	for (i = 0; i <= f.n_methods; i++)
		metrics_read(d->metrics, i, &f.methods[i]);
	f.revision = store_revision(d->st);
	store_writer_get_stats(d->writer, &f.writer);
	store_get_info(d->st, &f.store);
	f.connections = metrics_connections(d->metrics);
	f.parked_watches = d->watch != NULL ? watch_hub_parked(d->watch) : 0;
	f.uptime_s = metrics_uptime_s(d->metrics);
	*out = f;
	return RG_OK;
}

void stats_figures_release(struct stats_figures *f)
{
	free(f->methods);
	f->methods = NULL;
}

enum call_result handle_stats(struct call *c)
{
	Stdreg__V1__StatsResponse r = STDREG__V1__STATS_RESPONSE__INIT;
	Stdreg__V1__MethodStats *ms = NULL, **msp = NULL;
	Stdreg__V1__StatusCount *sc = NULL, **scp = NULL;
	struct stats_figures f;
	size_t i, j, nm = 0, ns = 0;
	enum call_result res;

	// The slot's read transaction is reset here (auth let it go): store_get_info may wait.
	if (stats_collect(c->env, &f) != RG_OK)
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
	ms = calloc(f.n_methods + 1, sizeof *ms);
	msp = calloc(f.n_methods + 1, sizeof *msp);
	sc = calloc((f.n_methods + 1) * METRICS_CODES, sizeof *sc);
	scp = calloc((f.n_methods + 1) * METRICS_CODES, sizeof *scp);
	if (ms == NULL || msp == NULL || sc == NULL || scp == NULL)
		goto nomem;
	for (i = 0; i <= f.n_methods; i++) {
		const struct metrics_method *mm = &f.methods[i];
		Stdreg__V1__MethodStats *m = &ms[nm];

		if (mm->count == 0)
			continue;
		stdreg__v1__method_stats__init(m);
		m->method = (char *)stats_method_name(i);
		m->requests = mm->count;
		m->p50_us = metrics_quantile_us(mm, 0.50);
		m->p90_us = metrics_quantile_us(mm, 0.90);
		m->p99_us = metrics_quantile_us(mm, 0.99);
		m->total_us = mm->total_us;
		m->statuses = &scp[ns];
		for (j = 0; j < METRICS_CODES; j++) {
			if (mm->codes[j] == 0)
				continue;
			stdreg__v1__status_count__init(&sc[ns]);
			sc[ns].code = (int32_t)j;
			sc[ns].count = mm->codes[j];
			scp[ns] = &sc[ns];
			ns++;
			m->n_statuses++;
		}
		msp[nm++] = m;
	}
	r.revision = f.revision;
	r.n_methods = nm;
	r.methods = msp;
	r.writer_batches = f.writer.batches;
	r.writer_jobs = f.writer.jobs;
	r.writer_max_batch = f.writer.max_batch;
	r.map_grows = f.writer.map_grows;
	r.store_file_bytes = f.store.file_bytes;
	r.map_bytes = f.store.map_bytes;
	r.map_used_bytes = f.store.used_bytes;
	r.map_max_bytes = f.store.max_map_bytes;
	r.open_connections = f.connections;
	r.parked_watches = f.parked_watches;
	r.uptime_seconds = f.uptime_s;
	r.version = STDREG_VERSION;
	c->revision = f.revision;
	res = call_reply_message(c, &r.base);
	goto out;
nomem:
	res = call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");
out:
	free(ms);
	free(msp);
	free(sc);
	free(scp);
	stats_figures_release(&f);
	return res;
}

/* --- Prometheus text format 0.0.4 ------------------------------------------------------ */

struct text {
	char *buf;
	size_t len, cap;
	bool nomem;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->nomem)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->nomem = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap * 2 + (size_t)n + 1;
		char *nb = realloc(t->buf, cap);
		if (nb == NULL) {
			t->nomem = true;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
}

static void metric(struct text *t, const char *name, const char *type, const char *help)
{
	add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The label value of row i: the method without its service prefix. Method names are
 * from our own table ([A-Za-z]), so they need no escaping. */
static const char *label_of(size_t i, size_t n)
{
	const char *name = stats_method_name(i);

	if (i >= n || *name == '\0')
		return "unknown";
	return strncmp(name, METHOD_PREFIX, strlen(METHOD_PREFIX)) == 0
	               ? name + strlen(METHOD_PREFIX)
	               : name;
}

static void gauge(struct text *t, const char *name, const char *help, uint64_t v)
{
	metric(t, name, "gauge", help);
	add(t, "%s %llu\n", name, (unsigned long long)v);
}

static void counter(struct text *t, const char *name, const char *help, uint64_t v)
{
	metric(t, name, "counter", help);
	add(t, "%s %llu\n", name, (unsigned long long)v);
}

int stats_prometheus(const struct stats_figures *f, char **out, size_t *len)
{
	struct text t = { .cap = 16384 };
	size_t i, j;

	t.buf = malloc(t.cap);
	if (t.buf == NULL)
		return RG_ENOMEM;
	t.buf[0] = '\0';

	metric(&t, "stdreg_requests_total", "counter",
	       "Requests answered, by method and gRPC status code.");
	for (i = 0; i <= f->n_methods; i++)
		for (j = 0; j < METRICS_CODES; j++)
			if (f->methods[i].codes[j] > 0)
				add(&t, "stdreg_requests_total{method=\"%s\",code=\"%s\"} %llu\n",
				    label_of(i, f->n_methods), status_name((int)j),
				    (unsigned long long)f->methods[i].codes[j]);

	metric(&t, "stdreg_request_duration_seconds", "histogram",
	       "Time from receipt of a request to its reply, by method.");
	for (i = 0; i <= f->n_methods; i++) {
		const struct metrics_method *mm = &f->methods[i];
		const char *m = label_of(i, f->n_methods);
		uint64_t cum = 0;

		if (mm->count == 0)
			continue;
		for (j = 0; j + 1 < METRICS_BUCKETS; j++) {
			cum += mm->buckets[j];
			add(&t,
			    "stdreg_request_duration_seconds_bucket{method=\"%s\",le=\"%.6f\"} "
			    "%llu\n",
			    m, (double)metrics_bucket_bound_us(j) / 1e6, (unsigned long long)cum);
		}
		cum += mm->buckets[METRICS_BUCKETS - 1];
		add(&t, "stdreg_request_duration_seconds_bucket{method=\"%s\",le=\"+Inf\"} %llu\n",
		    m, (unsigned long long)cum);
		add(&t, "stdreg_request_duration_seconds_sum{method=\"%s\"} %.6f\n", m,
		    (double)mm->total_us / 1e6);
		add(&t, "stdreg_request_duration_seconds_count{method=\"%s\"} %llu\n", m,
		    (unsigned long long)cum);
	}

	gauge(&t, "stdreg_revision", "The store's last committed revision.", f->revision);
	counter(&t, "stdreg_writer_batches_total",
	        "Commits of the writer, one flush of the commit log each.", f->writer.batches);
	counter(&t, "stdreg_log_records_total",
	        "Commits made durable by a record in the commit log (data.wal).",
	        f->store.log_records);
	counter(&t, "stdreg_log_checkpoints_total",
	        "Checkpoints: data.mdb flushed up to a commit, the log's older records freed.",
	        f->store.log_checkpoints);
	gauge(&t, "stdreg_log_failed",
	      "1 when a failed write or flush stopped commits (restart registryd to recover).",
	      f->store.log_failed);
	counter(&t, "stdreg_writer_jobs_total", "Write requests committed by the writer.",
	        f->writer.jobs);
	gauge(&t, "stdreg_writer_max_batch_jobs", "The most write requests in one commit.",
	      f->writer.max_batch);
	counter(&t, "stdreg_map_grows_total", "Times the LMDB map was grown.", f->writer.map_grows);
	gauge(&t, "stdreg_store_file_bytes", "Size of the store's data file on disk.",
	      f->store.file_bytes);
	gauge(&t, "stdreg_map_size_bytes", "Size of the LMDB map.", f->store.map_bytes);
	gauge(&t, "stdreg_map_used_bytes", "Bytes of the LMDB map in use.", f->store.used_bytes);
	gauge(&t, "stdreg_map_max_bytes", "The size the LMDB map may grow to.",
	      f->store.max_map_bytes);
	gauge(&t, "stdreg_open_connections", "Open client connections.", f->connections);
	gauge(&t, "stdreg_parked_watches", "Watch calls waiting for a change.", f->parked_watches);
	gauge(&t, "stdreg_uptime_seconds", "Seconds since registryd started.", f->uptime_s);
	metric(&t, "stdreg_build_info", "gauge", "The version of registryd, as a label.");
	add(&t, "stdreg_build_info{version=\"%s\"} 1\n", STDREG_VERSION);

	if (t.nomem) {
		free(t.buf);
		return RG_ENOMEM;
	}
	*out = t.buf;
	*len = t.len;
	return RG_OK;
}
