/*
 * load_check.c - after the run: what the daemon serves against the acknowledged log, and
 * the figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#include "stdreg/v1/registry.pb-c.h"

/* --- the check after the run ------------------------------------------------------------ */

struct verify {
	uint32_t *areas[MAX_APPLIERS], *items[MAX_APPLIERS]; /* records per apply */
	int seed_areas, seed_items, own_areas;
	uint64_t revision; /* of the last page */
};

/* For an applied record: its apply's counter, or NULL (and a failure) if it is not one. *j
 * is the record's number in its half of the apply. */
static uint32_t *applied(struct verify *v, bool item, const char *id, const char *text, int *a,
                         unsigned long long *b, size_t *j)
{
	int end = 0;
	char want[48];

	if (sscanf(id, item ? "bi%d-%llu-%zu%n" : "b%d-%llu-%zu%n", a, b, j, &end) != 3 ||
	    id[end] != '\0' || *a < 0 || *a >= n_appliers || *b >= appliers[*a].n_acked ||
	    *j >= (size_t)apply_records / 2) {
		fail("%s '%s' is there but was never acknowledged", item ? "item" : "area", id);
		return NULL;
	}
	snprintf(want, sizeof want, "apply %d-%llu", *a, *b);
	if (strcmp(text, want) != 0) {
		fail("%s '%s' holds '%s', not '%s'", item ? "item" : "area", id, text, want);
		return NULL;
	}
	return item ? &v->items[*a][*b] : &v->areas[*a][*b];
}

static void verify_area(struct verify *v, const Stdreg__V1__Area *a)
{
	int w, k, end = 0, ap;
	unsigned long long b;
	size_t j;
	uint32_t *n;

	if (strncmp(a->id, "area-", 5) == 0) {
		v->seed_areas++;
	} else if (sscanf(a->id, "w%d-%d%n", &w, &k, &end) == 2 && a->id[end] == '\0' && w >= 0 &&
	           w < n_clients && clients[w].writer && k >= 0 && k < OWN) {
		unsigned long long seq = ~0ull;
		sscanf(a->goal, "seq %llu", &seq);
		if (seq != clients[w].seq[k] || a->meta->mod_revision != clients[w].rev[k])
			fail("area '%s' holds seq %llu at revision %llu; acknowledged seq %llu at "
			     "revision %llu",
			     a->id, seq, (unsigned long long)a->meta->mod_revision,
			     (unsigned long long)clients[w].seq[k],
			     (unsigned long long)clients[w].rev[k]);
		v->own_areas++;
	} else if ((n = applied(v, false, a->id, a->goal, &ap, &b, &j)) != NULL) {
		++*n;
	}
}

static void verify_item(struct verify *v, const Stdreg__V1__WorkItem *w)
{
	int ap;
	unsigned long long b;
	size_t j;
	uint32_t *n;
	char want[48];

	if (strncmp(w->id, "item-", 5) == 0) {
		v->seed_items++;
	} else if ((n = applied(v, true, w->id, w->title, &ap, &b, &j)) != NULL) {
		snprintf(want, sizeof want, "b%d-%llu-%zu", ap, b, j);
		if (w->n_area_ids != 1 || strcmp(w->area_ids[0], want) != 0)
			fail("item '%s' is not in area '%s' alone", w->id, want);
		++*n;
	}
}

static void scan(stdreg_client *c, const struct stdreg_kind *k, struct verify *v)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	struct stdreg_status st = STDREG_STATUS_INIT;
	char *token = NULL;

	req.page_size = 1000;
	do {
		ProtobufCMessage *page, **recs;
		size_t n;
		req.page_token = token != NULL ? token : "";
		if (stdreg_list_page(c, k, &req.base, &page, &st) != STDREG_OK) {
			fail("%s (the check after the run): %s (%s)", k->list_method,
			     stdreg_code_name(st.code), st.message);
			break;
		}
		v->revision = st.revision;
		recs = stdreg_list_records(k, page, &n);
		for (size_t i = 0; i < n; i++) {
			if (k == k_area)
				verify_area(v, (const Stdreg__V1__Area *)recs[i]);
			else
				verify_item(v, (const Stdreg__V1__WorkItem *)recs[i]);
		}
		free(token);
		token = *stdreg_list_next(k, page) ? xprintf("%s", stdreg_list_next(k, page))
		                                   : NULL;
		protobuf_c_message_free_unpacked(page, NULL);
	} while (token != NULL);
	free(token);
	stdreg_status_release(&st);
}

/* The check after the run, against every acknowledged write. Returns the records checked. */
uint64_t verify_all(uint64_t acked_max)
{
	stdreg_client *c = client_open(CALL_MS);
	struct verify v = { 0 };
	uint64_t records = 0;
	size_t half = (size_t)apply_records / 2;

	for (int a = 0; a < n_appliers; a++) {
		v.areas[a] = calloc(appliers[a].n_acked + 1, sizeof *v.areas[a]);
		v.items[a] = calloc(appliers[a].n_acked + 1, sizeof *v.items[a]);
		if (v.areas[a] == NULL || v.items[a] == NULL)
			oom();
	}
	scan(c, k_area, &v);
	scan(c, k_item, &v);
	if (v.seed_areas != SEED_AREAS || v.seed_items != SEED_ITEMS)
		fail("%d seeded areas and %d seeded items are there, not %d and %d", v.seed_areas,
		     v.seed_items, SEED_AREAS, SEED_ITEMS);
	if (v.own_areas != n_writers * OWN)
		fail("%d writers' areas are there, not %d", v.own_areas, n_writers * OWN);
	for (int a = 0; a < n_appliers; a++) {
		for (uint64_t b = 0; b < appliers[a].n_acked; b++) {
			if (v.areas[a][b] != half || v.items[a][b] != half)
				fail("acknowledged apply %d-%llu (revision %llu) has %u areas and "
				     "%u items of %zu each",
				     a, (unsigned long long)b,
				     (unsigned long long)appliers[a].revs[b], v.areas[a][b],
				     v.items[a][b], half);
			records += v.areas[a][b] + v.items[a][b];
		}
		free(v.areas[a]);
		free(v.items[a]);
	}
	if (v.revision < acked_max)
		fail("the store serves revision %llu; revision %llu was acknowledged",
		     (unsigned long long)v.revision, (unsigned long long)acked_max);
	stdreg_client_close(c);
	return records + (uint64_t)v.own_areas;
}

/* --- figures ---------------------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void lat_cat(struct lat *dst, const struct lat *src)
{
	for (size_t i = 0; i < src->n; i++)
		lat_push(dst, src->v[i]);
}

/* "p50 0.41 ms, p99 3.20 ms, max 25.02 ms" of l (sorted in place) into buf. */
static const char *lat_text(struct lat *l, char *buf, size_t len)
{
	if (l->n == 0) {
		snprintf(buf, len, "none");
		return buf;
	}
	qsort(l->v, l->n, sizeof *l->v, cmp_u32);
	snprintf(buf, len, "p50 %.2f ms, p99 %.2f ms, max %.2f ms", l->v[l->n / 2] / 1000.0,
	         l->v[l->n * 99 / 100] / 1000.0, l->v[l->n - 1] / 1000.0);
	return buf;
}

static void lat_release(struct lat *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

void figures_collect(struct figures *f)
{
	for (int a = 0; a < n_appliers; a++) {
		struct applier *ap = &appliers[a];
		for (uint64_t b = 0; b < ap->n_acked; b++)
			f->acked_max = ap->revs[b] > f->acked_max ? ap->revs[b] : f->acked_max;
		f->applies += ap->n_acked;
		lat_cat(&f->commits, &ap->commit_us);
		lat_cat(&f->whole, &ap->apply_us);
		// Reads of a window are counted once per window below.
		if ((ap->window_read = calloc(ap->n_acked + 1, sizeof *ap->window_read)) == NULL)
			oom();
	}
	for (int i = 0; i < n_clients; i++) {
		struct client *cl = &clients[i];
		for (int k = 0; cl->writer && k < OWN; k++)
			f->acked_max = cl->rev[k] > f->acked_max ? cl->rev[k] : f->acked_max;
		f->gets += cl->n_get;
		f->lists += cl->n_list;
		f->puts += cl->n_put;
		lat_cat(&f->reads, &cl->reads);
		lat_cat(&f->put_lat, &cl->puts);
		for (size_t j = 0; j < cl->n_win; j++) {
			const struct inwin *w = &cl->win[j];
			struct applier *ap = &appliers[w->applier];
			uint64_t b = (w->gen - 1) / 2;
			if (b >= ap->n_acked)
				continue; /* the window of an apply that failed */
			f->in_win++;
			lat_push(&f->win_lat, w->us);
			f->before += w->revision < ap->revs[b];
			f->windows_read += !ap->window_read[b];
			ap->window_read[b] = true;
		}
	}
}

void figures_print(struct figures *f, double elapsed)
{
	char t1[96], t2[96], t3[96], t4[96], t5[96];

	printf("load: ops: %llu gets (%.0f/s), %llu list pages (%.0f/s), %llu puts (%.0f/s), "
	       "%llu applies (%.1f/s, %.0f records/s)\n",
	       (unsigned long long)f->gets, f->gets / elapsed, (unsigned long long)f->lists,
	       f->lists / elapsed, (unsigned long long)f->puts, f->puts / elapsed,
	       (unsigned long long)f->applies, f->applies / elapsed,
	       (double)f->applies * apply_records / elapsed);
	printf("load: read latency: %s (%zu reads)\n", lat_text(&f->reads, t1, sizeof t1),
	       f->reads.n);
	printf("load: reads inside commit windows: %llu, in %llu of %llu windows (%llu served "
	       "from the snapshot before the commit); %s\n",
	       (unsigned long long)f->in_win, (unsigned long long)f->windows_read,
	       (unsigned long long)f->applies, (unsigned long long)f->before,
	       lat_text(&f->win_lat, t2, sizeof t2));
	printf("load: put latency: %s\n", lat_text(&f->put_lat, t3, sizeof t3));
	printf("load: commit windows: %s; whole applies (staging and commit): %s\n",
	       lat_text(&f->commits, t4, sizeof t4), lat_text(&f->whole, t5, sizeof t5));
}

void figures_release(struct figures *f)
{
	for (int i = 0; i < n_clients; i++) {
		lat_release(&clients[i].reads);
		lat_release(&clients[i].puts);
		free(clients[i].win);
		free(clients[i].walk_token);
		free(clients[i].areas_token);
	}
	for (int a = 0; a < n_appliers; a++) {
		lat_release(&appliers[a].commit_us);
		lat_release(&appliers[a].apply_us);
		free(appliers[a].revs);
		free(appliers[a].window_read);
	}
	lat_release(&f->reads);
	lat_release(&f->put_lat);
	lat_release(&f->win_lat);
	lat_release(&f->commits);
	lat_release(&f->whole);
}
