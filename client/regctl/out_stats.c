/*
 * out_stats.c - the table of regctl stats: the daemon's figures for people. Scripts use
 * -o json, the StatsResponse's JSON mapping (zero values absent).
 */
#include <ctype.h>
#include <string.h>

#include "regctl.h"

#define METHOD_PREFIX "/stdreg.v1.Registry/"

static unsigned long long u64(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0
	               ? (unsigned long long)json_integer_value(v)
	               : 0;
}

/* Writes bytes as "12.3 MiB". */
static void bytes(FILE *f, unsigned long long b)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)b;
	size_t i = 0;

	while (v >= 1024 && i + 1 < sizeof unit / sizeof unit[0]) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		fprintf(f, "%llu B", b);
	else
		fprintf(f, "%.1f %s", v, unit[i]);
}

/* Writes a latency in microseconds as "850us", "12ms" or "3.2s". */
static void latency(FILE *f, unsigned long long us)
{
	char buf[32];

	if (us < 1000)
		snprintf(buf, sizeof buf, "%lluus", us);
	else if (us < 1000000)
		snprintf(buf, sizeof buf, "%llums", us / 1000);
	else
		snprintf(buf, sizeof buf, "%.1fs", (double)us / 1e6);
	fprintf(f, "  %8s", buf);
}

int table_stats(FILE *f, const json_t *resp)
{
	const json_t *methods = json_object_get(resp, "methods"), *m, *s;
	unsigned long long up = u64(resp, "uptime_seconds"), map = u64(resp, "map_bytes");
	size_t i, j;

	fprintf(f, "registryd %s, up %llud %02lluh %02llum %02llus, revision %llu\n",
	        json_string_value(json_object_get(resp, "version")) != NULL
	                ? json_string_value(json_object_get(resp, "version"))
	                : "-",
	        up / 86400, up / 3600 % 24, up / 60 % 60, up % 60, u64(resp, "revision"));
	fputs("store: file ", f);
	bytes(f, u64(resp, "store_file_bytes"));
	fputs(", map ", f);
	bytes(f, map);
	fprintf(f, " (%.1f%% used), quota ",
	        map > 0 ? 100.0 * (double)u64(resp, "map_used_bytes") / (double)map : 0.0);
	bytes(f, u64(resp, "map_max_bytes"));
	fprintf(f, ", grown %llu times\n", u64(resp, "map_grows"));
	fprintf(f, "writer: %llu commits, %llu writes, at most %llu in one commit\n",
	        u64(resp, "writer_batches"), u64(resp, "writer_jobs"),
	        u64(resp, "writer_max_batch"));
	fprintf(f, "connections: %llu, parked watches: %llu\n\n", u64(resp, "open_connections"),
	        u64(resp, "parked_watches"));

	fprintf(f, "%-18s  %8s  %8s  %8s  %8s  %8s  %8s\n", "METHOD", "REQUESTS", "OK", "ERRORS",
	        "P50", "P90", "P99");
	json_array_foreach(methods, i, m)
	{
		const char *name = json_string_value(json_object_get(m, "method"));
		unsigned long long n = u64(m, "requests"), ok = 0;

		if (name == NULL || *name == '\0')
			name = "(unknown)";
		else if (strncmp(name, METHOD_PREFIX, strlen(METHOD_PREFIX)) == 0)
			name += strlen(METHOD_PREFIX);
		// The JSON mapping leaves zero out: a status without "code" is OK.
		json_array_foreach(json_object_get(m, "statuses"), j, s)
		{
			if (u64(s, "code") == 0)
				ok += u64(s, "count");
		}
		fprintf(f, "%-18s  %8llu  %8llu  %8llu", name, n, ok, n - ok);
		latency(f, u64(m, "p50_us"));
		latency(f, u64(m, "p90_us"));
		latency(f, u64(m, "p99_us"));
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

json_t *json_stats(const json_t *resp)
{
	json_t *out = json_deep_copy(resp), *m, *st;
	size_t i, j;

	json_array_foreach(json_object_get(out, "methods"), i, m)
	{
		json_array_foreach(json_object_get(m, "statuses"), j, st)
		{
			// "not found" -> "NOT_FOUND", as /metrics labels it; OK's code is absent.
			const char *name = stdreg_code_name((int)u64(st, "code"));
			char upper[32];
			size_t k;

			for (k = 0; name[k] != '\0' && k + 1 < sizeof(upper); k++)
				upper[k] = name[k] == ' ' ? '_'
				                          : (char)toupper((unsigned char)name[k]);
			upper[k] = '\0';
			json_object_del(st, "code");
			json_object_set_new(st, "status", json_string(upper));
		}
	}
	return out;
}
