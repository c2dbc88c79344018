/*
 * watch.c - where a watch resumes. The cursor is the place the server said to go on from
 * (a revision, and how many changes of the next one were sent already: a bulk revision
 * comes in parts), or the revision of the last change printed; every call asks for the
 * changes after it, so a reconnect neither loses nor repeats a change.
 */
#include "regctl.h"

/* Whether place (rev, chg) is after the cursor's. */
static bool later(const struct watch_cursor *w, uint64_t rev, uint32_t chg)
{
	return rev > w->since || (rev == w->since && chg > w->since_change);
}

int watch_take(struct watch_cursor *w, const struct stdreg_change_view *changes, size_t n,
               uint64_t next_revision, uint32_t next_change,
               int (*emit)(void *arg, const void *change), void *arg)
{
	size_t i;
	int emitted = 0;

	for (i = 0; i < n && !w->done; i++) {
		if (changes[i].revision <= w->since)
			continue; // already printed
		if (emit(arg, changes[i].change) != 0)
			return -1;
		emitted++;
		// Only move past a revision once the next change belongs to a later one, so a
		// stop never skips its siblings. The last change of a reply may be followed by
		// more of its revision in the next: there the server's place decides, unless it
		// sent none.
		if ((i + 1 < n && changes[i + 1].revision != changes[i].revision) ||
		    (i + 1 == n && next_revision == 0 && next_change == 0)) {
			w->since = changes[i].revision;
			w->since_change = 0;
		}
		if (w->left != 0 && --w->left == 0)
			w->done = true;
	}
	if (!w->done && later(w, next_revision, next_change)) {
		w->since = next_revision;
		w->since_change = next_change;
	}
	return emitted;
}
