/*
 * test_bulk.c - store/bulk.c's store_apply: all or nothing, errors by line, counts per kind,
 * the dry run against the history the real apply leaves, references in any order and parent
 * cycles within one file. Each case in its own temporary store (fixture.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "stdreg/v1/registry.pb-c.h"

#define LEAD      STDREG__V1__ROLE__ROLE_LEAD
#define INTL      STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL
#define MAX_LINES 16

/* A bulk file: its BulkRecords, each owning its record. */
struct file {
	Stdreg__V1__BulkRecord *lines[MAX_LINES];
	size_t n;
};

/* Appends rec (NULL: a line without a record) as line `line` (0: leave it unset). */
static void add(struct file *fl, uint32_t line, enum store_kind k, void *rec)
{
	Stdreg__V1__BulkRecord *b = malloc(sizeof *b);

	assert_non_null(b);
	assert_true(fl->n < MAX_LINES);
	stdreg__v1__bulk_record__init(b);
	b->line = line;
	switch (rec ? k : 0) {
	case STORE_AREA:
		b->area = rec;
		break;
	case STORE_BODY:
		b->body = rec;
		break;
	case STORE_AGENCY:
		b->agency = rec;
		break;
	case STORE_ITEM:
		b->work_item = rec;
		break;
	case STORE_ASSIGNMENT:
		b->assignment = rec;
		break;
	default:
		break;
	}
	fl->lines[fl->n++] = b;
}

static void file_free(struct file *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		rec_free(fl->lines[i]);
	fl->n = 0;
}

/* Applies fl in one write; *out is the response or NULL (free with rec_free). */
static int apply(struct fx *f, struct file *fl, bool dry_run, Stdreg__V1__ApplyCommitResponse **out,
                 struct store_error *err)
{
	ProtobufCMessage *r = NULL;
	int rc = fx_apply(f, fl->lines, fl->n, dry_run, &r, err);

	*out = (Stdreg__V1__ApplyCommitResponse *)r;
	return rc;
}

/* The counts of kind k in r as "created/updated/unchanged", "-" when k is not listed. */
static const char *counts_of(const Stdreg__V1__ApplyCommitResponse *r, enum store_kind k)
{
	static char buf[48];

	snprintf(buf, sizeof buf, "-");
	for (size_t i = 0; i < r->n_counts; i++)
		if ((int)r->counts[i]->kind == (int)k)
			snprintf(buf, sizeof buf, "%u/%u/%u", r->counts[i]->created,
			         r->counts[i]->updated, r->counts[i]->unchanged);
	return buf;
}

static bool exists(struct fx *f, enum store_kind k, const char *id)
{
	void *m = fx_get(f, k, id, NULL);

	rec_free(m);
	return m != NULL;
}

static Stdreg__V1__Area *renamed_area(const char *id, const char *name, const char *parent)
{
	return mk_area(id, name, parent);
}

/* --- all or nothing ------------------------------------------------------------------- */

/* One bad line among good ones: the call fails and not one record of the file is stored. */
static void bad_line_applies_nothing(void **state)
{
	static const struct {
		const char *name;
		const char *stage;   /* of the item on line 2 */
		const char *body_id; /* of the item on line 2 */
		int code;
	} rows[] = {
		{ "invalid stage", "99.99", "iso", RG_EINVAL },
		{ "missing body", "40.20", "nobody", RG_EPRECOND },
	};
	static const char *const ai[] = { "ai", NULL };
	struct fx *f = *state;

	fx_seed(f);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint64_t before = store_revision(f->st);
		Stdreg__V1__ApplyCommitResponse *r;
		Stdreg__V1__Area *a;
		struct store_error err;
		struct file fl = { .n = 0 };

		add(&fl, 1, STORE_AREA, mk_area("quantum", "Quantum", NULL));
		add(&fl, 2, STORE_ITEM,
		    mk_item("x", "X 1", "X", rows[i].body_id, ai, rows[i].stage));
		add(&fl, 3, STORE_AGENCY, mk_agency("new", "New agency", "556016-0680"));
		add(&fl, 4, STORE_AREA, renamed_area("ai", "AI, renamed", NULL));
		if (apply(f, &fl, false, &r, &err) != rows[i].code)
			fail_msg("%s: %s (%s)", rows[i].name, rg_strerror(err.code), err.message);
		assert_non_null(r);
		assert_int_equal(r->error_count, 1);
		assert_int_equal(r->n_errors, 1);
		assert_int_equal(r->errors[0]->line, 2);
		assert_non_null(strstr(err.message, "nothing was applied"));
		rec_free(r);
		file_free(&fl);
		assert_int_equal(store_revision(f->st), before);
		assert_false(exists(f, STORE_AREA, "quantum"));
		assert_false(exists(f, STORE_AGENCY, "new"));
		assert_false(exists(f, STORE_ITEM, "x"));
		a = fx_get(f, STORE_AREA, "ai", NULL);
		assert_string_equal(a->name, "Artificial intelligence");
		rec_free(a);
	}
}

/* Errors come by line, in line order, whatever the order of the lines in the file. */
static void errors_name_their_lines(void **state)
{
	static const struct {
		uint32_t line;
		const char *text;
	} want[] = {
		{ 3, "ghost" },              /* missing parent */
		{ 5, "exactly one record" }, /* an empty line */
		{ 7, "99.99" },              /* invalid stage */
		{ 9, "area 'quantum' appears again (first on line 2)" },
	};
	static const char *const ai[] = { "ai", NULL };
	struct fx *f = *state;
	Stdreg__V1__ApplyCommitResponse *r;
	struct store_error err;
	struct file fl = { .n = 0 };

	fx_seed(f);
	add(&fl, 9, STORE_AREA, mk_area("quantum", "Quantum again", NULL));
	add(&fl, 7, STORE_ITEM, mk_item("x", "X 1", "X", "iso", ai, "99.99"));
	add(&fl, 5, STORE_AREA, NULL);
	add(&fl, 3, STORE_AREA, mk_area("orphan", "Orphan", "ghost"));
	add(&fl, 2, STORE_AREA, mk_area("quantum", "Quantum", NULL));
	add(&fl, 1, STORE_BODY, mk_body("cen", "CEN", INTL, NULL));
	assert_int_equal(apply(f, &fl, false, &r, &err), RG_EINVAL);
	assert_string_equal(err.field, "records");
	assert_int_equal(r->error_count, 4);
	assert_int_equal(r->n_errors, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(r->errors[i]->line, want[i].line);
		if (strstr(r->errors[i]->message, want[i].text) == NULL)
			fail_msg("line %u: '%s' lacks '%s'", want[i].line, r->errors[i]->message,
			         want[i].text);
	}
	rec_free(r);
	file_free(&fl);
	assert_false(exists(f, STORE_BODY, "cen"));
	assert_false(exists(f, STORE_AREA, "quantum"));
}

/* A line without a number is numbered by its place in the file, from 1. */
static void unnumbered_lines_count_from_one(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__ApplyCommitResponse *r;
	struct file fl = { .n = 0 };

	fx_seed(f);
	add(&fl, 0, STORE_AREA, mk_area("quantum", "Quantum", NULL));
	add(&fl, 0, STORE_AREA, mk_area("orphan", "Orphan", "ghost"));
	add(&fl, 0, STORE_AREA, mk_area("space", "Space", NULL));
	assert_int_equal(apply(f, &fl, false, &r, NULL), RG_EPRECOND);
	assert_int_equal(r->n_errors, 1);
	assert_int_equal(r->errors[0]->line, 2);
	rec_free(r);
	file_free(&fl);
}

/* --- counts ---------------------------------------------------------------------------- */

static void counts_per_kind(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__ApplyCommitResponse *r;
	struct file fl = { .n = 0 };
	uint64_t rev;

	fx_seed(f);
	for (int pass = 0; pass < 2; pass++) {
		add(&fl, 1, STORE_AREA, mk_area("ai", "Artificial intelligence", NULL));
		add(&fl, 2, STORE_AREA, renamed_area("cyber", "Cyber, renamed", NULL));
		add(&fl, 3, STORE_AREA, mk_area("quantum", "Quantum", NULL));
		add(&fl, 4, STORE_AGENCY, mk_agency("new", "New agency", "556016-0680"));
		add(&fl, 5, STORE_BODY,
		    mk_body("iso", "International Organization for Standardization", INTL, NULL));
		rev = store_revision(f->st);
		assert_int_equal(apply(f, &fl, false, &r, NULL), RG_OK);
		assert_int_equal(r->error_count, 0);
		assert_false(r->dry_run);
		/* Listed in kind order, only the kinds the file holds. */
		assert_int_equal(r->n_counts, 3);
		assert_int_equal(r->counts[0]->kind, STORE_AREA);
		assert_int_equal(r->counts[1]->kind, STORE_BODY);
		assert_int_equal(r->counts[2]->kind, STORE_AGENCY);
		if (pass == 0) {
			assert_string_equal(counts_of(r, STORE_AREA), "1/1/1");
			assert_string_equal(counts_of(r, STORE_BODY), "0/0/1");
			assert_string_equal(counts_of(r, STORE_AGENCY), "1/0/0");
			assert_int_equal(store_revision(f->st), rev + 1); /* one change */
		} else {
			/* The same file again changes nothing. */
			assert_string_equal(counts_of(r, STORE_AREA), "0/0/3");
			assert_string_equal(counts_of(r, STORE_BODY), "0/0/1");
			assert_string_equal(counts_of(r, STORE_AGENCY), "0/0/1");
			assert_int_equal(store_revision(f->st), rev);
		}
		rec_free(r);
		file_free(&fl);
	}
}

/* --- dry run ---------------------------------------------------------------------------- */

/* The file of the dry run case: one item moved to a published stage, one area renamed,
 * one created (a creation is counted, not listed as a difference). */
static void dry_run_file(struct file *fl)
{
	static const char *const ai[] = { "ai", NULL };

	add(fl, 1, STORE_ITEM,
	    mk_item("iso-42001", "ISO/IEC 42001", "AI management", "jtc1-sc42", ai, "60.60"));
	add(fl, 2, STORE_AREA, renamed_area("cyber", "Cyber, renamed", NULL));
	add(fl, 3, STORE_AREA, mk_area("quantum", "Quantum", NULL));
}

/* The last history entry of a record as a dry run difference reads. */
static char *last_change_text(struct fx *f, enum store_kind k, const char *id)
{
	Stdreg__V1__HistoryResponse *h;
	Stdreg__V1__HistoryEntry *e;
	ProtobufCMessage *out;
	struct store_error err;
	char text[600];
	size_t off;
	store_txn *t;

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_history(t, k, id, &out, &err), RG_OK);
	store_read_free(t);
	h = (Stdreg__V1__HistoryResponse *)out;
	assert_true(h->n_entries > 0);
	e = h->entries[h->n_entries - 1];
	assert_int_equal(e->op, STDREG__V1__OP__OP_UPDATE);
	off = (size_t)snprintf(text, sizeof text, "%s '%s': ", store_kind_name(k), id);
	for (size_t i = 0; i < e->n_changes; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "%s%s '%s' -> '%s'",
		                        i ? ", " : "", e->changes[i]->field,
		                        e->changes[i]->old_value, e->changes[i]->new_value);
	rec_free(h);
	return strdup(text);
}

static void dry_run_changes_nothing_and_shows_history(void **state)
{
	static const char *const ai[] = { "ai", NULL };
	static const struct {
		enum store_kind k;
		const char *id;
	} updated[] = { { STORE_AREA, "cyber" }, { STORE_ITEM, "iso-42001" } }; /* apply order */
	struct fx *f = *state;
	Stdreg__V1__ApplyCommitResponse *dry, *real;
	Stdreg__V1__Area *a;
	struct file fl = { .n = 0 };
	uint64_t rev;

	fx_seed(f);
	fx_put_ok(f, STORE_ITEM,
	          mk_item("iso-42001", "ISO/IEC 42001", "AI management", "jtc1-sc42", ai, "40.20"));
	rev = store_revision(f->st);
	dry_run_file(&fl);
	assert_int_equal(apply(f, &fl, true, &dry, NULL), RG_OK);
	file_free(&fl);
	assert_true(dry->dry_run);
	assert_int_equal(store_revision(f->st), rev);
	assert_false(exists(f, STORE_AREA, "quantum"));
	a = fx_get(f, STORE_AREA, "cyber", NULL);
	assert_string_equal(a->name, "Cybersecurity and network security");
	rec_free(a);
	assert_string_equal(counts_of(dry, STORE_AREA), "1/1/0");
	assert_string_equal(counts_of(dry, STORE_ITEM), "0/1/0");
	assert_int_equal(dry->n_differences, 2);
	/* The stage moves the derived status too, and the dry run says so. */
	assert_non_null(strstr(dry->differences[1], "status 'in_development' -> 'published'"));

	dry_run_file(&fl);
	assert_int_equal(apply(f, &fl, false, &real, NULL), RG_OK);
	file_free(&fl);
	assert_int_equal(store_revision(f->st), rev + 1);
	for (int k = 1; k <= STORE_KIND_MAX; k++)
		assert_string_equal(counts_of(dry, k), counts_of(real, k));
	for (size_t i = 0; i < 2; i++) {
		char *h = last_change_text(f, updated[i].k, updated[i].id);
		assert_string_equal(dry->differences[i], h);
		free(h);
	}
	rec_free(dry);
	rec_free(real);
}

/* --- references within the file ---------------------------------------------------------- */

/* Each record comes before what it refers to, and children sort before their parents. */
static void references_in_any_order(void **state)
{
	static const char *const child[] = { "a-child", NULL };
	struct fx *f = *state;
	Stdreg__V1__ApplyCommitResponse *r;
	struct store_error err;
	struct file fl = { .n = 0 };
	int rc;

	fx_seed(f);
	add(&fl, 1, STORE_ASSIGNMENT,
	    mk_assignment("a-child", "new", LEAD, "I2026/7", "2026-01-01", NULL, NULL));
	add(&fl, 2, STORE_ITEM, mk_item("new-item", "N 1", "New", "b-child", child, "40.20"));
	add(&fl, 3, STORE_AGENCY, mk_agency("new", "New agency", "556016-0680"));
	add(&fl, 4, STORE_AREA, mk_area("a-child", "Child", "z-parent"));
	add(&fl, 5, STORE_AREA, mk_area("z-parent", "Parent", "zz-root"));
	add(&fl, 6, STORE_BODY, mk_body("b-child", "Child body", INTL, "z-body"));
	add(&fl, 7, STORE_BODY, mk_body("z-body", "Parent body", INTL, NULL));
	add(&fl, 8, STORE_AREA, mk_area("zz-root", "Root", NULL));
	rc = apply(f, &fl, false, &r, &err);
	if (rc != RG_OK)
		fail_msg("apply: %s (%s; line %u: %s)", rg_strerror(rc), err.message,
		         r && r->n_errors ? r->errors[0]->line : 0,
		         r && r->n_errors ? r->errors[0]->message : "");
	assert_string_equal(counts_of(r, STORE_AREA), "3/0/0");
	assert_string_equal(counts_of(r, STORE_BODY), "2/0/0");
	assert_string_equal(counts_of(r, STORE_AGENCY), "1/0/0");
	assert_string_equal(counts_of(r, STORE_ITEM), "1/0/0");
	assert_string_equal(counts_of(r, STORE_ASSIGNMENT), "1/0/0");
	rec_free(r);
	file_free(&fl);
	assert_true(exists(f, STORE_ASSIGNMENT, "a-child/new/2026-01-01"));
	assert_true(exists(f, STORE_ITEM, "new-item"));
	assert_true(exists(f, STORE_AREA, "a-child"));
}

/* Parents that wait on each other within one file: every line of the cycle is refused as
 * invalid, and nothing of the file is stored. */
static void parent_cycle_refused(void **state)
{
	static const struct {
		const char *name;
		enum store_kind k;
		const char *ids[4], *parents[4];
		size_t in_cycle; /* the first in_cycle records form the cycle */
	} rows[] = {
		{ "two areas", STORE_AREA, { "x", "y", "ok" }, { "y", "x", "" }, 2 },
		{ "three areas", STORE_AREA, { "c1", "c2", "c3" }, { "c2", "c3", "c1" }, 3 },
		{ "two bodies", STORE_BODY, { "b1", "b2" }, { "b2", "b1" }, 2 },
		{ "a tail into a cycle", STORE_AREA, { "p", "q", "tail" }, { "q", "p", "p" }, 2 },
		// Line 3 repeats line 1's id: it is refused for that, and line 1 is the record.
		{ "a cycle and a line listed twice",
		  STORE_AREA,
		  { "d1", "d2", "d1" },
		  { "d2", "d1", "zz" },
		  2 },
	};
	struct fx *f = *state;

	fx_seed(f);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		Stdreg__V1__ApplyCommitResponse *r;
		struct store_error err;
		struct file fl = { .n = 0 };
		size_t n = 0;

		for (; n < 4 && rows[i].ids[n]; n++) {
			void *rec =
			        rows[i].k == STORE_AREA
			                ? (void *)mk_area(rows[i].ids[n], "A", rows[i].parents[n])
			                : (void *)mk_body(rows[i].ids[n], "B", INTL,
			                                  rows[i].parents[n]);
			add(&fl, (uint32_t)(n + 1), rows[i].k, rec);
		}
		if (apply(f, &fl, false, &r, &err) != RG_EINVAL)
			fail_msg("%s: not refused as invalid (%s)", rows[i].name, err.message);
		for (size_t j = 0; j < rows[i].in_cycle; j++) {
			assert_true(j < r->n_errors);
			assert_int_equal(r->errors[j]->line, j + 1);
			if (strstr(r->errors[j]->message, "(cycle)") == NULL)
				fail_msg("%s: line %zu: '%s'", rows[i].name, j + 1,
				         r->errors[j]->message);
		}
		rec_free(r);
		file_free(&fl);
		for (size_t j = 0; j < n; j++)
			assert_false(exists(f, rows[i].k, rows[i].ids[j]));
	}
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(bad_line_applies_nothing),
		T(errors_name_their_lines),
		T(unnumbered_lines_count_from_one),
		T(counts_per_kind),
		T(dry_run_changes_nothing_and_shows_history),
		T(references_in_any_order),
		T(parent_cycle_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
