/*
 * crash.c - the crash consistency harness: registryd under a concurrent write load, killed
 * with SIGKILL at random moments, restarted, and checked.
 *
 * Each cycle: start registryd (synced commits: an acknowledged write is a durable one) on
 * an ipc socket; W worker threads write through libstdreg; after a random delay the daemon
 * is killed; then, with the daemon dead, the store on disk is checked with store_check (one
 * current lead per area, references and indexes agree, changelog without gaps), its revision
 * must be at least every acknowledged one; the daemon is started again and every worker's
 * log is checked against what it serves:
 *
 *   puts      a worker owns areas p<W>-<k> and writes goal "seq N" with N rising; the stored
 *             N is the last acknowledged one, or the one in flight when the daemon died
 *   transfers a worker owns area x<W>, whose lead moves between two agencies; the current
 *             lead is the last acknowledged one, or the target of the transfer in flight
 *   applies   a worker's bulk apply b<W>-<B>-<i> creates BULK areas in one ApplyCommit:
 *             after the crash all of them exist or none; all of them if acknowledged
 *
 * A write in flight when the daemon died is uncertain; what the restarted daemon serves
 * settles it (and it must be one of the two outcomes above). Any other failure, or an
 * error before the kill, fails the run.
 *
 * usage: crash --registryd PATH [--cycles N] [--workers W] [--seed S] [--min-ms A]
 *              [--max-ms B] [--keep]
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "stdreg.h"

#include "stdreg/v1/registry.pb-c.h"

#define MAX_WORKERS 16
#define PUT_IDS     6
#define BULK        40
#define CALL_MS     1500

struct put_state {
	uint64_t acked_seq, acked_rev;
	uint64_t pending_seq; /* 0 = none */
};

enum bulk_state {
	BULK_NOT_SENT, /* ApplyChunk failed: no commit was sent, nothing may be there */
	BULK_IN_FLIGHT,
	BULK_ACKED,
	BULK_APPLIED, /* in flight at a kill, found applied */
	BULK_ABSENT,  /* in flight at a kill, found absent */
};

struct worker {
	int id;
	pthread_t thread;
	stdreg_client *c;
	unsigned rng;
	struct put_state puts[PUT_IDS];
	uint64_t next_seq;
	/* transfers of area x<id> between ag-a and ag-b */
	int lead;         /* 0 = ag-a, 1 = ag-b: the acknowledged lead */
	int pending_lead; /* -1 = none */
	unsigned days;    /* transfers acknowledged: the next starts on day days + 1 */
	/* bulk applies: one state per bulk number */
	uint64_t next_bulk, cycle_first_bulk;
	unsigned char *bulk_state; /* enum bulk_state */
	size_t bulk_cap;
	uint64_t acked_rev_max;
	/* figures */
	uint64_t n_put, n_transfer, n_bulk;
	char error[512]; /* an unexpected failure */
};

static struct harness_daemon registryd;
static atomic_bool killed, stopping;
static int failures;

/* Reports one failure and goes on: the run checks everything, then fails. Main thread only
 * (a worker leaves its error in w->error). */
static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fputs("crash: FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffffff;
}

static const char *agency(int i)
{
	return i == 0 ? "ag-a" : "ag-b";
}

static void date_of(unsigned day, char out[11])
{
	time_t t = (time_t)1893456000 + (time_t)day * 86400; /* 2030-01-01 */
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* --- the daemon (tests/harness/daemon.c) --------------------------------------------- */

static stdreg_client *client(void)
{
	return harness_daemon_client(&registryd, CALL_MS);
}

/* --- writes --------------------------------------------------------------------------- */

/* An outcome that is not OK: uncertain after the kill, a failure before it. Returns false. */
static bool not_ok(struct worker *w, const char *what, struct stdreg_status *st)
{
	if (!atomic_load(&killed))
		snprintf(w->error, sizeof w->error, "%s: %s (%s) before the kill", what,
		         stdreg_code_name(st->code), st->message ? st->message : "");
	stdreg_status_release(st);
	return false;
}

static void area_init(Stdreg__V1__Area *a, char *id, char *name)
{
	stdreg__v1__area__init(a);
	a->id = id;
	a->name = name;
	a->priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	a->rank = 10;
}

static bool do_put(struct worker *w)
{
	int k = (int)(rnd(&w->rng) % PUT_IDS);
	char id[32], goal[32];
	Stdreg__V1__PutAreaRequest req = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a, *resp;
	struct stdreg_status st = STDREG_STATUS_INIT;
	uint64_t seq = ++w->next_seq;

	snprintf(id, sizeof id, "p%d-%d", w->id, k);
	snprintf(goal, sizeof goal, "seq %llu", (unsigned long long)seq);
	area_init(&a, id, id);
	a.goal = goal;
	req.area = &a;
	w->puts[k].pending_seq = seq;
	if (stdreg_call(w->c, "PutArea", &req.base, &stdreg__v1__area__descriptor,
	                (ProtobufCMessage **)&resp, &st) != STDREG_OK)
		return not_ok(w, "PutArea", &st);
	w->puts[k].pending_seq = 0;
	w->puts[k].acked_seq = seq;
	w->puts[k].acked_rev = resp->meta->mod_revision;
	if (resp->meta->mod_revision > w->acked_rev_max)
		w->acked_rev_max = resp->meta->mod_revision;
	stdreg__v1__area__free_unpacked(resp, NULL);
	stdreg_status_release(&st);
	w->n_put++;
	return true;
}

static bool do_transfer(struct worker *w)
{
	Stdreg__V1__TransferRequest req = STDREG__V1__TRANSFER_REQUEST__INIT;
	Stdreg__V1__TransferResponse *resp;
	struct stdreg_status st = STDREG_STATUS_INIT;
	char area[32], date[11];

	snprintf(area, sizeof area, "x%d", w->id);
	date_of(w->days + 1, date);
	req.area_id = area;
	req.from_agency_id = (char *)agency(w->lead);
	req.to_agency_id = (char *)agency(!w->lead);
	req.decision_ref = "CRASH-1";
	req.valid_from = date;
	w->pending_lead = !w->lead;
	if (stdreg_call(w->c, "Transfer", &req.base, &stdreg__v1__transfer_response__descriptor,
	                (ProtobufCMessage **)&resp, &st) != STDREG_OK)
		return not_ok(w, "Transfer", &st);
	w->pending_lead = -1;
	w->lead = !w->lead;
	w->days++;
	if (resp->started->meta->mod_revision > w->acked_rev_max)
		w->acked_rev_max = resp->started->meta->mod_revision;
	stdreg__v1__transfer_response__free_unpacked(resp, NULL);
	stdreg_status_release(&st);
	w->n_transfer++;
	return true;
}

static bool do_bulk(struct worker *w)
{
	Stdreg__V1__ApplyChunkRequest chunk = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;
	Stdreg__V1__ApplyCommitRequest commit = STDREG__V1__APPLY_COMMIT_REQUEST__INIT;
	Stdreg__V1__ApplyChunkResponse *staged;
	Stdreg__V1__ApplyCommitResponse *done;
	Stdreg__V1__BulkRecord recs[BULK], *rp[BULK];
	Stdreg__V1__Area areas[BULK];
	char ids[BULK][40];
	struct stdreg_status st = STDREG_STATUS_INIT;
	uint64_t b = w->next_bulk;

	if (b == w->bulk_cap) {
		size_t cap = w->bulk_cap ? w->bulk_cap * 2 : 64;
		unsigned char *v = realloc(w->bulk_state, cap);
		if (v == NULL) {
			snprintf(w->error, sizeof w->error, "out of memory");
			return false;
		}
		w->bulk_state = v;
		w->bulk_cap = cap;
	}
	w->bulk_state[b] = BULK_NOT_SENT;
	w->next_bulk++;
	for (int i = 0; i < BULK; i++) {
		snprintf(ids[i], sizeof ids[i], "b%d-%llu-%d", w->id, (unsigned long long)b, i);
		area_init(&areas[i], ids[i], ids[i]);
		stdreg__v1__bulk_record__init(&recs[i]);
		recs[i].line = (uint32_t)i + 1;
		recs[i].area = &areas[i];
		rp[i] = &recs[i];
	}
	chunk.upload_id = "";
	chunk.n_records = BULK;
	chunk.records = rp;
	if (stdreg_call(w->c, "ApplyChunk", &chunk.base,
	                &stdreg__v1__apply_chunk_response__descriptor, (ProtobufCMessage **)&staged,
	                &st) != STDREG_OK)
		return not_ok(w, "ApplyChunk", &st);
	commit.upload_id = staged->upload_id;
	w->bulk_state[b] = BULK_IN_FLIGHT;
	int rc = stdreg_call(w->c, "ApplyCommit", &commit.base,
	                     &stdreg__v1__apply_commit_response__descriptor,
	                     (ProtobufCMessage **)&done, &st);
	stdreg__v1__apply_chunk_response__free_unpacked(staged, NULL);
	if (rc != STDREG_OK)
		return not_ok(w, "ApplyCommit", &st);
	w->bulk_state[b] = BULK_ACKED;
	if (done->revision > w->acked_rev_max)
		w->acked_rev_max = done->revision;
	stdreg__v1__apply_commit_response__free_unpacked(done, NULL);
	stdreg_status_release(&st);
	w->n_bulk++;
	return true;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&stopping)) {
		unsigned r = rnd(&w->rng) % 10;
		bool ok = r < 6 ? do_put(w) : r < 8 ? do_transfer(w) : do_bulk(w);
		if (!ok)
			break;
	}
	return NULL;
}

/* --- verification after a restart ----------------------------------------------------- */

static bool area_exists(stdreg_client *c, const char *id, Stdreg__V1__Area **out)
{
	Stdreg__V1__GetRequest req = STDREG__V1__GET_REQUEST__INIT;
	struct stdreg_status st = STDREG_STATUS_INIT;
	Stdreg__V1__Area *a = NULL;
	int rc;

	req.id = (char *)id;
	rc = stdreg_call(c, "GetArea", &req.base, &stdreg__v1__area__descriptor,
	                 (ProtobufCMessage **)&a, &st);
	if (rc != STDREG_OK && rc != STDREG_NOT_FOUND)
		fail("GetArea '%s': %s (%s)", id, stdreg_code_name(rc), st.message);
	stdreg_status_release(&st);
	if (out != NULL)
		*out = a;
	else if (a != NULL)
		stdreg__v1__area__free_unpacked(a, NULL);
	return rc == STDREG_OK;
}

static void verify_puts(stdreg_client *c, struct worker *w)
{
	for (int k = 0; k < PUT_IDS; k++) {
		struct put_state *p = &w->puts[k];
		Stdreg__V1__Area *a = NULL;
		char id[32];
		unsigned long long seq = 0;

		if (p->acked_seq == 0 && p->pending_seq == 0)
			continue;
		snprintf(id, sizeof id, "p%d-%d", w->id, k);
		if (!area_exists(c, id, &a)) {
			if (p->acked_seq != 0)
				fail("acknowledged put of '%s' (seq %llu, revision %llu) is lost",
				     id, (unsigned long long)p->acked_seq,
				     (unsigned long long)p->acked_rev);
			p->pending_seq = 0;
			continue;
		}
		sscanf(a->goal, "seq %llu", &seq);
		if (seq != p->acked_seq && (p->pending_seq == 0 || seq != p->pending_seq))
			fail("'%s' holds seq %llu; acknowledged %llu, in flight %llu", id, seq,
			     (unsigned long long)p->acked_seq, (unsigned long long)p->pending_seq);
		if (a->meta->mod_revision < p->acked_rev)
			fail("'%s' at revision %llu, older than the acknowledged %llu", id,
			     (unsigned long long)a->meta->mod_revision,
			     (unsigned long long)p->acked_rev);
		if (p->pending_seq != 0 && seq == p->pending_seq) {
			p->acked_seq = seq;
			p->acked_rev = a->meta->mod_revision;
		}
		p->pending_seq = 0;
		stdreg__v1__area__free_unpacked(a, NULL);
	}
}

static void verify_transfers(stdreg_client *c, struct worker *w)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	Stdreg__V1__ListAssignmentsResponse *r;
	struct stdreg_status st = STDREG_STATUS_INIT;
	char area[32];

	snprintf(area, sizeof area, "x%d", w->id);
	req.area_id = area;
	req.current_only = true;
	if (stdreg_call(c, "ListAssignments", &req.base,
	                &stdreg__v1__list_assignments_response__descriptor, (ProtobufCMessage **)&r,
	                &st) != STDREG_OK) {
		fail("ListAssignments of '%s': %s", area, st.message);
		stdreg_status_release(&st);
		return;
	}
	stdreg_status_release(&st);
	int leads = 0, who = -1;
	for (size_t i = 0; i < r->n_assignments; i++)
		if (r->assignments[i]->role == STDREG__V1__ROLE__ROLE_LEAD) {
			leads++;
			who = strcmp(r->assignments[i]->agency_id, "ag-a") == 0 ? 0 : 1;
		}
	if (leads != 1)
		fail("area '%s' has %d current leads", area, leads);
	else if (who != w->lead && who != w->pending_lead)
		fail("area '%s' is led by %s; acknowledged %s%s%s", area, agency(who),
		     agency(w->lead), w->pending_lead >= 0 ? ", in flight " : "",
		     w->pending_lead >= 0 ? agency(w->pending_lead) : "");
	else if (who != w->lead) {
		w->lead = who; /* the transfer in flight was committed */
		w->days++;
	}
	w->pending_lead = -1;
	stdreg__v1__list_assignments_response__free_unpacked(r, NULL);
}

static int bulk_present(stdreg_client *c, struct worker *w, uint64_t b, int from, int step)
{
	int present = 0;
	char id[40];

	for (int i = from; i < BULK; i += step) {
		snprintf(id, sizeof id, "b%d-%llu-%d", w->id, (unsigned long long)b, i);
		present += area_exists(c, id, NULL);
	}
	return present;
}

/* The bulks of this cycle in full: all or nothing, all if acknowledged, nothing if the
 * commit was never sent. The acknowledged ones of earlier cycles: their first and last
 * records are still there. */
static void verify_bulks(stdreg_client *c, struct worker *w)
{
	for (uint64_t b = 0; b < w->next_bulk; b++) {
		unsigned char *s = &w->bulk_state[b];
		int present;

		if (b < w->cycle_first_bulk) {
			if ((*s == BULK_ACKED || *s == BULK_APPLIED) &&
			    bulk_present(c, w, b, 0, BULK - 1) != 2)
				fail("acknowledged bulk b%d-%llu is lost", w->id,
				     (unsigned long long)b);
			continue;
		}
		present = bulk_present(c, w, b, 0, 1);
		if (present != 0 && present != BULK)
			fail("bulk b%d-%llu is half applied: %d of %d records", w->id,
			     (unsigned long long)b, present, BULK);
		else if (*s == BULK_ACKED && present != BULK)
			fail("acknowledged bulk b%d-%llu is lost", w->id, (unsigned long long)b);
		else if (*s == BULK_NOT_SENT && present != 0)
			fail("bulk b%d-%llu was never committed but is there", w->id,
			     (unsigned long long)b);
		else if (*s == BULK_IN_FLIGHT)
			*s = present ? BULK_APPLIED : BULK_ABSENT;
	}
	w->cycle_first_bulk = w->next_bulk;
}

/* --- setup ---------------------------------------------------------------------------- */

static void seed_registry(int workers)
{
	stdreg_client *c = client();
	struct stdreg_status st = STDREG_STATUS_INIT;
	ProtobufCMessage *resp;

	for (int i = 0; i < 2; i++) {
		Stdreg__V1__PutAgencyRequest req = STDREG__V1__PUT_AGENCY_REQUEST__INIT;
		Stdreg__V1__Agency g = STDREG__V1__AGENCY__INIT;
		g.id = (char *)agency(i);
		g.name = (char *)agency(i);
		g.org_number = i == 0 ? "202100-6883" : "202100-4359";
		req.agency = &g;
		if (stdreg_call(c, "PutAgency", &req.base, &stdreg__v1__agency__descriptor, &resp,
		                &st) != STDREG_OK) {
			fprintf(stderr, "crash: seed agency: %s\n", st.message);
			exit(2);
		}
		protobuf_c_message_free_unpacked(resp, NULL);
	}
	for (int w = 0; w < workers; w++) {
		Stdreg__V1__PutAreaRequest req = STDREG__V1__PUT_AREA_REQUEST__INIT;
		Stdreg__V1__AssignRequest as = STDREG__V1__ASSIGN_REQUEST__INIT;
		Stdreg__V1__Area a;
		char id[32];
		snprintf(id, sizeof id, "x%d", w);
		area_init(&a, id, id);
		req.area = &a;
		if (stdreg_call(c, "PutArea", &req.base, &stdreg__v1__area__descriptor, &resp,
		                &st) != STDREG_OK) {
			fprintf(stderr, "crash: seed area: %s\n", st.message);
			exit(2);
		}
		protobuf_c_message_free_unpacked(resp, NULL);
		as.area_id = id;
		as.agency_id = "ag-a";
		as.role = STDREG__V1__ROLE__ROLE_LEAD;
		as.decision_ref = "CRASH-0";
		as.valid_from = "2030-01-01";
		if (stdreg_call(c, "Assign", &as.base, &stdreg__v1__assignment__descriptor, &resp,
		                &st) != STDREG_OK) {
			fprintf(stderr, "crash: seed lead: %s\n", st.message);
			exit(2);
		}
		protobuf_c_message_free_unpacked(resp, NULL);
	}
	stdreg_status_release(&st);
	stdreg_client_close(c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "registryd", required_argument, NULL, 'r' },
		{ "cycles", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 's' },
		{ "min-ms", required_argument, NULL, 'a' },
		{ "max-ms", required_argument, NULL, 'b' },
		{ "keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	static struct worker ws[MAX_WORKERS];
	int cycles = 10, workers = 4, min_ms = 20, max_ms = 400, c;
	const char *registryd_path = NULL;
	unsigned seed = (unsigned)time(NULL);
	bool keep = false;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			registryd_path = optarg;
			break;
		case 'c':
			cycles = atoi(optarg);
			break;
		case 'w':
			workers = atoi(optarg);
			break;
		case 's':
			seed = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			min_ms = atoi(optarg);
			break;
		case 'b':
			max_ms = atoi(optarg);
			break;
		case 'k':
			keep = true;
			break;
		default:
			fprintf(stderr, "usage: crash --registryd PATH [--cycles N] [--workers W] "
			                "[--seed S] [--min-ms A] [--max-ms B] [--keep]\n");
			return 2;
		}
	}
	if (registryd_path == NULL)
		registryd_path = getenv("REGISTRYD");
	if (registryd_path == NULL || cycles < 1 || workers < 1 || workers > MAX_WORKERS ||
	    min_ms < 0 || max_ms <= min_ms) {
		fprintf(stderr, "crash: bad arguments (--registryd PATH is required)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!harness_daemon_init(&registryd, "crash", registryd_path))
		return 2;
	printf("crash: %d cycles, %d workers, seed %u, kills after %d..%d ms, in %s\n", cycles,
	       workers, seed, min_ms, max_ms, registryd.dir);
	fflush(stdout);
	harness_daemon_make_token(&registryd);
	harness_daemon_start(&registryd);
	seed_registry(workers);

	unsigned main_rng = seed;
	for (int w = 0; w < workers; w++) {
		ws[w].id = w;
		ws[w].rng = seed * 31u + (unsigned)w * 7919u + 1;
		ws[w].pending_lead = -1;
	}
	uint64_t uncertain = 0;
	for (int cycle = 1; cycle <= cycles && failures == 0; cycle++) {
		atomic_store(&killed, false);
		atomic_store(&stopping, false);
		for (int w = 0; w < workers; w++) {
			ws[w].c = client();
			pthread_create(&ws[w].thread, NULL, worker_main, &ws[w]);
		}
		unsigned delay = (unsigned)min_ms + rnd(&main_rng) % (unsigned)(max_ms - min_ms);
		usleep(delay * 1000u);
		atomic_store(&killed, true);
		harness_daemon_kill(&registryd);
		atomic_store(&stopping, true);
		uint64_t acked_max = 0;
		for (int w = 0; w < workers; w++) {
			pthread_join(ws[w].thread, NULL);
			stdreg_client_close(ws[w].c);
			if (ws[w].error[0]) {
				fail("worker %d: %s", w, ws[w].error);
				ws[w].error[0] = '\0';
			}
			if (ws[w].acked_rev_max > acked_max)
				acked_max = ws[w].acked_rev_max;
			for (int k = 0; k < PUT_IDS; k++)
				uncertain += ws[w].puts[k].pending_seq != 0;
			uncertain += ws[w].pending_lead >= 0;
			for (uint64_t b = ws[w].cycle_first_bulk; b < ws[w].next_bulk; b++)
				uncertain += ws[w].bulk_state[b] == BULK_IN_FLIGHT;
		}
		uint64_t on_disk = harness_daemon_check_store(&registryd, fail);
		if (on_disk < acked_max)
			fail("cycle %d: the store is at revision %llu after the kill; revision "
			     "%llu was "
			     "acknowledged",
			     cycle, (unsigned long long)on_disk, (unsigned long long)acked_max);
		harness_daemon_start(&registryd);
		stdreg_client *vc = client();
		for (int w = 0; w < workers; w++) {
			verify_puts(vc, &ws[w]);
			verify_transfers(vc, &ws[w]);
			verify_bulks(vc, &ws[w]);
		}
		stdreg_client_close(vc);
		printf("crash: cycle %d: killed after %u ms at revision %llu (acknowledged up to "
		       "%llu)\n",
		       cycle, delay, (unsigned long long)on_disk, (unsigned long long)acked_max);
		fflush(stdout);
	}
	harness_daemon_stop(&registryd, fail);
	harness_daemon_check_store(&registryd, fail);
	uint64_t puts = 0, transfers = 0, bulks = 0;
	for (int w = 0; w < workers; w++) {
		free(ws[w].bulk_state);
		puts += ws[w].n_put;
		transfers += ws[w].n_transfer;
		bulks += ws[w].n_bulk;
	}
	printf("crash: %s: %llu puts, %llu transfers, %llu bulk applies of %d acknowledged; "
	       "%llu writes in flight at a kill, each settled; %d failures\n",
	       failures ? "FAILED" : "ok", (unsigned long long)puts, (unsigned long long)transfers,
	       (unsigned long long)bulks, BULK, (unsigned long long)uncertain, failures);
	harness_daemon_clean_up(&registryd, keep || failures != 0);
	return failures ? 1 : 0;
}
