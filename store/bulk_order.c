/*
 * bulk_order.c - the references among a bulk apply's own records: the order to put them in,
 * and the parent cycles that no order resolves.
 *
 * A record can be put once the records it refers to exist. Entries are sorted by kind, and
 * every reference to another kind points to an earlier one (areas, bodies, agencies, items,
 * assignments, goals, follow-ups). Within a kind a record may refer to others of its kind:
 * a parent, a mirrored committee. Put in id order, a chain of them listed child first took
 * one pass of the whole file per record, n^2 puts: 3.3 s for 4 000 bodies each mirroring
 * the next, hours for a large upload, all of it on the single writer. Here each record comes
 * after the records of the file it refers to (a depth-first walk, children first), so one
 * pass puts all that can be put and a second finds nothing more. A cycle has no such order:
 * its records are put in some order and refused; which of them a put refuses may differ from
 * the id order's (the apply fails either way, and the cycle walk below names every record on
 * the cycle that waits on a parent). A record of the file is the first line with its id.
 *
 * Both walks visit each record once: a file is up to the upload's budget of records, and
 * the walks run on the writer's thread.
 */
#include <stdlib.h>
#include <string.h>

#include "bulk_entry.h"

/* e against kind k and id: <0, 0, >0 (a line without a record sorts last). */
static int cmp_kind_id(const struct entry *e, enum store_kind k, const char *id)
{
	if (e->rec == NULL || e->kind != k)
		return e->kind < k ? -1 : 1;
	return strcmp(record_id(k, e->rec), id);
}

/* The first of es's entries with kind k and id, in the order by[0..n) gives (NULL: es[0..n)
 * itself), which must be by kind and id; of a record listed twice, the line that is
 * applied. NULL if none. */
static struct entry *first_with_id(struct entry *es, const uint32_t *by, size_t n,
                                   enum store_kind k, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_kind_id(&es[by ? by[mid] : mid], k, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || cmp_kind_id(&es[by ? by[lo] : lo], k, id) != 0)
		return NULL;
	return &es[by ? by[lo] : lo];
}

struct entry *bulk_find_entry(struct entry *es, size_t n, enum store_kind k, const char *id)
{
	return first_with_id(es, NULL, n, k, id);
}

/* The references of every entry to another entry of its kind, as lists: those of entry i
 * are to[from[i]] .. to[from[i + 1] - 1]. */
struct links {
	struct entry *es;
	size_t n;
	uint32_t *from; /* n + 1 */
	uint32_t *to;
	size_t n_to, cap_to;
	enum store_kind kind; /* of the entry being read */
	uint32_t self;
};

static int add_link(store_txn *t, const struct ref_spec *r, const char *target, void *arg)
{
	struct links *l = arg;
	struct entry *p;

	(void)t;
	if (r->target != l->kind || (p = bulk_find_entry(l->es, l->n, l->kind, target)) == NULL ||
	    (uint32_t)(p - l->es) == l->self)
		return RG_OK;
	if (l->n_to == l->cap_to) {
		size_t cap = l->cap_to > 0 ? l->cap_to * 2 : 256;
		uint32_t *to = realloc(l->to, cap * sizeof *to);

		if (to == NULL)
			return RG_ENOMEM;
		l->to = to;
		l->cap_to = cap;
	}
	l->to[l->n_to++] = (uint32_t)(p - l->es);
	return RG_OK;
}

/* Can a record of kind k refer to another of its kind? (Most cannot: work items.) */
static bool refers_to_own_kind(enum store_kind k)
{
	const struct kind_info *ki = kind_get(k);

	for (size_t i = 0; i < ki->nrefs; i++)
		if (ki->refs[i].target == k)
			return true;
	return false;
}

static int read_links(struct links *l)
{
	bool own[STORE_KIND_MAX + 1];

	for (int k = 1; k <= STORE_KIND_MAX; k++)
		own[k] = refers_to_own_kind((enum store_kind)k);
	for (size_t i = 0; i < l->n; i++) {
		struct entry *e = &l->es[i];

		l->from[i] = (uint32_t)l->n_to;
		if (e->rec == NULL || e->code != PENDING || !own[e->kind])
			continue;
		l->kind = e->kind;
		l->self = (uint32_t)i;
		if (record_each_ref(NULL, kind_get(e->kind), e->rec, add_link, l) != RG_OK)
			return RG_ENOMEM;
	}
	l->from[l->n] = (uint32_t)l->n_to;
	return RG_OK;
}

enum visit { NEW, OPEN, DONE };

struct frame {
	uint32_t entry, next; /* next: its next link to follow */
};

uint32_t *bulk_put_order(struct entry *es, size_t n)
{
	struct links l = { .es = es, .n = n };
	uint32_t *order = malloc((n ? n : 1) * sizeof *order);
	unsigned char *state = calloc(n ? n : 1, 1);
	struct frame *stack = malloc((n ? n : 1) * sizeof *stack);
	size_t done = 0;

	l.from = malloc((n + 1) * sizeof *l.from);
	if (order == NULL || state == NULL || stack == NULL || l.from == NULL ||
	    read_links(&l) != RG_OK) {
		free(order);
		order = NULL;
		goto out;
	}
	// Depth first, without recursion (a chain may be as long as the file): an entry is
	// placed when every entry it links to is placed or open (a cycle).
	for (uint32_t root = 0; root < n; root++) {
		size_t depth = 0;

		if (state[root] != NEW)
			continue;
		state[root] = OPEN;
		stack[depth++] = (struct frame){ root, l.from[root] };
		while (depth > 0) {
			struct frame *f = &stack[depth - 1];

			if (f->next < l.from[f->entry + 1]) {
				uint32_t next = l.to[f->next++];

				if (state[next] == NEW) {
					state[next] = OPEN;
					stack[depth++] = (struct frame){ next, l.from[next] };
				}
				continue;
			}
			state[f->entry] = DONE;
			order[done++] = f->entry;
			depth--;
		}
	}
out:
	free(l.from);
	free(l.to);
	free(stack);
	free(state);
	return order;
}

static bool refused_for_parent(const struct entry *e)
{
	return e->rec != NULL && e->code == RG_EPRECOND && strcmp(e->err->field, "parent_id") == 0;
}

/*
 * The entries by the ids they have now, for the cycle walk: a goal put without an id got
 * one from its put (kept when the put was refused), so es is no longer in id order.
 */
struct by_id {
	struct entry *es;
	uint32_t *v; /* indexes of es with a record, by kind, id and line */
	size_t n;
};

static int cmp_by_id(const void *pa, const void *pb, void *arg)
{
	const struct entry *es = arg, *a = &es[*(const uint32_t *)pa],
	                   *b = &es[*(const uint32_t *)pb];
	int c = a->kind != b->kind ? (a->kind < b->kind ? -1 : 1)
	                           : strcmp(record_id(a->kind, a->rec), record_id(b->kind, b->rec));

	return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

/* The entry that is e's parent, of the lines with its id the first, or NULL. */
static struct entry *parent_entry(const struct by_id *ix, const struct entry *e)
{
	const char *parent = msg_str(e->rec, "parent_id");

	return parent != NULL && *parent != '\0'
	               ? first_with_id(ix->es, ix->v, ix->n, e->kind, parent)
	               : NULL;
}

int bulk_refuse_parent_cycles(struct entry *es, size_t n)
{
	struct by_id ix = { .es = es };
	uint32_t *walk; /* the walk that reached each entry, from 1 */
	size_t i;

	for (i = 0; i < n && !refused_for_parent(&es[i]); i++)
		;
	if (i == n)
		return RG_OK; /* the common case: no line waits on a parent */
	ix.v = malloc(n * sizeof *ix.v);
	walk = calloc(n, sizeof *walk);
	if (ix.v == NULL || walk == NULL) {
		free(ix.v);
		free(walk);
		return RG_ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (es[i].rec != NULL)
			ix.v[ix.n++] = (uint32_t)i;
	qsort_r(ix.v, ix.n, sizeof *ix.v, cmp_by_id, es);
	for (i = 0; i < n; i++) {
		struct entry *p, *q;

		if (walk[i] != 0 || !refused_for_parent(&es[i]))
			continue;
		// Up the parents until an entry some walk reached: this one's, a cycle.
		for (p = &es[i]; p != NULL && walk[p - es] == 0; p = parent_entry(&ix, p))
			walk[p - es] = (uint32_t)i + 1;
		if (p == NULL || walk[p - es] != (uint32_t)i + 1)
			continue;
		q = p;
		do { /* once round the cycle */
			if (refused_for_parent(q))
				q->code = store_fail(q->err, RG_EINVAL, "parent_id",
				                     "%s '%s' cannot have '%s' as parent (cycle)",
				                     store_kind_name(q->kind),
				                     record_id(q->kind, q->rec),
				                     msg_str(q->rec, "parent_id"));
			q = parent_entry(&ix, q);
		} while (q != p);
	}
	free(ix.v);
	free(walk);
	return RG_OK;
}
