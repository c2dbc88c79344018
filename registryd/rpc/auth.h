/*
 * auth.h - who is calling, and may they do this (DESIGN §6).
 *
 * Every method row of the dispatch table declares the permission it needs; the
 * dispatcher asks auth_check() before the payload is even decoded. Which role holds which
 * permission is one table in auth.c. The agency scope (an agency principal may change only
 * the items of the areas it leads or supports, and its own agency record) depends on the
 * record and is checked by the write itself, in its transaction (auth_scope_*).
 */
#ifndef REGISTRYD_AUTH_H
#define REGISTRYD_AUTH_H

#include <stdbool.h>

#include "status.h"
#include "store.h"

/* What a method requires of its caller (the perm column of the dispatch table). */
enum perm {
	PERM_READ,       /* anyone, unless the registry is private: then any principal */
	PERM_WRITE,      /* coordinators (and admins): records and appointments */
	PERM_ITEM,       /* coordinators, or an agency for the items of its own areas */
	PERM_OWN_AGENCY, /* coordinators, or an agency for its own agency record */
	PERM_ADMIN,      /* admins */
	PERM_COUNT
};

#define AUTH_PRINCIPAL_MAX 65

/* The caller, as auth has established it. */
struct auth_principal {
	char name[AUTH_PRINCIPAL_MAX]; /* recorded as updated_by / principal of changes */
	int role;                      /* stdreg.v1.PrincipalRole; 0 for anonymous */
	char agency_id[AUTH_PRINCIPAL_MAX];
	bool anonymous;
};

/*
 * Decides whether the bearer of token ("" = none) may call a method that requires perm.
 * t is the slot's read transaction (the token is looked up in the store on every request,
 * so a revocation takes effect at once); its snapshot may be left open, for the handler of
 * a read to use: the caller resets it. private_reads refuses anonymous reads.
 * On success *who names the principal and 0 is returned. Otherwise st holds
 * UNAUTHENTICATED (no, unknown or revoked token where one is needed) or
 * PERMISSION_DENIED (a valid principal without the right) and -1 is returned. The token
 * itself is never logged or copied.
 */
int auth_check(store_txn *t, bool private_reads, const char *token, enum perm perm,
               struct auth_principal *who, struct status *st);

/* "admin", "coordinator", "agency", "reader", or "anonymous". */
const char *auth_role_name(const struct auth_principal *who);

/*
 * The agency scope, checked inside the write's transaction. RG_OK when who is not an
 * agency principal, or when the change is within its scope; RG_EPERM (err says why)
 * otherwise. An item is in scope when every area it has and every area it gets is led or
 * supported by the agency today (store_check_item_scope); an agency record when it is the
 * principal's own and exists (update, never create). auth_scope_item refuses more than
 * STORE_VALUES_MAX area ids (RG_EINVAL) before it reads any.
 */
int auth_scope_item(store_txn *t, const struct auth_principal *who, const char *item_id,
                    char *const *new_area_ids, size_t n, struct store_error *err);
int auth_scope_agency(store_txn *t, const struct auth_principal *who, const char *agency_id,
                      struct store_error *err);

#endif
