#include "rg_error.h"

static const char *const rg_messages[RG_ERR_COUNT] = {
	[RG_OK] = "ok",
	[RG_EINVAL] = "invalid argument",
	[RG_ENOENT] = "not found",
	[RG_EEXIST] = "already exists",
	[RG_ESTALE] = "revision mismatch",
	[RG_EPRECOND] = "failed precondition",
	[RG_ENOSPC] = "no space left",
	[RG_ETIMEDOUT] = "deadline exceeded",
	[RG_ESHUTDOWN] = "shutting down",
	[RG_ENOMEM] = "out of memory",
	[RG_EIO] = "input/output error",
	[RG_ECORRUPT] = "store is corrupt",
	[RG_ESCHEMA] = "unsupported schema version",
	[RG_EINTERNAL] = "internal error",
	[RG_EPERM] = "permission denied",
	[RG_EAUTH] = "unauthenticated",
};

const char *rg_strerror(int code)
{
	if (code < 0 || code >= RG_ERR_COUNT)
		return "unknown error";
	return rg_messages[code];
}
