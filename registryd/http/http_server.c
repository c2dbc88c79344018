/*
 * http_server.c - the libmicrohttpd daemons of --http-listen, the access handler (reading
 * a request's head and body, routing), and the helpers that answer.
 *
 * Limits (http.h) are libmicrohttpd's own options: a connection cap (MHD refuses one more
 * at accept), a per-address cap, an idle timeout (also for a request sent in half), and a
 * memory pool per connection that bounds the request head (431 beyond). The body limit is
 * ours: a Content-Length over it is refused before anything is read (and before "100
 * Continue"), a chunked body is counted and refused once complete, or the connection is
 * closed once it goes far beyond.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <jansson.h>

#include "conns.h"
#include "internal.h"
#include "log.h"
#include "metrics_http.h"
#include "peer.h"
#include "store.h"
#include "web.h"

#define RPC_PREFIX   "/stdreg.v1.Registry/"
#define FEED_PATH    "/v1/changes"
#define METRICS_PATH "/metrics"
#define POOL_THREADS 2
// A chunked body this far past the limit is not worth reading to its end for a 413.
#define DISCARD_MAX ((size_t)1 << 20)

static const char *const connect_codes[] = {
	"ok",
	"canceled",
	"unknown",
	"invalid_argument",
	"deadline_exceeded",
	"not_found",
	"already_exists",
	"permission_denied",
	"resource_exhausted",
	"failed_precondition",
	"aborted",
	"out_of_range",
	"unimplemented",
	"internal",
	"unavailable",
	"data_loss",
	"unauthenticated",
};

enum MHD_Result http_queue(struct hreq *r, unsigned status, const char *ctype, const void *buf,
                           size_t len, struct MHD_Response **resp_out)
{
	struct MHD_Response *resp =
	        MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rv;

	if (resp == NULL)
		return MHD_NO;
	if (ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (resp_out != NULL) {
		// The caller adds headers, then queues and destroys it.
		*resp_out = resp;
		return MHD_YES;
	}
	rv = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return rv;
}

static enum MHD_Result verror(struct hreq *r, unsigned http_status, const char *code,
                              const char *header, const char *value, const char *fmt, va_list ap)
{
	struct MHD_Response *resp;
	char msg[512], *text;
	enum MHD_Result rv;
	json_t *j;

	vsnprintf(msg, sizeof msg, fmt, ap);
	j = json_pack("{s:s, s:s}", "code", code, "message", msg);
	text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (text == NULL)
		return MHD_NO;
	rv = http_queue(r, http_status, "application/json", text, strlen(text), &resp);
	free(text);
	if (rv != MHD_YES)
		return rv;
	if (http_status == MHD_HTTP_SERVICE_UNAVAILABLE ||
	    http_status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	if (header != NULL)
		MHD_add_response_header(resp, header, value);
	rv = MHD_queue_response(r->conn, http_status, resp);
	MHD_destroy_response(resp);
	return rv;
}

enum MHD_Result http_error(struct hreq *r, unsigned http_status, const char *code, const char *fmt,
                           ...)
{
	enum MHD_Result rv;
	va_list ap;

	va_start(ap, fmt);
	rv = verror(r, http_status, code, NULL, NULL, fmt, ap);
	va_end(ap);
	return rv;
}

enum MHD_Result http_error_naming(struct hreq *r, unsigned http_status, const char *code,
                                  const char *header, const char *value, const char *fmt, ...)
{
	enum MHD_Result rv;
	va_list ap;

	va_start(ap, fmt);
	rv = verror(r, http_status, code, header, value, fmt, ap);
	va_end(ap);
	return rv;
}

/* The Connect code name of a gRPC code number ("unknown" outside the table). */
const char *http_connect_code(int code)
{
	if (code < 0 || (size_t)code >= sizeof connect_codes / sizeof connect_codes[0])
		return "unknown";
	return connect_codes[code];
}

/* r's peer: "http://192.0.2.7:51234" as text and "tcp:192.0.2.7" as key (peer.h; "-" if
 * unknown). */
static void peer_of(struct hreq *r)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char ip[INET6_ADDRSTRLEN];
	const void *addr;

	snprintf(r->peer, sizeof r->peer, "-");
	snprintf(r->peer_key, sizeof r->peer_key, "-");
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ci->client_addr;

		addr = &in->sin_addr;
		if (inet_ntop(AF_INET, addr, ip, sizeof ip) == NULL)
			return;
		snprintf(r->peer, sizeof r->peer, "http://%s:%u", ip, ntohs(in->sin_port));
	} else if (ci->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ci->client_addr;

		addr = &in6->sin6_addr;
		if (inet_ntop(AF_INET6, addr, ip, sizeof ip) == NULL)
			return;
		snprintf(r->peer, sizeof r->peer, "http://[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		return;
	}
	peer_key_of_ip(ci->client_addr->sa_family, addr, r->peer_key, sizeof r->peer_key);
}

static struct hreq *hreq_new(struct http_server *s, struct MHD_Connection *conn)
{
	struct hreq *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->srv = s;
	r->conn = conn;
	pthread_mutex_init(&r->lock, NULL);
	peer_of(r);
	return r;
}

enum MHD_Result http_not_allowed(struct hreq *r, const char *allow)
{
	return http_error_naming(r, MHD_HTTP_METHOD_NOT_ALLOWED, "unimplemented",
	                         MHD_HTTP_HEADER_ALLOW, allow, "method not allowed");
}

/* GET /metrics: the same Prometheus text as --metrics-listen serves (metrics_http.h). */
static enum MHD_Result metrics(struct hreq *r)
{
	enum MHD_Result rv;
	size_t len = 0;
	char *text = NULL;

	if (metrics_http_render(r->srv->d, &text, &len) != RG_OK)
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		                  "cannot render the metrics (out of memory)");
	rv = http_queue(r, MHD_HTTP_OK, METRICS_HTTP_CONTENT_TYPE, text, len, NULL);
	free(text);
	return rv;
}

/* A page rendered: the connection is woken to queue it (any thread). */
static void web_page_done(void *arg)
{
	http_wake(arg);
}

/* A page of the web view: answered at once, or rendered while the connection sleeps. */
static enum MHD_Result web_page(struct hreq *r, const char *url, const char *verb)
{
	enum MHD_Result rv = web_serve(r->srv->web, r->conn, url, verb, &r->page);

	if (r->page == NULL)
		return rv;
	r->route = ROUTE_WEB;
	pthread_mutex_lock(&r->lock);
	r->suspended = true;
	MHD_suspend_connection(r->conn);
	pthread_mutex_unlock(&r->lock);
	web_render(r->srv->web, r->page, r->peer_key, web_page_done, r);
	return MHD_YES;
}

/* Would a body of n bytes from r's address fit in the room now? Nothing is kept: a peer
 * that announces a body holds nothing until it sends it. */
static enum http_room_take room_now(struct hreq *r, size_t n)
{
	enum http_room_take rc = http_room_take(r->srv->bodies, r->peer_key, n);

	if (rc == HTTP_ROOM_TAKEN)
		http_room_give(r->srv->bodies, r->peer_key, n);
	return rc;
}

/* "64 MiB", or "256 KiB" below a MiB, into buf. */
static const char *size_text(size_t bytes, char *buf, size_t n)
{
	if (bytes >= (1u << 20))
		snprintf(buf, n, "%zu MiB", bytes >> 20);
	else
		snprintf(buf, n, "%zu KiB", bytes >> 10);
	return buf;
}

/* The answer to a body the room had no place for: 429 when the address holds its share,
 * 503 when all bodies together fill the room. */
static enum MHD_Result no_room(struct hreq *r)
{
	size_t room = r->srv->o.max_bodies;
	char all[32], share[32];

	size_text(room, all, sizeof all);
	if (r->no_room == HTTP_ROOM_KEY_FULL)
		return http_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "resource_exhausted",
		                  "request bodies from this address already hold their share of "
		                  "the server (%s of %s); try again when they are done",
		                  size_text(room / 4, share, sizeof share), all);
	return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
	                  "request bodies being read fill the server's %s for them; try again",
	                  all);
}

/* Routes the request head; answered is set when a response was queued already. */
static enum MHD_Result head(struct hreq *r, const char *url, const char *verb, bool *answered)
{
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_LENGTH);

	*answered = true;
	// Refused before the body is read, and before "100 Continue" is sent.
	if (cl != NULL && strtoull(cl, NULL, 10) > r->srv->o.max_body)
		return http_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "resource_exhausted",
		                  "request body of %s bytes is over the limit (%zu bytes)", cl,
		                  r->srv->o.max_body);
	if (cl != NULL && (r->no_room = room_now(r, strtoull(cl, NULL, 10))) != HTTP_ROOM_TAKEN)
		return no_room(r);
	if (strncmp(url, RPC_PREFIX, strlen(RPC_PREFIX)) == 0)
		return http_connect_head(r, url + strlen(RPC_PREFIX), verb, answered);
	if (strcmp(url, FEED_PATH) == 0) {
		if (strcmp(verb, "GET") != 0 && strcmp(verb, "HEAD") != 0)
			return http_not_allowed(r, "GET");
		r->route = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "wait_ms") !=
		                           NULL
		                   ? ROUTE_LONGPOLL
		                   : ROUTE_FEED;
		*answered = false;
		return MHD_YES;
	}
	// A GET or HEAD of the metrics or of the web view is answered once the request is
	// complete: libmicrohttpd (0.9.75) closes a connection whose answer is queued while
	// only its head has been read, and scrapers and browsers keep connections alive.
	// Other verbs get their 405 at once.
	if (strcmp(url, METRICS_PATH) == 0) {
		if (strcmp(verb, "GET") != 0 && strcmp(verb, "HEAD") != 0)
			return http_not_allowed(r, "GET");
		r->route = ROUTE_METRICS;
		*answered = false;
		return MHD_YES;
	}
	// The web view: its pages, and the 404 page for any other path a browser asks for.
	if (web_wants(r->conn, url)) {
		if (strcmp(verb, "GET") != 0 && strcmp(verb, "HEAD") != 0)
			return web_page(r, url, verb);
		r->route = ROUTE_WEB;
		*answered = false;
		return MHD_YES;
	}
	return http_error(r, MHD_HTTP_NOT_FOUND, "unimplemented", "no such path '%.200s'", url);
}

void http_body_release(struct hreq *r)
{
	http_room_give(r->srv->bodies, r->peer_key, r->held);
	free(r->body);
	r->body = NULL;
	r->len = r->cap = r->held = 0;
}

/* Keeps a piece of the body, or counts it once past the limit or the room. */
static bool body_append(struct hreq *r, const char *data, size_t n)
{
	size_t max = r->srv->o.max_body;

	if (r->over > 0 || r->len + n > max) {
		r->over += n;
		return r->over <= DISCARD_MAX;
	}
	if (r->len + n > r->cap) {
		size_t cap = r->cap == 0 ? 4096 : r->cap;
		uint8_t *b;

		while (cap < r->len + n)
			cap *= 2;
		if (cap > max)
			cap = max;
		if (cap > r->held) {
			r->no_room = http_room_take(r->srv->bodies, r->peer_key, cap - r->held);
			if (r->no_room != HTTP_ROOM_TAKEN) {
				r->over += n;
				return r->over <= DISCARD_MAX;
			}
			r->held = cap;
		}
		if ((b = realloc(r->body, cap)) == NULL)
			return false;
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return true;
}

/* The path of a request target in absolute form ("http://host:port/path"), which a server
 * must accept (RFC 9112 §3.2.2) and libmicrohttpd passes on as it came; any other as is. */
static const char *origin_form(const char *url)
{
	const char *p;

	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return url;
	p = strchr(url, ':') + 3;
	p += strcspn(p, "/?");
	return *p == '/' ? p : "/";
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *verb, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	struct hreq *r = *con_cls;
	bool answered;
	enum MHD_Result rv;

	url = origin_form(url);
	if (r == NULL) {
		if ((r = hreq_new(cls, conn)) == NULL)
			return MHD_NO;
		*con_cls = r;
		// RFC 9112 §3.2: an HTTP/1.1 request without a Host header is a bad request.
		if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST) ==
		            NULL)
			return http_error(r, MHD_HTTP_BAD_REQUEST, "invalid_argument",
			                  "an HTTP/1.1 request needs a Host header");
		rv = head(r, url, verb, &answered);
		return rv;
	}
	if (*upload_size > 0) {
		bool ok = body_append(r, upload, *upload_size);

		*upload_size = 0;
		return ok ? MHD_YES : MHD_NO;
	}
	if (r->route == ROUTE_WEB) {
		struct web_pending *p = r->page;

		if (p == NULL && !r->have_reply)
			return web_page(r, url, verb); /* the request is complete */
		if (!r->have_reply)
			return MHD_YES; /* a GET's end before its page is rendered: it is on its way */
		r->page = NULL;
		return web_pending_answer(p);
	}
	if (r->route == ROUTE_METRICS)
		return metrics(r); /* the request is complete */
	if (r->have_reply)
		return r->route == ROUTE_FEED ? http_feed_answer(r) : http_connect_answer(r);
	if (r->no_room != HTTP_ROOM_TAKEN)
		return no_room(r);
	if (r->over > 0)
		return http_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "resource_exhausted",
		                  "request body is over the limit (%zu bytes)", r->srv->o.max_body);
	if (r->route == ROUTE_RPC)
		return http_connect_begin(r);
	return http_feed_begin(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct hreq *r = *con_cls;

	(void)conn;
	(void)toe;
	if (r == NULL)
		return;
	*con_cls = NULL;
	http_feed_free(r);
	web_pending_free(r->page);
	if (r->counted_feed) {
		struct http_server *s = cls;

		pthread_mutex_lock(&s->lock);
		s->feeds--;
		pthread_mutex_unlock(&s->lock);
		if (r->feed_id != 0)
			conns_remove(s->feed_callers, r->feed_id);
	}
	pthread_mutex_destroy(&r->lock);
	http_body_release(r);
	free(r->reply);
	free(r);
}

/* Counts HTTP connections with the nng ones, for Stats and the metrics. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	(void)conn;
	(void)socket_context;
	dispatcher_count_connection(((struct http_server *)cls)->d,
	                            toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

/* libmicrohttpd's own messages (a refused connection, a broken request) are debug lines. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256], kv[300];
	size_t len = 0, n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "detail", msg);
	log_event("debug", "http", kv);
}

/* The whole of a PEM file (at most 1 MiB), NUL-terminated and malloc'd; NULL if unreadable. */
static char *read_pem(const char *path)
{
	FILE *f = path != NULL ? fopen(path, "rb") : NULL;
	size_t max = (size_t)1 << 20, n;
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(max + 1);
	n = buf != NULL ? fread(buf, 1, max, f) : 0;
	fclose(f);
	if (buf == NULL || n == 0 || n == max) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Parses "http://HOST:PORT" or "https://..." ("[v6]" allowed) into a socket address. */
static int parse_url(const char *url, struct sockaddr_storage *sa, socklen_t *salen)
{
	char host[256];
	const char *h = strstr(url, "://"), *colon, *end;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		                  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;

	if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) || h == NULL)
		return RG_EINVAL;
	h += 3;
	if (*h == '[') {
		end = strchr(h, ']');
		if (end == NULL || end[1] != ':')
			return RG_EINVAL;
		colon = end + 1;
		h++;
	} else {
		colon = strrchr(h, ':');
		if (colon == NULL)
			return RG_EINVAL;
		end = colon;
	}
	if ((size_t)(end - h) >= sizeof host || end == h || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return RG_EINVAL;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return RG_EINVAL;
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	*salen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return RG_OK;
}

static void log_url(const char *msg, const char *level, const char *url)
{
	char kv[LOG_LINE_MAX];
	size_t len = 0;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "url", url);
	log_event(level, msg, kv);
}

/*
 * libmicrohttpd's unescaping of the path and of each query key and value (its own
 * MHD_http_unescape), except of a string that holds "%00": decoded, its NUL would end the C
 * string there, and "/omraden/ai%00x" would be served as area ai, "GetArea%00junk" run as
 * GetArea. Left as it is, "%00" is three characters that no id, method or route has,
 * refused like any other (400, 404). Returns the new length.
 */
static size_t unescape_but_nul(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	return strstr(s, "%00") != NULL ? strlen(s) : MHD_http_unescape(s);
}
/* Starts one daemon on url. */
static int start_one(struct http_server *s, const char *url)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	// Only an https:// listener may be given certificate options.
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, NULL },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	struct MHD_Daemon *mhd;
	char bound[300];

	if (parse_url(url, &sa, &salen) != RG_OK) {
		log_url("invalid http listen address", "error", url);
		return RG_EINVAL;
	}
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (strncmp(url, "https://", 8) == 0) {
		if (s->cert == NULL) {
			s->cert = read_pem(s->o.tls_cert);
			s->key = read_pem(s->o.tls_key);
		}
		if (s->cert == NULL || s->key == NULL ||
		    MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			log_url("cannot listen (cannot read --tls-cert or --tls-key, or no TLS in "
			        "libmicrohttpd)",
			        "error", url);
			return RG_EIO;
		}
		flags |= MHD_USE_TLS;
		tls[0].ptr_value = s->cert;
		tls[1].ptr_value = s->key;
	}
	// The logger first, so that libmicrohttpd says nothing through its own.
	mhd = MHD_start_daemon(
	        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
	        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_ARRAY,
	        (flags & MHD_USE_TLS) ? tls : tls + 2, MHD_OPTION_THREAD_POOL_SIZE,
	        (unsigned)POOL_THREADS, MHD_OPTION_CONNECTION_LIMIT, s->o.max_connections,
	        MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->o.per_address, MHD_OPTION_CONNECTION_TIMEOUT,
	        s->o.idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->o.max_header,
	        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
	        on_connection, s, MHD_OPTION_UNESCAPE_CALLBACK, unescape_but_nul, s,
	        MHD_OPTION_END);
	if (mhd == NULL) {
		log_url("cannot listen", "error", url);
		return RG_EIO;
	}
	s->mhd[s->n_mhd++] = mhd;
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(bound, sizeof bound, "%.*s:%u", (int)(strrchr(url, ':') - url), url,
	         info != NULL ? info->port : 0);
	log_url("listening", "info", bound);
	return RG_OK;
}

int http_start(struct http_server **out, struct dispatcher *d, const struct http_opts *o)
{
	struct http_server *s = calloc(1, sizeof *s);
	int rc = RG_OK;

	if (s == NULL)
		return RG_ENOMEM;
	s->d = d;
	s->o = *o;
	// Every connection may hold one call in flight, and every feed one more.
	s->max_slots = o->max_connections + o->max_feeds;
	pthread_mutex_init(&s->lock, NULL);
	rc = conns_new(&s->feed_callers, o->max_feeds_caller);
	if (rc == RG_OK && http_room_new(&s->bodies, o->max_bodies, o->max_bodies / 4) != 0)
		rc = RG_ENOMEM;
	// A page renders on one connection's thread, with one call at a time.
	if (rc == RG_OK)
		rc = web_new(&s->web, d, o->max_connections, o->web_cache_bytes);
	for (size_t i = 0; i < o->n_urls && rc == RG_OK; i++)
		rc = start_one(s, o->urls[i]);
	if (rc != RG_OK) {
		http_free(s);
		return rc;
	}
	*out = s;
	return RG_OK;
}

int http_port(const struct http_server *s, size_t i)
{
	const union MHD_DaemonInfo *info;

	if (s == NULL || i >= s->n_mhd)
		return 0;
	info = MHD_get_daemon_info(s->mhd[i], MHD_DAEMON_INFO_BIND_PORT);
	return info != NULL ? info->port : 0;
}

void http_free(struct http_server *s)
{
	if (s == NULL)
		return;
	// Every page being rendered is answered (and its connection resumed) while the
	// listeners still run; the calls behind them end at once (the dispatcher is shut down).
	web_stop(s->web);
	for (size_t i = 0; i < s->n_mhd; i++)
		MHD_stop_daemon(s->mhd[i]);
	http_call_free_slots(s);
	conns_free(s->feed_callers);
	http_room_free(s->bodies);
	web_free(s->web);
	pthread_mutex_destroy(&s->lock);
	free(s->cert);
	free(s->key);
	free(s);
}
