/*
 * uploads.h - staged bulk uploads (DESIGN §8): the records of a file sent in chunks, held
 * in memory under a random id until one ApplyCommit applies them all in one transaction.
 * Nothing reaches the store before the commit, so an upload that is abandoned (the client
 * was killed) leaves nothing behind: it expires after an idle time and is freed.
 *
 * Limits count the bytes the chunks take decoded (wirecheck.h's estimate, not their packed
 * size): per upload, for all uploads of one principal (the same bound) and for all
 * together, and the number of uploads. Expired uploads are swept on every uploads_add/uploads_take.
 */
#ifndef REGISTRYD_UPLOADS_H
#define REGISTRYD_UPLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch_limits.h"
#include "store.h"

#include "stdreg/v1/registry.pb-c.h"

struct arena; /* arena.h */

#define UPLOAD_ID_LEN 32 /* 128 bits in hex */

struct uploads;
struct upload;

/* Errors: RG_ENOMEM. The limits are copied. */
int uploads_new(struct uploads **out, const struct dispatch_limits *l);

/* Frees every staged upload and the table. NULL is allowed. */
void uploads_free(struct uploads *u);

/*
 * Stages the records of chunk (bytes: what it takes decoded) in the upload id, or in a new upload
 * when id is "" (its id, from getrandom, is written to id_out, UPLOAD_ID_LEN + 1 bytes;
 * otherwise id is copied there). chunk was decoded in arena (arena.h's owned arena), or
 * with malloc when arena is NULL. On success the chunk and its arena belong to the upload
 * and *staged is the number of records staged in it so far; on failure they stay the
 * caller's.
 * now_ns is the dispatch_now_ns() clock.
 * Errors: RG_ENOENT (no such upload, or it expired), RG_ENOSPC (a limit; err says which),
 * RG_ENOMEM, RG_EIO (no random bytes).
 */
int uploads_add(struct uploads *u, const char *id, const char *owner,
                Stdreg__V1__ApplyChunkRequest *chunk, struct arena *arena, size_t bytes,
                uint64_t now_ns, char *id_out, uint32_t *staged, struct store_error *err);

/*
 * Takes the upload id out of the table: nobody else can add to or commit it any more.
 * An upload belongs to the principal (owner) that started it: to anyone else it does not
 * exist, for uploads_add as here.
 * *out is the caller's, for upload_records() and then uploads_free_taken().
 * Errors: RG_ENOENT.
 */
int uploads_take(struct uploads *u, const char *id, const char *owner, uint64_t now_ns,
                 struct upload **out);

/* The staged BulkRecords of an upload, in the order received; owned by the upload. */
ProtobufCMessage *const *upload_records(const struct upload *up, size_t *n);
/* The allocator of those records, for store_apply: a string it replaces in one of them goes
 * back to the chunk it came from, or to free(). */
const ProtobufCAllocator *upload_allocator(struct upload *up);

/* Frees an upload that was taken (its bytes stop counting against the limits). */
void uploads_free_taken(struct uploads *u, struct upload *up);

/* Uploads staged in the table, and bytes held by staged and taken uploads (for tests). */
size_t uploads_count(struct uploads *u);
size_t uploads_bytes(struct uploads *u);

#endif
