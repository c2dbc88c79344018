/*
 * cmd_watch.c - regctl watch: a long-poll loop over Watch that prints each change once.
 *
 * Each call asks for the changes after the cursor (watch.c) and waits up to --wait-ms for
 * one. A lost connection or a daemon restart is retried with backoff from the same cursor;
 * a daemon that never answered fails the command at once (exit 3), as any other command.
 * SIGINT / SIGTERM end the loop with exit 0: between calls by a flag, and while a call or a
 * backoff sleep is blocking by _exit(0) straight from the handler (everything printed so far
 * has been flushed by then, and nothing else is pending).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

#define DEFAULT_WAIT_MS 5000u
#define BACKOFF_MIN_MS  100u
#define BACKOFF_MAX_MS  5000u

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t blocking; /* in a call or a sleep, with stdout flushed */
static bool answered;                  /* a call succeeded: later failures are retried */

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (blocking)
		_exit(EXIT_OK);
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Whether a failed call is worth retrying after a pause: the connection, not the request. */
static bool retryable(const struct stdreg_status *st)
{
	return st->code == STDREG_UNAVAILABLE || st->code == STDREG_DEADLINE_EXCEEDED ||
	       st->code == STDREG_CANCELLED;
}

struct printer {
	enum out_format out;
};

static int emit_change(void *arg, const void *change)
{
	const struct printer *p = arg;
	json_t *j = stdreg_json_from_change(change);
	int rv;

	if (j == NULL)
		return -1;
	if (p->out == OUT_TABLE) {
		rv = table_change(stdout, j);
	} else {
		rv = json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
	}
	json_decref(j);
	return rv != 0 || ferror(stdout) ? -1 : 0;
}

/* Makes one call, retrying a lost connection with backoff (once a call has succeeded).
 * Returns the final code. */
static int call_retrying(stdreg_client *c, const char *method, const ProtobufCMessage *req,
                         const ProtobufCMessageDescriptor *desc, ProtobufCMessage **resp,
                         uint32_t timeout_ms, struct stdreg_status *st)
{
	uint32_t backoff = BACKOFF_MIN_MS;
	bool told = false;

	for (;;) {
		int code;

		blocking = 1;
		if (stop_requested)
			_exit(EXIT_OK);
		code = stdreg_call_timeout(c, method, req, desc, resp, timeout_ms, st);
		answered |= code == STDREG_OK;
		if (code == STDREG_OK || !retryable(st) || !answered) {
			blocking = 0;
			return code;
		}
		if (!told) {
			blocking = 0;
			errorf("lost the connection to %s (%s); retrying", stdreg_client_url(c),
			       st->message != NULL ? st->message : stdreg_code_name(st->code));
			blocking = 1;
			told = true;
		}
		sleep_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
}

/* The current revision: the revision a cheap read answers at. */
static int current_revision(stdreg_client *c, uint32_t timeout_ms, uint64_t *rev,
                            struct stdreg_status *st)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	const struct stdreg_kind *k = stdreg_kind_find("area");
	ProtobufCMessage *page = NULL;

	req.page_size = 1;
	if (call_retrying(c, k->list_method, &req.base, k->list_response, &page, timeout_ms, st) !=
	    STDREG_OK)
		return st->code;
	protobuf_c_message_free_unpacked(page, NULL);
	*rev = st->revision;
	return STDREG_OK;
}

/* Prints the changes of one reply. Returns 0, or -1 when stdout failed. */
static int take_reply(struct watch_cursor *w, const Stdreg__V1__WatchResponse *r, struct printer *p)
{
	struct stdreg_change_view *v = calloc(r->n_changes > 0 ? r->n_changes : 1, sizeof(*v));
	size_t i;
	int rv;

	if (v == NULL)
		return -1;
	for (i = 0; i < r->n_changes; i++) {
		v[i].revision = r->changes[i]->revision;
		v[i].change = r->changes[i];
	}
	rv = watch_take(w, v, r->n_changes, r->next_revision, r->next_change, emit_change, p);
	free(v);
	return rv < 0 || fflush(stdout) != 0 ? -1 : 0;
}

int run_watch(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	Stdreg__V1__WatchRequest *req = NULL;
	struct watch_cursor w = { .left = a->count };
	struct printer p = { .out = g->out };
	stdreg_client *c = NULL;
	uint32_t timeout;
	char err[300];
	int rc;

	if (stdreg_json_to_message(a->fields, cmd->request, (ProtobufCMessage **)&req, err,
	                           sizeof(err)) != 0) {
		errorf("cannot watch (%s)", err);
		return EXIT_USAGE;
	}
	if (req->wait_ms == 0 && json_object_get(a->fields, "wait_ms") == NULL)
		req->wait_ms = DEFAULT_WAIT_MS;
	// The call waits up to wait_ms on the server, then needs the usual budget on top.
	timeout = req->wait_ms > UINT32_MAX - g->timeout_ms ? UINT32_MAX
	                                                    : req->wait_ms + g->timeout_ms;
	catch_signals();
	if ((rc = open_client(g, &c)) != 0)
		goto out;
	if (json_object_get(a->fields, "since_revision") != NULL) {
		w.since = req->since_revision;
	} else if (current_revision(c, g->timeout_ms, &w.since, &st) != STDREG_OK) {
		rc = fail_status("watch", &st);
		goto out;
	}
	while (!w.done && !stop_requested) {
		Stdreg__V1__WatchResponse *r = NULL;

		req->since_revision = w.since;
		req->since_change = w.since_change;
		if (call_retrying(c, cmd->method, &req->base, cmd->response,
		                  (ProtobufCMessage **)&r, timeout, &st) != STDREG_OK) {
			rc = fail_status("watch", &st);
			goto out;
		}
		rc = take_reply(&w, r, &p);
		stdreg__v1__watch_response__free_unpacked(r, NULL);
		if (rc != 0) {
			rc = finish_output(EXIT_SERVER);
			goto out;
		}
	}
	rc = finish_output(EXIT_OK);
out:
	blocking = 0;
	protobuf_c_message_free_unpacked(&req->base, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return rc;
}
