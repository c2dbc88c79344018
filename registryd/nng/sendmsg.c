/*
 * sendmsg.c - registryd's sendmsg(): the C library's, except that a TCP peer that is gone
 * is reported as ECONNRESET, never as EPIPE.
 *
 * nng 1.5.2 turns EPIPE into NNG_ECLOSED, and its listener takes NNG_ECLOSED from a
 * connection that fails before it is handed over for its own close: it never accepts again
 * (listener_accept_cb in src/core/listener.c; nng fixed it in 1.6.0, #1518). On tls+tcp://
 * that can happen when a peer goes away in the middle of the handshake: registryd reads the
 * ClientHello, nng's TLS layer asks for more (the read finds the reset and fails with
 * ECONNRESET), and the answer written next fails with EPIPE. Whichever of the two errors
 * reaches the connection first is the one the listener sees; about one such peer in a
 * hundred stopped the listener, and every client after it connected, completed the
 * handshake and got no reply (docs/hardening.md). As NNG_ECONNRESET it carries on.
 *
 * nng calls sendmsg() for every write to a TCP connection (and to an ipc one, which the ipc
 * listener watch covers: ipc_watch.c), through the dynamic linker, which finds this one in
 * the executable first. Only the error code of a failed send to an AF_INET or AF_INET6
 * socket changes (libmicrohttpd's sends too: it closes the connection on either code).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);

static bool is_tcp(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	return getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	       (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static _Atomic(sendmsg_fn) next;
	sendmsg_fn f = atomic_load_explicit(&next, memory_order_acquire);
	ssize_t n;

	if (f == NULL) {
		// The C library's (or a sanitizer's, which then calls the C library's).
		f = (sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg");
		if (f == NULL) {
			errno = ENOSYS;
			return -1;
		}
		atomic_store_explicit(&next, f, memory_order_release);
	}
	n = f(fd, msg, flags);
	if (n < 0 && errno == EPIPE)
		errno = is_tcp(fd) ? ECONNRESET : EPIPE;
	return n;
}
