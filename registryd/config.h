/*
 * config.h - registryd's command line.
 */
#ifndef REGISTRYD_CONFIG_H
#define REGISTRYD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

struct option;

/* The default configuration file, as --help shows it. */
#ifndef STDREG_SYSCONFDIR
#define STDREG_SYSCONFDIR "/etc"
#endif
#define CONFIG_DEFAULT_FILE_TEXT STDREG_SYSCONFDIR "/stdreg/registryd.conf"

#define CONFIG_MAX_LISTEN   16
#define CONFIG_MAX_CONTEXTS 4096

#define CONFIG_DEFAULT_DATA                 "./stdreg-data"
#define CONFIG_DEFAULT_LISTEN               "tcp://127.0.0.1:7420"
#define CONFIG_DEFAULT_MAX_MESSAGE          4194304
#define CONFIG_DEFAULT_CONTEXTS             64
#define CONFIG_DEFAULT_MAX_CONNS            1024
#define CONFIG_DEFAULT_MAX_PER_ADDRESS      128
#define CONFIG_DEFAULT_IDLE_TIMEOUT_MS      10000
#define CONFIG_DEFAULT_WRITES_PER_PRINCIPAL 64
#define CONFIG_MIN_QUOTA                    1048576 /* a --quota other than 0 (the default) */

/* The HTTP face (registryd/http): safe defaults for a listener open to a network. */
#define CONFIG_DEFAULT_HTTP_MAX_CONNS    1024
#define CONFIG_DEFAULT_HTTP_PER_ADDRESS  64
#define CONFIG_DEFAULT_HTTP_IDLE_TIMEOUT 30
#define CONFIG_DEFAULT_HTTP_MAX_HEADER   16384
#define CONFIG_DEFAULT_HTTP_MAX_BODY     4194304
#define CONFIG_DEFAULT_HTTP_MAX_BODIES   268435456
#define CONFIG_DEFAULT_HTTP_MAX_FEEDS    256
#define CONFIG_DEFAULT_HTTP_FEEDS_CALLER 16
#define CONFIG_DEFAULT_WEB_CACHE_BYTES   33554432

/* Strings point into argv or are the defaults above. */
struct config {
	const char *data_dir;
	const char *urls[CONFIG_MAX_LISTEN];
	size_t n_urls;
	size_t max_message;
	size_t contexts;
	bool no_sync;
	size_t quota;       /* --quota: the store never grows past it; 0 = the store's default */
	bool private_reads; /* --private: anonymous callers may not read */
	size_t max_connections; /* 0 = no bound */
	const char *tls_cert;   /* NULL unless given */
	const char *tls_key;
	const char *tls_ca;
	enum log_level log_level;      /* --log-level; LOG_INFO by default */
	const char *metrics_listen;    /* --metrics-listen http://HOST:PORT; NULL = off */
	size_t max_per_address;        /* --max-connections-per-address; 0 = no bound */
	uint32_t idle_timeout_ms;      /* --idle-timeout; 0 = never */
	uint32_t writes_per_principal; /* --max-writes-per-principal; 0 = no bound */
	/* The HTTP face: --http-listen URLs (none = off) and its limits. */
	const char *http_urls[CONFIG_MAX_LISTEN];
	size_t n_http_urls;
	size_t http_max_connections; /* connections at once, all addresses */
	size_t http_per_address;     /* connections at once from one address */
	size_t http_idle_timeout;    /* seconds a connection may stay silent */
	size_t http_max_header;      /* bytes of request line and headers */
	size_t http_max_body;        /* bytes of a request body (413 beyond) */
	size_t http_max_bodies;      /* bytes all bodies being read hold (503; an address 429) */
	size_t http_max_feeds;       /* open change feeds (event streams) at once */
	size_t http_feeds_caller;    /* of them, with one token (or from one address without) */
	size_t web_cache_bytes;      /* the web view's page cache (0: none) */
};

/* What config_parse() tells main to do. */
enum config_result {
	CONFIG_RUN = 0,   /* start the daemon */
	CONFIG_EXIT = 1,  /* --help or --version was printed to out: exit 0 */
	CONFIG_USAGE = 2, /* a usage error was printed to err: exit 2 */
};

/* The long options config_parse() takes (ends with a zeroed entry): the keys of the
 * configuration file (config_file.h). */
const struct option *config_long_options(void);

/* Parses argv into *c (all defaults filled in). Uses getopt_long: not reentrant. */
enum config_result config_parse(struct config *c, int argc, char **argv, FILE *out, FILE *err);

#endif
