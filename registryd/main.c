/*
 * main.c - registryd's main file: options, start-up, and the clean shutdown on
 * SIGINT/SIGTERM.
 *
 * registryd/ is a folder per concern (DESIGN.md §1): rpc/ decides every call (the method
 * table, envelope checks, auth, resend memory, deadlines, the call API), handlers/ turn
 * calls into store calls, nng/ and http/ are the two faces, web/ renders pages from RPC
 * responses, admin/ holds the offline commands (token, check, restore). Config, log and
 * metrics live beside this file. Includes go one way: faces and the dispatcher include
 * the handlers' table, handlers include the call API, never the other way round
 * (scripts/include_cycles.py).
 *
 * Shutdown order, so that nothing acknowledged is lost and nothing is freed in use:
 *   1. the dispatcher stops taking work (new requests get UNAVAILABLE), answers parked
 *      watches and calls waiting for a worker UNAVAILABLE, and joins its threads;
 *   2. the writer commits what is queued and answers it (store_writer_close);
 *   3. the server waits for replies in flight, then closes socket and contexts;
 *   4. the store closes.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "check.h"
#include "token.h"
#include "config.h"
#include "config_file.h"
#include "dirlock.h"
#include "dispatch.h"
#include "http/http.h"
#include "log.h"
#include "metrics_http.h"
#include "server.h"
#include "store.h"

#define DRAIN_TIMEOUT_MS 5000

static void log_failure(const char *msg, const char *key, const char *value)
{
	char kv[LOG_LINE_MAX];
	size_t len = 0;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, key, value);
	log_event("error", msg, kv);
}

/* After a crash the open replayed the commit log's last commits: said, as a database
 * says its recovery, so that an operator sees the store came back from an unclean stop. */
static void log_recovery(store *st, const char *dir)
{
	struct store_info info;
	char kv[LOG_LINE_MAX], n[24];
	size_t len = 0;

	store_get_info(st, &info);
	if (info.log_replayed == 0)
		return;
	kv[0] = '\0';
	snprintf(n, sizeof n, "%llu", (unsigned long long)info.log_replayed);
	log_append_kv(kv, sizeof kv, &len, "dir", dir);
	log_append_kv(kv, sizeof kv, &len, "commits", n);
	log_event("warn", "store was not closed cleanly: recovered from its commit log", kv);
}

/*
 * SIGHUP: read the configuration again and apply what can change in a running daemon: the
 * log level. Listeners, store and limits need a restart (logged as such); tokens need no
 * reload, every request looks its token up afresh. A bad file changes nothing.
 */
static void reload(int argc, char **argv)
{
	struct config cfg;
	struct config_args args = { 0 };
	FILE *devnull = fopen("/dev/null", "w");
	char *why = NULL, kv[LOG_LINE_MAX];
	size_t why_len = 0, len = 0;
	FILE *errs = open_memstream(&why, &why_len);

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "signal", "SIGHUP");
	if (config_load(&cfg, &args, argc, argv, true, devnull ? devnull : stdout,
	                errs ? errs : stderr) != CONFIG_RUN) {
		if (errs != NULL && fclose(errs) == 0) {
			errs = NULL;
			// "registryd: FILE:LINE: what\n" -> "FILE:LINE: what"
			if (why_len > 0 && why[why_len - 1] == '\n')
				why[why_len - 1] = '\0';
			log_append_kv(kv, sizeof kv, &len, "error",
			              strncmp(why, "registryd: ", 11) == 0 ? why + 11 : why);
		}
		log_always("warn", "configuration not reloaded", kv);
	} else {
		log_set_level(cfg.log_level);
		log_append_kv(kv, sizeof kv, &len, "log_level", log_level_name(cfg.log_level));
		// Written whatever the new level: an operator looks for it after a reload.
		log_always("info",
		           "configuration reloaded: log level applied; other settings take a "
		           "restart",
		           kv);
	}
	if (errs != NULL)
		fclose(errs);
	free(why);
	config_args_release(&args);
	if (devnull)
		fclose(devnull);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct config_args cfg_args;
	struct metrics_http *mh = NULL;
	struct store_opts sopts = { 0 };
	struct store_error serr = { 0 };
	struct server_opts vopts;
	struct dispatch_limits limits;
	store *st = NULL;
	store_writer *writer = NULL;
	struct dispatcher *d = NULL;
	struct server *srv = NULL;
	struct http_server *hs = NULL;
	sigset_t sigs;
	char kv[64], why[PATH_MAX + 64];
	int rc, sig, status = 1, lock_fd;

	// Administration subcommands work on the data directory and never start the daemon.
	if (argc > 1 && strcmp(argv[1], "token") == 0)
		return token_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return check_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "restore") == 0)
		return restore_main(argc - 1, argv + 1);

	// Each call allocates and frees its reply buffers (tens of KiB) on a worker thread. With
	// glibc's defaults a thread's heap gives memory back whenever more than 128 KiB is free
	// at its top, so nearly every list page was given back and faulted in again (madvise,
	// page clearing, TLB shootdowns on the other core): about half of a list page's cost at
	// 16 and 64 clients (docs/performance.md). glibc raises that bound only after freeing
	// an allocation over 128 KiB, so the speed depended on what the daemon had served
	// before (a bulk apply). Keep up to 8 MiB per heap instead, and map only allocations of
	// 1 MiB or more on their own.
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	switch (config_load(&cfg, &cfg_args, argc, argv, true, stdout, stderr)) {
	case CONFIG_RUN:
		break;
	case CONFIG_EXIT:
		config_args_release(&cfg_args);
		return fflush(stdout) == 0 ? 0 : 1;
	case CONFIG_USAGE:
		config_args_release(&cfg_args);
		return 2;
	}
	log_set_level(cfg.log_level);

	// Block the stop signals before any thread exists (store writer, nng) so that all
	// inherit the mask and only sigwait() below ever sees them.
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	// After the mask, so that the logger thread never takes a signal; if it cannot start,
	// lines are written synchronously.
	log_start();
	signal(SIGPIPE, SIG_IGN);

	rc = admin_make_dirs(cfg.data_dir);
	if (rc != 0) {
		log_failure("cannot create data directory", "dir", cfg.data_dir);
		config_args_release(&cfg_args);
		return 1;
	}
	// One daemon per store: held until the process ends (the descriptor is never closed).
	lock_fd = dirlock_take(cfg.data_dir, why, sizeof why);
	if (lock_fd < 0) {
		char lkv[LOG_LINE_MAX];
		size_t len = 0;

		lkv[0] = '\0';
		log_append_kv(lkv, sizeof lkv, &len, "dir", cfg.data_dir);
		log_append_kv(lkv, sizeof lkv, &len, "error", why);
		log_event("error", "cannot start on this data directory", lkv);
		config_args_release(&cfg_args);
		return 1;
	}
	sopts.no_sync = cfg.no_sync;
	sopts.max_map_size = cfg.quota;
	rc = store_open(&st, cfg.data_dir, &sopts, &serr);
	if (rc != RG_OK) {
		char okv[LOG_LINE_MAX];
		size_t len = 0;

		okv[0] = '\0';
		log_append_kv(okv, sizeof okv, &len, "dir", cfg.data_dir);
		log_append_kv(okv, sizeof okv, &len, "error",
		              serr.message[0] != '\0' ? serr.message : rg_strerror(rc));
		log_event("error", "cannot open store", okv);
		config_args_release(&cfg_args);
		return 1;
	}
	log_recovery(st, cfg.data_dir);
	rc = store_writer_start(st, &writer);
	if (rc != RG_OK) {
		log_failure("cannot start writer", "error", rg_strerror(rc));
		goto out;
	}
	dispatch_limits_default(&limits);
	limits.writes_per_principal = cfg.writes_per_principal;
	rc = dispatcher_new(&d, st, writer, &limits);
	if (rc != RG_OK) {
		log_failure("cannot start dispatcher", "error", rg_strerror(rc));
		goto out;
	}
	dispatcher_set_private(d, cfg.private_reads);
	vopts = (struct server_opts){
		.urls = cfg.urls,
		.n_urls = cfg.n_urls,
		.max_message = cfg.max_message,
		.contexts = cfg.contexts,
		.max_connections = cfg.max_connections,
		.max_per_address = cfg.max_per_address,
		.idle_timeout_ms = cfg.idle_timeout_ms,
		.tls_cert = cfg.tls_cert,
		.tls_key = cfg.tls_key,
		.tls_ca = cfg.tls_ca,
	};
	rc = server_start(&srv, d, &vopts);
	if (rc != RG_OK)
		goto out; /* server_start logged what failed */
	if (cfg.metrics_listen != NULL && metrics_http_start(&mh, cfg.metrics_listen, d) != RG_OK)
		goto out; /* logged */
	if (cfg.n_http_urls > 0 &&
	    http_start(&hs, d,
	               &(struct http_opts){ .urls = cfg.http_urls,
	                                    .n_urls = cfg.n_http_urls,
	                                    .max_connections = (unsigned)cfg.http_max_connections,
	                                    .per_address = (unsigned)cfg.http_per_address,
	                                    .idle_timeout_s = (unsigned)cfg.http_idle_timeout,
	                                    .max_header = cfg.http_max_header,
	                                    .max_body = cfg.http_max_body,
	                                    .max_bodies = cfg.http_max_bodies,
	                                    .max_feeds = cfg.http_max_feeds,
	                                    .max_feeds_caller = cfg.http_feeds_caller,
	                                    .web_cache_bytes = cfg.web_cache_bytes,
	                                    .tls_cert = cfg.tls_cert,
	                                    .tls_key = cfg.tls_key }) != RG_OK)
		goto out; /* logged */
	snprintf(kv, sizeof kv, "revision=%llu", (unsigned long long)store_revision(st));
	log_event("info", "ready", kv);

	for (;;) {
		rc = sigwait(&sigs, &sig);
		if (rc != 0)
			continue;
		if (sig != SIGHUP)
			break;
		reload(argc, argv);
	}
	snprintf(kv, sizeof kv, "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	log_event("info", "stopping", kv);
	status = 0;
out:
	metrics_http_stop(mh);
	if (d != NULL)
		dispatcher_shutdown(d);
	if (writer != NULL)
		store_writer_close(writer);
	if (srv != NULL)
		server_drain(srv, DRAIN_TIMEOUT_MS);
	// A socket close that hangs in nng (nng/close.c) leaves nng's threads holding the
	// server: every write is committed by now, so end here without touching it.
	if (!server_free(srv))
		_exit(status);
	http_free(hs); /* every HTTP call has been answered by now */
	dispatcher_free(d);
	snprintf(kv, sizeof kv, "revision=%llu", (unsigned long long)store_revision(st));
	store_close(st);
	if (status == 0)
		log_event("info", "stopped", kv);
	log_stop();
	config_args_release(&cfg_args);
	close(lock_fd);
	return status;
}
