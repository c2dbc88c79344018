/*
 * bench_ceiling.c - the transport + LMDB ceiling: a bare nng REP server with the same
 * context-pool pattern as registryd (N contexts, each an aio whose callback receives,
 * answers and receives again; a reused MDB_NOTLS read transaction per context), doing the
 * least a registry can do per request and nothing else: no envelope, no decode, no log line.
 *
 * It runs in a process of its own (stdreg-bench re-executed with --ceiling-serve), as
 * registryd does: in the bench process its nng threads would be shared with the clients',
 * which saves it the cross-process wake-ups that registryd pays, and the ratio would
 * measure that rather than registryd's own work.
 *
 * Requests are one op byte and a key:
 *   'g' KEY   mdb_get of KEY; the reply is the value's bytes (empty: not found)
 *   'l' KEY   a cursor from KEY over 100 records; the reply is their values, concatenated
 *   'p' KEY   a write transaction putting a new value at KEY, committed (synced unless
 *             no_sync) before the reply: one commit per request, no group commit
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/transport/tcp/tcp.h>

#include "bench.h"

#define PAGE 100

struct cwork {
	struct ceiling_server *c;
	nng_aio *aio;
	nng_ctx ctx;
	MDB_txn *rtxn;
	bool sending;
	uint64_t puts;
};

/* The server's state, in the serving process. */
struct ceiling_server {
	MDB_env *env;
	MDB_dbi dbi;
	nng_socket sock;
	struct cwork *works;
	unsigned n;
	size_t value_size;
	char tcp_url[128];
	char ipc_url[600];
};

/* The bench's handle on the serving process. */
struct ceiling {
	pid_t pid;
	char tcp_url[128];
	char ipc_url[600];
};

static void cwork_recv(struct cwork *w)
{
	w->sending = false;
	nng_ctx_recv(w->ctx, w->aio);
}

static void answer(struct cwork *w, nng_msg *msg)
{
	const char *body = nng_msg_body(msg);
	size_t len = nng_msg_len(msg);
	MDB_val k = { len > 0 ? len - 1 : 0, (void *)(body + 1) }, v;
	char key[64];
	int rc;

	if (len < 2 || len - 1 >= sizeof key) {
		nng_msg_clear(msg);
		return;
	}
	memcpy(key, body + 1, len - 1);
	k.mv_data = key;
	switch (body[0]) {
	case 'g':
		nng_msg_clear(msg);
		if (mdb_txn_renew(w->rtxn) != 0)
			return;
		if (mdb_get(w->rtxn, w->c->dbi, &k, &v) == 0)
			nng_msg_append(msg, v.mv_data, v.mv_size);
		mdb_txn_reset(w->rtxn);
		return;
	case 'l': {
		MDB_cursor *cur;
		nng_msg_clear(msg);
		if (mdb_txn_renew(w->rtxn) != 0)
			return;
		if (mdb_cursor_open(w->rtxn, w->c->dbi, &cur) == 0) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			for (int i = 0; rc == 0 && i < PAGE; i++) {
				nng_msg_append(msg, v.mv_data, v.mv_size);
				rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			}
			mdb_cursor_close(cur);
		}
		mdb_txn_reset(w->rtxn);
		return;
	}
	case 'p': {
		MDB_txn *t;
		char val[2048];
		size_t vs = w->c->value_size < sizeof val ? w->c->value_size : sizeof val;

		memset(val, 'x', vs);
		snprintf(val, vs, "%p %llu", (void *)w, (unsigned long long)++w->puts);
		nng_msg_clear(msg);
		if (mdb_txn_begin(w->c->env, NULL, 0, &t) != 0)
			return;
		v.mv_size = vs;
		v.mv_data = val;
		if (mdb_put(t, w->c->dbi, &k, &v, 0) != 0 || mdb_txn_commit(t) != 0) {
			return;
		}
		nng_msg_append(msg, "ok", 2);
		return;
	}
	default:
		nng_msg_clear(msg);
	}
}

static void cwork_cb(void *arg)
{
	struct cwork *w = arg;
	int rv = nng_aio_result(w->aio);
	nng_msg *msg;

	if (w->sending) {
		if (rv != 0)
			nng_msg_free(nng_aio_get_msg(w->aio));
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return;
		cwork_recv(w);
		return;
	}
	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
		return;
	if (rv != 0) {
		cwork_recv(w);
		return;
	}
	msg = nng_aio_get_msg(w->aio);
	answer(w, msg);
	nng_aio_set_msg(w->aio, msg);
	w->sending = true;
	nng_ctx_send(w->ctx, w->aio);
}

static int fill(struct ceiling_server *c, unsigned items)
{
	MDB_txn *t;
	char key[32], *val = malloc(c->value_size);
	uint64_t s = 42;
	int rc;

	if (val == NULL)
		return -1;
	rc = mdb_txn_begin(c->env, NULL, 0, &t);
	if (rc == 0)
		rc = mdb_dbi_open(t, NULL, 0, &c->dbi);
	for (unsigned i = 0; rc == 0 && i < items; i++) {
		MDB_val k, v = { c->value_size, val };

		for (size_t j = 0; j < c->value_size; j++)
			val[j] = (char)(' ' + xorshift(&s) % 90);
		k.mv_size = (size_t)snprintf(key, sizeof key, "item-%07u", i);
		k.mv_data = key;
		rc = mdb_put(t, c->dbi, &k, &v, MDB_APPEND);
	}
	if (rc == 0)
		rc = mdb_txn_commit(t);
	else
		mdb_txn_abort(t);
	free(val);
	return rc == 0 ? 0 : -1;
}

static void server_stop(struct ceiling_server *c);

static int server_start(struct ceiling_server **out, const char *dir, unsigned items,
                        size_t value_size, unsigned contexts, bool no_sync)
{
	struct ceiling_server *c = calloc(1, sizeof *c);
	nng_listener l;
	int port = 0;

	if (c == NULL)
		return -1;
	c->value_size = value_size;
	c->n = contexts;
	mkdir(dir, 0700);
	if (mdb_env_create(&c->env) != 0 || mdb_env_set_mapsize(c->env, (size_t)4 << 30) != 0 ||
	    mdb_env_set_maxreaders(c->env, contexts + 16) != 0 ||
	    mdb_env_open(c->env, dir, MDB_NOTLS | MDB_NORDAHEAD | (no_sync ? MDB_NOSYNC : 0),
	                 0600) != 0 ||
	    fill(c, items) != 0) {
		fprintf(stderr, "stdreg-bench: cannot build the ceiling store in '%s'\n", dir);
		goto fail;
	}
	if (nng_rep0_open(&c->sock) != 0)
		goto fail;
	c->works = calloc(contexts, sizeof *c->works);
	if (c->works == NULL)
		goto fail;
	for (unsigned i = 0; i < contexts; i++) {
		struct cwork *w = &c->works[i];

		w->c = c;
		if (nng_aio_alloc(&w->aio, cwork_cb, w) != 0 ||
		    nng_ctx_open(&w->ctx, c->sock) != 0 ||
		    mdb_txn_begin(c->env, NULL, MDB_RDONLY, &w->rtxn) != 0)
			goto fail;
		mdb_txn_reset(w->rtxn);
		cwork_recv(w);
	}
	snprintf(c->ipc_url, sizeof c->ipc_url, "ipc://%s/ceiling.sock", dir);
	if (nng_listener_create(&l, c->sock, "tcp://127.0.0.1:0") != 0 ||
	    nng_listener_start(l, 0) != 0 ||
	    nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port) != 0 ||
	    nng_listen(c->sock, c->ipc_url, NULL, 0) != 0)
		goto fail;
	snprintf(c->tcp_url, sizeof c->tcp_url, "tcp://127.0.0.1:%d", port);
	*out = c;
	return 0;
fail:
	server_stop(c);
	return -1;
}

static void server_stop(struct ceiling_server *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	for (unsigned i = 0; c->works != NULL && i < c->n; i++) {
		struct cwork *w = &c->works[i];
		if (w->aio != NULL) {
			nng_aio_stop(w->aio);
			nng_aio_free(w->aio);
		}
		if (w->rtxn != NULL)
			mdb_txn_abort(w->rtxn);
	}
	free(c->works);
	if (c->env != NULL)
		mdb_env_close(c->env);
	free(c);
}

/* --- the serving process and the bench's handle on it --------------------------------- */

int ceiling_serve_main(int argc, char **argv)
{
	struct ceiling_server *c;
	sigset_t stop;
	int sig;

	// argv: --ceiling-serve DIR ITEMS VALUE_SIZE CONTEXTS NO_SYNC
	if (argc != 7)
		return 2;
	// registryd's malloc settings (registryd/main.c), so that the ceiling is no worse off.
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	// Blocked before nng starts its threads, so that they all inherit the mask.
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (server_start(&c, argv[2], (unsigned)strtoul(argv[3], NULL, 10),
	                 (size_t)strtoul(argv[4], NULL, 10), (unsigned)strtoul(argv[5], NULL, 10),
	                 strcmp(argv[6], "1") == 0) != 0)
		return 1;
	printf("%s %s\n", c->tcp_url, c->ipc_url);
	fflush(stdout);
	sigwait(&stop, &sig);
	server_stop(c);
	return 0;
}

int ceiling_start(struct ceiling **out, const char *dir, unsigned items, size_t value_size,
                  unsigned contexts, bool no_sync)
{
	struct ceiling *c = calloc(1, sizeof *c);
	char a_items[16], a_size[24], a_ctx[16], line[800];
	int fds[2];
	FILE *f;

	if (c == NULL || pipe(fds) != 0) {
		free(c);
		return -1;
	}
	snprintf(a_items, sizeof a_items, "%u", items);
	snprintf(a_size, sizeof a_size, "%zu", value_size);
	snprintf(a_ctx, sizeof a_ctx, "%u", contexts);
	fflush(stdout);
	c->pid = fork();
	if (c->pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl("/proc/self/exe", "stdreg-bench", "--ceiling-serve", dir, a_items, a_size,
		      a_ctx, no_sync ? "1" : "0", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = c->pid > 0 ? fdopen(fds[0], "r") : NULL;
	if (f == NULL || fgets(line, sizeof line, f) == NULL ||
	    sscanf(line, "%127s %599s", c->tcp_url, c->ipc_url) != 2) {
		fprintf(stderr, "stdreg-bench: the ceiling server did not start\n");
		if (f != NULL)
			fclose(f);
		else
			close(fds[0]);
		ceiling_stop(c);
		return -1;
	}
	fclose(f);
	*out = c;
	return 0;
}

pid_t ceiling_pid(const struct ceiling *c)
{
	return c->pid;
}

const char *ceiling_url(const struct ceiling *c, bool ipc)
{
	return ipc ? c->ipc_url : c->tcp_url;
}

void ceiling_stop(struct ceiling *c)
{
	if (c == NULL)
		return;
	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(c);
}

/* --- the ceiling's clients ------------------------------------------------------------ */

struct cclient {
	struct req_conn *rc;
	const struct ceiling_target *t;
	uint64_t rng;
};

static int cclient_setup(void **state, void *arg, unsigned index)
{
	struct cclient *c = calloc(1, sizeof *c);

	if (c == NULL)
		return -1;
	*state = c;
	c->t = arg;
	c->rng = (index + 7) * 0x9E3779B97F4A7C15ULL;
	if (req_conn_open(&c->rc, c->t->url, 30000) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "stdreg-bench: cannot dial the ceiling at '%s'\n", c->t->url);
	free(c);
	*state = NULL;
	return -1;
}

static void cclient_teardown(void *state)
{
	struct cclient *c = state;

	req_conn_close(c->rc);
	free(c);
}

static int cclient_op(struct cclient *c, char op, unsigned range, size_t min_reply)
{
	char req[32];
	void *rep = NULL;
	size_t rlen = 0;
	int n = snprintf(req, sizeof req, "%citem-%07u", op, (unsigned)(xorshift(&c->rng) % range));

	if (req_conn_call(c->rc, req, (size_t)n, &rep, &rlen) != 0)
		return -1;
	req_conn_free_reply(c->rc, rep, rlen);
	return rlen >= min_reply ? 0 : -1;
}

static int cop_get(void *state)
{
	struct cclient *c = state;

	return cclient_op(c, 'g', c->t->items, c->t->value_size);
}

static int cop_list(void *state)
{
	struct cclient *c = state;
	unsigned range = c->t->items > PAGE ? c->t->items - PAGE : 1;

	return cclient_op(c, 'l', range, c->t->value_size);
}

static int cop_put(void *state)
{
	struct cclient *c = state;

	return cclient_op(c, 'p', c->t->items, 2);
}

const struct client_ops ceiling_get_ops = { cclient_setup, cop_get, cclient_teardown };
const struct client_ops ceiling_list_ops = { cclient_setup, cop_list, cclient_teardown };
const struct client_ops ceiling_put_ops = { cclient_setup, cop_put, cclient_teardown };
