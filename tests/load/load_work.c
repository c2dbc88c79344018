/*
 * load_work.c - the load: the seed, readers, writers and appliers (load.c says what each
 * does and checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"

#include "stdreg/v1/registry.pb-c.h"

/* --- records ---------------------------------------------------------------------------- */

/* Bulk records built from malloc'd parts only, so free_unpacked frees them. */
static ProtobufCMessage *bulk_new(uint32_t line)
{
	Stdreg__V1__BulkRecord *b = malloc(sizeof *b);

	if (b == NULL)
		oom();
	stdreg__v1__bulk_record__init(b);
	b->line = line;
	return &b->base;
}

static ProtobufCMessage *bulk_area(uint32_t line, char *id, char *goal)
{
	Stdreg__V1__BulkRecord *b = (Stdreg__V1__BulkRecord *)bulk_new(line);
	Stdreg__V1__Area *a = malloc(sizeof *a);

	if (a == NULL)
		oom();
	stdreg__v1__area__init(a);
	a->id = id;
	a->name = xprintf("%s", id);
	a->priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	a->rank = 10;
	a->goal = goal;
	b->area = a;
	return &b->base;
}

static ProtobufCMessage *bulk_item(uint32_t line, char *id, char *title, int body, char *area)
{
	Stdreg__V1__BulkRecord *b = (Stdreg__V1__BulkRecord *)bulk_new(line);
	Stdreg__V1__WorkItem *w = malloc(sizeof *w);
	char **areas = malloc(sizeof *areas);

	if (w == NULL || areas == NULL)
		oom();
	stdreg__v1__work_item__init(w);
	w->id = id;
	w->reference = xprintf("LOAD %s", id);
	w->title = title;
	w->body_id = xprintf("body-%d", body);
	areas[0] = area;
	w->area_ids = areas;
	w->n_area_ids = 1;
	w->deliverable_type = xprintf("IS");
	w->stage = xprintf("40.20");
	b->work_item = w;
	return &b->base;
}

/* A valid organisation number: 5560NNNNN and its Luhn digit (store/validate.c). */
static char *org_number(int i)
{
	char d[11];
	int sum = 0;

	snprintf(d, sizeof d, "5560%05d", i);
	for (int k = 0; k < 9; k++) {
		int v = d[k] - '0';
		if (k % 2 == 0 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return xprintf("%.6s-%.3s%d", d, d + 6, (10 - sum % 10) % 10);
}

static void batch_free(ProtobufCMessage **recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		protobuf_c_message_free_unpacked(recs[i], NULL);
	free(recs);
}

void seed_registry(void)
{
	size_t cap =
	        SEED_AGENCIES + SEED_BODIES + SEED_AREAS + SEED_ITEMS + (size_t)n_writers * OWN;
	ProtobufCMessage **recs = calloc(cap, sizeof *recs), *out;
	struct stdreg_status st = STDREG_STATUS_INIT;
	stdreg_client *c = client_open(CALL_MS);
	size_t n = 0;

	if (recs == NULL)
		oom();
	for (int i = 0; i < SEED_AGENCIES; i++) {
		Stdreg__V1__BulkRecord *b = (Stdreg__V1__BulkRecord *)bulk_new((uint32_t)n + 1);
		Stdreg__V1__Agency *g = malloc(sizeof *g);
		if (g == NULL)
			oom();
		stdreg__v1__agency__init(g);
		g->id = xprintf("ag-%d", i);
		g->name = xprintf("Agency %d", i);
		g->org_number = org_number(i);
		b->agency = g;
		recs[n++] = &b->base;
	}
	for (int i = 0; i < SEED_BODIES; i++) {
		Stdreg__V1__BulkRecord *b = (Stdreg__V1__BulkRecord *)bulk_new((uint32_t)n + 1);
		Stdreg__V1__Body *y = malloc(sizeof *y);
		if (y == NULL)
			oom();
		stdreg__v1__body__init(y);
		y->id = xprintf("body-%d", i);
		y->name = xprintf("Body %d", i);
		y->level = STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL;
		b->body = y;
		recs[n++] = &b->base;
	}
	for (int i = 0; i < SEED_AREAS; i++, n++)
		recs[n] = bulk_area((uint32_t)n + 1, xprintf("area-%03d", i), xprintf("seed"));
	for (int i = 0; i < SEED_ITEMS; i++, n++)
		recs[n] = bulk_item((uint32_t)n + 1, xprintf("item-%04d", i), xprintf("seed"),
		                    i % SEED_BODIES, xprintf("area-%03d", i % SEED_AREAS));
	for (int w = 0; w < n_clients; w++)
		for (int k = 0; clients[w].writer && k < OWN; k++, n++)
			recs[n] = bulk_area((uint32_t)n + 1, xprintf("w%d-%d", w, k),
			                    xprintf("seq 0"));
	if (stdreg_apply(c, recs, n, &(struct stdreg_apply_opts){ .commit_timeout_ms = COMMIT_MS },
	                 &out, &st) != STDREG_OK) {
		fprintf(stderr, "load: cannot seed the registry (%s: %s)\n",
		        stdreg_code_name(st.code), st.message);
		exit(2);
	}
	protobuf_c_message_free_unpacked(out, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	batch_free(recs, n);
}

/* --- readers and writers ---------------------------------------------------------------- */

/* Whether a call succeeded and its reply is no older than what this client has seen; what
 * names the call and its subject ("GetArea 'w4-1'"). On false, st is released and the
 * caller frees the reply it may have got. */
static bool call_ok(struct client *cl, const char *what, int rc, struct stdreg_status *st)
{
	if (rc == STDREG_OK) {
		if (st->revision < cl->seen_rev) {
			fail("client %d: %s answered from revision %llu after revision %llu was "
			     "seen",
			     cl->id, what, (unsigned long long)st->revision,
			     (unsigned long long)cl->seen_rev);
			stdreg_status_release(st);
			return false;
		}
		cl->seen_rev = st->revision;
		return true;
	}
	fail("client %d: %s: %s (%s)", cl->id, what, stdreg_code_name(rc),
	     st->message ? st->message : "");
	stdreg_status_release(st);
	return false;
}

struct probe {
	uint32_t gen[MAX_APPLIERS];
	uint64_t t0;
};

static void probe_start(struct probe *p)
{
	for (int a = 0; a < n_appliers; a++)
		p->gen[a] = atomic_load(&appliers[a].gen);
	p->t0 = now_us();
}

/* Times a read and notes it if it ran inside one commit window. */
static void probe_end(struct client *cl, const struct probe *p, uint64_t revision)
{
	uint32_t us = (uint32_t)(now_us() - p->t0);

	lat_push(&cl->reads, us);
	for (int a = 0; a < n_appliers; a++) {
		if (!(p->gen[a] & 1) || atomic_load(&appliers[a].gen) != p->gen[a])
			continue;
		if (cl->n_win == cl->cap_win) {
			size_t cap = cl->cap_win ? cl->cap_win * 2 : 1024;
			struct inwin *v = realloc(cl->win, cap * sizeof *v);
			if (v == NULL)
				oom();
			cl->win = v;
			cl->cap_win = cap;
		}
		cl->win[cl->n_win++] = (struct inwin){
			.applier = (uint32_t)a, .gen = p->gen[a], .us = us, .revision = revision
		};
		break;
	}
}

/* Gets id of kind k; the record must carry that id. On success *rec is the caller's. */
static bool do_get(struct client *cl, const struct stdreg_kind *k, const char *id,
                   ProtobufCMessage **rec)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	struct probe p;
	char what[96];
	int rc;

	snprintf(what, sizeof what, "%s '%s'", k->get_method, id);
	probe_start(&p);
	rc = stdreg_get(cl->c, k, id, rec, &st);
	if (!call_ok(cl, what, rc, &st)) {
		if (rc == STDREG_OK)
			protobuf_c_message_free_unpacked(*rec, NULL);
		return false;
	}
	probe_end(cl, &p, st.revision);
	stdreg_status_release(&st);
	cl->n_get++;
	// Every record's id is its first field.
	const ProtobufCFieldDescriptor *f = &(*rec)->descriptor->fields[0];
	const char *got = *(const char **)((const char *)*rec + f->offset);
	if (strcmp(got, id) != 0) {
		fail("client %d: %s returned '%s'", cl->id, what, got);
		protobuf_c_message_free_unpacked(*rec, NULL);
		return false;
	}
	return true;
}

static bool list_page(struct client *cl, const struct stdreg_kind *k, Stdreg__V1__ListRequest *req,
                      ProtobufCMessage **page)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	struct probe p;
	char what[96];
	int rc;

	snprintf(what, sizeof what, "%s%s%s%s", k->list_method, req->area_id[0] ? " (area '" : "",
	         req->area_id, req->area_id[0] ? "')" : "");
	probe_start(&p);
	rc = stdreg_list_page(cl->c, k, &req->base, page, &st);
	if (!call_ok(cl, what, rc, &st)) {
		if (rc == STDREG_OK)
			protobuf_c_message_free_unpacked(*page, NULL);
		return false;
	}
	probe_end(cl, &p, st.revision);
	stdreg_status_release(&st);
	cl->n_list++;
	return true;
}

/* One page of the walk through the items of a seeded area: the walk must find them all. */
static bool walk_items(struct client *cl)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	ProtobufCMessage *page;
	char area[16];
	size_t n;

	if (cl->walk_token == NULL) {
		cl->walk_area = (int)(rnd(&cl->rng) % SEED_AREAS);
		cl->walk_found = 0;
	}
	snprintf(area, sizeof area, "area-%03d", cl->walk_area);
	req.area_id = area;
	req.page_size = 4;
	req.page_token = cl->walk_token != NULL ? cl->walk_token : "";
	if (!list_page(cl, k_item, &req, &page))
		return false;
	stdreg_list_records(k_item, page, &n);
	cl->walk_found += n;
	free(cl->walk_token);
	cl->walk_token = NULL;
	const char *next = stdreg_list_next(k_item, page);
	if (*next != '\0')
		cl->walk_token = xprintf("%s", next);
	protobuf_c_message_free_unpacked(page, NULL);
	if (cl->walk_token == NULL && cl->walk_found != SEED_ITEMS / SEED_AREAS) {
		fail("client %d: the items of '%s' walked page by page are %zu, not %d", cl->id,
		     area, cl->walk_found, SEED_ITEMS / SEED_AREAS);
		return false;
	}
	return true;
}

/* Pages of all areas (seeded, writers' and applied), up to 5 before starting over. */
static bool page_areas(struct client *cl)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	ProtobufCMessage *page;
	size_t n;

	req.page_size = 100;
	req.page_token = cl->areas_token != NULL ? cl->areas_token : "";
	if (!list_page(cl, k_area, &req, &page))
		return false;
	stdreg_list_records(k_area, page, &n);
	free(cl->areas_token);
	cl->areas_token = NULL;
	const char *next = stdreg_list_next(k_area, page);
	if (*next != '\0' && ++cl->areas_pages < 5)
		cl->areas_token = xprintf("%s", next);
	else
		cl->areas_pages = 0;
	protobuf_c_message_free_unpacked(page, NULL);
	if (n == 0) {
		fail("client %d: a page of areas is empty", cl->id);
		return false;
	}
	return true;
}

static bool page_agencies(struct client *cl)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;
	ProtobufCMessage *page;
	size_t n;

	if (!list_page(cl, k_agency, &req, &page))
		return false;
	stdreg_list_records(k_agency, page, &n);
	protobuf_c_message_free_unpacked(page, NULL);
	if (n != SEED_AGENCIES) {
		fail("client %d: %zu agencies listed, not %d", cl->id, n, SEED_AGENCIES);
		return false;
	}
	return true;
}

static bool reader_step(struct client *cl)
{
	unsigned r = rnd(&cl->rng) % 100;
	ProtobufCMessage *rec;
	const struct stdreg_kind *k;
	char id[32];

	if (r >= 60)
		return r < 80 ? walk_items(cl) : r < 92 ? page_areas(cl) : page_agencies(cl);
	if (r < 20) {
		k = k_item;
		snprintf(id, sizeof id, "item-%04u", rnd(&cl->rng) % SEED_ITEMS);
	} else if (r < 35) {
		k = k_area;
		snprintf(id, sizeof id, "area-%03u", rnd(&cl->rng) % SEED_AREAS);
	} else if (r < 45 || n_writers == 0) {
		k = k_agency;
		snprintf(id, sizeof id, "ag-%u", rnd(&cl->rng) % SEED_AGENCIES);
	} else {
		// A writer's area: clients 0, 4, 8 ... write (main()).
		k = k_area;
		snprintf(id, sizeof id, "w%u-%u", rnd(&cl->rng) % (unsigned)n_writers * 4,
		         rnd(&cl->rng) % OWN);
	}
	if (!do_get(cl, k, id, &rec))
		return false;
	protobuf_c_message_free_unpacked(rec, NULL);
	return true;
}

static bool writer_put(struct client *cl, int k)
{
	struct stdreg_put_opts o = { .expected_mod_revision = cl->rev[k] };
	struct stdreg_status st = STDREG_STATUS_INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT, *got;
	uint64_t seq = ++cl->next_seq, t0;
	char id[32], goal[32], what[48];
	int rc;

	snprintf(id, sizeof id, "w%d-%d", cl->id, k);
	snprintf(goal, sizeof goal, "seq %llu", (unsigned long long)seq);
	a.id = id;
	a.name = id;
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	a.rank = 10;
	a.goal = goal;
	t0 = now_us();
	rc = stdreg_put(cl->c, k_area, &a.base, &o, (ProtobufCMessage **)&got, &st);
	snprintf(what, sizeof what, "PutArea '%s'", id);
	if (!call_ok(cl, what, rc, &st)) {
		if (rc == STDREG_OK)
			stdreg__v1__area__free_unpacked(got, NULL);
		return false;
	}
	lat_push(&cl->puts, now_us() - t0);
	stdreg_status_release(&st);
	bool same = strcmp(got->goal, goal) == 0 && got->meta->mod_revision > cl->rev[k];
	if (same) {
		cl->seq[k] = seq;
		cl->rev[k] = got->meta->mod_revision;
		if (cl->rev[k] > cl->seen_rev)
			cl->seen_rev = cl->rev[k];
		cl->n_put++;
	} else {
		fail("client %d: PutArea '%s' acknowledged goal '%s' at revision %llu", cl->id, id,
		     got->goal, (unsigned long long)got->meta->mod_revision);
	}
	stdreg__v1__area__free_unpacked(got, NULL);
	return same;
}

/* Read your writes: the area holds exactly the last acknowledged put. */
static bool writer_get(struct client *cl, int k)
{
	Stdreg__V1__Area *a;
	char id[32];

	snprintf(id, sizeof id, "w%d-%d", cl->id, k);
	if (!do_get(cl, k_area, id, (ProtobufCMessage **)&a))
		return false;
	unsigned long long seq = ~0ull;
	sscanf(a->goal, "seq %llu", &seq);
	bool same = seq == cl->seq[k] && a->meta->mod_revision == cl->rev[k];
	if (!same)
		fail("client %d: '%s' holds seq %llu at revision %llu; acknowledged seq %llu at "
		     "revision %llu",
		     cl->id, id, seq, (unsigned long long)a->meta->mod_revision,
		     (unsigned long long)cl->seq[k], (unsigned long long)cl->rev[k]);
	stdreg__v1__area__free_unpacked(a, NULL);
	return same;
}

void *client_main(void *arg)
{
	struct client *cl = arg;

	// A writer learns the revision of its seeded areas first.
	for (int k = 0; cl->writer && k < OWN; k++) {
		Stdreg__V1__Area *a;
		char id[32];
		snprintf(id, sizeof id, "w%d-%d", cl->id, k);
		if (!do_get(cl, k_area, id, (ProtobufCMessage **)&a))
			return NULL;
		cl->rev[k] = a->meta->mod_revision;
		stdreg__v1__area__free_unpacked(a, NULL);
	}
	while (!atomic_load(&stopping)) {
		bool ok;
		if (cl->writer) {
			unsigned r = rnd(&cl->rng);
			int k = (int)((r >> 4) % OWN);
			ok = r % 4 != 0 ? writer_put(cl, k) : writer_get(cl, k);
		} else {
			ok = reader_step(cl);
		}
		if (!ok)
			break;
	}
	return NULL;
}

/* --- appliers --------------------------------------------------------------------------- */

/* Every chunk is staged: ApplyCommit goes next. The commit window opens. */
static void apply_progress(void *arg, size_t done, size_t total)
{
	struct applier *ap = arg;

	if (done != total || ap->committing)
		return;
	ap->committing = true;
	ap->t_commit = now_us();
	atomic_fetch_add(&ap->gen, 1);
}

static bool apply_once(struct applier *ap)
{
	struct stdreg_apply_opts o = {
		.decision_ref = "LOAD-1",
		.chunk_bytes = CHUNK_BYTES,
		.commit_timeout_ms = COMMIT_MS,
		.progress = apply_progress,
		.progress_arg = ap,
	};
	size_t n = (size_t)apply_records, half = n / 2; /* n is even (main) */
	ProtobufCMessage **recs = calloc(n, sizeof *recs);
	struct stdreg_status st = STDREG_STATUS_INIT;
	Stdreg__V1__ApplyCommitResponse *out;
	uint64_t b = ap->n_acked, t0, t1;
	int rc;

	if (recs == NULL)
		oom();
	for (size_t j = 0; j < half; j++)
		recs[j] = bulk_area((uint32_t)j + 1,
		                    xprintf("b%d-%llu-%zu", ap->id, (unsigned long long)b, j),
		                    xprintf("apply %d-%llu", ap->id, (unsigned long long)b));
	for (size_t j = half; j < n; j++)
		recs[j] =
		        bulk_item((uint32_t)j + 1,
		                  xprintf("bi%d-%llu-%zu", ap->id, (unsigned long long)b, j - half),
		                  xprintf("apply %d-%llu", ap->id, (unsigned long long)b),
		                  (int)(j % SEED_BODIES),
		                  xprintf("b%d-%llu-%zu", ap->id, (unsigned long long)b, j - half));
	ap->committing = false;
	t0 = now_us();
	rc = stdreg_apply(ap->c, recs, n, &o, (ProtobufCMessage **)&out, &st);
	t1 = now_us();
	if (ap->committing)
		atomic_fetch_add(&ap->gen, 1); /* the window closes */
	batch_free(recs, n);
	if (rc != STDREG_OK) {
		fail("applier %d: apply %llu (%s of %zu records): %s (%s)", ap->id,
		     (unsigned long long)b, ap->committing ? "ApplyCommit" : "ApplyChunk", n,
		     stdreg_code_name(rc), st.message ? st.message : "");
		stdreg_status_release(&st);
		return false;
	}
	stdreg_status_release(&st);
	uint32_t created = 0;
	for (size_t i = 0; i < out->n_counts; i++)
		created += out->counts[i]->created;
	if (created != n || !ap->committing) {
		fail("applier %d: apply %llu acknowledged %u of %zu records created", ap->id,
		     (unsigned long long)b, created, n);
		stdreg__v1__apply_commit_response__free_unpacked(out, NULL);
		return false;
	}
	if (ap->n_acked == ap->cap) {
		ap->cap = ap->cap ? ap->cap * 2 : 64;
		if ((ap->revs = realloc(ap->revs, ap->cap * sizeof *ap->revs)) == NULL)
			oom();
	}
	ap->revs[ap->n_acked++] = out->revision;
	lat_push(&ap->commit_us, t1 - ap->t_commit);
	lat_push(&ap->apply_us, t1 - t0);
	stdreg__v1__apply_commit_response__free_unpacked(out, NULL);
	return true;
}

void *applier_main(void *arg)
{
	struct applier *ap = arg;

	while (!atomic_load(&stopping) && apply_once(ap))
		usleep(APPLY_PAUSE);
	return NULL;
}
