/*
 * load.h - what the parts of the load test share.
 *
 * load.c runs it (options, the daemon through tests/harness/daemon.c, the timed run),
 * load_work.c is the load (the seed, readers, writers and appliers), load_check.c checks the
 * outcome and sums up the figures.
 * The clients and appliers are globals: each thread writes only its own entry while the
 * load runs, and main() reads them all once every thread is joined.
 */
#ifndef STDREG_TESTS_LOAD_H
#define STDREG_TESTS_LOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "stdreg.h"

#define MAX_CLIENTS   256
#define MAX_APPLIERS  8
#define OWN           4 /* areas per writer */
#define SEED_AGENCIES 8
#define SEED_BODIES   4
#define SEED_AREAS    100
#define SEED_ITEMS    1000 /* item-<i> is in area-<i % SEED_AREAS> */
#define CALL_MS       30000
#define COMMIT_MS     60000
#define APPLY_PAUSE   200000 /* us between an applier's applies: the store grows */
#define CHUNK_BYTES   (128u << 10)

struct lat {
	uint32_t *v; /* microseconds */
	size_t n, cap;
};

/* A read that ran inside the commit window of apply (gen - 1) / 2 of applier a. */
struct inwin {
	uint32_t applier, gen, us;
	uint64_t revision; /* the snapshot it was served from */
};

struct client {
	int id;
	bool writer;
	pthread_t thread;
	stdreg_client *c;
	unsigned rng;
	uint64_t seen_rev; /* highest store revision this client has been shown */
	/* writer: its areas w<id>-<k> */
	uint64_t seq[OWN], rev[OWN], next_seq;
	/* reader: the walks of the lists */
	int walk_area;
	char *walk_token; /* NULL = start a new walk */
	size_t walk_found;
	char *areas_token;
	int areas_pages;
	/* figures */
	uint64_t n_get, n_list, n_put;
	struct lat reads, puts;
	struct inwin *win;
	size_t n_win, cap_win;
};

struct applier {
	int id;
	pthread_t thread;
	stdreg_client *c;
	_Atomic uint32_t gen; /* odd while a commit is in flight */
	uint64_t t_commit;    /* when the commit was about to be sent */
	bool committing;
	/* one entry per acknowledged apply, indexed by its number */
	uint64_t *revs;
	struct lat commit_us, apply_us;
	size_t cap;
	uint64_t n_acked;
	bool *window_read; /* per apply: a read ran inside its window (figures_collect) */
};

/* What the run adds up to: counts, and latencies in microseconds. */
struct figures {
	uint64_t gets, lists, puts, applies;
	uint64_t acked_max;    /* the highest revision acknowledged by any write */
	uint64_t in_win;       /* reads that ran inside a commit window */
	uint64_t before;       /* of those, reads served from a snapshot older than the commit */
	uint64_t windows_read; /* commit windows with at least one read inside */
	struct lat reads, put_lat, win_lat, commits, whole;
};

/* load.c */
extern int n_clients, n_writers, n_appliers, apply_records;
extern struct client clients[MAX_CLIENTS];
extern struct applier appliers[MAX_APPLIERS];
extern const struct stdreg_kind *k_area, *k_item, *k_agency;
extern atomic_bool stopping;
extern atomic_int failures;

/* Reports one failure (on stderr; the first 20) and stops the load. */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exits 2: the test cannot go on. */
void oom(void) __attribute__((noreturn));
/* A new string (malloc'd) or oom(). */
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned rnd(unsigned *s);
uint64_t now_us(void);
void lat_push(struct lat *l, uint64_t us);
/* A client of the daemon with timeout_ms for each call, or exit 2. */
stdreg_client *client_open(uint32_t timeout_ms);

/* load_work.c */
void seed_registry(void);
void *client_main(void *arg);
void *applier_main(void *arg);

/* load_check.c */
/* Checks what the daemon serves against every acknowledged write; the records checked. */
uint64_t verify_all(uint64_t acked_max);
void figures_collect(struct figures *f);
void figures_print(struct figures *f, double elapsed);
void figures_release(struct figures *f);

#endif
