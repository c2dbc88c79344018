/*
 * token.c - `registryd token create|list|revoke`: principals and their tokens, worked
 * on the data directory directly. LMDB is multi-process, so this also works while the
 * daemon runs, and a revocation takes effect on the daemon's next request.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "token.h"
#include "config.h"
#include "store.h"
#include "stdreg/v1/records.pb-c.h"

static const char usage_text[] =
        "usage: registryd token create --role ROLE [--agency ID] --name NAME [--data DIR]\n"
        "       registryd token list [--data DIR]\n"
        "       registryd token revoke NAME [--data DIR]\n"
        "       (each also takes --as-owner)\n"
        "\n"
        "  ROLE is admin, coordinator, agency (needs --agency) or reader.\n"
        "  create prints the new token once; only its SHA-256 is stored. On a directory\n"
        "  that does not exist yet, create makes it and a new store, as a first start would.\n"
        "  --data DIR defaults to " CONFIG_DEFAULT_DATA ". Safe beside a running daemon.\n"
        "  --as-owner: run as root on a directory another user owns, work as that user\n"
        "  (without it, root is refused there).\n"
        "exit: 0 ok, 1 refused or failed, 2 usage\n";

enum { TOKEN_ROLE, TOKEN_AGENCY, TOKEN_NAME };
static const struct admin_opt token_opts[] = {
	[TOKEN_ROLE] = { "role", true },
	[TOKEN_AGENCY] = { "agency", true },
	[TOKEN_NAME] = { "name", true },
	{ NULL, false },
};
static const struct admin_cmd token_cmd = { usage_text, token_opts, 1, 2 };

static int role_by_name(const char *s)
{
	static const struct {
		const char *name;
		int role;
	} roles[] = {
		{ "admin", STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_ADMIN },
		{ "coordinator", STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_COORDINATOR },
		{ "agency", STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_AGENCY },
		{ "reader", STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_READER },
	};

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(roles[i].name, s) == 0)
			return roles[i].role;
	return 0;
}

const char *token_role_name(int role)
{
	switch (role) {
	case STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_ADMIN:
		return "admin";
	case STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_COORDINATOR:
		return "coordinator";
	case STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_AGENCY:
		return "agency";
	case STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_READER:
		return "reader";
	default:
		return "none";
	}
}

static void print_principal(void *arg, const ProtobufCMessage *m)
{
	const Stdreg__V1__Principal *p = (const Stdreg__V1__Principal *)m;

	(void)arg;
	printf("%-24s %-12s %-16s %-21s %s\n", p->name, token_role_name(p->role),
	       *p->agency_id ? p->agency_id : "-", p->created_at,
	       *p->revoked_at ? p->revoked_at : "-");
}

int token_main(int argc, char **argv)
{
	struct store_error err = { 0 };
	struct admin_args a;
	const char *data;
	struct stat sb;
	store *st;
	int rc;

	if ((rc = admin_parse(argc, argv, &token_cmd, &a)) >= 0)
		return rc;
	const char *role = a.opt[TOKEN_ROLE], *agency = a.opt[TOKEN_AGENCY],
	           *name = a.opt[TOKEN_NAME];
	data = a.data;
	const char *verb = a.operands[0];
	if (strcmp(verb, "create") != 0 && strcmp(verb, "list") != 0 &&
	    strcmp(verb, "revoke") != 0) {
		fprintf(stderr, "registryd: unknown token command '%s' (create, list, revoke)\n",
		        verb);
		return 2;
	}
	if (strcmp(verb, "revoke") == 0 && name == NULL && a.n_operands == 2)
		name = a.operands[1];
	else if (a.n_operands != 1) {
		fprintf(stderr, "registryd: token %s: unexpected argument '%s' (see --help)\n",
		        verb, a.operands[a.n_operands - 1]);
		return 2;
	}
	// One line saying what is missing, as every other usage error.
	if (strcmp(verb, "list") != 0 && name == NULL) {
		fprintf(stderr, "registryd: token %s needs --name NAME (see --help)\n", verb);
		return 2;
	}
	if (strcmp(verb, "create") == 0 && role == NULL) {
		fprintf(stderr, "registryd: token create needs --role (admin, coordinator, agency, "
		                "reader; see --help)\n");
		return 2;
	}
	if (strcmp(verb, "create") == 0 && role_by_name(role) == 0) {
		fprintf(stderr,
		        "registryd: unknown role '%s' (admin, coordinator, agency, reader)\n",
		        role);
		return 2;
	}

	if (admin_become_owner(data, a.as_owner, argc, argv) != 0)
		return 1;
	if (stat(data, &sb) != 0 && errno == ENOENT) {
		// The first token of a new registry: make the store as a first start would. Only
		// create does; list and revoke have nothing to show or change there.
		if (strcmp(verb, "create") != 0) {
			fprintf(stderr,
			        "registryd: no store in '%s' (no such directory; 'registryd token "
			        "create --data %s --role admin --name NAME' makes one)\n",
			        data, data);
			return 1;
		}
		rc = admin_make_dirs(data);
		if (rc != 0) {
			fprintf(stderr, "registryd: cannot create '%s' (%s)\n", data, strerror(rc));
			return 1;
		}
	}
	rc = store_open(&st, data, NULL, &err);
	if (rc != RG_OK) {
		fprintf(stderr, "registryd: cannot open store '%s' (%s)\n", data, err.message);
		return 1;
	}
	struct store_info info;
	store_get_info(st, &info);
	if (info.log_replayed > 0)
		fprintf(stderr,
		        "registryd: store '%s' was not closed cleanly: recovered %llu commits "
		        "from its commit log\n",
		        data, (unsigned long long)info.log_replayed);
	if (strcmp(verb, "create") == 0) {
		char token[STORE_TOKEN_LEN + 1];
		rc = store_token_create(st, name, role_by_name(role), agency, token, &err);
		if (rc == RG_OK)
			printf("%s\n", token);
	} else if (strcmp(verb, "revoke") == 0) {
		rc = store_token_revoke(st, name, &err);
	} else {
		printf("%-24s %-12s %-16s %-21s %s\n", "NAME", "ROLE", "AGENCY", "CREATED",
		       "REVOKED");
		rc = store_token_list(st, print_principal, NULL);
		if (rc != RG_OK)
			snprintf(err.message, sizeof(err.message), "%s", rg_strerror(rc));
	}
	store_close(st);
	if (rc != RG_OK) {
		fprintf(stderr, "registryd: cannot %s token%s%s%s (%s)\n", verb, name ? " '" : "",
		        name ? name : "", name ? "'" : "", err.message);
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
