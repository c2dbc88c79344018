/*
 * bench_httpc.c - a keep-alive HTTP/1.1 client over a plain socket, one per load thread:
 * POST with a body of any content type, the answer's body by Content-Length or chunked.
 * Used for etcd's JSON gateway and for registryd's HTTP face alike, so both pay the same
 * client cost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench.h"

int http_conn_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons((uint16_t)port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct timeval tv = { 30, 0 };

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Reads until buf holds at least want bytes. */
static bool fill_to(struct http_conn *h, size_t want)
{
	while (h->len < want) {
		ssize_t k;
		if (want > sizeof h->buf)
			return false;
		k = read(h->fd, h->buf + h->len, sizeof h->buf - h->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		h->len += (size_t)k;
	}
	return true;
}

int http_conn_post(struct http_conn *h, const char *path, const char *ctype, const void *req,
                   size_t req_len, char **body, size_t *body_len)
{
	char head[256];
	int hn = snprintf(head, sizeof head,
	                  "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
	                  "Content-Length: %zu\r\n\r\n",
	                  path, ctype, req_len);
	char *end = NULL, *p;
	size_t hlen, clen = 0;
	int status;
	bool chunked;

	if (!write_all(h->fd, head, (size_t)hn) || !write_all(h->fd, req, req_len))
		return -1;
	h->len = 0;
	while ((end = memmem(h->buf, h->len, "\r\n\r\n", 4)) == NULL)
		if (!fill_to(h, h->len + 1))
			return -1;
	hlen = (size_t)(end - h->buf) + 4;
	*end = '\0';
	if (sscanf(h->buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	chunked = strcasestr(h->buf, "transfer-encoding: chunked") != NULL;
	if ((p = strcasestr(h->buf, "content-length:")) != NULL)
		clen = strtoul(p + 15, NULL, 10);
	if (!chunked) {
		if (hlen + clen >= sizeof h->buf || !fill_to(h, hlen + clen))
			return -1;
		memmove(h->buf, h->buf + hlen, clen);
		h->buf[clen] = '\0';
		*body = h->buf;
		if (body_len != NULL)
			*body_len = clen;
		return status;
	}
	// Chunked: decode in place into the front of buf.
	size_t out = 0, pos = hlen;
	for (;;) {
		char *nl;
		size_t n;
		while ((nl = memmem(h->buf + pos, h->len - pos, "\r\n", 2)) == NULL)
			if (!fill_to(h, h->len + 1))
				return -1;
		n = strtoul(h->buf + pos, NULL, 16);
		pos = (size_t)(nl - h->buf) + 2;
		if (!fill_to(h, pos + n + 2))
			return -1;
		if (n == 0)
			break;
		memmove(h->buf + out, h->buf + pos, n);
		out += n;
		pos += n + 2;
	}
	h->buf[out] = '\0';
	*body = h->buf;
	if (body_len != NULL)
		*body_len = out;
	return status;
}
