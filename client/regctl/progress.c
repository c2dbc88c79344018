/*
 * progress.c - the upload progress bar: on stderr, only when stderr is a terminal, and only
 * once the upload has lasted half a second (short uploads stay quiet).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "regctl.h"

#define SHOW_AFTER_MS 500
#define BAR_WIDTH     30

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void progress_init(struct progress *p)
{
	p->tty = isatty(STDERR_FILENO) == 1;
	p->start = now_ms();
	p->shown = false;
	p->last_permil = -1;
}

void progress_update(void *arg, size_t done, size_t total)
{
	struct progress *p = arg;
	char bar[BAR_WIDTH + 1];
	int permil, fill, i;

	if (!p->tty || now_ms() - p->start < SHOW_AFTER_MS)
		return;
	permil = total > 0 ? (int)((double)done * 1000 / (double)total) : 1000;
	if (permil == p->last_permil)
		return;
	fill = permil * BAR_WIDTH / 1000;
	for (i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r\033[Kuploading [%s] %3d%%  %.1f of %.1f MiB", bar, permil / 10,
	        (double)done / 1048576.0, (double)total / 1048576.0);
	fflush(stderr);
	p->shown = true;
	p->last_permil = permil;
}

void progress_note(struct progress *p, const char *text)
{
	if (!p->shown)
		return;
	fprintf(stderr, "\r\033[K%s", text);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = false;
}
