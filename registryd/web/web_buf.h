/*
 * web_buf.h - a growable output buffer for one page, with a hard cap (curl's dynbuf habit).
 *
 * Errors are sticky: once an append fails (no memory, or the cap) every later append is a
 * no-op and wbuf_failed() says so, so page code appends without checking each call.
 */
#ifndef REGISTRYD_WEB_BUF_H
#define REGISTRYD_WEB_BUF_H

#include <stdbool.h>
#include <stddef.h>

#define WBUF_MAX ((size_t)32 << 20) /* no page is larger than 32 MiB */

struct wbuf {
	char *p; /* NUL-terminated while not failed; malloc'd, freed by wbuf_release */
	size_t len;
	size_t cap;
	bool failed;
};

/* Appends n bytes of s (raw: the caller has escaped them or they are markup). */
void wbuf_add(struct wbuf *b, const char *s, size_t n);
/* Appends a NUL-terminated string, raw. NULL appends nothing. */
void wbuf_puts(struct wbuf *b, const char *s);
/* Appends printf output, raw: use only with numbers and fixed markup, never stored text. */
void wbuf_printf(struct wbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool wbuf_failed(const struct wbuf *b);
/* Frees the contents; the buffer is empty and usable again. */
void wbuf_release(struct wbuf *b);

#endif
