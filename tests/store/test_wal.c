/*
 * test_wal.c - the commit log (store/wal.c): a power loss at any moment after a commit was
 * acknowledged loses nothing acknowledged and leaves a consistent store.
 *
 * A power loss is simulated, not performed: after a checkpoint the test copies data.mdb (what
 * the checkpoint's flush put on the disk), makes more commits, and copies data.mdb and the
 * log again (what the page cache holds, the log flushed). The crashed store is data.mdb with
 * each page taken at random from the first copy, the second, or neither (a page first
 * written after the checkpoint that never reached the disk), meta pages included: any
 * order the kernel may have written them in. Opening it must recover every commit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "store_int.h"
#include "wal.h"

#define AREAS 40
#define PAGE  4096

struct blob {
	unsigned char *p;
	size_t n;
};

static struct blob slurp(const char *dir, const char *name)
{
	char path[512];
	struct blob b = { 0 };
	struct stat sb;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	b.n = (size_t)sb.st_size;
	b.p = malloc(b.n ? b.n : 1);
	assert_non_null(b.p);
	assert_int_equal(pread(fd, b.p, b.n, 0), (ssize_t)b.n);
	close(fd);
	return b;
}

static void spill(const char *dir, const char *name, const struct blob *b)
{
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->p, b->n), (ssize_t)b->n);
	close(fd);
}

/* What the test expects the store to hold: each area's name, NULL when there is none. */
struct model {
	char *name[AREAS];
	uint64_t revision;
};

static void model_copy(struct model *to, const struct model *from)
{
	for (int i = 0; i < AREAS; i++) {
		free(to->name[i]);
		to->name[i] = from->name[i] ? strdup(from->name[i]) : NULL;
	}
	to->revision = from->revision;
}

static void model_free(struct model *m)
{
	for (int i = 0; i < AREAS; i++)
		free(m->name[i]);
}

/* One random change of one area (a put, a new name, or a delete), acknowledged. */
static void change_one(struct fx *f, struct model *m, unsigned *seed)
{
	int i = rand_r(seed) % AREAS;
	char id[8], name[200];
	size_t len = 20 + (size_t)(rand_r(seed) % 160);

	snprintf(id, sizeof id, "a%02d", i);
	for (size_t k = 0; k < len; k++)
		name[k] = (char)('a' + rand_r(seed) % 26);
	name[len] = '\0';
	if (m->name[i] != NULL && rand_r(seed) % 4 == 0) {
		assert_int_equal(fx_delete(f, STORE_AREA, id, 0, NULL, &m->revision), RG_OK);
		free(m->name[i]);
		m->name[i] = NULL;
		return;
	}
	Stdreg__V1__Area *a = mk_area(id, name, NULL);
	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, &m->revision), RG_OK);
	rec_free(a);
	free(m->name[i]);
	m->name[i] = strdup(name);
}

/* Opens the store in dir with o, which must come up holding exactly m, consistent;
 * replayed: the records recovery must apply, or -1 for any number. */
static uint64_t expect_store_with(const char *dir, const struct model *m, int64_t replayed,
                                  const struct store_opts *o)
{
	struct store_check_stats s = { 0 };
	struct store_error err = { 0 };
	struct wal_stats ws;
	struct fx g = { 0 };
	store_txn *t;

	snprintf(g.dir, sizeof g.dir, "%s", dir);
	if (store_open(&g.st, dir, o, &err) != RG_OK)
		fail_msg("recovery failed: %s", err.message);
	wal_get_stats(g.st->wal, &ws);
	if (replayed >= 0)
		assert_int_equal(ws.replayed, replayed);
	assert_int_equal(store_revision(g.st), m->revision);
	for (int i = 0; i < AREAS; i++) {
		char id[8];
		int code = RG_OK;
		Stdreg__V1__Area *a;

		snprintf(id, sizeof id, "a%02d", i);
		a = fx_get(&g, STORE_AREA, id, &code);
		if (m->name[i] == NULL) {
			assert_null(a);
			assert_int_equal(code, RG_ENOENT);
			continue;
		}
		if (a == NULL)
			fail_msg("area %s lost (code %d)", id, code);
		assert_string_equal(a->name, m->name[i]);
		rec_free(a);
	}
	assert_int_equal(store_read_begin(g.st, &t), RG_OK);
	assert_int_equal(store_check(t, NULL, NULL, &s), RG_OK);
	store_read_free(t);
	assert_int_equal(s.problems, 0);
	store_close(g.st);
	return ws.replayed;
}

static void expect_store(const char *dir, const struct model *m, int64_t replayed)
{
	struct store_opts o = { 0 };

	expect_store_with(dir, m, replayed, &o);
}

/* The same, the records replayed whatever they are; returns how many. */
static uint64_t expect_store_opts(const char *dir, const struct model *m,
                                  const struct store_opts *o)
{
	return expect_store_with(dir, m, -1, o);
}

/*
 * The crashed data.mdb: page by page the checkpoint's (before), the last written (after),
 * or zeros for a page past the checkpoint's file that never reached the disk.
 */
static struct blob mix(const struct blob *before, const struct blob *after, unsigned *seed)
{
	struct blob out = { malloc(after->n), after->n };

	assert_non_null(out.p);
	for (size_t at = 0; at < after->n; at += PAGE) {
		size_t n = after->n - at < PAGE ? after->n - at : PAGE;
		bool old = rand_r(seed) % 2;
		if (!old)
			memcpy(out.p + at, after->p + at, n);
		else if (at + n <= before->n)
			memcpy(out.p + at, before->p + at, n);
		else
			memset(out.p + at, 0, n);
	}
	return out;
}

/*
 * The log with its last record written in part: the bytes where it differs from the log
 * before that commit are kept up to a random point short of the end.
 */
static struct blob tear(const struct blob *before, const struct blob *after, unsigned *seed)
{
	struct blob out = { malloc(after->n), after->n };
	size_t first = 0, last = 0;

	assert_non_null(out.p);
	memcpy(out.p, after->p, after->n);
	for (size_t i = 0; i < after->n; i++)
		if (i >= before->n || after->p[i] != before->p[i]) {
			if (last == 0)
				first = i;
			last = i + 1;
		}
	assert_true(last > first);
	size_t cut = first + (size_t)rand_r(seed) % (last - first);
	for (size_t i = cut; i < after->n; i++)
		out.p[i] = i < before->n ? before->p[i] : 0;
	return out;
}

/*
 * Power lost again while the open of the crashed store in dir replays its records: the
 * replay stops after a random number of them, and data.mdb becomes a page-by-page mix of
 * the crashed file and what the replay wrote (meta pages included). The next open must
 * recover from the same checkpoint.
 */
static void power_loss_during_recovery(const char *dir, int commits, unsigned *seed)
{
	struct blob c0 = slurp(dir, "data.mdb"), c1, crashed;
	struct store_opts stop = { .log_replay_stop = 1 + (unsigned)rand_r(seed) % (commits - 1) };
	struct store_error err = { 0 };
	store *st;

	assert_int_equal(store_open(&st, dir, &stop, &err), RG_EIO);
	assert_non_null(strstr(err.message, "replay stopped"));
	c1 = slurp(dir, "data.mdb");
	assert_true(c1.n != c0.n || memcmp(c1.p, c0.p, c0.n) != 0); /* the replay wrote */
	crashed = mix(&c0, &c1, seed);
	spill(dir, "data.mdb", &crashed);
	free(c0.p);
	free(c1.p);
	free(crashed.p);
}

static void power_loss_round(unsigned seed, bool torn, bool again)
{
	/* No checkpoint but those of the opens: the crash goes back to the reopen's. */
	struct store_opts sync = { .log_checkpoint_bytes = (size_t)1 << 30,
		                   .log_checkpoint_ms = 3600u * 1000u };
	struct model m = { 0 }, prev = { 0 };
	struct blob d0, d1, d1_prev = { 0 }, log1, log_prev = { 0 }, crashed, crashed_log;
	char dir[] = "/tmp/stdreg-wal-XXXXXX";
	struct fx f = { 0 };
	int commits;

	fx_open(&f, &sync);
	for (int i = 0; i < 30; i++)
		change_one(&f, &m, &seed);
	/* Closed and opened again: the open's checkpoint is the one the crash goes back to. */
	assert_int_equal(fx_reopen(&f, &sync, NULL), RG_OK);
	d0 = slurp(f.dir, "data.mdb");
	commits = 20 + (int)(rand_r(&seed) % 60);
	for (int i = 0; i < commits; i++) {
		if (torn && i == commits - 1) {
			d1_prev = slurp(f.dir, "data.mdb");
			log_prev = slurp(f.dir, WAL_FILE);
			model_copy(&prev, &m);
		}
		change_one(&f, &m, &seed);
	}
	d1 = slurp(f.dir, "data.mdb");
	log1 = slurp(f.dir, WAL_FILE);
	assert_non_null(mkdtemp(dir));
	if (torn) {
		/* Power went while the last record was being written: that commit was never
		 * acknowledged (nor in data.mdb: the log is written first) and is lost. */
		crashed = mix(&d0, &d1_prev, &seed);
		crashed_log = tear(&log_prev, &log1, &seed);
	} else {
		crashed = mix(&d0, &d1, &seed);
		crashed_log = log1;
		log1.p = NULL;
	}
	spill(dir, "data.mdb", &crashed);
	spill(dir, WAL_FILE, &crashed_log);
	if (again)
		power_loss_during_recovery(dir, torn ? commits - 1 : commits, &seed);
	expect_store(dir, torn ? &prev : &m, torn ? commits - 1 : commits);
	/* Recovered and closed, it opens again with nothing more to replay. */
	expect_store(dir, torn ? &prev : &m, 0);

	fx_close(&f);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(d0.p);
	free(d1.p);
	free(d1_prev.p);
	free(log1.p);
	free(log_prev.p);
	free(crashed.p);
	free(crashed_log.p);
	model_free(&m);
	model_free(&prev);
}

static void power_loss_after_acknowledged_commits(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 12; seed++)
		power_loss_round(seed, false, false);
}

static void power_loss_while_a_record_is_written(void **state)
{
	(void)state;
	for (unsigned seed = 101; seed <= 112; seed++)
		power_loss_round(seed, true, false);
}

static void power_loss_while_recovering(void **state)
{
	(void)state;
	for (unsigned seed = 201; seed <= 212; seed++)
		power_loss_round(seed, seed % 2 == 0, true);
}

/* A commit is one record and one flush; a clean close leaves nothing to replay. */
static void a_commit_is_one_record(void **state)
{
	struct store_opts sync = { 0 };
	struct wal_stats before, after;
	struct fx f = { 0 };

	(void)state;
	fx_open(&f, &sync);
	wal_get_stats(f.st->wal, &before);
	fx_put_ok(&f, STORE_AREA, mk_area("ai", "AI", NULL));
	fx_put_ok(&f, STORE_AREA, mk_area("cyber", "Cybersecurity", NULL));
	wal_get_stats(f.st->wal, &after);
	assert_int_equal(after.records - before.records, 2);
	assert_int_equal(after.checkpoints, before.checkpoints);
	assert_int_equal(fx_reopen(&f, &sync, NULL), RG_OK);
	wal_get_stats(f.st->wal, &after);
	assert_int_equal(after.replayed, 0);
	fx_close(&f);
}

/* Read only, a store whose last writes are still in its log is refused until recovered. */
static void read_only_open_waits_for_recovery(void **state)
{
	struct store_opts sync = { 0 }, ro = { .read_only = true };
	struct store_error err = { 0 };
	char dir[] = "/tmp/stdreg-wal-XXXXXX";
	struct blob d, l;
	struct fx f = { 0 };
	store *st = NULL;
	char cmd[600];

	(void)state;
	fx_open(&f, &sync);
	fx_put_ok(&f, STORE_AREA, mk_area("ai", "AI", NULL));
	d = slurp(f.dir, "data.mdb");
	l = slurp(f.dir, WAL_FILE);
	assert_non_null(mkdtemp(dir));
	spill(dir, "data.mdb", &d);
	spill(dir, WAL_FILE, &l);
	assert_int_equal(store_open(&st, dir, &ro, &err), RG_ESCHEMA);
	assert_non_null(strstr(err.message, "until registryd starts on it"));
	assert_int_equal(store_open(&st, dir, &sync, &err), RG_OK);
	store_close(st);
	assert_int_equal(store_open(&st, dir, &ro, &err), RG_OK);
	assert_int_equal(store_revision(st), 1);
	store_close(st);
	fx_close(&f);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(d.p);
	free(l.p);
}

/*
 * A small ring and checkpoints every few records: the checkpoint thread writes headers
 * while commits go on, and the records wrap around the ring many times. A daemon killed
 * then (its writes in the page cache, not lost) comes back with every commit.
 */
static void killed_across_checkpoints_and_wraps(void **state)
{
	struct store_opts small = { .log_bytes = (size_t)(2 * 16 + 64) << 10,
		                    .log_checkpoint_bytes = 8 << 10,
		                    .log_checkpoint_ms = 3600u * 1000u };
	struct model m = { 0 };
	struct wal_stats ws;
	char dir[] = "/tmp/stdreg-wal-XXXXXX";
	struct blob d, l;
	struct fx f = { 0 };
	unsigned seed = 7;
	char cmd[600];

	(void)state;
	fx_open(&f, &small);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 700; i++)
			change_one(&f, &m, &seed);
		/* A few more after the last checkpoint began, so that some records follow it. */
		wal_wait_checkpoint(f.st->wal);
		for (int i = 0; i < 5; i++)
			change_one(&f, &m, &seed);
		d = slurp(f.dir, "data.mdb");
		l = slurp(f.dir, WAL_FILE);
		assert_non_null(mkdtemp(dir));
		spill(dir, "data.mdb", &d);
		spill(dir, WAL_FILE, &l);
		/* The copy is taken between checkpoints: recovery has records to replay. */
		assert_true(expect_store_opts(dir, &m, &small) > 0);
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
		memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
		free(d.p);
		free(l.p);
	}
	wal_get_stats(f.st->wal, &ws);
	assert_true(ws.checkpoints > 20);
	assert_true(ws.wraps > 5);
	fx_close(&f);
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_commit_is_one_record),
		cmocka_unit_test(power_loss_after_acknowledged_commits),
		cmocka_unit_test(power_loss_while_a_record_is_written),
		cmocka_unit_test(power_loss_while_recovering),
		cmocka_unit_test(read_only_open_waits_for_recovery),
		cmocka_unit_test(killed_across_checkpoints_and_wraps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
