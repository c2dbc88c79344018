/*
 * log.h - logfmt lines on stderr.
 *
 * Each line is built in one buffer and written whole, so lines from different threads
 * never interleave. Between log_start() and log_stop() request lines go through a logger
 * thread (see log.c: the request path does no system call for its line); events are
 * written, with every line before them, before log_event() returns. Values that need it are quoted and escaped; values the peer
 * controls (a method name) are escaped, never trusted. Tokens are never logged.
 */
#ifndef REGISTRYD_LOG_H
#define REGISTRYD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_LINE_MAX 1024

/* Starts the logger thread (0, or -1 and lines stay synchronous); log_stop() writes what
 * is left and stops it. Lines are written in the order they were logged either way. */
int log_start(void);
void log_stop(void);

/* Turns request lines off (tests and benchmarks); start-up lines are always written. */
void log_set_requests(bool on);

/* Levels, least important first. Lines below the level set are not written. */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Parses "debug", "info", "warn" or "error"; false for anything else. */
bool log_level_parse(const char *name, enum log_level *out);

/* Sets the least important level written (default LOG_INFO). Request lines are info
 * (INTERNAL ones error). */
void log_set_level(enum log_level level);

/* Whether a line of level would be written (to skip building debug lines). */
bool log_enabled(enum log_level level);

/*
 * Writes "ts=TIME level=LEVEL msg=MSG" (LEVEL one of debug, info, warn, error; an unknown one is
 * written as if error) followed by the extra fields kv, which are already
 * formatted logfmt ("url=tcp://..."; may be NULL). MSG is quoted if it needs it.
 */
void log_event(const char *level, const char *msg, const char *kv);

/* Writes a line as log_event() does, whatever the level set: for the few lines an
 * operator must see (a reload's result). */
void log_always(const char *level, const char *msg, const char *kv);

/* "debug", "info", "warn" or "error". */
const char *log_level_name(enum log_level level);

/*
 * Writes the line of one finished request:
 * ts=... level=info face=F method=M code=C status=NAME us=US request_id=ID [msg="..."]
 * face is the transport the request came through ("nng", "http"; NULL is written "-").
 * msg is written only when code is not 0. INTERNAL errors are level=error.
 */
void log_request(const char *face, const char *method, int code, uint64_t us, uint64_t request_id,
                 const char *msg);

/*
 * Appends key=value to buf (size n, holding a string of length *len), quoting and
 * escaping value when it is empty or holds a space, '=', '"', '\\' or a control byte.
 * Truncates; the result is always a terminated string. A leading space separates it from
 * what is already there.
 */
void log_append_kv(char *buf, size_t n, size_t *len, const char *key, const char *value);

#endif
