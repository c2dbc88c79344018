/*
 * uploads.c - see uploads.h. A short list under one lock: there are at most uploads_max.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "arena.h"
#include "auth.h"
#include "uploads.h"
#include "locked.h"

/* One chunk as received, and the arena it was decoded in (NULL: malloc). */
struct staged_chunk {
	Stdreg__V1__ApplyChunkRequest *msg;
	struct arena *arena;
};

struct upload {
	char id[UPLOAD_ID_LEN + 1];
	char owner[AUTH_PRINCIPAL_MAX]; /* the principal that started it */
	uint64_t touched_ns;            /* last chunk (or creation) */
	size_t bytes;                   /* received bytes of its chunks */
	struct staged_chunk *chunks;
	size_t n_chunks, cap_chunks;
	/* The chunks' own arenas, by base address: a string the apply replaces is looked up
	 * here, in log time (each arena holds ARENA_OWNED_MIN or more of the upload's budget,
	 * so there are a few hundred at most, while tiny chunks may number a million). */
	const struct arena **arenas;
	size_t n_arenas;
	ProtobufCMessage **records; /* point into chunks */
	ProtobufCAllocator alloc;   /* what the records were decoded with (upload_allocator) */
	size_t n_records;
	size_t cap_records;
	struct upload *next;
};

struct uploads {
	struct dispatch_limits l;
	pthread_mutex_t lock;
	struct upload *head; /* under lock: staged */
	size_t count;        /* under lock: staged */
	size_t bytes;        /* under lock: staged and taken, not yet released */
};

/* Fills err with code and a printf message; returns code. */
static int upload_fail(struct store_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int upload_fail(struct store_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->field[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return code;
}

int uploads_new(struct uploads **out, const struct dispatch_limits *l)
{
	struct uploads *u = calloc(1, sizeof *u);

	if (u == NULL)
		return RG_ENOMEM;
	u->l = *l;
	pthread_mutex_init(&u->lock, NULL);
	*out = u;
	return RG_OK;
}

static void upload_free(struct upload *up)
{
	for (size_t i = 0; i < up->n_chunks; i++) {
		struct arena *a = up->chunks[i].arena;

		stdreg__v1__apply_chunk_request__free_unpacked(up->chunks[i].msg,
		                                               a != NULL ? &a->alloc : NULL);
		arena_free_owned(a);
	}
	free(up->chunks);
	free(up->arenas);
	free(up->records);
	free(up);
}

void uploads_free(struct uploads *u)
{
	struct upload *up;

	if (u == NULL)
		return;
	while ((up = u->head) != NULL) {
		u->head = up->next;
		upload_free(up);
	}
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/* Drops the uploads idle since before now - idle (under lock). */
static void sweep(struct uploads *u, uint64_t now_ns)
{
	uint64_t idle = (uint64_t)u->l.upload_idle_ms * 1000000u;
	struct upload **pp = &u->head, *up;

	while ((up = *pp) != NULL) {
		// Chunks of one upload arrive in parallel: a request received before the last
		// touch must not see a negative (wrapped) idle time.
		if (now_ns <= up->touched_ns || now_ns - up->touched_ns < idle) {
			pp = &up->next;
			continue;
		}
		*pp = up->next;
		u->count--;
		u->bytes -= up->bytes;
		upload_free(up);
	}
}

static struct upload *find(struct uploads *u, const char *id, const char *owner)
{
	struct upload *up;

	for (up = u->head; up != NULL; up = up->next)
		if (strcmp(up->id, id) == 0 && strcmp(up->owner, owner) == 0)
			return up;
	return NULL;
}

/* A piece of one of the upload's chunks goes with its chunk's arena; any other piece (a
 * string the apply put in a record) came from malloc. */
static void upload_piece_free(void *data, void *p)
{
	const struct upload *up = data;
	const uint8_t *b = p;
	size_t lo = 0, hi = up->n_arenas;

	while (lo < hi) { /* the last arena that starts at or before b */
		size_t mid = lo + (hi - lo) / 2;

		if (up->arenas[mid]->base <= b)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && b < up->arenas[lo - 1]->base + up->arenas[lo - 1]->cap)
		return;
	free(p);
}

static void *upload_piece_alloc(void *data, size_t size)
{
	(void)data;
	return malloc(size);
}

/* A new empty upload with a random id (not linked). */
static int upload_new(struct upload **out, struct store_error *err)
{
	static const char hex[] = "0123456789abcdef";
	struct upload *up = calloc(1, sizeof *up);
	uint8_t rnd[UPLOAD_ID_LEN / 2];
	size_t got = 0;
	ssize_t n;

	if (up == NULL)
		return upload_fail(err, RG_ENOMEM, "out of memory");
	up->alloc = (ProtobufCAllocator){ upload_piece_alloc, upload_piece_free, up };
	while (got < sizeof rnd) {
		n = getrandom(rnd + got, sizeof rnd - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(up);
			return upload_fail(err, RG_EIO,
			                   "cannot make an upload id (no random bytes)");
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof rnd; i++) {
		up->id[2 * i] = hex[rnd[i] >> 4];
		up->id[2 * i + 1] = hex[rnd[i] & 15];
	}
	up->id[UPLOAD_ID_LEN] = '\0';
	*out = up;
	return RG_OK;
}

const ProtobufCAllocator *upload_allocator(struct upload *up)
{
	return &up->alloc;
}

/* Appends the chunk's records to up (no limits checked here). */
static int upload_append(struct upload *up, Stdreg__V1__ApplyChunkRequest *chunk,
                         struct arena *arena)
{
	struct staged_chunk *chunks;
	size_t need = up->n_records + chunk->n_records;

	if (need > up->cap_records) {
		size_t cap = up->cap_records > 0 ? up->cap_records : 256;
		ProtobufCMessage **recs;

		while (cap < need)
			cap *= 2;
		recs = realloc(up->records, cap * sizeof *recs);
		if (recs == NULL)
			return RG_ENOMEM;
		up->records = recs;
		up->cap_records = cap;
	}
	if (up->n_chunks == up->cap_chunks) {
		size_t cap = up->cap_chunks > 0 ? up->cap_chunks * 2 : 16;

		if ((chunks = realloc(up->chunks, cap * sizeof *chunks)) == NULL)
			return RG_ENOMEM;
		up->chunks = chunks;
		up->cap_chunks = cap;
	}
	if (arena != NULL) {
		const struct arena **arenas =
		        realloc(up->arenas, (up->n_arenas + 1) * sizeof *arenas);
		size_t at = up->n_arenas;

		if (arenas == NULL)
			return RG_ENOMEM;
		up->arenas = arenas;
		while (at > 0 && arenas[at - 1]->base > arena->base)
			at--;
		memmove(arenas + at + 1, arenas + at, (up->n_arenas - at) * sizeof *arenas);
		arenas[at] = arena;
		up->n_arenas++;
	}
	up->chunks[up->n_chunks++] = (struct staged_chunk){ chunk, arena };
	for (size_t i = 0; i < chunk->n_records; i++)
		up->records[up->n_records++] = &chunk->records[i]->base;
	return RG_OK;
}

/* Under u->lock: the bytes of owner's staged uploads other than but. */
static size_t owner_bytes(const struct uploads *u, const char *owner, const struct upload *but)
{
	size_t n = 0;

	for (const struct upload *up = u->head; up != NULL; up = up->next)
		if (up != but && strcmp(up->owner, owner) == 0)
			n += up->bytes;
	return n;
}

int uploads_add(struct uploads *u, const char *id, const char *owner,
                Stdreg__V1__ApplyChunkRequest *chunk, struct arena *arena, size_t bytes,
                uint64_t now_ns, char *id_out, uint32_t *staged, struct store_error *err)
{
	struct upload *up = NULL, *created = NULL;
	int rc = RG_OK;

	if (id[0] == '\0') {
		rc = upload_new(&created, err);
		if (rc != RG_OK)
			return rc;
		snprintf(created->owner, sizeof created->owner, "%s", owner);
	}
	pthread_mutex_lock(&u->lock);
	sweep(u, now_ns);
	up = created != NULL ? created : find(u, id, owner);
	if (up == NULL)
		rc = upload_fail(err, RG_ENOENT,
		                 "upload '%.40s' not found (it may have expired after %u s idle)",
		                 id, u->l.upload_idle_ms / 1000);
	else if (created != NULL && u->count >= u->l.uploads_max)
		rc = upload_fail(err, RG_ENOSPC, "too many uploads are staged (%u); try later",
		                 u->l.uploads_max);
	else if (up->bytes + bytes > u->l.upload_max_bytes)
		rc = upload_fail(err, RG_ENOSPC, "upload is too large (more than %zu MiB)",
		                 u->l.upload_max_bytes >> 20);
	else if (owner_bytes(u, owner, up) + up->bytes + bytes > u->l.upload_max_bytes)
		rc = upload_fail(err, RG_ENOSPC,
		                 "uploads of '%s' hold too much memory (more than %zu MiB); try "
		                 "later",
		                 owner, u->l.upload_max_bytes >> 20);
	else if (u->bytes + bytes > u->l.uploads_max_bytes)
		rc = upload_fail(err, RG_ENOSPC,
		                 "uploads hold too much memory (%zu MiB); try later",
		                 u->l.uploads_max_bytes >> 20);
	else if (up->n_records + chunk->n_records > UINT32_MAX)
		rc = upload_fail(err, RG_ENOSPC, "upload has too many records");
	else if (upload_append(up, chunk, arena) != RG_OK)
		rc = upload_fail(err, RG_ENOMEM, "out of memory");
	if (rc == RG_OK) {
		up->bytes += bytes;
		if (now_ns > up->touched_ns)
			up->touched_ns = now_ns;
		u->bytes += bytes;
		if (created != NULL) {
			created->next = u->head;
			u->head = created;
			u->count++;
		}
		memcpy(id_out, up->id, UPLOAD_ID_LEN + 1);
		*staged = (uint32_t)up->n_records;
	}
	pthread_mutex_unlock(&u->lock);
	if (rc != RG_OK && created != NULL)
		upload_free(created); /* empty: the chunk was not appended */
	return rc;
}

int uploads_take(struct uploads *u, const char *id, const char *owner, uint64_t now_ns,
                 struct upload **out)
{
	struct upload **pp, *up = NULL;

	pthread_mutex_lock(&u->lock);
	sweep(u, now_ns);
	for (pp = &u->head; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->id, id) == 0 && strcmp((*pp)->owner, owner) == 0) {
			up = *pp;
			*pp = up->next;
			up->next = NULL;
			u->count--;
			break;
		}
	pthread_mutex_unlock(&u->lock);
	if (up == NULL)
		return RG_ENOENT;
	*out = up;
	return RG_OK;
}

ProtobufCMessage *const *upload_records(const struct upload *up, size_t *n)
{
	*n = up->n_records;
	return up->records;
}

void uploads_free_taken(struct uploads *u, struct upload *up)
{
	pthread_mutex_lock(&u->lock);
	u->bytes -= up->bytes;
	pthread_mutex_unlock(&u->lock);
	upload_free(up);
}

size_t uploads_count(struct uploads *u)
{
	return locked_size(&u->lock, &u->count);
}

size_t uploads_bytes(struct uploads *u)
{
	return locked_size(&u->lock, &u->bytes);
}
