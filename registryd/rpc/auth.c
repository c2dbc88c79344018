/*
 * auth.c - tokens to principals, and the one table of which role may do what.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"

#include "stdreg/v1/records.pb-c.h"

#define ROLE_ADMIN       STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_ADMIN
#define ROLE_COORDINATOR STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_COORDINATOR
#define ROLE_AGENCY      STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_AGENCY
#define ROLE_READER      STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_READER

#define P(p) (1u << (p))

/* Role -> the permissions it holds. Anonymous callers hold PERM_READ unless private. */
static const unsigned role_perms[] = {
	[ROLE_ADMIN] =
	        P(PERM_READ) | P(PERM_WRITE) | P(PERM_ITEM) | P(PERM_OWN_AGENCY) | P(PERM_ADMIN),
	[ROLE_COORDINATOR] = P(PERM_READ) | P(PERM_WRITE) | P(PERM_ITEM) | P(PERM_OWN_AGENCY),
	[ROLE_AGENCY] = P(PERM_READ) | P(PERM_ITEM) | P(PERM_OWN_AGENCY),
	[ROLE_READER] = P(PERM_READ),
};

static const char *const perm_names[PERM_COUNT] = {
	[PERM_READ] = "read",
	[PERM_WRITE] = "change records and appointments",
	[PERM_ITEM] = "change work items",
	[PERM_OWN_AGENCY] = "change agency records",
	[PERM_ADMIN] = "administer",
};

const char *auth_role_name(const struct auth_principal *who)
{
	switch (who->role) {
	case ROLE_ADMIN:
		return "admin";
	case ROLE_COORDINATOR:
		return "coordinator";
	case ROLE_AGENCY:
		return "agency";
	case ROLE_READER:
		return "reader";
	default:
		return "anonymous";
	}
}

int auth_check(store_txn *t, bool private_reads, const char *token, enum perm perm,
               struct auth_principal *who, struct status *st)
{
	struct store_principal p;
	int rc;

	memset(who, 0, sizeof(*who));
	if (token == NULL || token[0] == '\0') {
		strcpy(who->name, "anonymous");
		who->anonymous = true;
		if (perm == PERM_READ && !private_reads)
			return 0;
		status_set(st, GRPC_UNAUTHENTICATED, "a token is required to %s", perm_names[perm]);
		return -1;
	}
	// A token that is given must be good, even for what anonymous callers may do: a typo
	// or a revoked token should not silently turn into a reader.
	// The snapshot stays open: a read's handler answers from it (no second renew).
	rc = store_read_renew(t);
	if (rc == RG_OK)
		rc = store_token_lookup(t, token, &p);
	if (rc == RG_ENOENT) {
		status_set(st, GRPC_UNAUTHENTICATED, "unknown token");
		return -1;
	}
	if (rc == RG_EPRECOND) {
		status_set(st, GRPC_UNAUTHENTICATED, "token has been revoked");
		return -1;
	}
	if (rc != RG_OK) {
		status_set(st, GRPC_INTERNAL, "cannot check the token (%s)", rg_strerror(rc));
		return -1;
	}
	snprintf(who->name, sizeof(who->name), "%s", p.name);
	snprintf(who->agency_id, sizeof(who->agency_id), "%s", p.agency_id);
	who->role = p.role;
	if (p.role > 0 && (size_t)p.role < sizeof(role_perms) / sizeof(role_perms[0]) &&
	    (role_perms[p.role] & P(perm)))
		return 0;
	status_set(st, GRPC_PERMISSION_DENIED, "%s '%s' may not %s", auth_role_name(who), p.name,
	           perm_names[perm]);
	return -1;
}

int auth_scope_item(store_txn *t, const struct auth_principal *who, const char *item_id,
                    char *const *new_area_ids, size_t n, struct store_error *err)
{
	if (who->role != ROLE_AGENCY)
		return RG_OK;
	return store_check_item_scope(t, who->agency_id, item_id, new_area_ids, n, err);
}

int auth_scope_agency(store_txn *t, const struct auth_principal *who, const char *agency_id,
                      struct store_error *err)
{
	const void *val;
	size_t len;

	if (who->role != ROLE_AGENCY)
		return RG_OK;
	err->code = RG_EPERM;
	snprintf(err->field, sizeof(err->field), "id");
	if (strcmp(who->agency_id, agency_id) != 0) {
		snprintf(err->message, sizeof(err->message),
		         "agency principal '%s' may change only agency '%s', not '%s'", who->name,
		         who->agency_id, agency_id);
		return RG_EPERM;
	}
	// Its agency is a reference the token holds: it may update it, never bring it back
	// after a coordinator removed it (nor make it before one did).
	if (store_get(t, STORE_AGENCY, agency_id, &val, &len) != RG_OK) {
		snprintf(err->message, sizeof(err->message),
		         "agency principal '%s' may update agency '%s' but not create it",
		         who->name, agency_id);
		return RG_EPERM;
	}
	err->code = RG_OK;
	return RG_OK;
}
