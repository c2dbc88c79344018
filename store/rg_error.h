/*
 * rg_error.h - the one error enum of stdreg.
 *
 * Every module returns these codes; foreign codes (LMDB, nng, protobuf-c, errno) are
 * translated where they enter. registryd maps them to gRPC status codes in exactly one
 * table (registryd/status.c).
 */
#ifndef STDREG_RG_ERROR_H
#define STDREG_RG_ERROR_H

enum rg_err {
	RG_OK = 0,
	RG_EINVAL,    /* a field or argument is invalid             -> INVALID_ARGUMENT */
	RG_ENOENT,    /* the record does not exist                  -> NOT_FOUND */
	RG_EEXIST,    /* create of an existing id                   -> ALREADY_EXISTS */
	RG_ESTALE,    /* expected_mod_revision does not match       -> ABORTED */
	RG_EPRECOND,  /* refused by the state of the store          -> FAILED_PRECONDITION */
	RG_ENOSPC,    /* quota reached or disk full                 -> RESOURCE_EXHAUSTED */
	RG_ETIMEDOUT, /* the caller's deadline passed               -> DEADLINE_EXCEEDED */
	RG_ESHUTDOWN, /* the store or daemon is shutting down       -> UNAVAILABLE */
	RG_ENOMEM,    /* out of memory                              -> RESOURCE_EXHAUSTED */
	RG_EIO,       /* the file system failed                     -> INTERNAL */
	RG_ECORRUPT,  /* the store's data breaks an invariant       -> INTERNAL */
	RG_ESCHEMA,   /* the store was written by a newer schema    -> FAILED_PRECONDITION */
	RG_EINTERNAL, /* a bug                                      -> INTERNAL */
	RG_EPERM,     /* the caller may not do this                 -> PERMISSION_DENIED */
	RG_EAUTH,     /* the caller is not known (no or bad token)  -> UNAUTHENTICATED */
	RG_ERR_COUNT
};

/* A short lowercase description of the code ("not found"); never NULL. */
const char *rg_strerror(int code);

#endif
