/*
 * log.c - logfmt to stderr, one write(2) per line.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "status.h"

static atomic_bool log_requests_on = true;
static atomic_int log_min_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_WARN] = "warn",
	[LOG_ERROR] = "error",
};

void log_set_requests(bool on)
{
	atomic_store(&log_requests_on, on);
}

bool log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	return false;
}

void log_set_level(enum log_level level)
{
	atomic_store(&log_min_level, (int)level);
}

bool log_enabled(enum log_level level)
{
	return (int)level >= atomic_load_explicit(&log_min_level, memory_order_relaxed);
}

static void append_raw(char *buf, size_t n, size_t *len, const char *s, size_t k)
{
	if (*len + 1 >= n)
		return;
	if (k > n - 1 - *len)
		k = n - 1 - *len;
	memcpy(buf + *len, s, k);
	*len += k;
	buf[*len] = '\0';
}

static bool needs_quotes(const char *v)
{
	const unsigned char *p;

	if (*v == '\0')
		return true;
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' || *p == 0x7f)
			return true;
	return false;
}

void log_append_kv(char *buf, size_t n, size_t *len, const char *key, const char *value)
{
	const unsigned char *p;
	char esc[8];

	if (*len > 0)
		append_raw(buf, n, len, " ", 1);
	append_raw(buf, n, len, key, strlen(key));
	append_raw(buf, n, len, "=", 1);
	if (!needs_quotes(value)) {
		append_raw(buf, n, len, value, strlen(value));
		return;
	}
	append_raw(buf, n, len, "\"", 1);
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			append_raw(buf, n, len, esc, 2);
		} else if (*p == '\n') {
			append_raw(buf, n, len, "\\n", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", *p);
			append_raw(buf, n, len, esc, 4);
		} else {
			append_raw(buf, n, len, (const char *)p, 1);
		}
	}
	// Keep the closing quote even when the value was cut short.
	if (*len + 2 > n)
		*len = n - 2;
	append_raw(buf, n, len, "\"", 1);
}

/* Ends the line and writes it with one write(2); a short write is retried from where it
 * stopped, a failed one is dropped (there is nowhere else to report it). */
static void write_line(char *buf, size_t n, size_t len)
{
	size_t off = 0;
	ssize_t w;

	if (len + 1 >= n)
		len = n - 2;
	buf[len++] = '\n';
	while (off < len) {
		w = write(STDERR_FILENO, buf + off, len - off);
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

static void append_ts(char *buf, size_t n, size_t *len)
{
	struct timespec ts;
	struct tm tm;
	char v[96];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(v, sizeof v, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	log_append_kv(buf, n, len, "ts", v);
}

void log_event(const char *level, const char *msg, const char *kv)
{
	char buf[LOG_LINE_MAX];
	size_t len = 0;
	enum log_level lv;

	if (!log_level_parse(level, &lv))
		lv = LOG_ERROR;
	if (!log_enabled(lv))
		return;
	buf[0] = '\0';
	log_append_kv(buf, sizeof buf, &len, "level", level);
	log_append_kv(buf, sizeof buf, &len, "msg", msg);
	if (kv != NULL && *kv != '\0') {
		append_raw(buf, sizeof buf, &len, " ", 1);
		append_raw(buf, sizeof buf, &len, kv, strlen(kv));
	}
	write_line(buf, sizeof buf, len);
}

void log_request(const char *method, int code, uint64_t us, uint64_t request_id, const char *msg)
{
	char buf[LOG_LINE_MAX];
	char num[24];
	char m[160];
	size_t len = 0;

	if (!atomic_load(&log_requests_on) ||
	    !log_enabled(code == GRPC_INTERNAL ? LOG_ERROR : LOG_INFO))
		return;
	buf[0] = '\0';
	append_ts(buf, sizeof buf, &len);
	log_append_kv(buf, sizeof buf, &len, "level", code == GRPC_INTERNAL ? "error" : "info");
	// The method may be anything the peer sent: bound it before escaping it.
	snprintf(m, sizeof m, "%s", method != NULL && *method != '\0' ? method : "-");
	log_append_kv(buf, sizeof buf, &len, "method", m);
	snprintf(num, sizeof num, "%d", code);
	log_append_kv(buf, sizeof buf, &len, "code", num);
	log_append_kv(buf, sizeof buf, &len, "status", status_name(code));
	snprintf(num, sizeof num, "%llu", (unsigned long long)us);
	log_append_kv(buf, sizeof buf, &len, "us", num);
	snprintf(num, sizeof num, "%llu", (unsigned long long)request_id);
	log_append_kv(buf, sizeof buf, &len, "request_id", num);
	if (code != GRPC_OK && msg != NULL)
		log_append_kv(buf, sizeof buf, &len, "msg", msg);
	write_line(buf, sizeof buf, len);
}
