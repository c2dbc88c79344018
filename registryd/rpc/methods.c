/*
 * methods.c - the method table: one row per rpc of `service Registry`, built from
 * proto/stdreg/v1/methods.def (name, request message, whether it writes) and the daemon's
 * columns below (handler, record kind, permission, where it runs).
 *
 * Dispatch is by method *name* through this table; protoc-c's generated service invoke is
 * not used, so each row can carry its permission and whether it writes. The only file of
 * rpc/ that includes the handlers.
 */
#include <stddef.h>
#include <string.h>

#include "handlers.h"
#include "methods.h"

#include "stdreg/v1/methods.h"
#include "stdreg/v1/registry.pb-c.h"

#define M(name) STDREG_METHOD_PREFIX name

/*
 * The daemon's columns of each method, by name; methods.def gives the name, the request
 * message and whether it writes, so the rows below are built from it (a method missing
 * here does not compile). Record methods share one handler per operation, parameterised
 * by the kind; the kind column does not apply to the others (0).
 */
#define GET(k)       .handler = handle_get, .kind = k, .perm = PERM_READ
#define LIST(k)      .handler = handle_list, .kind = k, .perm = PERM_READ
#define PUT(k, p)    .handler = handle_put, .kind = k, .perm = p
#define DELETE(k)    .handler = handle_delete, .kind = k, .perm = PERM_WRITE
#define READ(h)      .handler = h, .perm = PERM_READ
#define LONG_READ(h) .handler = h, .perm = PERM_READ, .long_running = true
#define WRITE(h, p)  .handler = h, .perm = p

#define ROW_GetArea         GET(STORE_AREA)
#define ROW_ListAreas       LIST(STORE_AREA)
#define ROW_PutArea         PUT(STORE_AREA, PERM_WRITE)
#define ROW_DeleteArea      DELETE(STORE_AREA)
#define ROW_GetBody         GET(STORE_BODY)
#define ROW_ListBodies      LIST(STORE_BODY)
#define ROW_PutBody         PUT(STORE_BODY, PERM_WRITE)
#define ROW_DeleteBody      DELETE(STORE_BODY)
#define ROW_GetAgency       GET(STORE_AGENCY)
#define ROW_ListAgencies    LIST(STORE_AGENCY)
#define ROW_PutAgency       PUT(STORE_AGENCY, PERM_OWN_AGENCY)
#define ROW_DeleteAgency    DELETE(STORE_AGENCY)
#define ROW_GetWorkItem     GET(STORE_ITEM)
#define ROW_ListWorkItems   LIST(STORE_ITEM)
#define ROW_PutWorkItem     PUT(STORE_ITEM, PERM_ITEM)
#define ROW_DeleteWorkItem  DELETE(STORE_ITEM)
#define ROW_GetAssignment   GET(STORE_ASSIGNMENT)
#define ROW_ListAssignments LIST(STORE_ASSIGNMENT)
#define ROW_Assign          WRITE(handle_assign, PERM_WRITE)
#define ROW_Unassign        WRITE(handle_unassign, PERM_WRITE)
#define ROW_Transfer        WRITE(handle_transfer, PERM_WRITE)
#define ROW_SetStage        WRITE(handle_set_stage, PERM_ITEM)
#define ROW_Mine            LONG_READ(handle_mine)
#define ROW_Gaps            READ(handle_gaps)
#define ROW_AsOf            READ(handle_as_of)
#define ROW_History         READ(handle_history)
#define ROW_Report          LONG_READ(handle_report)
// Its first scan may read a long stretch of the changelog: on a worker, never on nng's
// threads; a watch that has to wait parks from there.
#define ROW_Watch LONG_READ(handle_watch), .parks = true
// Reads back up to 65 536 changes of the changelog: a worker.
#define ROW_ListChanges LONG_READ(handle_list_changes)
#define ROW_ApplyChunk  WRITE(handle_apply_chunk, PERM_WRITE), .bulk_request = true
#define ROW_ApplyCommit WRITE(handle_apply_commit, PERM_WRITE)
#define ROW_Export      LONG_READ(handle_export)
#define ROW_WhoAmI      READ(handle_who_am_i)
// Hot backup: reads, for admins only; making the copy takes a while (a worker).
#define ROW_Backup     .handler = handle_backup, .perm = PERM_ADMIN, .long_running = true
#define ROW_BackupRead .handler = handle_backup_read, .perm = PERM_ADMIN
#define ROW_Stats      READ(handle_stats)
// Goals: coordinators add them; agencies reach AddFollowUp, whose run limits them.
#define ROW_AddGoal     WRITE(handle_add_goal, PERM_WRITE)
#define ROW_GetGoal     READ(handle_get_goal), .kind = STORE_GOAL
#define ROW_ListGoals   LONG_READ(handle_list_goals), .kind = STORE_GOAL
#define ROW_AddFollowUp WRITE(handle_add_follow_up, PERM_ITEM)
#define ROW_Trend       LONG_READ(handle_trend)

/* Each method's row number, for the metrics. */
enum {
#define STDREG_METHOD(n, req, writes) METHOD_INDEX_##n,
#include "stdreg/v1/methods.def"
#undef STDREG_METHOD
};

/* Every rpc of `service Registry` in proto/stdreg/v1/registry.proto, in its order. */
static const struct method methods[] = {
#define STDREG_METHOD(n, req, writes)                  \
	{ .name = M(#n),                               \
	  .request = &stdreg__v1__##req##__descriptor, \
	  .is_write = STDREG_METHOD_WRITES_##writes,   \
	  .index = METHOD_INDEX_##n,                   \
	  ROW_##n },
#include "stdreg/v1/methods.def"
#undef STDREG_METHOD
};

#define N_METHODS (sizeof methods / sizeof methods[0])

size_t dispatch_method_count(void)
{
	return N_METHODS;
}

const char *dispatch_method_name(size_t i)
{
	return i < N_METHODS ? methods[i].name : NULL;
}

const struct method *dispatch_method_at(size_t i)
{
	return i < N_METHODS ? &methods[i] : NULL;
}

const struct method *method_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_METHODS; i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}
