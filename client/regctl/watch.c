/*
 * watch.c - where a watch resumes. The cursor is the revision of the last change printed
 * (or where a reply said to go on from); every call asks for the changes after it, so a
 * reconnect neither loses nor repeats a change. A reply covers whole revisions.
 */
#include "regctl.h"

int watch_take(struct watch_cursor *w, const struct stdreg_change_view *changes, size_t n,
               uint64_t next_revision, int (*emit)(void *arg, const void *change), void *arg)
{
	size_t i;
	int emitted = 0;

	for (i = 0; i < n && !w->done; i++) {
		if (changes[i].revision <= w->since)
			continue; // already printed
		if (emit(arg, changes[i].change) != 0)
			return -1;
		emitted++;
		// Changes of one revision come together: only move past a revision once the
		// next change belongs to a later one, so a stop never skips its siblings.
		if (i + 1 == n || changes[i + 1].revision != changes[i].revision)
			w->since = changes[i].revision;
		if (w->left != 0 && --w->left == 0)
			w->done = true;
	}
	if (!w->done && next_revision > w->since)
		w->since = next_revision;
	return emitted;
}
