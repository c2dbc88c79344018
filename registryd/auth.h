/*
 * auth.h - who is calling, and may they do this.
 *
 * A placeholder: access control (tokens, roles, DESIGN §6) is a later issue. The hook is
 * already where the envelope checks need it (after the deadline, before the payload is
 * decoded), and every method row declares the permission it requires.
 */
#ifndef REGISTRYD_AUTH_H
#define REGISTRYD_AUTH_H

#include "status.h"

/* What a method requires of its caller (the perm column of the dispatch table). */
enum perm {
	PERM_READ,
	PERM_WRITE,
};

#define AUTH_PRINCIPAL_MAX 64

/* The caller, as far as auth has established it. */
struct auth_principal {
	char name[AUTH_PRINCIPAL_MAX]; /* recorded as updated_by / principal of changes */
};

/*
 * Decides whether the bearer of token (may be "") may call a method that requires perm.
 * On success *who names the principal and 0 is returned. Otherwise st holds
 * UNAUTHENTICATED or PERMISSION_DENIED and -1 is returned. The token is never logged.
 * For now every call is allowed, as "anonymous".
 */
int auth_check(const char *token, enum perm perm, struct auth_principal *who, struct status *st);

#endif
