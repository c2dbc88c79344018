/*
 * auth.c - placeholder access check: everyone is "anonymous" and may do everything until
 * principals and tokens exist (DESIGN §6).
 */
#include <string.h>

#include "auth.h"

int auth_check(const char *token, enum perm perm, struct auth_principal *who, struct status *st)
{
	(void)token;
	(void)perm;
	(void)st;
	strcpy(who->name, "anonymous");
	return 0;
}
