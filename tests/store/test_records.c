/*
 * test_records.c - store/records.c and the per-kind rules of store/kinds.c: put, get and
 * delete, meta, optimistic concurrency, validation, references and appointments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define LEAD       STDREG__V1__ROLE__ROLE_LEAD
#define SUPPORTING STDREG__V1__ROLE__ROLE_SUPPORTING
#define INTL       STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL

static const char *const AREAS_AI[] = { "ai", NULL };

/* Fails unless rc is want and err.field is field (NULL: field not checked) and err.message
 * contains every one of the NULL-terminated needles. */
#define expect_err(rc, err, want, fieldname, ...) \
	check_err(__FILE__, __LINE__, rc, err, want, fieldname, (const char *[]){ __VA_ARGS__ })

static void check_err(const char *file, int line, int rc, const struct store_error *err, int want,
                      const char *field, const char *const *needles)
{
	if (rc != want)
		fail_msg("%s:%d: code %d (%s), want %d (%s); message: %s", file, line, rc,
		         rg_strerror(rc), want, rg_strerror(want), err->message);
	if (err->code != want)
		fail_msg("%s:%d: err.code %d, want %d", file, line, err->code, want);
	if (field && strcmp(err->field, field) != 0)
		fail_msg("%s:%d: err.field '%s', want '%s' (%s)", file, line, err->field, field,
		         err->message);
	for (; *needles; needles++)
		if (strstr(err->message, *needles) == NULL)
			fail_msg("%s:%d: message '%s' does not mention '%s'", file, line,
			         err->message, *needles);
}

static Stdreg__V1__WorkItem *item_42001(void)
{
	return mk_item("iso-iec-42001", "ISO/IEC 42001:2023", "AI management system", "jtc1-sc42",
	               AREAS_AI, "60.60");
}

/* --- create, get, update ----------------------------------------------------------- */

static void create_then_get(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__Area *a = mk_area("quantum", "Quantum technologies", NULL);
	uint64_t rev = 0;

	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, &rev), RG_OK);
	assert_int_equal(rev, 1);
	assert_int_equal(store_revision(f->st), 1);
	rec_free(a);

	Stdreg__V1__Area *got = fx_get(f, STORE_AREA, "quantum", NULL);
	assert_non_null(got);
	assert_string_equal(got->id, "quantum");
	assert_string_equal(got->name, "Quantum technologies");
	assert_int_equal(got->priority, STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED);
	assert_non_null(got->meta);
	assert_int_equal(got->meta->create_revision, 1);
	assert_int_equal(got->meta->mod_revision, 1);
	assert_int_equal(got->meta->version, 1);
	assert_string_equal(got->meta->created_at, FX_NOW_S);
	assert_string_equal(got->meta->updated_at, FX_NOW_S);
	assert_string_equal(got->meta->updated_by, "test");
	rec_free(got);
}

/* store_put hands back the stored bytes, which are exactly what store_get reads. */
struct out_job {
	ProtobufCMessage *rec;
	uint8_t *out;
	size_t len;
};

static int run_put_out(store_txn *t, void *arg)
{
	struct out_job *j = arg;
	struct store_actor who = { .principal = "test", .now = FX_NOW };

	free(j->out); /* a retried run releases what the last one produced */
	j->out = NULL;
	return store_put(t, STORE_AREA, j->rec, NULL, &who, &j->out, &j->len, NULL);
}

static void put_returns_stored_bytes(void **state)
{
	struct fx *f = *state;
	struct out_job j = { &mk_area("5g", "5G", NULL)->base, NULL, 0 };
	store_txn *t;
	const void *val;
	size_t len;

	assert_int_equal(store_write_once(f->st, run_put_out, &j, NULL), RG_OK);
	assert_non_null(j.out);
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_get(t, STORE_AREA, "5g", &val, &len), RG_OK);
	assert_int_equal(len, j.len);
	assert_memory_equal(val, j.out, len);
	assert_int_equal(store_get(t, STORE_AREA, "6g", &val, &len), RG_ENOENT);
	assert_int_equal(store_get(t, STORE_AREA, "", &val, &len), RG_EINVAL);
	assert_int_equal(store_get(t, 0, "5g", &val, &len), RG_EINVAL);
	/* the same id in another kind is another record */
	assert_int_equal(store_get(t, STORE_BODY, "5g", &val, &len), RG_ENOENT);
	store_read_free(t);
	free(j.out);
	rec_free(j.rec);
}

static void update_bumps_version(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__Area *a = mk_area("ai", "Artificial intelligence", NULL);
	uint64_t rev;

	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, &rev), RG_OK);
	assert_int_equal(rev, 1);
	fx_put_ok(f, STORE_AREA, mk_area("cyber", "Cybersecurity", NULL)); /* revision 2 */

	rec_set(&a->goal, "Swedish positions in every SC 42 ballot");
	f->now = FX_NOW + 3600;
	f->principal = "digg-admin";
	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, &rev), RG_OK);
	assert_int_equal(rev, 3);
	rec_free(a);

	Stdreg__V1__Area *got = fx_get(f, STORE_AREA, "ai", NULL);
	assert_non_null(got);
	assert_string_equal(got->goal, "Swedish positions in every SC 42 ballot");
	assert_int_equal(got->meta->create_revision, 1);
	assert_int_equal(got->meta->mod_revision, 3);
	assert_int_equal(got->meta->version, 2);
	assert_string_equal(got->meta->created_at, FX_NOW_S);
	assert_string_equal(got->meta->updated_at, "2026-09-21T15:13:20Z");
	assert_string_equal(got->meta->updated_by, "digg-admin");

	/* Putting back what get returned (meta included) changes nothing. */
	uint64_t before = store_revision(f->st);
	assert_int_equal(fx_put(f, STORE_AREA, got, NULL, NULL, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), before);
	rec_free(got);
}

static void identical_put_no_revision(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__Agency *a = mk_agency("lm", "Lantmäteriet", "2021004888");
	struct store_put_opts o = { 0 };

	assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, NULL, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), 1);
	/* The same content again, even from another principal at another time: no change.
	 * (a->org_number now holds the canonical form the store wrote into it.) */
	assert_string_equal(a->org_number, "202100-4888");
	f->now += 60;
	f->principal = "someone-else";
	assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, NULL, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), 1);
	/* also when given in another form that normalises to the same number */
	rec_set(&a->org_number, "162021004888");
	o.expected_mod_revision = 1;
	assert_int_equal(fx_put(f, STORE_AGENCY, a, &o, NULL, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), 1);
	rec_free(a);

	Stdreg__V1__Agency *got = fx_get(f, STORE_AGENCY, "lm", NULL);
	assert_int_equal(got->meta->version, 1);
	assert_string_equal(got->meta->updated_by, "test");
	rec_free(got);
}

static void create_only_existing(void **state)
{
	struct fx *f = *state;
	struct store_put_opts o = { .create_only = true };
	struct store_error err;
	Stdreg__V1__Area *a = mk_area("ai", "Artificial intelligence", NULL);

	assert_int_equal(fx_put(f, STORE_AREA, a, &o, &err, NULL), RG_OK);
	rec_set(&a->name, "AI (renamed)");
	expect_err(fx_put(f, STORE_AREA, a, &o, &err, NULL), &err, RG_EEXIST, "id", "'ai'", NULL);
	assert_int_equal(store_revision(f->st), 1);
	rec_free(a);
	a = fx_get(f, STORE_AREA, "ai", NULL);
	assert_string_equal(a->name, "Artificial intelligence");
	rec_free(a);
}

static void expected_mod_revision(void **state)
{
	struct fx *f = *state;
	struct store_put_opts o = { 0 };
	struct store_error err;
	Stdreg__V1__Area *a = mk_area("ai", "Artificial intelligence", NULL);

	fx_put_ok(f, STORE_AREA, mk_area("cyber", "Cybersecurity", NULL));   /* revision 1 */
	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, NULL), RG_OK); /* revision 2 */

	/* stale: the record is at 2 */
	rec_set(&a->name, "stale write");
	o.expected_mod_revision = 1;
	expect_err(fx_put(f, STORE_AREA, a, &o, &err, NULL), &err, RG_ESTALE,
	           "expected_mod_revision", "'ai'", "2", NULL);
	assert_int_equal(store_revision(f->st), 2);
	Stdreg__V1__Area *got = fx_get(f, STORE_AREA, "ai", NULL);
	assert_string_equal(got->name, "Artificial intelligence");
	assert_int_equal(got->meta->version, 1);
	rec_free(got);

	/* expected on a record that does not exist */
	Stdreg__V1__Area *b = mk_area("metaverse", "Metaverse", NULL);
	o.expected_mod_revision = 5;
	expect_err(fx_put(f, STORE_AREA, b, &o, &err, NULL), &err, RG_ESTALE,
	           "expected_mod_revision", "does not exist", NULL);
	rec_free(b);

	/* current: accepted */
	o.expected_mod_revision = 2;
	assert_int_equal(fx_put(f, STORE_AREA, a, &o, &err, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), 3);
	rec_free(a);

	/* delete: stale refused, current accepted */
	expect_err(fx_delete(f, STORE_AREA, "ai", 2, &err, NULL), &err, RG_ESTALE,
	           "expected_mod_revision", NULL);
	assert_int_equal(fx_delete(f, STORE_AREA, "ai", 3, &err, NULL), RG_OK);
}

/* --- validation -------------------------------------------------------------------- */

static void missing_required(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	void *r;

	fx_seed(f);
	r = mk_area("ai2", "", NULL);
	expect_err(fx_put(f, STORE_AREA, r, NULL, &err, NULL), &err, RG_EINVAL, "name", NULL);
	rec_free(r);
	r = mk_area("", "Nameless id", NULL);
	expect_err(fx_put(f, STORE_AREA, r, NULL, &err, NULL), &err, RG_EINVAL, "id", NULL);
	rec_free(r);
	r = mk_body("cen", "", INTL, NULL);
	expect_err(fx_put(f, STORE_BODY, r, NULL, &err, NULL), &err, RG_EINVAL, "name", NULL);
	rec_free(r);
	r = mk_body("cen", "European Committee for Standardization",
	            STDREG__V1__BODY_LEVEL__BODY_LEVEL_UNSPECIFIED, NULL);
	expect_err(fx_put(f, STORE_BODY, r, NULL, &err, NULL), &err, RG_EINVAL, "level",
	           "international", NULL);
	rec_free(r);
	r = mk_agency("skv", "Skatteverket", "");
	expect_err(fx_put(f, STORE_AGENCY, r, NULL, &err, NULL), &err, RG_EINVAL, "org_number",
	           NULL);
	rec_free(r);
	r = mk_item("x", "ISO/IEC 23894:2023", "", "jtc1-sc42", AREAS_AI, "60.60");
	expect_err(fx_put(f, STORE_ITEM, r, NULL, &err, NULL), &err, RG_EINVAL, "title", NULL);
	rec_free(r);
	r = mk_item("x", "ISO/IEC 23894:2023", "AI risk", "", AREAS_AI, "60.60");
	expect_err(fx_put(f, STORE_ITEM, r, NULL, &err, NULL), &err, RG_EINVAL, "body_id", NULL);
	rec_free(r);
	r = mk_item("x", "ISO/IEC 23894:2023", "AI risk", "jtc1-sc42", NULL, "60.60");
	expect_err(fx_put(f, STORE_ITEM, r, NULL, &err, NULL), &err, RG_EINVAL, "area_ids", NULL);
	rec_free(r);
	r = mk_item("x", "ISO/IEC 23894:2023", "AI risk", "jtc1-sc42", (const char *[]){ "", NULL },
	            "60.60");
	expect_err(fx_put(f, STORE_ITEM, r, NULL, &err, NULL), &err, RG_EINVAL, "area_ids", NULL);
	rec_free(r);
	r = mk_item("x", "ISO/IEC 23894:2023", "AI risk", "jtc1-sc42",
	            (const char *[]){ "ai", "ai", NULL }, "60.60");
	expect_err(fx_put(f, STORE_ITEM, r, NULL, &err, NULL), &err, RG_EINVAL, "area_ids", "twice",
	           NULL);
	rec_free(r);
	r = mk_item("x", "ISO/IEC 23894:2023", "AI risk", "jtc1-sc42", AREAS_AI, "");
	expect_err(fx_put(f, STORE_ITEM, r, NULL, &err, NULL), &err, RG_EINVAL, "stage", NULL);
	rec_free(r);
	r = mk_assignment("ai", "digg", LEAD, "", "2026-01-01", NULL, NULL);
	expect_err(fx_put(f, STORE_ASSIGNMENT, r, NULL, &err, NULL), &err, RG_EINVAL,
	           "decision_ref", NULL);
	rec_free(r);
	r = mk_assignment("ai", "digg", STDREG__V1__ROLE__ROLE_UNSPECIFIED, "Fi2026/01",
	                  "2026-01-01", NULL, NULL);
	expect_err(fx_put(f, STORE_ASSIGNMENT, r, NULL, &err, NULL), &err, RG_EINVAL, "role",
	           "lead", "supporting", NULL);
	rec_free(r);
	r = mk_assignment("ai", "digg", LEAD, "Fi2026/01", "", NULL, NULL);
	expect_err(fx_put(f, STORE_ASSIGNMENT, r, NULL, &err, NULL), &err, RG_EINVAL, "valid_from",
	           NULL);
	rec_free(r);
	r = mk_assignment("ai", "digg", LEAD, "Fi2026/01", "2026-02-30", NULL, NULL);
	expect_err(fx_put(f, STORE_ASSIGNMENT, r, NULL, &err, NULL), &err, RG_EINVAL, "valid_from",
	           "2026-02-30", NULL);
	rec_free(r);
	/* none of these wrote anything past the seed */
	assert_int_equal(store_revision(f->st), 10);
}

static void invalid_ids(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	static const char *const bad[] = {
		"AI", "-ai", "ai/ml", "ai ml",
		"a1234567890123456789012345678901234567890123456789012345678901234"
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		Stdreg__V1__Area *a = mk_area(bad[i], "Bad id", NULL);
		expect_err(fx_put(f, STORE_AREA, a, NULL, &err, NULL), &err, RG_EINVAL, "id", NULL);
		rec_free(a);
	}
	assert_int_equal(store_revision(f->st), 0);
}

static void org_number_checked_and_normalised(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	static const struct {
		const char *given, *stored;
	} ok[] = {
		{ "202100-6883", "202100-6883" },
		{ "2021005448", "202100-5448" },
		{ "162021005521", "202100-5521" },
		{ "16202100-4359", "202100-4359" },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char id[16];
		snprintf(id, sizeof(id), "agency-%zu", i);
		Stdreg__V1__Agency *a = mk_agency(id, "Agency", ok[i].given);
		assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, &err, NULL), RG_OK);
		assert_string_equal(a->org_number, ok[i].stored); /* derived into rec */
		rec_free(a);
		a = fx_get(f, STORE_AGENCY, id, NULL);
		assert_string_equal(a->org_number, ok[i].stored);
		rec_free(a);
	}
	static const char *const bad[] = { "202100-6884", "202100-688", "20210A-6883",
		                           "201900-0005" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		Stdreg__V1__Agency *a = mk_agency("bad", "Agency", bad[i]);
		expect_err(fx_put(f, STORE_AGENCY, a, NULL, &err, NULL), &err, RG_EINVAL,
		           "org_number", bad[i], NULL);
		rec_free(a);
	}
}

static void stage_derives_status(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	static const struct {
		const char *stage;
		int status;
	} cases[] = {
		{ "60.60", STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_PUBLISHED },
		{ "95.99", STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED },
		{ "40.20", STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT },
	};

	fx_seed(f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		Stdreg__V1__WorkItem *w = item_42001();
		rec_set(&w->stage, cases[i].stage);
		/* a status the caller gives is overridden by the stage */
		w->status = STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED;
		if (i == 2) {
			rec_set(&w->stage_scheme, "iso");
		}
		assert_int_equal(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), RG_OK);
		rec_free(w);
		w = fx_get(f, STORE_ITEM, "iso-iec-42001", NULL);
		assert_int_equal(w->status, cases[i].status);
		rec_free(w);
	}
	static const char *const bad[] = { "45.99", "40.2", "60-60" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		Stdreg__V1__WorkItem *w = item_42001();
		rec_set(&w->stage, bad[i]);
		expect_err(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), &err, RG_EINVAL, "stage",
		           bad[i], NULL);
		rec_free(w);
	}
}

static void other_stage_scheme_needs_status(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	Stdreg__V1__WorkItem *w =
	        mk_item("w3c-vc-2-1", "W3C VC Data Model v2.1", "Verifiable Credentials Data Model",
	                "etsi", AREAS_AI, "FPWD");

	fx_seed(f);
	rec_set(&w->stage_scheme, "w3c");
	expect_err(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), &err, RG_EINVAL, "status", NULL);
	w->status = STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT;
	assert_int_equal(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), RG_OK);
	rec_free(w);
	w = fx_get(f, STORE_ITEM, "w3c-vc-2-1", NULL);
	assert_string_equal(w->stage, "FPWD");
	assert_string_equal(w->stage_scheme, "w3c");
	assert_int_equal(w->status, STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT);
	rec_free(w);
}

static void invalid_utf8_and_dates(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	static const char *const bad_utf8[] = {
		"AI \xff management",      /* not UTF-8 at all */
		"overlong \xc0\xaf",       /* overlong '/' */
		"surrogate \xed\xa0\x80",  /* U+D800 */
		"truncated \xe2\x82",      /* cut short */
		"beyond \xf4\x90\x80\x80", /* U+110000 */
	};

	fx_seed(f);
	for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		Stdreg__V1__WorkItem *w = item_42001();
		rec_set(&w->title, bad_utf8[i]);
		expect_err(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), &err, RG_EINVAL, "title",
		           "UTF-8", NULL);
		rec_free(w);
	}
	/* Swedish and other real text is fine */
	Stdreg__V1__Agency *a =
	        mk_agency("msb2", "Myndigheten för samhällsskydd och beredskap", "202100-0001");
	assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, &err, NULL), RG_OK);
	rec_free(a);
	/* a repeated field is checked too */
	Stdreg__V1__Area *ar = mk_area("ehealth", "e-health", NULL);
	ar->n_tags = 1;
	ar->tags = malloc(sizeof(char *));
	ar->tags[0] = strdup("h\xe4lsa"); /* Latin-1 */
	expect_err(fx_put(f, STORE_AREA, ar, NULL, &err, NULL), &err, RG_EINVAL, "tags", NULL);
	rec_free(ar);
	/* too long */
	Stdreg__V1__WorkItem *w = item_42001();
	char *longtext = malloc(8194);
	memset(longtext, 'n', 8193);
	longtext[8193] = '\0';
	rec_set(&w->notes, longtext);
	free(longtext);
	expect_err(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), &err, RG_EINVAL, "notes", "long",
	           NULL);
	/* dates */
	rec_set(&w->notes, "");
	rec_set(&w->target_date, "2026-02-29");
	expect_err(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), &err, RG_EINVAL, "target_date",
	           NULL);
	rec_set(&w->target_date, "2026-08-30");
	assert_int_equal(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), RG_OK);
	rec_free(w);
}

/* --- references -------------------------------------------------------------------- */

static void missing_references(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	uint64_t rev;
	static const char *const areas[] = { "ai", "data-interoperability", NULL };

	fx_seed(f);
	rev = store_revision(f->st);
	Stdreg__V1__WorkItem *w =
	        mk_item("cen-12792", "FprEN ISO/IEC 12792", "Transparency taxonomy of AI systems",
	                "cen-clc-jtc21", AREAS_AI, "50.20");
	expect_err(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), &err, RG_EPRECOND, "body_id",
	           "body 'cen-clc-jtc21' not found", NULL);
	rec_free(w);
	w = mk_item("cen-12792", "FprEN ISO/IEC 12792", "Transparency taxonomy of AI systems",
	            "jtc1-sc42", areas, "50.20");
	expect_err(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), &err, RG_EPRECOND, "area_ids",
	           "area 'data-interoperability' not found", NULL);
	rec_free(w);
	Stdreg__V1__Area *a = mk_area("ai-gen", "Generative AI", "genai");
	expect_err(fx_put(f, STORE_AREA, a, NULL, &err, NULL), &err, RG_EPRECOND, "parent_id",
	           "area 'genai'", NULL);
	rec_free(a);
	Stdreg__V1__Body *b =
	        mk_body("sn-k586", "SN/K 586", STDREG__V1__BODY_LEVEL__BODY_LEVEL_NATIONAL, NULL);
	b->n_mirrors = 1;
	b->mirrors = malloc(sizeof(char *));
	b->mirrors[0] = strdup("cen-clc-jtc21");
	expect_err(fx_put(f, STORE_BODY, b, NULL, &err, NULL), &err, RG_EPRECOND, "mirrors",
	           "cen-clc-jtc21", NULL);
	rec_set(&b->mirrors[0], "jtc1-sc42");
	assert_int_equal(fx_put(f, STORE_BODY, b, NULL, &err, NULL), RG_OK);
	rev++;
	/* and a body may not mirror itself */
	rec_set(&b->mirrors[0], "sn-k586");
	expect_err(fx_put(f, STORE_BODY, b, NULL, &err, NULL), &err, RG_EINVAL, "mirrors", NULL);
	rec_free(b);
	/* a reference that is not an id */
	w = mk_item("cen-12792", "FprEN ISO/IEC 12792", "Transparency", "JTC1", AREAS_AI, "50.20");
	expect_err(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), &err, RG_EINVAL, "body_id", NULL);
	rec_free(w);
	assert_int_equal(store_revision(f->st), rev);
}

static void delete_referenced(void **state)
{
	struct fx *f = *state;
	struct store_error err;

	fx_seed(f);
	fx_put_ok(f, STORE_ITEM, item_42001());
	expect_err(fx_delete(f, STORE_AREA, "ai", 0, &err, NULL), &err, RG_EPRECOND, "id",
	           "area 'ai' is referenced by", "item 'iso-iec-42001'", "area 'ai-risk'", NULL);
	expect_err(fx_delete(f, STORE_BODY, "jtc1-sc42", 0, &err, NULL), &err, RG_EPRECOND, "id",
	           "item 'iso-iec-42001'", NULL);
	expect_err(fx_delete(f, STORE_BODY, "iso", 0, &err, NULL), &err, RG_EPRECOND, "id",
	           "body 'jtc1-sc42'", NULL);
	assert_null(strstr(err.message, "more"));

	/* moving the item to another area frees the old one of its reference */
	Stdreg__V1__WorkItem *w = fx_get(f, STORE_ITEM, "iso-iec-42001", NULL);
	rec_set(&w->area_ids[0], "cyber");
	assert_int_equal(fx_put(f, STORE_ITEM, w, NULL, &err, NULL), RG_OK);
	rec_free(w);
	assert_int_equal(fx_delete(f, STORE_AREA, "ai-risk", 0, &err, NULL), RG_OK);
	assert_int_equal(fx_delete(f, STORE_AREA, "ai", 0, &err, NULL), RG_OK);
	expect_err(fx_delete(f, STORE_AREA, "cyber", 0, &err, NULL), &err, RG_EPRECOND, "id",
	           "item 'iso-iec-42001'", NULL);
	/* deleting the item releases its body and area */
	assert_int_equal(fx_delete(f, STORE_ITEM, "iso-iec-42001", 0, &err, NULL), RG_OK);
	assert_int_equal(fx_delete(f, STORE_AREA, "cyber", 0, &err, NULL), RG_OK);
	assert_int_equal(fx_delete(f, STORE_BODY, "jtc1-sc42", 0, &err, NULL), RG_OK);
	assert_int_equal(fx_delete(f, STORE_BODY, "iso", 0, &err, NULL), RG_OK);
}

static void delete_referenced_many(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	static const char *const areas[] = { "quantum", NULL };

	fx_seed(f);
	fx_put_ok(f, STORE_AREA, mk_area("quantum", "Quantum technologies", NULL));
	for (int i = 1; i <= 7; i++) {
		char id[16];
		snprintf(id, sizeof(id), "q%d", i);
		fx_put_ok(f, STORE_ITEM,
		          mk_item(id, "ISO/IEC 4879", "Quantum vocabulary", "iso", areas, "20.20"));
	}
	uint64_t rev = store_revision(f->st);
	expect_err(fx_delete(f, STORE_AREA, "quantum", 0, &err, NULL), &err, RG_EPRECOND, "id",
	           "area 'quantum' is referenced by item 'q1', item 'q2', item 'q3', item 'q4', "
	           "item 'q5' and 2 more",
	           NULL);
	assert_int_equal(store_revision(f->st), rev);
	void *still = fx_get(f, STORE_AREA, "quantum", NULL);
	assert_non_null(still);
	rec_free(still);
}

static void delete_then_get(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	uint64_t rev;
	int code;

	fx_seed(f);
	rev = store_revision(f->st);
	assert_int_equal(fx_delete(f, STORE_AGENCY, "msb", 0, &err, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), rev + 1);
	assert_null(fx_get(f, STORE_AGENCY, "msb", &code));
	assert_int_equal(code, RG_ENOENT);
	expect_err(fx_delete(f, STORE_AGENCY, "msb", 0, &err, NULL), &err, RG_ENOENT, "id", "'msb'",
	           NULL);
	expect_err(fx_delete(f, STORE_AGENCY, "", 0, &err, NULL), &err, RG_EINVAL, "id", NULL);
	assert_int_equal(store_revision(f->st), rev + 1);
	/* the id can be used again */
	fx_put_ok(f, STORE_AGENCY, mk_agency("msb", "MSB", "202100-5984"));
	Stdreg__V1__Agency *a = fx_get(f, STORE_AGENCY, "msb", NULL);
	assert_int_equal(a->meta->version, 1);
	assert_int_equal(a->meta->create_revision, rev + 2);
	rec_free(a);
}

static void area_parent_cycles(void **state)
{
	struct fx *f = *state;
	struct store_error err;

	fx_put_ok(f, STORE_AREA, mk_area("a", "A", NULL));
	fx_put_ok(f, STORE_AREA, mk_area("b", "B", "a"));
	fx_put_ok(f, STORE_AREA, mk_area("c", "C", "b"));
	uint64_t rev = store_revision(f->st);

	Stdreg__V1__Area *a = mk_area("a", "A", "b"); /* a -> b -> a */
	expect_err(fx_put(f, STORE_AREA, a, NULL, &err, NULL), &err, RG_EPRECOND, "parent_id",
	           "cycle", NULL);
	rec_free(a);
	a = mk_area("a", "A", "c"); /* a -> c -> b -> a */
	expect_err(fx_put(f, STORE_AREA, a, NULL, &err, NULL), &err, RG_EPRECOND, "parent_id",
	           "cycle", NULL);
	rec_free(a);
	a = mk_area("a", "A", "a"); /* its own parent */
	expect_err(fx_put(f, STORE_AREA, a, NULL, &err, NULL), &err, RG_EPRECOND, "parent_id",
	           "cycle", NULL);
	rec_free(a);
	assert_int_equal(store_revision(f->st), rev);

	/* bodies have the same rule */
	fx_put_ok(f, STORE_BODY, mk_body("iso", "ISO", INTL, NULL));
	fx_put_ok(f, STORE_BODY, mk_body("jtc1", "ISO/IEC JTC 1", INTL, "iso"));
	Stdreg__V1__Body *b = mk_body("iso", "ISO", INTL, "jtc1");
	expect_err(fx_put(f, STORE_BODY, b, NULL, &err, NULL), &err, RG_EPRECOND, "parent_id",
	           "cycle", NULL);
	rec_free(b);
}

static void wrong_kind_and_read_txn(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	Stdreg__V1__Area *a = mk_area("ai", "AI", NULL);
	store_txn *t;

	/* an Area message put as a body */
	expect_err(fx_put(f, STORE_BODY, a, NULL, &err, NULL), &err, RG_EINVAL, NULL, NULL);
	/* no writing through a read transaction: a bug in the caller, said as such */
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_put(t, STORE_AREA, &a->base, NULL, NULL, NULL, NULL, &err),
	                 RG_EINTERNAL);
	assert_int_equal(store_delete(t, STORE_AREA, "ai", 0, NULL, &err), RG_EINTERNAL);
	store_read_free(t);
	rec_free(a);
	assert_int_equal(store_revision(f->st), 0);
}

/* --- assignments ------------------------------------------------------------------- */

static void assignment_id_derived(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	Stdreg__V1__Assignment *a =
	        mk_assignment("ai", "digg", LEAD, "Fi2026/00123", "2026-01-01", NULL, NULL);

	fx_seed(f);
	assert_int_equal(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), RG_OK);
	assert_string_equal(a->id, "ai/digg/2026-01-01"); /* derived into rec */
	rec_free(a);
	a = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	assert_non_null(a);
	assert_string_equal(a->decision_ref, "Fi2026/00123");
	assert_int_equal(a->meta->version, 1);
	/* an id that does not match the fields is refused */
	rec_set(&a->id, "ai/pts/2026-01-01");
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EINVAL, "id",
	           "ai/digg/2026-01-01", NULL);
	rec_free(a);
	/* references checked */
	a = mk_assignment("ai", "skv", SUPPORTING, "Fi2026/00123", "2026-01-01", NULL, NULL);
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EPRECOND, "agency_id",
	           "agency 'skv' not found", NULL);
	rec_free(a);
	a = mk_assignment("AI", "digg", SUPPORTING, "Fi2026/00123", "2026-01-01", NULL, NULL);
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EINVAL, "area_id",
	           NULL);
	rec_free(a);
	/* an agency with an assignment cannot be deleted */
	expect_err(fx_delete(f, STORE_AGENCY, "digg", 0, &err, NULL), &err, RG_EPRECOND, "id",
	           "assignment 'ai/digg/2026-01-01'", NULL);
}

static void one_current_lead(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	Stdreg__V1__Assignment *a;

	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", LEAD, "Fi2026/00123", "2026-01-01", NULL, NULL));
	/* supporting agencies are fine */
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "pts", SUPPORTING, "Fi2026/00123", "2026-01-01", NULL, NULL));
	/* a second current lead is not */
	uint64_t rev = store_revision(f->st);
	a = mk_assignment("ai", "msb", LEAD, "Fi2026/00456", "2026-03-01", NULL, NULL);
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EPRECOND, "role",
	           "area 'ai'", "'ai/digg/2026-01-01'", NULL);
	assert_int_equal(store_revision(f->st), rev);
	/* a lead in another area is independent */
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "msb", LEAD, "Fi2026/00456", "2026-03-01", NULL, NULL));

	/* ending needs the ending decision */
	Stdreg__V1__Assignment *cur = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	rec_set(&cur->valid_to, "2026-03-01");
	expect_err(fx_put(f, STORE_ASSIGNMENT, cur, NULL, &err, NULL), &err, RG_EINVAL,
	           "end_decision_ref", NULL);
	rec_set(&cur->end_decision_ref, "Fi2026/00456");
	assert_int_equal(fx_put(f, STORE_ASSIGNMENT, cur, NULL, &err, NULL), RG_OK);
	rec_free(cur);
	cur = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	assert_string_equal(cur->valid_to, "2026-03-01");
	assert_string_equal(cur->end_decision_ref, "Fi2026/00456");
	assert_int_equal(cur->meta->version, 2);
	/* once ended, valid_to cannot move */
	rec_set(&cur->valid_to, "2026-04-01");
	expect_err(fx_put(f, STORE_ASSIGNMENT, cur, NULL, &err, NULL), &err, RG_EPRECOND,
	           "valid_to", "already ended", NULL);
	rec_free(cur);

	/* now the new lead fits */
	assert_int_equal(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), RG_OK);
	rec_free(a);

	/* No lead shares a day with another, ended or not: digg led 2026-01-01 to
	 * 2026-03-01 and msb leads since; a lead backdated into either period is refused. */
	fx_put_ok(f, STORE_AGENCY, mk_agency("skv", "Skatteverket", "202100-5026"));
	fx_put_ok(f, STORE_AGENCY, mk_agency("vinnova", "Vinnova", "202100-5216"));
	rev = store_revision(f->st);
	a = mk_assignment("ai", "skv", LEAD, "Fi2026/00789", "2026-02-01", "2026-02-15",
	                  "Fi2026/00790");
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EPRECOND,
	           "valid_from", "shares days with 'ai/digg/2026-01-01'",
	           "an area has one lead a day", NULL);
	rec_free(a);
	a = mk_assignment("ai", "skv", LEAD, "Fi2026/00789", "2025-06-01", NULL, NULL);
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EPRECOND,
	           "valid_from", "(2025-06-01 to now) shares days with 'ai/digg/2026-01-01'", NULL);
	rec_free(a);
	/* nor an agency's appointments in one area: pts supports ai since 2026-01-01 */
	a = mk_assignment("ai", "pts", SUPPORTING, "Fi2026/00789", "2025-06-01", "2026-06-01",
	                  "Fi2026/00790");
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EPRECOND,
	           "valid_from", "an agency holds one appointment in an area a day", NULL);
	rec_free(a);
	/* an end before the beginning is no period (validate.c) */
	a = mk_assignment("ai", "skv", SUPPORTING, "Fi2026/00789", "2025-06-01", "2025-01-01",
	                  "Fi2026/00790");
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EINVAL, "valid_to",
	           "must be after valid_from", NULL);
	rec_free(a);
	assert_int_equal(store_revision(f->st), rev);
	/* history that shares no day is taken: a lead that ended before digg began, and one
	 * that ended the day digg began (valid_to is exclusive) */
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "skv", LEAD, "Fi2025/00001", "2025-01-01", "2025-06-01",
	                        "Fi2025/00002"));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "vinnova", LEAD, "Fi2025/00003", "2025-06-01", "2026-01-01",
	                        "Fi2026/00123"));
}

static void assignment_never_rewritten(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	Stdreg__V1__Assignment *a;

	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", LEAD, "Fi2026/00123", "2026-01-01", NULL, NULL));
	uint64_t rev = store_revision(f->st);

	a = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	a->role = SUPPORTING;
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EPRECOND, NULL,
	           "cannot be rewritten", NULL);
	a->role = LEAD;
	rec_set(&a->decision_ref, "Fi2026/99999");
	expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EPRECOND, NULL,
	           "cannot be rewritten", NULL);
	rec_set(&a->decision_ref, "Fi2026/00123");
	/* the note may change */
	rec_set(&a->note, "coordinates the national AI standardisation work");
	assert_int_equal(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), RG_OK);
	assert_int_equal(store_revision(f->st), rev + 1);
	rec_free(a);

	/* never deleted */
	expect_err(fx_delete(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", 0, &err, NULL), &err,
	           RG_EPRECOND, "id", "cannot be deleted", NULL);
	void *still = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	assert_non_null(still);
	rec_free(still);
}

static void assignment_valid_to_after_from(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	static const char *const bad[] = { "2026-01-01", "2025-12-31" };

	fx_seed(f);
	for (size_t i = 0; i < 2; i++) {
		Stdreg__V1__Assignment *a = mk_assignment("ai", "digg", SUPPORTING, "Fi2026/00123",
		                                          "2026-01-01", bad[i], "Fi2026/00124");
		expect_err(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), &err, RG_EINVAL,
		           "valid_to", NULL);
		rec_free(a);
	}
	Stdreg__V1__Assignment *a = mk_assignment("ai", "digg", SUPPORTING, "Fi2026/00123",
	                                          "2026-01-01", "2026-01-02", "Fi2026/00124");
	assert_int_equal(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), RG_OK);
	rec_free(a);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(create_then_get),
		T(put_returns_stored_bytes),
		T(update_bumps_version),
		T(identical_put_no_revision),
		T(create_only_existing),
		T(expected_mod_revision),
		T(missing_required),
		T(invalid_ids),
		T(org_number_checked_and_normalised),
		T(stage_derives_status),
		T(other_stage_scheme_needs_status),
		T(invalid_utf8_and_dates),
		T(missing_references),
		T(delete_referenced),
		T(delete_referenced_many),
		T(delete_then_get),
		T(area_parent_cycles),
		T(wrong_kind_and_read_txn),
		T(assignment_id_derived),
		T(one_current_lead),
		T(assignment_never_rewritten),
		T(assignment_valid_to_after_from),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
