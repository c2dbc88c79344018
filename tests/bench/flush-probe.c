/*
 * flush-probe - what one synced commit costs this disk, written four ways, to tell whether a
 * write-ahead log in front of LMDB would make acknowledged writes cheaper here.
 *
 *   flush-probe [DIR] [ROUNDS]      (default: the current directory, 2000 rounds)
 *
 * Each round writes what a small LMDB commit writes (8 scattered 4 KiB pages of a 16 MiB
 * data file) and then flushes it as:
 *   lmdb      fdatasync of the data, then the meta page written with O_DSYNC (LMDB's commit:
 *             two flushes, in order);
 *   data      the data's fdatasync alone (LMDB with MDB_NOMETASYNC: one flush, but power
 *             loss may undo the last acknowledged commit);
 *   data+wal  the data's fdatasync, then a 1 KiB append to a preallocated log and its
 *             fdatasync (a log that makes the commit durable, flushed after the data);
 *   data||wal the same two flushes at once, on two threads (no order needed between them);
 *   wal       the log's append and fdatasync alone (an acknowledgement that waits only on
 *             the log: LMDB's own flushes off the answer's path).
 * Prints microseconds per round for each; run it on the file system the store lives on.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE       4096
#define DATA_PAGES 4096                /* 16 MiB */
#define LOG_BYTES  (64 * 1024 * 1024L) /* preallocated: an append never grows the file */
#define LOG_RECORD 1024

static int data_fd, meta_fd, log_fd;
static char page[PAGE];
static off_t log_at;
static unsigned seed = 1;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "flush-probe: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static void write_data(void)
{
	for (int i = 0; i < 8; i++) {
		off_t at = (off_t)(rand_r(&seed) % DATA_PAGES) * PAGE;

		check(pwrite(data_fd, page, PAGE, at) == PAGE, "pwrite data");
	}
	check(fdatasync(data_fd) == 0, "fdatasync data");
}

static void write_log(void)
{
	check(pwrite(log_fd, page, LOG_RECORD, log_at) == LOG_RECORD, "pwrite log");
	log_at = (log_at + LOG_RECORD) % LOG_BYTES;
	check(fdatasync(log_fd) == 0, "fdatasync log");
}

static void *log_thread(void *arg)
{
	(void)arg;
	write_log();
	return NULL;
}

/* A file of bytes bytes at dir/name (path in path), written (not sparse) and flushed. */
static int filled(const char *dir, const char *name, long bytes, char *path, size_t n)
{
	int fd;

	snprintf(path, n, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0, path);
	for (long at = 0; at < bytes; at += PAGE)
		check(pwrite(fd, page, PAGE, at) == PAGE, "fill");
	check(fsync(fd) == 0, "fsync");
	return fd;
}

int main(int argc, char **argv)
{
	static const char *const ways[] = { "lmdb", "data", "data+wal", "data||wal", "wal" };
	const char *dir = argc > 1 ? argv[1] : ".";
	int rounds = argc > 2 ? atoi(argv[2]) : 2000;
	char path[4096];

	if (rounds <= 0) {
		fprintf(stderr, "usage: flush-probe [DIR] [ROUNDS]\n");
		return 2;
	}
	memset(page, 'x', sizeof page);
	data_fd = filled(dir, "flush-probe.data", (long)DATA_PAGES * PAGE, path, sizeof path);
	meta_fd = open(path, O_RDWR | O_DSYNC); /* as LMDB writes its meta page */
	check(meta_fd >= 0, path);
	unlink(path); /* gone when the probe exits */
	log_fd = filled(dir, "flush-probe.log", LOG_BYTES, path, sizeof path);
	unlink(path);

	for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
		double t0 = now_s();

		for (int r = 0; r < rounds; r++) {
			pthread_t t;

			switch (w) {
			case 0:
				write_data();
				check(pwrite(meta_fd, page, PAGE, 0) == PAGE, "pwrite meta");
				break;
			case 1:
				write_data();
				break;
			case 2:
				write_data();
				write_log();
				break;
			case 3:
				check(pthread_create(&t, NULL, log_thread, NULL) == 0, "thread");
				write_data();
				pthread_join(t, NULL);
				break;
			case 4:
				write_log();
				break;
			}
		}
		printf("%-10s %7.1f us per commit\n", ways[w], (now_s() - t0) / rounds * 1e6);
	}
	return 0;
}
