/*
 * http_room.h - bytes that request bodies hold while they are read, bounded in all and per
 * key (the peer's address). Thread safe: one mutex. Nothing here knows HTTP.
 */
#ifndef REGISTRYD_HTTP_ROOM_H
#define REGISTRYD_HTTP_ROOM_H

#include <stddef.h>

/* A key is cut to HTTP_ROOM_KEY_MAX - 1 bytes. */
#define HTTP_ROOM_KEY_MAX 64

struct http_room;

/* A room of max_total bytes, of which one key may hold max_per_key. -1 when out of
 * memory. */
int http_room_new(struct http_room **out, size_t max_total, size_t max_per_key);
void http_room_free(struct http_room *r);

enum http_room_take {
	HTTP_ROOM_TAKEN,
	HTTP_ROOM_ALL_FULL, /* the room has not n bytes left (nothing taken) */
	HTTP_ROOM_KEY_FULL, /* key would hold more than its share (nothing taken) */
};

/* Takes n more bytes for key. */
enum http_room_take http_room_take(struct http_room *r, const char *key, size_t n);
/* Gives back n bytes key took. */
void http_room_give(struct http_room *r, const char *key, size_t n);
/* What key holds now (NULL: all keys together); for tests and metrics. */
size_t http_room_held(struct http_room *r, const char *key);

#endif
