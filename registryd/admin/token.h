/*
 * token.h - the `registryd token ...` administration commands.
 */
#ifndef REGISTRYD_ADMIN_TOKEN_H
#define REGISTRYD_ADMIN_TOKEN_H

/* Runs `token create|list|revoke ...`; argv[0] is "token". Returns the exit code. */
int token_main(int argc, char **argv);

/* "admin", "coordinator", "agency", "reader" for a stdreg.v1.PrincipalRole; "none" else. */
const char *token_role_name(int role);

#endif
