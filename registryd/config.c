/*
 * config.c - options of registryd, their defaults and --help.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char usage_text[] =
        "usage: registryd [OPTIONS]\n"
        "\n"
        "The stdreg registry daemon: serves stdreg.v1.Registry over nng REQ/REP.\n"
        "\n"
        "options:\n"
        "  --config FILE         read options from FILE, 'key = value' lines whose keys are\n"
        "                        the long options below without dashes; flags override it\n"
        "                        (default " CONFIG_DEFAULT_FILE_TEXT " if it exists)\n"
        "  --check-config        check the configuration file and options, then exit\n"
        "                        (0 ok, 2 not)\n"
        "  --data DIR            directory of the store, created if missing\n"
        "                        (default " CONFIG_DEFAULT_DATA ")\n"
        "  --listen URL          listen on URL: tcp://HOST:PORT (PORT 0 picks a free port,\n"
        "                        logged at start-up), tls+tcp://HOST:PORT or ipc:///PATH;\n"
        "                        repeatable, at most 16 (default " CONFIG_DEFAULT_LISTEN ")\n"
        "  --tls-cert FILE       PEM certificate (chain) of tls+tcp:// listeners\n"
        "  --tls-key FILE        PEM private key of that certificate\n"
        "  --tls-ca FILE         PEM CA certificates: clients of tls+tcp:// listeners must\n"
        "                        present a certificate signed by one of them\n"
        "  --private             refuse anonymous reads (UNAUTHENTICATED): every call needs\n"
        "                        a token (default: anyone may read)\n"
        "  --max-connections N   connections at once; one more is closed as it arrives\n"
        "                        (default 1024; 0 = no bound)\n"
        "  --max-message BYTES   largest request accepted; larger ones drop the connection\n"
        "                        (default 4194304)\n"
        "  --contexts N          requests handled at once, 1..4096 (default 64)\n"
        "  --no-sync             do not fsync commits (tests and benchmarks only: a crash\n"
        "                        may lose acknowledged writes)\n"
        "  --quota BYTES         largest size the store may grow to (at least 1048576);\n"
        "                        a write that needs more is refused RESOURCE_EXHAUSTED and\n"
        "                        changes nothing (default, or 0: 1 TiB)\n"
        "  --log-level LEVEL     debug, info (default), warn or error; request lines are info\n"
        "  --max-connections-per-address N\n"
        "                        connections of one peer address (tcp, tls+tcp) or user\n"
        "                        (ipc) at once; one more is closed as it arrives\n"
        "                        (default 128; 0 = no bound)\n"
        "  --idle-timeout MS     close a connection that has sent no request MS\n"
        "                        milliseconds after it was made (default 10000; 0 = never)\n"
        "  --max-writes-per-principal N\n"
        "                        writes of one principal in flight at once; more are\n"
        "                        refused RESOURCE_EXHAUSTED (default 64; 0 = no bound)\n"
        "  --metrics-listen URL  serve Prometheus metrics at URL/metrics, URL being\n"
        "                        http://HOST:PORT (default: off)\n"
        "  --http-listen URL     also serve the API over HTTP (the Connect protocol, JSON or\n"
        "                        binary) and the change feed at URL, http://HOST:PORT or\n"
        "                        https://HOST:PORT (with --tls-cert and --tls-key);\n"
        "                        repeatable (default: off)\n"
        "  --http-max-connections N  HTTP connections at once (default 1024)\n"
        "  --http-max-per-address N  HTTP connections at once from one address (default 64)\n"
        "  --http-idle-timeout SECONDS  close an HTTP connection silent this long, also one\n"
        "                        that sent half a request (default 30)\n"
        "  --http-max-header-bytes BYTES  request line and headers (default 16384; 431)\n"
        "  --http-max-body-bytes BYTES  request body (default 4194304; 413)\n"
        "  --http-max-bodies-bytes BYTES  all request bodies being read, one address a\n"
        "                        quarter (default 268435456; 503, 429)\n"
        "  --http-max-feeds N    open change feeds and long polls (/v1/changes) (default 256)\n"
        "  --http-max-feeds-per-caller N  of them with one token, or from one address\n"
        "                        without a token (default 16)\n"
        "  --web-cache-bytes BYTES  the web view's rendered pages kept for reuse\n"
        "                        (default 33554432; 0: none)\n"
        "  --help                print this help and exit\n"
        "  --version             print the version and exit\n"
        "\n"
        "Logs go to stderr, one logfmt line per event and per request. SIGINT or SIGTERM\n"
        "stop it cleanly: queued writes are committed and answered first. SIGHUP reads the\n"
        "configuration again (the log level). One registryd per data directory: a second\n"
        "one on a store in use refuses to start.\n"
        "\n"
        "administration (on the data directory, also beside a running daemon; each takes\n"
        "--help):\n"
        "  registryd token create|list|revoke ...   principals and their tokens\n"
        "  registryd check [--data DIR | FILE]      verify a store or a backup file\n"
        "  registryd restore [--data DIR] FILE      put a backup in place (daemon stopped)\n"
        "\n"
        "exit status: 0 stopped cleanly, 1 cannot start (store, listener), 2 usage error\n";

enum {
	OPT_DATA = 256,
	OPT_LISTEN,
	OPT_MAX_MESSAGE,
	OPT_CONTEXTS,
	OPT_NO_SYNC,
	OPT_QUOTA,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_CA,
	OPT_PRIVATE,
	OPT_MAX_CONNS,
	OPT_LOG_LEVEL,
	OPT_METRICS_LISTEN,
	OPT_MAX_PER_ADDRESS,
	OPT_IDLE_TIMEOUT,
	OPT_WRITES_PER_PRINCIPAL,
	OPT_HTTP_LISTEN,
	OPT_HTTP_MAX_CONNS,
	OPT_HTTP_PER_ADDRESS,
	OPT_HTTP_IDLE_TIMEOUT,
	OPT_HTTP_MAX_HEADER,
	OPT_HTTP_MAX_BODY,
	OPT_HTTP_MAX_BODIES,
	OPT_HTTP_MAX_FEEDS,
	OPT_HTTP_FEEDS_CALLER,
	OPT_WEB_CACHE_BYTES,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ "data", required_argument, NULL, OPT_DATA },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "max-message", required_argument, NULL, OPT_MAX_MESSAGE },
	{ "contexts", required_argument, NULL, OPT_CONTEXTS },
	{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
	{ "quota", required_argument, NULL, OPT_QUOTA },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
	{ "private", no_argument, NULL, OPT_PRIVATE },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN },
	{ "max-connections-per-address", required_argument, NULL, OPT_MAX_PER_ADDRESS },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "max-writes-per-principal", required_argument, NULL, OPT_WRITES_PER_PRINCIPAL },
	{ "http-listen", required_argument, NULL, OPT_HTTP_LISTEN },
	{ "http-max-connections", required_argument, NULL, OPT_HTTP_MAX_CONNS },
	{ "http-max-per-address", required_argument, NULL, OPT_HTTP_PER_ADDRESS },
	{ "http-idle-timeout", required_argument, NULL, OPT_HTTP_IDLE_TIMEOUT },
	{ "http-max-header-bytes", required_argument, NULL, OPT_HTTP_MAX_HEADER },
	{ "http-max-body-bytes", required_argument, NULL, OPT_HTTP_MAX_BODY },
	{ "http-max-bodies-bytes", required_argument, NULL, OPT_HTTP_MAX_BODIES },
	{ "http-max-feeds", required_argument, NULL, OPT_HTTP_MAX_FEEDS },
	{ "http-max-feeds-per-caller", required_argument, NULL, OPT_HTTP_FEEDS_CALLER },
	{ "web-cache-bytes", required_argument, NULL, OPT_WEB_CACHE_BYTES },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

const struct option *config_long_options(void)
{
	return long_options;
}

/* Parses a decimal number in [min, max]. */
static bool parse_size(const char *s, size_t min, size_t max, size_t *out)
{
	uintmax_t v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = (size_t)v;
	return true;
}

/* One of the --http-* limits: each a number in its own range, 0 nowhere (no limit off)
 * but for the page cache (0: no cache). */
static bool parse_http_limit(int opt, const char *arg, struct config *c, FILE *err)
{
	static const struct {
		int opt;
		const char *name;
		size_t min, max, off;
	} limits[] = {
		{ OPT_HTTP_MAX_CONNS, "http-max-connections", 1, 65536,
		  offsetof(struct config, http_max_connections) },
		{ OPT_HTTP_PER_ADDRESS, "http-max-per-address", 1, 65536,
		  offsetof(struct config, http_per_address) },
		{ OPT_HTTP_IDLE_TIMEOUT, "http-idle-timeout", 1, 86400,
		  offsetof(struct config, http_idle_timeout) },
		// Below 1 KiB not even an ordinary request line with its headers fits.
		{ OPT_HTTP_MAX_HEADER, "http-max-header-bytes", 1024, 1048576,
		  offsetof(struct config, http_max_header) },
		{ OPT_HTTP_MAX_BODY, "http-max-body-bytes", 1024, (size_t)1 << 30,
		  offsetof(struct config, http_max_body) },
		{ OPT_HTTP_MAX_BODIES, "http-max-bodies-bytes", 4096, (size_t)1 << 36,
		  offsetof(struct config, http_max_bodies) },
		{ OPT_HTTP_MAX_FEEDS, "http-max-feeds", 1, 65536,
		  offsetof(struct config, http_max_feeds) },
		{ OPT_HTTP_FEEDS_CALLER, "http-max-feeds-per-caller", 1, 65536,
		  offsetof(struct config, http_feeds_caller) },
		{ OPT_WEB_CACHE_BYTES, "web-cache-bytes", 0, (size_t)1 << 34,
		  offsetof(struct config, web_cache_bytes) },
	};

	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		if (limits[i].opt != opt)
			continue;
		if (parse_size(arg, limits[i].min, limits[i].max,
		               (size_t *)((char *)c + limits[i].off)))
			return true;
		fprintf(err, "registryd: invalid --%s '%s' (%zu..%zu)\n", limits[i].name, arg,
		        limits[i].min, limits[i].max);
		return false;
	}
	return false;
}

enum config_result config_parse(struct config *c, int argc, char **argv, FILE *out, FILE *err)
{
	struct config cfg = {
		.data_dir = CONFIG_DEFAULT_DATA,
		.max_message = CONFIG_DEFAULT_MAX_MESSAGE,
		.contexts = CONFIG_DEFAULT_CONTEXTS,
		.max_connections = CONFIG_DEFAULT_MAX_CONNS,
		.max_per_address = CONFIG_DEFAULT_MAX_PER_ADDRESS,
		.idle_timeout_ms = CONFIG_DEFAULT_IDLE_TIMEOUT_MS,
		.writes_per_principal = CONFIG_DEFAULT_WRITES_PER_PRINCIPAL,
		.log_level = LOG_INFO,
		.http_max_connections = CONFIG_DEFAULT_HTTP_MAX_CONNS,
		.http_per_address = CONFIG_DEFAULT_HTTP_PER_ADDRESS,
		.http_idle_timeout = CONFIG_DEFAULT_HTTP_IDLE_TIMEOUT,
		.http_max_header = CONFIG_DEFAULT_HTTP_MAX_HEADER,
		.http_max_body = CONFIG_DEFAULT_HTTP_MAX_BODY,
		.http_max_bodies = CONFIG_DEFAULT_HTTP_MAX_BODIES,
		.http_max_feeds = CONFIG_DEFAULT_HTTP_MAX_FEEDS,
		.http_feeds_caller = CONFIG_DEFAULT_HTTP_FEEDS_CALLER,
		.web_cache_bytes = CONFIG_DEFAULT_WEB_CACHE_BYTES,
	};
	bool tls = false;
	int opt;

	optind = 0; /* glibc: start over, so tests may parse more than once */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_DATA:
			if (*optarg == '\0') {
				fprintf(err, "registryd: --data needs a directory\n");
				return CONFIG_USAGE;
			}
			cfg.data_dir = optarg;
			break;
		case OPT_LISTEN:
			if (cfg.n_urls == CONFIG_MAX_LISTEN) {
				fprintf(err, "registryd: too many --listen (at most %d)\n",
				        CONFIG_MAX_LISTEN);
				return CONFIG_USAGE;
			}
			cfg.urls[cfg.n_urls++] = optarg;
			break;
		case OPT_MAX_MESSAGE:
			// Below 1 KiB not even an error reply's request would fit.
			if (!parse_size(optarg, 1024, SIZE_MAX, &cfg.max_message)) {
				fprintf(err,
				        "registryd: invalid --max-message '%s' (bytes, >= 1024)\n",
				        optarg);
				return CONFIG_USAGE;
			}
			break;
		case OPT_CONTEXTS:
			if (!parse_size(optarg, 1, CONFIG_MAX_CONTEXTS, &cfg.contexts)) {
				fprintf(err, "registryd: invalid --contexts '%s' (1..%d)\n", optarg,
				        CONFIG_MAX_CONTEXTS);
				return CONFIG_USAGE;
			}
			break;
		case OPT_NO_SYNC:
			cfg.no_sync = true;
			break;
		case OPT_QUOTA:
			// 0 is the default (1 TiB); below 1 MiB no store fits.
			if (!parse_size(optarg, 0, SIZE_MAX, &cfg.quota) ||
			    (cfg.quota != 0 && cfg.quota < CONFIG_MIN_QUOTA)) {
				fprintf(err,
				        "registryd: invalid --quota '%s' (the store's largest size "
				        "in bytes: at least %d, or 0 for the default 1 TiB)\n",
				        optarg, CONFIG_MIN_QUOTA);
				return CONFIG_USAGE;
			}
			break;
		case OPT_TLS_CERT:
		case OPT_TLS_KEY:
		case OPT_TLS_CA:
			if (*optarg == '\0') {
				fprintf(err, "registryd: %s needs a file\n", argv[optind - 1]);
				return CONFIG_USAGE;
			}
			*(opt == OPT_TLS_CERT  ? &cfg.tls_cert
			  : opt == OPT_TLS_KEY ? &cfg.tls_key
			                       : &cfg.tls_ca) = optarg;
			break;
		case OPT_PRIVATE:
			cfg.private_reads = true;
			break;
		case OPT_MAX_CONNS:
			if (!parse_size(optarg, 0, SIZE_MAX, &cfg.max_connections)) {
				fprintf(err,
				        "registryd: invalid --max-connections '%s' (a number; 0 = "
				        "no bound)\n",
				        optarg);
				return CONFIG_USAGE;
			}
			break;
		case OPT_LOG_LEVEL:
			if (!log_level_parse(optarg, &cfg.log_level)) {
				fprintf(err,
				        "registryd: invalid --log-level '%s' (debug, info, warn or "
				        "error)\n",
				        optarg);
				return CONFIG_USAGE;
			}
			break;
		case OPT_METRICS_LISTEN:
			if (strncmp(optarg, "http://", 7) != 0 || optarg[7] == '\0') {
				fprintf(err,
				        "registryd: invalid --metrics-listen '%s' "
				        "(http://HOST:PORT)\n",
				        optarg);
				return CONFIG_USAGE;
			}
			cfg.metrics_listen = optarg;
			break;
		case OPT_MAX_PER_ADDRESS:
		case OPT_IDLE_TIMEOUT:
		case OPT_WRITES_PER_PRINCIPAL: {
			size_t v, max = opt == OPT_MAX_PER_ADDRESS ? SIZE_MAX : UINT32_MAX;

			if (!parse_size(optarg, 0, max, &v)) {
				fprintf(err, "registryd: invalid %s '%s' (%s; 0 = %s)\n",
				        argv[optind - 1], optarg,
				        opt == OPT_IDLE_TIMEOUT ? "milliseconds" : "a number",
				        opt == OPT_IDLE_TIMEOUT ? "never" : "no bound");
				return CONFIG_USAGE;
			}
			if (opt == OPT_MAX_PER_ADDRESS)
				cfg.max_per_address = v;
			else if (opt == OPT_IDLE_TIMEOUT)
				cfg.idle_timeout_ms = (uint32_t)v;
			else
				cfg.writes_per_principal = (uint32_t)v;
			break;
		}
		case OPT_HTTP_LISTEN:
			if (!((strncmp(optarg, "http://", 7) == 0 && optarg[7] != '\0') ||
			      (strncmp(optarg, "https://", 8) == 0 && optarg[8] != '\0'))) {
				fprintf(err,
				        "registryd: invalid --http-listen '%s' (http://HOST:PORT "
				        "or "
				        "https://HOST:PORT)\n",
				        optarg);
				return CONFIG_USAGE;
			}
			if (cfg.n_http_urls == CONFIG_MAX_LISTEN) {
				fprintf(err, "registryd: too many --http-listen (at most %d)\n",
				        CONFIG_MAX_LISTEN);
				return CONFIG_USAGE;
			}
			cfg.http_urls[cfg.n_http_urls++] = optarg;
			break;
		case OPT_HTTP_MAX_CONNS:
		case OPT_HTTP_PER_ADDRESS:
		case OPT_HTTP_IDLE_TIMEOUT:
		case OPT_HTTP_MAX_HEADER:
		case OPT_HTTP_MAX_BODY:
		case OPT_HTTP_MAX_BODIES:
		case OPT_HTTP_MAX_FEEDS:
		case OPT_HTTP_FEEDS_CALLER:
		case OPT_WEB_CACHE_BYTES:
			if (!parse_http_limit(opt, optarg, &cfg, err))
				return CONFIG_USAGE;
			break;
		case OPT_HELP:
			fputs(usage_text, out);
			return CONFIG_EXIT;
		case OPT_VERSION:
			fprintf(out, "registryd %s\n", STDREG_VERSION);
			return CONFIG_EXIT;
		default:
			fprintf(err, "registryd: unknown or incomplete option '%s'\n",
			        argv[optind - 1]);
			fputs("usage: registryd [--config FILE] [--check-config] [--log-level L] "
			      "[--metrics-listen URL]\n"
			      "                 [--data DIR] [--listen URL]... [--max-message "
			      "BYTES] "
			      "[--contexts N] [--no-sync]\n"
			      "                 [--tls-cert FILE --tls-key FILE [--tls-ca FILE]] "
			      "[--private]\n"
			      "                 [--max-connections N] "
			      "[--max-connections-per-address N]\n"
			      "                 [--idle-timeout MS] [--max-writes-per-principal N] "
			      "[--help] [--version]\n",
			      err);
			return CONFIG_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(err, "registryd: unexpected argument '%s'\n", argv[optind]);
		return CONFIG_USAGE;
	}
	if (cfg.n_urls == 0)
		cfg.urls[cfg.n_urls++] = CONFIG_DEFAULT_LISTEN;
	for (size_t i = 0; i < cfg.n_urls; i++)
		tls = tls || strncmp(cfg.urls[i], "tls+tcp://", 10) == 0;
	// https:// listeners of the HTTP face use the same certificate and key.
	for (size_t i = 0; i < cfg.n_http_urls; i++)
		tls = tls || strncmp(cfg.http_urls[i], "https://", 8) == 0;
	if (tls && (cfg.tls_cert == NULL || cfg.tls_key == NULL)) {
		fprintf(err, "registryd: a tls+tcp:// or https:// listener needs --tls-cert and "
		             "--tls-key\n");
		return CONFIG_USAGE;
	}
	if (!tls && (cfg.tls_cert != NULL || cfg.tls_key != NULL || cfg.tls_ca != NULL)) {
		fprintf(err, "registryd: --tls-cert, --tls-key and --tls-ca need a tls+tcp:// or "
		             "https:// listener\n");
		return CONFIG_USAGE;
	}
	// One address may hold a quarter of the room: a whole body must fit in that.
	if (cfg.http_max_bodies / 4 < cfg.http_max_body) {
		fprintf(err,
		        "registryd: --http-max-bodies-bytes (%zu) must be at least four times "
		        "--http-max-body-bytes (%zu): one address may hold a quarter of it\n",
		        cfg.http_max_bodies, cfg.http_max_body);
		return CONFIG_USAGE;
	}
	*c = cfg;
	return CONFIG_RUN;
}
