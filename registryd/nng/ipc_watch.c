/*
 * ipc_watch.c - the ipc listener watch (see below) and its probes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "server_int.h"

/*
 * The ipc listener watch. nng 1.5.2's ipc listener stops accepting for good when a peer
 * closes its connection before registryd has written the SP header to it: the write fails
 * with EPIPE, which nng reports as NNG_ECLOSED; the ipc transport hands that error to the
 * listener's pending accept (ipc_pipe_neg_cb), and the listener takes NNG_ECLOSED for its
 * own close and never asks for a connection again (listener_accept_cb). The socket still
 * shows LISTEN and the transport still accepts and negotiates connections, but none reaches
 * the REP socket, so every client times out. nng's stale-socket check (a second daemon
 * listening on the same path) connects and closes at once and does it every time; a client
 * that connects and closes does it whenever its close beats the header. TCP peers that go
 * early end in ECONNRESET or ECONNSHUT instead, which the listener survives.
 *
 * nng neither reports this nor lets a listener be started again, so a thread probes each
 * ipc listener every WATCH_INTERVAL_MS: it connects to the path, sends a REQ header and
 * waits for probe_event() to see the connection reach the socket. A listener whose probe
 * has not arrived after PROBE_TIMEOUT_MS is closed and listened again on its path (which
 * drops its connections: their calls fail as a lost connection, and libstdreg resends a
 * write once with its request id, which the daemon applies once).
 */

enum probe_result { PROBE_OK, PROBE_LOST, PROBE_STOP };

static const char *ipc_path(const struct lsn *l)
{
	return l->url + strlen("ipc://");
}

/* Starts ipc listener l (quiet: no error line) and notes the socket file it made. */
int listen_ipc(struct server *s, struct lsn *l, const struct server_opts *o, bool quiet)
{
	struct stat st;
	int rv = listen_one(s, l->url, o, &l->l, quiet);

	if (rv == 0 && stat(ipc_path(l), &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	return rv;
}

/* Whether a connection to ipc listener l reaches the socket in time (PROBE_OK). */
static enum probe_result probe_ipc(struct server *s, const struct lsn *l)
{
	static const uint8_t req_header[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 }; /* REQ v0 */
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timespec until = clock_deadline_in(CLOCK_MONOTONIC, PROBE_TIMEOUT_MS);
	enum probe_result res = PROBE_OK;
	const char *path = ipc_path(l);
	int fd, rc;

	if (l->l.id == 0)
		return PROBE_LOST; /* a restart failed: try it again */
	if (strlen(path) >= sizeof sun.sun_path)
		return PROBE_OK; /* nng refuses such a path; never here */
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return PROBE_OK; /* out of descriptors: no verdict */
	pthread_mutex_lock(&s->lock);
	s->probe_seen = false;
	s->probe_listener = nng_listener_id(l->l);
	pthread_mutex_unlock(&s->lock);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	if (rc != 0 && (errno == EAGAIN || errno == EINTR))
		goto out; /* backlog full: busy, no verdict */
	if (rc != 0 || send(fd, req_header, sizeof req_header, MSG_NOSIGNAL) != sizeof req_header) {
		res = PROBE_LOST; /* the path is gone, or nobody listens on it */
		goto out;
	}
	pthread_mutex_lock(&s->lock);
	while (!s->probe_seen && !s->watch_stop)
		if (pthread_cond_timedwait(&s->watch_cv, &s->lock, &until) == ETIMEDOUT)
			break;
	res = s->watch_stop ? PROBE_STOP : s->probe_seen ? PROBE_OK : PROBE_LOST;
	pthread_mutex_unlock(&s->lock);
out:
	pthread_mutex_lock(&s->lock);
	s->probe_listener = 0;
	pthread_mutex_unlock(&s->lock);
	// Closed only now: once the probe reached the socket the header exchange is over, so
	// the probe itself never closes early (a lost probe restarts the listener anyway).
	close(fd);
	return res;
}

/*
 * Closes ipc listener l and listens on its path again; logged. A path that another process
 * holds (its socket file replaced ours, or it bound the path while a restart had it free) is
 * left to it, and no longer watched: closing ours would remove their file, and trying again
 * would only probe them every second.
 */
static void restart_ipc(struct server *s, struct lsn *l)
{
	const struct server_opts o = { .max_message = s->max_message };
	bool again = l->l.id == 0;
	struct stat st;
	char kv[600];
	size_t len = 0;
	int rv;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "url", l->url);
	if (!again && stat(ipc_path(l), &st) == 0 && (st.st_dev != l->dev || st.st_ino != l->ino)) {
		log_event("warn", "ipc path now belongs to another socket; no longer watched", kv);
		l->watched = false;
		return;
	}
	if (!again) {
		log_event("warn", "ipc listener stopped accepting; restarting it", kv);
		nng_listener_close(l->l); /* removes the socket file too */
		l->l = (nng_listener)NNG_LISTENER_INITIALIZER;
	}
	// After a failed restart, one error line, not one a second.
	rv = listen_ipc(s, l, &o, again);
	if (rv != 0)
		l->l = (nng_listener)NNG_LISTENER_INITIALIZER;
	if (rv == NNG_EADDRINUSE)
		l->watched = false;
}

void *listener_watch(void *arg)
{
	struct server *s = arg;
	struct timespec until;
	bool stop = false;
	size_t i;

	while (!stop) {
		until = clock_deadline_in(CLOCK_MONOTONIC, WATCH_INTERVAL_MS);
		pthread_mutex_lock(&s->lock);
		while (!s->watch_stop)
			if (pthread_cond_timedwait(&s->watch_cv, &s->lock, &until) == ETIMEDOUT)
				break;
		stop = s->watch_stop;
		pthread_mutex_unlock(&s->lock);
		for (i = 0; i < s->n_lsns && !stop; i++) {
			if (!s->lsns[i].watched)
				continue;
			switch (probe_ipc(s, &s->lsns[i])) {
			case PROBE_OK:
				break;
			case PROBE_LOST:
				restart_ipc(s, &s->lsns[i]);
				break;
			case PROBE_STOP:
				stop = true;
				break;
			}
		}
	}
	return NULL;
}

/*
 * The watch's probes in pipe events: a connection of this process to the listener being
 * probed tells the watch that the listener still accepts. The first such pipe is neither
 * counted nor refused, and its REM_POST is skipped to match; true for both events.
 */
bool probe_event(struct server *s, nng_pipe p, nng_pipe_ev ev)
{
	uint64_t pid;
	bool skip = false;
	int lid;

	pthread_mutex_lock(&s->lock);
	if (ev == NNG_PIPE_EV_REM_POST && s->probe_pipe != 0 && nng_pipe_id(p) == s->probe_pipe) {
		s->probe_pipe = 0;
		skip = true;
	}
	lid = s->probe_listener;
	pthread_mutex_unlock(&s->lock);
	if (ev != NNG_PIPE_EV_ADD_PRE || lid == 0 || nng_listener_id(nng_pipe_listener(p)) != lid)
		return skip;
	// Outside the lock: this asks the connection (SO_PEERCRED).
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0 || pid != (uint64_t)getpid())
		return false;
	pthread_mutex_lock(&s->lock);
	s->probe_seen = true;
	if (s->probe_pipe == 0) {
		s->probe_pipe = nng_pipe_id(p);
		skip = true;
	}
	pthread_cond_broadcast(&s->watch_cv);
	pthread_mutex_unlock(&s->lock);
	return skip;
}
