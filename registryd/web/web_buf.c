/*
 * web_buf.c - the growable page buffer (web_buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_buf.h"

static bool grow(struct wbuf *b, size_t need)
{
	size_t cap = b->cap == 0 ? 8192 : b->cap;
	char *p;

	if (b->failed)
		return false;
	if (need > WBUF_MAX) {
		b->failed = true;
		return false;
	}
	if (b->len + need + 1 <= b->cap)
		return true;
	while (cap < b->len + need + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void wbuf_add(struct wbuf *b, const char *s, size_t n)
{
	if (b->len + n > WBUF_MAX) {
		b->failed = true;
		return;
	}
	if (!grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void wbuf_puts(struct wbuf *b, const char *s)
{
	if (s != NULL)
		wbuf_add(b, s, strlen(s));
}

void wbuf_printf(struct wbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		wbuf_add(b, small, (size_t)n);
		return;
	}
	if (b->len + (size_t)n > WBUF_MAX || !grow(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

bool wbuf_failed(const struct wbuf *b)
{
	return b->failed;
}

void wbuf_release(struct wbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}
