/*
 * metrics_http.c - GET /metrics over a small HTTP/1.1 responder of its own.
 *
 * It used to be nng's HTTP server, which bounds neither its connections nor the time a
 * request may take to arrive, and adds each header line by searching those before it: 2 000
 * half-sent requests held 2 000 descriptors (starving the RPC port), and 781 KB of header
 * lines cost 30 CPU-seconds. A scraper needs none of that, so here everything is bounded:
 *   - at most MH_MAX_CONNS connections at once: beyond, new ones wait in the kernel's
 *     backlog (MH_BACKLOG) until one ends, and the process never holds more descriptors;
 *   - a request must arrive whole (request line and headers, at most MH_REQUEST_MAX bytes)
 *     within MH_TIMEOUT_MS of its connection, or the connection is closed;
 *   - only the request line is read; header lines are never parsed;
 *   - one thread, poll(), and one reply per connection (Connection: close).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "dispatch.h"
#include "metrics_http.h"

#define CONTENT_TYPE   METRICS_HTTP_CONTENT_TYPE
#define MH_MAX_CONNS   8
#define MH_BACKLOG     16
#define MH_REQUEST_MAX 4096
#define MH_TIMEOUT_MS  2000

struct client {
	int fd; /* -1: free */
	uint64_t deadline_ms;
	size_t len;
	char buf[MH_REQUEST_MAX];
};

struct metrics_http {
	int lfd;
	int stop[2]; /* a pipe: written to stop the thread */
	int port;
	pthread_t thread;
	struct dispatcher *d;
	struct client cl[MH_MAX_CONNS];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void log_fail(const char *msg, const char *url, const char *why)
{
	char kv[LOG_LINE_MAX];
	size_t len = 0;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "url", url);
	log_append_kv(kv, sizeof kv, &len, "error", why);
	log_event("error", msg, kv);
}

/* Sends all of buf, waiting at most MH_TIMEOUT_MS for a reader that does not read. */
static void send_all(int fd, const char *buf, size_t len)
{
	struct timeval tv = { MH_TIMEOUT_MS / 1000, (MH_TIMEOUT_MS % 1000) * 1000 };

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void respond(int fd, const char *status, const char *extra, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof head,
	                 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
	                 "Connection: close\r\n\r\n",
	                 status, CONTENT_TYPE, len, extra);

	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

int metrics_http_render(struct dispatcher *d, char **text, size_t *len)
{
	struct stats_figures f;
	int rc;

	if (dispatcher_stats(d, &f) != RG_OK)
		return RG_ENOMEM;
	rc = stats_prometheus(&f, text, len);
	stats_figures_release(&f);
	return rc;
}

/* Answers the request in c (its request line is complete). */
static void answer(struct metrics_http *mh, struct client *c)
{
	char *line = c->buf, *sp1, *sp2, *q;
	char *text = NULL;
	size_t len = 0;

	line[strcspn(line, "\r\n")] = '\0';
	sp1 = strchr(line, ' ');
	sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
	if (sp1 == NULL || sp2 == NULL || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		respond(c->fd, "400 Bad Request", "", "bad request\n", 12);
		return;
	}
	*sp1 = '\0';
	*sp2 = '\0';
	if ((q = strchr(sp1 + 1, '?')) != NULL)
		*q = '\0';
	if (strcmp(line, "GET") != 0) {
		respond(c->fd, "405 Method Not Allowed", "Allow: GET\r\n", "GET only\n", 9);
		return;
	}
	if (strcmp(sp1 + 1, "/metrics") != 0 && strcmp(sp1 + 1, "/") != 0) {
		respond(c->fd, "404 Not Found", "", "not found\n", 10);
		return;
	}
	if (metrics_http_render(mh->d, &text, &len) != RG_OK) {
		respond(c->fd, "500 Internal Server Error", "", "out of memory\n", 14);
		return;
	}
	respond(c->fd, "200 OK", "", text, len);
	free(text);
}

static void client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Reads what c has sent; answers and closes it once its headers have ended. */
static void client_read(struct metrics_http *mh, struct client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (strstr(c->buf, "\r\n\r\n") != NULL || strstr(c->buf, "\n\n") != NULL) {
		answer(mh, c);
		client_close(c);
	} else if (c->len == sizeof c->buf - 1) {
		respond(c->fd, "431 Request Header Fields Too Large", "", "too large\n", 10);
		client_close(c);
	}
}

static void *serve(void *arg)
{
	struct metrics_http *mh = arg;
	struct pollfd pf[MH_MAX_CONNS + 2];
	struct client *of[MH_MAX_CONNS + 2];

	for (;;) {
		uint64_t now = now_ms(), next = UINT64_MAX;
		size_t n = 0, active = 0;
		int timeout;

		pf[n++] = (struct pollfd){ .fd = mh->stop[0], .events = POLLIN };
		for (size_t i = 0; i < MH_MAX_CONNS; i++) {
			struct client *c = &mh->cl[i];

			if (c->fd < 0)
				continue;
			if (c->deadline_ms <= now) {
				client_close(c); /* too slow: half-sent requests hold nothing */
				continue;
			}
			if (c->deadline_ms < next)
				next = c->deadline_ms;
			of[n] = c;
			pf[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
			active++;
		}
		// At the bound the listener is not polled: the kernel's backlog holds the rest.
		if (active < MH_MAX_CONNS) {
			of[n] = NULL;
			pf[n++] = (struct pollfd){ .fd = mh->lfd, .events = POLLIN };
		}
		timeout = next == UINT64_MAX ? -1 : (int)(next - now);
		if (poll(pf, n, timeout) < 0 && errno != EINTR)
			break;
		if (pf[0].revents != 0)
			break;
		for (size_t i = 1; i < n; i++) {
			if (pf[i].revents == 0)
				continue;
			if (of[i] != NULL) {
				client_read(mh, of[i]);
				continue;
			}
			for (size_t k = 0; k < MH_MAX_CONNS; k++) {
				struct client *c = &mh->cl[k];
				int fd;

				if (c->fd >= 0)
					continue;
				fd = accept4(mh->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd >= 0) {
					c->fd = fd;
					c->len = 0;
					c->deadline_ms = now_ms() + MH_TIMEOUT_MS;
				}
				break;
			}
		}
	}
	for (size_t i = 0; i < MH_MAX_CONNS; i++)
		if (mh->cl[i].fd >= 0)
			client_close(&mh->cl[i]);
	return NULL;
}

/* "http://HOST:PORT" or "http://[V6]:PORT", an optional "/" after: host and port. */
static bool parse_url(const char *url, char *host, size_t hn, char *port, size_t pn)
{
	const char *h = url + 7, *end, *colon;
	size_t len;

	if (strncmp(url, "http://", 7) != 0)
		return false;
	end = h + strcspn(h, "/");
	if (*end == '/' && end[1] != '\0')
		return false;
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (close == NULL || close[1] != ':')
			return false;
		len = (size_t)(close - h - 1);
		h++;
		colon = close + 1;
	} else {
		colon = memrchr(h, ':', (size_t)(end - h));
		if (colon == NULL)
			return false;
		len = (size_t)(colon - h);
	}
	if (len == 0 || len >= hn || (size_t)(end - colon - 1) == 0 ||
	    (size_t)(end - colon - 1) >= pn)
		return false;
	memcpy(host, h, len);
	host[len] = '\0';
	memcpy(port, colon + 1, (size_t)(end - colon - 1));
	port[end - colon - 1] = '\0';
	return strspn(port, "0123456789") == strlen(port);
}

/* A listening socket on host:port; -1 with *why set. */
static int listen_on(const char *host, const char *port, const char **why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res, *a;
	int fd = -1, one = 1;

	*why = "cannot resolve the host";
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (a = res; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, MH_BACKLOG) == 0)
			break;
		*why = strerror(errno);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int metrics_http_start(struct metrics_http **out, const char *url, struct dispatcher *d)
{
	struct metrics_http *mh;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[256], port[8], shown[INET6_ADDRSTRLEN], kv[LOG_LINE_MAX], bound[320];
	const char *why;
	size_t len = 0;

	if (!parse_url(url, host, sizeof host, port, sizeof port)) {
		log_fail("cannot serve metrics", url, "give http://HOST:PORT without a path");
		return RG_EINVAL;
	}
	mh = calloc(1, sizeof *mh);
	if (mh == NULL)
		return RG_ENOMEM;
	mh->d = d;
	for (size_t i = 0; i < MH_MAX_CONNS; i++)
		mh->cl[i].fd = -1;
	mh->lfd = listen_on(host, port, &why);
	if (mh->lfd < 0) {
		log_fail("cannot serve metrics", url, why);
		free(mh);
		return RG_EIO;
	}
	if (pipe2(mh->stop, O_CLOEXEC) != 0) {
		close(mh->lfd);
		free(mh);
		return RG_ENOMEM;
	}
	// With port 0 the log says which port was bound.
	snprintf(bound, sizeof bound, "%s", url);
	if (getsockname(mh->lfd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, shown, sizeof shown);
			mh->port = ntohs(s4->sin_port);
			snprintf(bound, sizeof bound, "http://%s:%d/metrics", shown, mh->port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, shown, sizeof shown);
			mh->port = ntohs(s6->sin6_port);
			snprintf(bound, sizeof bound, "http://[%s]:%d/metrics", shown, mh->port);
		}
	}
	if (pthread_create(&mh->thread, NULL, serve, mh) != 0) {
		close(mh->stop[0]);
		close(mh->stop[1]);
		close(mh->lfd);
		free(mh);
		return RG_ENOMEM;
	}
	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "url", bound);
	log_event("info", "metrics", kv);
	*out = mh;
	return RG_OK;
}

int metrics_http_port(struct metrics_http *mh)
{
	return mh->port;
}

void metrics_http_stop(struct metrics_http *mh)
{
	if (mh == NULL)
		return;
	while (write(mh->stop[1], "x", 1) < 0 && errno == EINTR)
		;
	pthread_join(mh->thread, NULL);
	close(mh->stop[0]);
	close(mh->stop[1]);
	close(mh->lfd);
	free(mh);
}
