/*
 * log.c - logfmt to stderr: events written at once, request lines through a logger thread.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
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

/* Writes all of buf; a short write is retried from where it stopped, a failed one is
 * dropped (there is nowhere else to report it). */
static void write_all(const char *buf, size_t len)
{
	size_t off = 0;
	ssize_t w;

	while (off < len) {
		w = write(STDERR_FILENO, buf + off, len - off);
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/*
 * The sink. Until log_start() (and after log_stop()) every line is written at once, with
 * one write(2). In between, lines are appended to a buffer that a logger thread writes:
 * a request then costs a memcpy instead of a system call and a wake-up, and many lines go
 * out in one write. The first line into an empty buffer wakes the logger, which gathers
 * for SINK_GATHER_MS (or until the buffer is half full) and writes the lot: an idle daemon
 * does not wake at all, a busy one about 50 times a second. Events (log_event) are
 * written, with every line before them, before log_event() returns, so start-up, errors
 * and shutdown are never held back; request lines of the last SINK_GATHER_MS may be lost
 * only if the process is killed (SIGKILL).
 */
#define SINK_CAP       (64 * 1024)
#define SINK_GATHER_MS 20

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;     /* for the logger: there are lines, or stop */
	pthread_cond_t progress; /* for appenders: the buffer was taken or written */
	char *buf, *spare;       /* lines gathering; the batch being written */
	size_t len;
	uint64_t appended, written; /* bytes ever appended and written: who waits for what */
	bool running, stop;
	bool flush; /* an event waits: write without gathering */
	pthread_t thread;
} sink = { .lock = PTHREAD_MUTEX_INITIALIZER,
	   .wake = PTHREAD_COND_INITIALIZER,
	   .progress = PTHREAD_COND_INITIALIZER };

/* Lets lines gather for SINK_GATHER_MS, unless woken early (half full, event, stop). */
static void gather(void)
{
	struct timespec until = clock_deadline_in(CLOCK_REALTIME, SINK_GATHER_MS);

	pthread_cond_timedwait(&sink.wake, &sink.lock, &until);
}

static void *logger_main(void *arg)
{
	char *batch;
	size_t n;

	(void)arg;
	pthread_mutex_lock(&sink.lock);
	for (;;) {
		while (sink.len == 0 && !sink.stop)
			pthread_cond_wait(&sink.wake, &sink.lock);
		if (sink.len == 0)
			break;
		if (!sink.stop && !sink.flush && sink.len < SINK_CAP / 2)
			gather();
		batch = sink.buf;
		n = sink.len;
		sink.buf = sink.spare;
		sink.spare = batch;
		sink.len = 0;
		sink.flush = false;
		pthread_cond_broadcast(&sink.progress);
		pthread_mutex_unlock(&sink.lock);
		write_all(batch, n);
		pthread_mutex_lock(&sink.lock);
		sink.written += n;
		pthread_cond_broadcast(&sink.progress);
	}
	pthread_mutex_unlock(&sink.lock);
	return NULL;
}

int log_start(void)
{
	char *a = malloc(SINK_CAP), *b = malloc(SINK_CAP);

	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return -1;
	}
	pthread_mutex_lock(&sink.lock);
	sink.buf = a;
	sink.spare = b;
	sink.len = 0;
	sink.stop = false;
	sink.running = pthread_create(&sink.thread, NULL, logger_main, NULL) == 0;
	if (sink.running)
		pthread_setname_np(sink.thread, "stdreg:log");
	pthread_mutex_unlock(&sink.lock);
	if (!sink.running) {
		free(a);
		free(b);
		return -1;
	}
	return 0;
}

void log_stop(void)
{
	pthread_mutex_lock(&sink.lock);
	if (!sink.running) {
		pthread_mutex_unlock(&sink.lock);
		return;
	}
	sink.stop = true;
	pthread_cond_signal(&sink.wake);
	pthread_mutex_unlock(&sink.lock);
	pthread_join(sink.thread, NULL);
	pthread_mutex_lock(&sink.lock);
	sink.running = false;
	free(sink.buf);
	free(sink.spare);
	sink.buf = sink.spare = NULL;
	pthread_mutex_unlock(&sink.lock);
}

/* Ends the line in buf and hands it to the sink; wait: return once it is written. */
static void emit(char *buf, size_t n, size_t len, bool wait)
{
	uint64_t end;

	if (len + 1 >= n)
		len = n - 2;
	buf[len++] = '\n';
	pthread_mutex_lock(&sink.lock);
	if (!sink.running) {
		// Written under the lock, so that a late line cannot pass one being stopped.
		write_all(buf, len);
		pthread_mutex_unlock(&sink.lock);
		return;
	}
	while (sink.len + len > SINK_CAP)
		pthread_cond_wait(&sink.progress, &sink.lock); /* the logger is behind: wait */
	memcpy(sink.buf + sink.len, buf, len);
	// Wake the logger for the first line (it then gathers), when half full, or for an
	// event, which is not held back.
	if (sink.len == 0 || (sink.len < SINK_CAP / 2 && sink.len + len >= SINK_CAP / 2) || wait) {
		sink.flush = sink.flush || wait;
		pthread_cond_signal(&sink.wake);
	}
	sink.len += len;
	sink.appended += len;
	end = sink.appended;
	while (wait && sink.written < end)
		pthread_cond_wait(&sink.progress, &sink.lock);
	pthread_mutex_unlock(&sink.lock);
}

/* Appends v in decimal: the request log's numbers without printf. */
static void append_u64(char *buf, size_t n, size_t *len, uint64_t v)
{
	char d[20];
	size_t k = sizeof d;

	do {
		d[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	append_raw(buf, n, len, d + k, sizeof d - k);
}

/* Two digits of v (0..99) at p. */
static void two_digits(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/*
 * ts=YYYY-MM-DDTHH:MM:SS.mmmZ. Every request logs one, so each thread keeps the text of
 * the second it last formatted and only writes the milliseconds anew within it.
 */
static void append_ts(char *buf, size_t n, size_t *len)
{
	static _Thread_local time_t cached_sec = -1;
	static _Thread_local char text[sizeof "2026-11-27T12:00:00.000Z"];
	struct timespec ts;
	struct tm tm;
	int ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		memcpy(text, "0000-00-00T00:00:00.000Z", sizeof text);
		two_digits(text, (tm.tm_year + 1900) / 100);
		two_digits(text + 2, (tm.tm_year + 1900) % 100);
		two_digits(text + 5, tm.tm_mon + 1);
		two_digits(text + 8, tm.tm_mday);
		two_digits(text + 11, tm.tm_hour);
		two_digits(text + 14, tm.tm_min);
		two_digits(text + 17, tm.tm_sec);
		cached_sec = ts.tv_sec;
	}
	ms = (int)(ts.tv_nsec / 1000000);
	text[20] = (char)('0' + ms / 100);
	two_digits(text + 21, ms % 100);
	append_raw(buf, n, len, "ts=", 3);
	append_raw(buf, n, len, text, sizeof text - 1);
}

/* One event line: ts, level, msg, then kv. */
static void write_event(const char *level, const char *msg, const char *kv)
{
	char buf[LOG_LINE_MAX];
	size_t len = 0;

	buf[0] = '\0';
	append_ts(buf, sizeof buf, &len);
	log_append_kv(buf, sizeof buf, &len, "level", level);
	log_append_kv(buf, sizeof buf, &len, "msg", msg);
	if (kv != NULL && *kv != '\0') {
		append_raw(buf, sizeof buf, &len, " ", 1);
		append_raw(buf, sizeof buf, &len, kv, strlen(kv));
	}
	emit(buf, sizeof buf, len, true);
}

void log_event(const char *level, const char *msg, const char *kv)
{
	enum log_level lv;

	if (!log_level_parse(level, &lv))
		lv = LOG_ERROR;
	if (log_enabled(lv))
		write_event(level, msg, kv);
}

void log_always(const char *level, const char *msg, const char *kv)
{
	write_event(level, msg, kv);
}

const char *log_level_name(enum log_level level)
{
	return level >= LOG_DEBUG && level <= LOG_ERROR ? level_names[level] : "error";
}

/* Appends " key=" for a value written by the caller (a number or a known word). */
static void append_key(char *buf, size_t n, size_t *len, const char *key, size_t klen)
{
	append_raw(buf, n, len, " ", 1);
	append_raw(buf, n, len, key, klen);
	append_raw(buf, n, len, "=", 1);
}

void log_request(const char *face, const char *method, int code, uint64_t us, uint64_t request_id,
                 const char *msg)
{
	char buf[LOG_LINE_MAX];
	char m[160];
	size_t len = 0, k;

	if (!atomic_load(&log_requests_on) ||
	    !log_enabled(code == GRPC_INTERNAL ? LOG_ERROR : LOG_INFO))
		return;
	buf[0] = '\0';
	append_ts(buf, sizeof buf, &len);
	log_append_kv(buf, sizeof buf, &len, "level", code == GRPC_INTERNAL ? "error" : "info");
	log_append_kv(buf, sizeof buf, &len, "face", face != NULL && *face != '\0' ? face : "-");
	// The method may be anything the peer sent: bound it before escaping it.
	if (method == NULL || *method == '\0')
		method = "-";
	k = strnlen(method, sizeof m - 1);
	memcpy(m, method, k);
	m[k] = '\0';
	log_append_kv(buf, sizeof buf, &len, "method", m);
	append_key(buf, sizeof buf, &len, "code", 4);
	append_u64(buf, sizeof buf, &len, (uint64_t)(code < 0 ? 0 : code));
	append_key(buf, sizeof buf, &len, "status", 6);
	append_raw(buf, sizeof buf, &len, status_name(code), strlen(status_name(code)));
	append_key(buf, sizeof buf, &len, "us", 2);
	append_u64(buf, sizeof buf, &len, us);
	append_key(buf, sizeof buf, &len, "request_id", 10);
	append_u64(buf, sizeof buf, &len, request_id);
	if (code != GRPC_OK && msg != NULL)
		log_append_kv(buf, sizeof buf, &len, "msg", msg);
	emit(buf, sizeof buf, len, false);
}
