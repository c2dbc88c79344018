/*
 * main.c - regctl: global options, help, and dispatch through the verb table.
 *
 *   regctl [--endpoint URL] [--token T] [-o table|json|jsonl|csv] [--timeout MS] NOUN VERB ...
 *   regctl [global options] COMMAND ...   (assign, gaps, watch, apply, ...: commands.c)
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "regctl.h"

/* What a verb needs of the noun's kind before it can run. */
enum verb_need {
	NEED_NONE = 0,
	NEED_PUT = 1,    /* the kind has a Put method */
	NEED_DELETE = 2, /* the kind has a Delete method */
};

static const struct verb {
	const char *name;
	int (*run)(struct globals *, const struct noun *, int, char **);
	enum verb_need need;
	const char *usage; /* after "regctl NOUN " */
} verbs[] = {
	{ "list", cmd_list, NEED_NONE, "list [--limit N] [--page-token T] [filters]" },
	{ "get", cmd_get, NEED_NONE, "get ID" },
	{ "put", cmd_put, NEED_PUT,
	  "put ID [field flags] [-f FILE] [--create] [--if-revision N] [--decision REF]" },
	{ "delete", cmd_delete, NEED_DELETE, "delete ID [--if-revision N] [--decision REF]" },
	{ 0 },
};

static bool verb_allowed(const struct verb *v, const struct stdreg_kind *k)
{
	return !((v->need & NEED_PUT) && k->put_method == NULL) &&
	       !((v->need & NEED_DELETE) && k->delete_method == NULL);
}

void noun_help(FILE *f, const struct noun *n)
{
	const struct stdreg_kind *k = stdreg_kind_find(n->name);
	const struct verb *v;
	bool first = true;

	for (v = verbs; v->name != NULL; v++) {
		if (!verb_allowed(v, k))
			continue;
		fprintf(f, "%s regctl %s %s\n", first ? "usage:" : "      ", n->name, v->usage);
		first = false;
	}
	if (n->put_flags != NULL) {
		fputs("\nput flags (field); on an existing record only the fields given change:\n",
		      f);
		flags_help(f, n, n->put_flags);
		fputs("  -f, --file FILE        the record as one JSON object ('-' = stdin): a "
		      "full\n"
		      "                         replace; flags override its fields\n"
		      "  --create               fail if the record exists\n"
		      "  --if-revision N        fail unless the stored mod_revision is N\n"
		      "  --decision REF         decision recorded with the change\n",
		      f);
	}
	// The header even without filters, so that --limit is not read as a put flag.
	fputs("\nlist filters:\n", f);
	if (n->list_flags != NULL && n->list_flags[0].flag != NULL)
		flags_help(f, n, n->list_flags);
	fputs("  --limit N              one page of at most N records (default: all pages); the\n"
	      "                         next page's token goes to stderr (-o json: the field\n"
	      "                         next_page_token of {\"records\": [...]})\n"
	      "  --page-token T         start at the page of token T\n",
	      f);
	fputs("\noutput: -o table, json, jsonl or csv (default table); jsonl: one line per "
	      "record of a list\n",
	      f);
}

static void usage(FILE *f)
{
	const struct noun *n;

	fputs("usage: regctl [--endpoint URL] [--token T] [-o table|json|jsonl|csv] [--timeout "
	      "MS]\n"
	      "              [--cacert FILE [--cert FILE --key FILE]] NOUN VERB [ARGS]\n"
	      "       regctl [options] COMMAND [ARGS]\n"
	      "\n"
	      "nouns: ",
	      f);
	for (n = regctl_nouns; n->name != NULL; n++)
		fprintf(f, "%s%s", n->name, n[1].name != NULL ? ", " : "\n");
	fputs("verbs: list, get ID, put ID, delete ID (assignment: list and get only)\n"
	      "see 'regctl NOUN --help' for the flags of a noun\n"
	      "\n"
	      "commands (see 'regctl COMMAND --help'):\n",
	      f);
	commands_help(f);
	fputs("\n"
	      "options:\n"
	      "  --endpoint URL   registryd endpoint (env STDREG_ENDPOINT; "
	      "default " STDREG_DEFAULT_ENDPOINT ")\n"
	      "  --token T        bearer token (env STDREG_TOKEN; default anonymous)\n"
	      "  -o, --output F   table (default), json, jsonl or csv; a command's --help says\n"
	      "                   which it takes (lists joined with ';'; tables escape controls)\n"
	      "  --timeout MS     deadline of each call (env STDREG_TIMEOUT; default 10000); a\n"
	      "                   write whose reply is lost is resent once, with the same\n"
	      "                   request id (the daemon never applies it twice)\n"
	      "  --cacert FILE    tls+tcp:// endpoints: PEM CA certificate(s) the server's\n"
	      "                   certificate must be signed by (env STDREG_CACERT)\n"
	      "  --cert FILE      client certificate (PEM), for servers that require one\n"
	      "                   (env STDREG_CERT)\n"
	      "  --key FILE       its private key (PEM) (env STDREG_KEY)\n"
	      "  -h, --help       this help\n"
	      "  --version        print the version\n"
	      "\n",
	      f);
	exit_codes_help(f);
}

/* Environment first, then the command line. Returns -1 to exit with *rc. */
static int parse_globals(int argc, char **argv, struct globals *g, int *rc)
{
	const char *env;
	int c;

	g->endpoint = (env = getenv("STDREG_ENDPOINT")) != NULL && env[0] != '\0'
	                      ? env
	                      : STDREG_DEFAULT_ENDPOINT;
	g->token = getenv("STDREG_TOKEN");
	g->cacert = getenv("STDREG_CACERT");
	g->cert = getenv("STDREG_CERT");
	g->key = getenv("STDREG_KEY");
	g->timeout_ms = STDREG_DEFAULT_TIMEOUT_MS;
	g->out = OUT_TABLE;
	*rc = EXIT_USAGE;
	if ((env = getenv("STDREG_TIMEOUT")) != NULL && env[0] != '\0' &&
	    global_opt(g, GOPT_TIMEOUT, env) != 0)
		return -1;
	opterr = 0;
	// '+': stop at NOUN; the verb's flags are parsed by the verb.
	while ((c = getopt_long(argc, argv, "+:ho:", regctl_global_opts, NULL)) != -1) {
		if (is_global_opt(c)) {
			if (global_opt(g, c, optarg) != 0)
				return -1;
			continue;
		}
		switch (c) {
		case 'h':
			usage(stdout);
			*rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_SERVER;
			return -1;
		case GOPT_VERSION:
			printf("regctl %s\n", STDREG_VERSION);
			*rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_SERVER;
			return -1;
		case ':':
			errorf("flag '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			if (optopt != 0)
				errorf("unknown flag '-%c' (see regctl --help)", optopt);
			else
				errorf("unknown flag '%s' (see regctl --help)", argv[optind - 1]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	const struct noun *n;
	const struct verb *v;
	struct globals g;
	int rc;

	if (parse_globals(argc, argv, &g, &rc) != 0)
		return rc;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = command_find(argv[optind])) != NULL)
		return command_main(&g, cmd, argc - optind, argv + optind);
	if ((n = noun_find(argv[optind])) == NULL) {
		errorf("unknown noun or command '%s' (see regctl --help)", argv[optind]);
		return EXIT_USAGE;
	}
	if (optind + 1 >= argc) {
		noun_help(stderr, n);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind + 1], "--help") == 0 || strcmp(argv[optind + 1], "-h") == 0) {
		noun_help(stdout, n);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_SERVER;
	}
	for (v = verbs; v->name != NULL; v++)
		if (strcmp(v->name, argv[optind + 1]) == 0)
			break;
	if (v->name == NULL) {
		errorf("unknown verb '%s' for '%s' (see regctl %s --help)", argv[optind + 1],
		       n->name, n->name);
		return EXIT_USAGE;
	}
	if (!verb_allowed(v, stdreg_kind_find(n->name))) {
		errorf("cannot %s %s records (appointments are changed with assign, unassign and "
		       "transfer)",
		       v->name, n->name);
		return EXIT_USAGE;
	}
	return v->run(&g, n, argc - optind - 1, argv + optind + 1);
}
