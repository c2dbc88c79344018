/*
 * test_list.c - store/list.c: pages in id order, page tokens, and the filters of each kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "store_int.h"

#define PUB STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_PUBLISHED
#define DEV STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT
#define CAN STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED

/* The ids of one page, decoded from the stored bytes. */
struct page {
	enum store_kind k;
	size_t n;
	char ids[STORE_PAGE_MAX][161];
	size_t stop_after; /* non-zero: the callback stops after this many */
	char next[STORE_TOKEN_MAX];
};

static int collect(void *arg, const void *val, size_t len)
{
	struct page *p = arg;
	ProtobufCMessage *m =
	        protobuf_c_message_unpack(store_kind_descriptor(p->k), NULL, len, val);
	const ProtobufCFieldDescriptor *fd;

	assert_non_null(m);
	fd = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "id");
	assert_true(p->n < STORE_PAGE_MAX);
	snprintf(p->ids[p->n++], sizeof(p->ids[0]), "%s", *(char **)((char *)m + fd->offset));
	protobuf_c_message_free_unpacked(m, NULL);
	return p->stop_after && p->n >= p->stop_after;
}

/* One page into p (allocated by the caller); returns store_list's code. */
static int list(struct fx *f, struct page *p, enum store_kind k, const struct store_filter *flt,
                uint32_t size, const char *token, struct store_error *err)
{
	store_txn *t;
	struct store_error dummy;
	char tok[STORE_TOKEN_MAX + 64];
	int rc;

	/* token may be p->next, which is about to be scribbled over */
	snprintf(tok, sizeof(tok), "%s", token ? token : "");
	token = token ? tok : NULL;
	p->k = k;
	p->n = 0;
	memset(p->next, 'x', sizeof(p->next));
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	rc = store_list(t, k, flt, size, token, collect, p, p->next, err ? err : &dummy);
	store_read_free(t);
	return rc;
}

/* Every page of a listing, joined; returns how many pages it took. */
static size_t list_all(struct fx *f, enum store_kind k, const struct store_filter *flt,
                       uint32_t size, char (*ids)[161], size_t *n, size_t max)
{
	struct page *p = calloc(1, sizeof(*p));
	char token[STORE_TOKEN_MAX] = "";
	size_t pages = 0;

	*n = 0;
	do {
		assert_int_equal(list(f, p, k, flt, size, token, NULL), RG_OK);
		pages++;
		assert_true(*n + p->n <= max);
		memcpy(ids + *n, p->ids, p->n * sizeof(p->ids[0]));
		*n += p->n;
		snprintf(token, sizeof(token), "%s", p->next);
		assert_true(pages < 1000);
	} while (token[0] != '\0');
	free(p);
	return pages;
}

/* --- fixtures ------------------------------------------------------------------------ */

struct many {
	enum store_kind k;
	const char *fmt;
	int from, to, step;
	const char *area; /* items: their area */
	struct store_error err;
};

/* Writes records fmt % i for i in [from, to) in one request. */
static int run_many(store_txn *t, void *arg)
{
	struct many *m = arg;
	int rc = RG_OK;

	for (int i = m->from; i < m->to && rc == RG_OK; i += m->step) {
		char id[64];
		ProtobufCMessage *r;
		const char *areas[] = { m->area, NULL };
		snprintf(id, sizeof(id), m->fmt, i);
		if (m->k == STORE_AREA)
			r = &mk_area(id, "Generated area", NULL)->base;
		else
			r = &mk_item(id, "ISO/IEC 0000", "Generated item", "iso", areas, "20.20")
			             ->base;
		rc = store_put(t, m->k, r, NULL, NULL, NULL, NULL, &m->err);
		rec_free(r);
	}
	return rc;
}

static void put_many(struct fx *f, enum store_kind k, const char *fmt, int from, int to, int step,
                     const char *area)
{
	struct many m = { k, fmt, from, to, step, area, { 0 } };

	if (store_write_once(f->st, run_many, &m, NULL) != RG_OK)
		fail_msg("put_many %s: %s", fmt, m.err.message);
}

/* --- pagination ---------------------------------------------------------------------- */

static void pages_of_250(void **state)
{
	struct fx *f = *state;
	struct page *p = calloc(1, sizeof(*p));
	char token[STORE_TOKEN_MAX];
	const size_t want[] = { 100, 100, 50 };
	int next = 0;

	put_many(f, STORE_AREA, "area-%03d", 0, 250, 1, NULL);
	token[0] = '\0';
	for (size_t pg = 0; pg < 3; pg++) {
		assert_int_equal(list(f, p, STORE_AREA, NULL, 100, token, NULL), RG_OK);
		assert_int_equal(p->n, want[pg]);
		for (size_t i = 0; i < p->n; i++) {
			char id[16];
			snprintf(id, sizeof(id), "area-%03d", next++);
			assert_string_equal(p->ids[i], id); /* exact ids, in order, none twice */
		}
		if (pg < 2)
			assert_true(p->next[0] != '\0' && strlen(p->next) < STORE_TOKEN_MAX);
		else
			assert_string_equal(p->next, "");
		snprintf(token, sizeof(token), "%s", p->next);
	}
	assert_int_equal(next, 250);

	/* page_size 0 is the default */
	assert_int_equal(list(f, p, STORE_AREA, NULL, 0, NULL, NULL), RG_OK);
	assert_int_equal(p->n, STORE_PAGE_DEFAULT);
	/* the callback may stop early: no token then */
	p->stop_after = 7;
	assert_int_equal(list(f, p, STORE_AREA, NULL, 100, "", NULL), RG_OK);
	assert_int_equal(p->n, 7);
	free(p);
}

static void page_size_capped(void **state)
{
	struct fx *f = *state;
	struct page *p = calloc(1, sizeof(*p));

	put_many(f, STORE_AREA, "a%04d", 0, STORE_PAGE_MAX + 5, 1, NULL);
	assert_int_equal(list(f, p, STORE_AREA, NULL, 5000, NULL, NULL), RG_OK);
	assert_int_equal(p->n, STORE_PAGE_MAX);
	assert_true(p->next[0] != '\0');
	assert_string_equal(p->ids[STORE_PAGE_MAX - 1], "a0999");
	assert_int_equal(list(f, p, STORE_AREA, NULL, 5000, p->next, NULL), RG_OK);
	assert_int_equal(p->n, 5);
	assert_string_equal(p->ids[0], "a1000");
	assert_string_equal(p->next, "");
	free(p);
}

static void token_survives_inserts(void **state)
{
	struct fx *f = *state;
	struct page *p = calloc(1, sizeof(*p));
	char token[STORE_TOKEN_MAX];

	/* even numbers only, so there is room between neighbours */
	put_many(f, STORE_AREA, "area-%03d", 0, 500, 2, NULL);
	assert_int_equal(list(f, p, STORE_AREA, NULL, 100, NULL, NULL), RG_OK);
	assert_string_equal(p->ids[99], "area-198");
	snprintf(token, sizeof(token), "%s", p->next);

	/* before the position, right after it, and far after it */
	put_many(f, STORE_AREA, "area-%03d", 1, 6, 2, NULL);     /* 001 003 005 */
	put_many(f, STORE_AREA, "area-%03d", 199, 200, 1, NULL); /* 199 */
	put_many(f, STORE_AREA, "area-%03d", 999, 1000, 1, NULL);
	/* and the record at the position itself goes away */
	assert_int_equal(fx_delete(f, STORE_AREA, "area-198", 0, NULL, NULL), RG_OK);

	assert_int_equal(list(f, p, STORE_AREA, NULL, 100, token, NULL), RG_OK);
	assert_int_equal(p->n, 100);
	assert_string_equal(p->ids[0], "area-199");
	assert_string_equal(p->ids[1], "area-200");
	assert_string_equal(p->ids[99], "area-396");
	assert_int_equal(list(f, p, STORE_AREA, NULL, 100, p->next, NULL), RG_OK);
	assert_int_equal(p->n, 52); /* 398 .. 498 and 999 */
	assert_string_equal(p->ids[51], "area-999");
	assert_string_equal(p->next, "");
	free(p);
}

static void bad_tokens(void **state)
{
	struct fx *f = *state;
	struct page *p = calloc(1, sizeof(*p));
	struct store_error err;
	char item_token[STORE_TOKEN_MAX], long_token[400];
	static const char *const bad[] = {
		"garbage", "zz",    "61",
		"616",     "6G61",  "6A61",
		"610061",  "6161 ", "not a token at all",
	};

	fx_seed(f);
	put_many(f, STORE_ITEM, "item-%03d", 0, 5, 1, "ai");
	assert_int_equal(list(f, p, STORE_ITEM, NULL, 2, NULL, NULL), RG_OK);
	snprintf(item_token, sizeof(item_token), "%s", p->next);
	assert_true(item_token[0] != '\0');

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (list(f, p, STORE_AREA, NULL, 10, bad[i], &err) != RG_EINVAL)
			fail_msg("token '%s' should be refused", bad[i]);
		assert_string_equal(err.field, "page_token");
		assert_int_equal(p->n, 0);
	}
	/* another kind's token */
	memset(&err, 0, sizeof(err));
	assert_int_equal(list(f, p, STORE_AREA, NULL, 10, item_token, &err), RG_EINVAL);
	assert_string_equal(err.field, "page_token");
	assert_non_null(strstr(err.message, "area"));
	/* too long to be any position */
	memset(long_token, 0, sizeof(long_token));
	long_token[0] = '6';
	long_token[1] = '1';
	for (size_t i = 2; i < sizeof(long_token) - 2; i++)
		long_token[i] = i % 2 ? '1' : '6';
	assert_int_equal(list(f, p, STORE_AREA, NULL, 10, long_token, &err), RG_EINVAL);
	/* the item token works where it belongs */
	assert_int_equal(list(f, p, STORE_ITEM, NULL, 2, item_token, NULL), RG_OK);
	assert_string_equal(p->ids[0], "item-002");
	free(p);
}

/* --- filters ------------------------------------------------------------------------- */

/* Items of the demo set, with the stage of each. */
static void seed_items(struct fx *f)
{
	static const struct {
		const char *id, *ref, *title, *body, *areas[3], *stage;
	} items[] = {
		{ "iso-iec-22989-a1",
		  "EN ISO/IEC 22989:2023/prA1",
		  "Generative AI amendment",
		  "jtc1-sc42",
		  { "ai", NULL },
		  "50.20" },
		{ "iso-iec-23894",
		  "ISO/IEC 23894:2023",
		  "Guidance on AI risk management",
		  "jtc1-sc42",
		  { "ai", "ai-risk", NULL },
		  "60.60" },
		{ "iso-iec-27001",
		  "ISO/IEC 27001:2022",
		  "Information security management systems",
		  "iso",
		  { "cyber", NULL },
		  "90.93" },
		{ "iso-iec-42001",
		  "ISO/IEC 42001:2023",
		  "AI management system",
		  "jtc1-sc42",
		  { "ai", NULL },
		  "60.60" },
		{ "etsi-en-303-645",
		  "ETSI EN 303 645 V2.1.1",
		  "Cyber security for consumer IoT",
		  "etsi-cyber",
		  { "cyber", NULL },
		  "60.60" },
		{ "etsi-en-303-645-v3",
		  "prEN 303 645 V3.1.2",
		  "Cyber security for consumer IoT",
		  "etsi-cyber",
		  { "cyber", NULL },
		  "40.20" },
		{ "cen-tr-17894",
		  "prCEN/CLC/TR 17894",
		  "AI conformity assessment",
		  "jtc1-sc42",
		  { "ai", NULL },
		  "20.20" },
		{ "old-ai-vocab",
		  "ISO/IEC 2382-28",
		  "AI vocabulary (withdrawn)",
		  "jtc1-sc42",
		  { "ai", NULL },
		  "95.99" },
	};

	fx_seed(f);
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		fx_put_ok(f, STORE_ITEM,
		          mk_item(items[i].id, items[i].ref, items[i].title, items[i].body,
		                  items[i].areas, items[i].stage));
}

/* Lists all of kind k under flt and compares with the NULL-terminated list want. */
#define expect_ids(f, k, flt, ...) check_ids(__LINE__, f, k, flt, (const char *[]){ __VA_ARGS__ })

static void check_ids(int line, struct fx *f, enum store_kind k, const struct store_filter *flt,
                      const char *const *want)
{
	static char ids[2000][161];
	size_t n, nw = 0;

	/* small pages, so the filters are exercised across page boundaries too */
	list_all(f, k, flt, 2, ids, &n, 2000);
	while (want[nw])
		nw++;
	if (n != nw)
		fail_msg("line %d: %zu records, want %zu (first: %s)", line, n, nw,
		         n ? ids[0] : "-");
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], want[i]) != 0)
			fail_msg("line %d: record %zu is '%s', want '%s'", line, i, ids[i],
			         want[i]);
}

static void item_filters(void **state)
{
	struct fx *f = *state;
	struct store_filter flt;

	seed_items(f);
	flt = (struct store_filter){ .area_id = "ai" };
	expect_ids(f, STORE_ITEM, &flt, "cen-tr-17894", "iso-iec-22989-a1", "iso-iec-23894",
	           "iso-iec-42001", "old-ai-vocab", NULL);
	flt = (struct store_filter){ .area_id = "ai-risk" };
	expect_ids(f, STORE_ITEM, &flt, "iso-iec-23894", NULL);
	flt = (struct store_filter){ .area_id = "quantum" }; /* no such area: nothing */
	expect_ids(f, STORE_ITEM, &flt, NULL);
	flt = (struct store_filter){ .body_id = "etsi-cyber" };
	expect_ids(f, STORE_ITEM, &flt, "etsi-en-303-645", "etsi-en-303-645-v3", NULL);
	flt = (struct store_filter){ .body_id =
		                             "iso" }; /* the committee's items are not the body's */
	expect_ids(f, STORE_ITEM, &flt, "iso-iec-27001", NULL);
	flt = (struct store_filter){ .stage_from = "40.00", .stage_to = "60.00" };
	expect_ids(f, STORE_ITEM, &flt, "etsi-en-303-645-v3", "iso-iec-22989-a1", NULL);
	flt = (struct store_filter){ .stage_from = "90.00" };
	expect_ids(f, STORE_ITEM, &flt, "iso-iec-27001", "old-ai-vocab", NULL);
	flt = (struct store_filter){ .stage_to = "20.20" };
	expect_ids(f, STORE_ITEM, &flt, "cen-tr-17894", NULL);
	flt = (struct store_filter){ .stage_from = "45.99",
		                     .stage_to = "45.99" }; /* not a table code */
	expect_ids(f, STORE_ITEM, &flt, NULL);
	/* another scheme's stage is outside any ISO stage range */
	Stdreg__V1__WorkItem *vc =
	        mk_item("w3c-vc-2-1", "W3C VC Data Model v2.1", "Verifiable Credentials Data Model",
	                "etsi", (const char *[]){ "ai", NULL }, "FPWD");
	rec_set(&vc->stage_scheme, "w3c");
	vc->status = DEV;
	fx_put_ok(f, STORE_ITEM, vc);
	flt = (struct store_filter){ .stage_from = "90.00" };
	expect_ids(f, STORE_ITEM, &flt, "iso-iec-27001", "old-ai-vocab", NULL);
	flt = (struct store_filter){ .stage_to = "20.20" };
	expect_ids(f, STORE_ITEM, &flt, "cen-tr-17894", NULL);
	assert_int_equal(fx_delete(f, STORE_ITEM, "w3c-vc-2-1", 0, NULL, NULL), RG_OK);
	flt = (struct store_filter){ .status = PUB };
	expect_ids(f, STORE_ITEM, &flt, "etsi-en-303-645", "iso-iec-23894", "iso-iec-27001",
	           "iso-iec-42001", NULL);
	flt = (struct store_filter){ .status = CAN };
	expect_ids(f, STORE_ITEM, &flt, "old-ai-vocab", NULL);
	flt = (struct store_filter){ .status = DEV, .area_id = "ai" };
	expect_ids(f, STORE_ITEM, &flt, "cen-tr-17894", "iso-iec-22989-a1", NULL);
	/* text: reference or title, ignoring case */
	flt = (struct store_filter){ .text = "iot" };
	expect_ids(f, STORE_ITEM, &flt, "etsi-en-303-645", "etsi-en-303-645-v3", NULL);
	flt = (struct store_filter){ .text = "iso/iec 42001" };
	expect_ids(f, STORE_ITEM, &flt, "iso-iec-42001", NULL);
	flt = (struct store_filter){ .text = "MANAGEMENT" };
	expect_ids(f, STORE_ITEM, &flt, "iso-iec-23894", "iso-iec-27001", "iso-iec-42001", NULL);
	flt = (struct store_filter){ .text = "ai", .body_id = "jtc1-sc42", .status = PUB };
	expect_ids(f, STORE_ITEM, &flt, "iso-iec-23894", "iso-iec-42001", NULL);
	flt = (struct store_filter){ .text = "blockchain" };
	expect_ids(f, STORE_ITEM, &flt, NULL);
	/* case folded by Unicode's rules, not only ASCII's */
	fx_put_ok(f, STORE_ITEM,
	          mk_item("sis-access", "SIS-TS 1", "Åtkomstkontroll för ÖPPNA data", "iso",
	                  (const char *[]){ "ai", NULL }, "20.00"));
	flt = (struct store_filter){ .text = "åtkomst" };
	expect_ids(f, STORE_ITEM, &flt, "sis-access", NULL);
	flt = (struct store_filter){ .text = "öppna" };
	expect_ids(f, STORE_ITEM, &flt, "sis-access", NULL);
	/* a decomposed "å" (a + U+030A) is the same letter */
	flt = (struct store_filter){ .text = "a\xcc\x8atkomst" };
	expect_ids(f, STORE_ITEM, &flt, "sis-access", NULL);
	assert_int_equal(fx_delete(f, STORE_ITEM, "sis-access", 0, NULL, NULL), RG_OK);
	/* empty strings do not filter */
	flt = (struct store_filter){ .area_id = "", .text = "", .stage_from = "" };
	static char ids[100][161];
	size_t n;
	list_all(f, STORE_ITEM, &flt, 3, ids, &n, 100);
	assert_int_equal(n, 8);
}

static void assignment_filters(void **state)
{
	struct fx *f = *state;
	struct store_filter flt;
	Stdreg__V1__Assignment *a;

	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", STDREG__V1__ROLE__ROLE_LEAD, "Fi2026/00123",
	                        "2026-01-01", NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "pts", STDREG__V1__ROLE__ROLE_SUPPORTING, "Fi2026/00123",
	                        "2026-01-01", NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "msb", STDREG__V1__ROLE__ROLE_LEAD, "Fö2025/00042",
	                        "2025-06-01", "2026-01-01", "Fö2025/00999"));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "pts", STDREG__V1__ROLE__ROLE_LEAD, "Fö2025/00999",
	                        "2026-01-01", NULL, NULL));
	a = mk_assignment("ai-risk", "msb", STDREG__V1__ROLE__ROLE_SUPPORTING, "Fi2026/00123",
	                  "2026-02-01", NULL, NULL);
	fx_put_ok(f, STORE_ASSIGNMENT, a);
	/* Open ones (current_only) have no end; those that hold on a day (holds_on) have
	 * begun by then and not ended: one that ends later does, one that starts later not
	 * yet. */
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai-risk", "digg", STDREG__V1__ROLE__ROLE_SUPPORTING,
	                        "Fi2026/00123", "2026-01-01", "2999-01-01", "Fi2026/00124"));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai-risk", "pts", STDREG__V1__ROLE__ROLE_LEAD, "Fi2026/00125",
	                        "2999-01-01", NULL, NULL));

	flt = (struct store_filter){ .agency_id = "pts" };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "ai-risk/pts/2999-01-01", "ai/pts/2026-01-01",
	           "cyber/pts/2026-01-01", NULL);
	flt = (struct store_filter){ .agency_id = "pts", .current_only = true };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "ai-risk/pts/2999-01-01", "ai/pts/2026-01-01",
	           "cyber/pts/2026-01-01", NULL);
	flt = (struct store_filter){ .agency_id = "pts", .holds_on = "2026-12-07" };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "ai/pts/2026-01-01", "cyber/pts/2026-01-01", NULL);
	flt = (struct store_filter){ .holds_on = "2025-12-31" };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "cyber/msb/2025-06-01", NULL);
	flt = (struct store_filter){ .holds_on = "2999-01-01" };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "ai-risk/msb/2026-02-01", "ai-risk/pts/2999-01-01",
	           "ai/digg/2026-01-01", "ai/pts/2026-01-01", "cyber/pts/2026-01-01", NULL);
	flt = (struct store_filter){ .agency_id = "msb" };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "ai-risk/msb/2026-02-01", "cyber/msb/2025-06-01",
	           NULL);
	flt = (struct store_filter){ .agency_id = "msb", .current_only = true };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "ai-risk/msb/2026-02-01", NULL);
	flt = (struct store_filter){ .area_id = "cyber" };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "cyber/msb/2025-06-01", "cyber/pts/2026-01-01", NULL);
	flt = (struct store_filter){ .area_id = "cyber", .agency_id = "pts" };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "cyber/pts/2026-01-01", NULL);
	flt = (struct store_filter){ .current_only = true };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "ai-risk/msb/2026-02-01", "ai-risk/pts/2999-01-01",
	           "ai/digg/2026-01-01", "ai/pts/2026-01-01", "cyber/pts/2026-01-01", NULL);
	flt = (struct store_filter){ .holds_on = "2026-12-07" };
	expect_ids(f, STORE_ASSIGNMENT, &flt, "ai-risk/digg/2026-01-01", "ai-risk/msb/2026-02-01",
	           "ai/digg/2026-01-01", "ai/pts/2026-01-01", "cyber/pts/2026-01-01", NULL);
	flt = (struct store_filter){ .agency_id = "skv" };
	expect_ids(f, STORE_ASSIGNMENT, &flt, NULL);
}

static void area_and_body_filters(void **state)
{
	struct fx *f = *state;
	struct store_filter flt;
	Stdreg__V1__Area *a = mk_area("metaverse", "Metaverse", "ai");
	Stdreg__V1__Body *b =
	        mk_body("sn-k586", "SN/K 586", STDREG__V1__BODY_LEVEL__BODY_LEVEL_NATIONAL, NULL);

	fx_seed(f);
	a->priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	fx_put_ok(f, STORE_AREA, a);
	/* a body that mirrors a committee is not its child */
	b->n_mirrors = 1;
	b->mirrors = malloc(sizeof(char *));
	b->mirrors[0] = strdup("jtc1-sc42");
	fx_put_ok(f, STORE_BODY, b);

	flt = (struct store_filter){ .area_id = "ai" };
	expect_ids(f, STORE_AREA, &flt, "ai-risk", "metaverse", NULL);
	flt = (struct store_filter){ .priority =
		                             STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED };
	expect_ids(f, STORE_AREA, &flt, "metaverse", NULL);
	flt = (struct store_filter){ .body_id = "iso" };
	expect_ids(f, STORE_BODY, &flt, "jtc1-sc42", NULL);
	flt = (struct store_filter){ .body_id = "jtc1-sc42" };
	expect_ids(f, STORE_BODY, &flt, NULL);
	expect_ids(f, STORE_AGENCY, NULL, "digg", "msb", "pts", NULL);
}

static void unsupported_filters(void **state)
{
	struct fx *f = *state;
	struct page *p = calloc(1, sizeof(*p));
	struct store_error err;
	static const struct {
		enum store_kind k;
		struct store_filter flt;
		const char *field;
	} cases[] = {
		{ STORE_AREA, { .stage_from = "40.00" }, "stage" },
		{ STORE_AREA, { .text = "ai" }, "text" },
		{ STORE_AREA, { .agency_id = "digg" }, "agency_id" },
		{ STORE_BODY, { .area_id = "ai" }, "area_id" },
		{ STORE_BODY, { .status = PUB }, "status" },
		{ STORE_AGENCY, { .body_id = "iso" }, "body_id" },
		{ STORE_AGENCY, { .current_only = true }, "current_only" },
		{ STORE_ITEM, { .agency_id = "digg" }, "agency_id" },
		{ STORE_ITEM, { .priority = 1 }, "priority" },
		{ STORE_ITEM, { .current_only = true }, "current_only" },
		{ STORE_ITEM, { .holds_on = "2026-01-01" }, "holds_on" },
		{ STORE_ASSIGNMENT, { .holds_on = "2026-02-30" }, "holds_on" },
		{ STORE_ASSIGNMENT, { .stage_to = "60.60" }, "stage" },
		{ STORE_ASSIGNMENT, { .body_id = "iso" }, "body_id" },
		/* supported, but malformed */
		{ STORE_ITEM, { .stage_from = "40.2" }, "stage_from" },
		{ STORE_ITEM, { .stage_to = "sixty" }, "stage_to" },
		{ STORE_ITEM, { .status = 42 }, "status" },
		{ STORE_AREA, { .priority = 9 }, "priority" },
	};

	fx_seed(f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (list(f, p, cases[i].k, &cases[i].flt, 10, NULL, &err) != RG_EINVAL)
			fail_msg("case %zu: filter '%s' on %s should be refused", i, cases[i].field,
			         store_kind_name(cases[i].k));
		assert_string_equal(err.field, cases[i].field);
		assert_int_equal(p->n, 0);
	}
	assert_int_equal(list(f, p, 0, NULL, 10, NULL, &err), RG_EINVAL);
	free(p);
}

/* The last match ends a page exactly: that page says it is the last. */
static void selective_filter_page_boundary(void **state)
{
	struct fx *f = *state;
	struct page *p = calloc(1, sizeof(*p));
	struct store_filter flt;

	fx_seed(f);
	fx_put_ok(f, STORE_AREA, mk_area("quantum", "Quantum technologies", NULL));
	put_many(f, STORE_ITEM, "a-item-%03d", 0, 150, 1, "ai");
	put_many(f, STORE_ITEM, "q-item-%03d", 0, 10, 1, "quantum");
	put_many(f, STORE_ITEM, "z-item-%03d", 0, 150, 1, "ai");

	/* through the index */
	flt = (struct store_filter){ .area_id = "quantum" };
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 5, NULL, NULL), RG_OK);
	assert_int_equal(p->n, 5);
	assert_true(p->next[0] != '\0');
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 5, p->next, NULL), RG_OK);
	assert_int_equal(p->n, 5);
	assert_string_equal(p->ids[4], "q-item-009");
	assert_string_equal(p->next, "");
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 10, NULL, NULL), RG_OK);
	assert_int_equal(p->n, 10);
	assert_string_equal(p->next, "");

	/* through a scan of every item (text filter), with non-matches after the last */
	flt = (struct store_filter){ .text = "generated", .area_id = "quantum" };
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 10, NULL, NULL), RG_OK);
	assert_int_equal(p->n, 10);
	assert_string_equal(p->next, "");
	flt = (struct store_filter){ .stage_from = "20.20", .stage_to = "20.20" };
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 310, NULL, NULL), RG_OK);
	assert_int_equal(p->n, 310);
	assert_string_equal(p->next, "");

	/* the same through the whole listing at a page size that divides it */
	static char ids[400][161];
	size_t n;
	flt = (struct store_filter){ .area_id = "ai" };
	assert_int_equal(list_all(f, STORE_ITEM, &flt, 100, ids, &n, 400), 3);
	assert_int_equal(n, 300);
	assert_string_equal(ids[149], "a-item-149");
	assert_string_equal(ids[150], "z-item-000");
	free(p);
}

/* A filter that must read every record reads at most STORE_LIST_SCAN_MAX per page: the
 * page ends short (or empty) with a token after the last record read, and the pages
 * together hold every match once. */
static void filter_reads_a_slice_per_page(void **state)
{
	struct fx *f = *state;
	struct page *p = calloc(1, sizeof(*p));
	struct store_filter flt = { .text = "needle" };
	const int n = (int)STORE_LIST_SCAN_MAX + 5000;
	static const char *const ai[] = { "ai", NULL };
	static char ids[8][161];
	size_t got;

	fx_seed(f);
	put_many(f, STORE_ITEM, "i%05d", 0, n, 1, "ai");
	fx_put_ok(f, STORE_ITEM, mk_item("i00002", "ISO 2", "A needle", "iso", ai, "20.20"));
	fx_put_ok(f, STORE_ITEM, mk_item("i12000", "ISO 3", "Needle two", "iso", ai, "20.20"));
	fx_put_ok(f, STORE_ITEM, mk_item("i14999", "ISO 4", "needle three", "iso", ai, "20.20"));

	assert_int_equal(list(f, p, STORE_ITEM, &flt, 100, NULL, NULL), RG_OK);
	assert_int_equal(p->n, 1);
	assert_string_equal(p->ids[0], "i00002");
	assert_true(p->next[0] != '\0');
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 100, p->next, NULL), RG_OK);
	assert_int_equal(p->n, 2);
	assert_string_equal(p->ids[1], "i14999");
	assert_string_equal(p->next, "");
	assert_int_equal(list_all(f, STORE_ITEM, &flt, 100, ids, &got, 8), 2);
	assert_int_equal(got, 3);
	/* Nothing matches: an empty page that goes on, then an empty last page. */
	flt.text = "nothing at all";
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 100, NULL, NULL), RG_OK);
	assert_int_equal(p->n, 0);
	assert_true(p->next[0] != '\0');
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 100, p->next, NULL), RG_OK);
	assert_int_equal(p->n, 0);
	assert_string_equal(p->next, "");
	/* A filter the index answers reads no record: its pages are full. */
	flt = (struct store_filter){ .area_id = "ai" };
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 1000, NULL, NULL), RG_OK);
	assert_int_equal(p->n, 1000);
	free(p);
}

/* A text filter also ends a page after STORE_LIST_SCAN_TEXT_MAX bytes of references and
 * titles searched: records with long titles make short slices, and the pages together
 * still find every match. */
static void text_filter_reads_a_bounded_text_per_page(void **state)
{
	struct fx *f = *state;
	struct page *p = calloc(1, sizeof(*p));
	struct store_filter flt = { .text = "needle" };
	static const char *const ai[] = { "ai", NULL };
	static char ids[8][161];
	char title[8001], id[16];
	const int n = 600; /* 600 x 8 000 bytes: more than two pages' worth */
	size_t got;

	fx_seed(f);
	memset(title, 'x', sizeof title - 1);
	title[sizeof title - 1] = '\0';
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "t%05d", i);
		if (i == n - 1)
			memcpy(title + sizeof title - 7, "needle", 6);
		fx_put_ok(f, STORE_ITEM, mk_item(id, "R", title, "iso", ai, "20.20"));
	}
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 100, NULL, NULL), RG_OK);
	assert_int_equal(p->n, 0);
	assert_true(p->next[0] != '\0');
	/* 263 records of 8 002 bytes reach the bound: three pages. */
	assert_int_equal(list_all(f, STORE_ITEM, &flt, 100, ids, &got, 8), 3);
	assert_int_equal(got, 1);
	assert_string_equal(ids[0], "t00599");
	free(p);
}

/* A text filter of at most STORE_SEARCH_TEXT_MAX characters (not bytes) is searched for; a
 * longer one is refused before any record is read (each record read is searched for it). */
static void text_filter_is_bounded(void **state)
{
	struct fx *f = *state;
	struct page *p = calloc(1, sizeof(*p));
	static const char *const ai[] = { "ai", NULL };
	char text[4 * STORE_SEARCH_TEXT_MAX + 8];
	struct store_filter flt = { .text = text };
	struct store_error err = { 0 };
	size_t o = 0;

	fx_seed(f);
	fx_put_ok(f, STORE_ITEM, mk_item("long", "ISO 9", "Åå", "iso", ai, "20.20"));
	/* 256 characters of two bytes each ("å"), the last two also in the item's title. */
	for (int i = 0; i < STORE_SEARCH_TEXT_MAX; i++) {
		memcpy(text + o, "\xc3\xa5", 2);
		o += 2;
	}
	text[o] = '\0';
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 100, NULL, &err), RG_OK);
	assert_int_equal(p->n, 0);
	memcpy(text, "\xc3\xa5\xc3\xa5", 5); /* just "åå": found, ignoring case */
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 100, NULL, &err), RG_OK);
	assert_int_equal(p->n, 1);
	/* One character more: refused, naming the field and the bound. */
	memset(text, 'q', STORE_SEARCH_TEXT_MAX + 1);
	text[STORE_SEARCH_TEXT_MAX + 1] = '\0';
	assert_int_equal(list(f, p, STORE_ITEM, &flt, 100, NULL, &err), RG_EINVAL);
	assert_string_equal(err.field, "text");
	assert_non_null(strstr(err.message, "at most 256"));
	free(p);
}

/* Moving an item between areas moves it in the index: the areas it left no longer list it,
 * the one it kept and the one it joined do (an update touches only the entries that
 * change). */
static void item_moves_between_areas(void **state)
{
	struct fx *f = *state;
	static const char *const before[] = { "ai", "cyber", NULL };
	static const char *const after[] = { "cyber", "quantum", NULL };
	static const char *const areas[] = { "ai", "cyber", "quantum" };
	static const size_t want_before[] = { 1, 1, 0 }, want_after[] = { 0, 1, 1 };
	struct page *p = calloc(1, sizeof(*p));

	for (size_t i = 0; i < 3; i++)
		fx_put_ok(f, STORE_AREA, mk_area(areas[i], areas[i], NULL));
	fx_put_ok(f, STORE_BODY,
	          mk_body("iso", "ISO", STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL, NULL));
	fx_put_ok(f, STORE_ITEM, mk_item("moving", "ISO 1", "Moving item", "iso", before, "40.20"));
	for (size_t i = 0; i < 3; i++) {
		struct store_filter flt = { .area_id = areas[i] };
		assert_int_equal(list(f, p, STORE_ITEM, &flt, 0, NULL, NULL), RG_OK);
		assert_int_equal(p->n, want_before[i]);
	}
	fx_put_ok(f, STORE_ITEM, mk_item("moving", "ISO 1", "Moving item", "iso", after, "40.20"));
	for (size_t i = 0; i < 3; i++) {
		struct store_filter flt = { .area_id = areas[i] };
		assert_int_equal(list(f, p, STORE_ITEM, &flt, 0, NULL, NULL), RG_OK);
		assert_int_equal(p->n, want_after[i]);
	}
	free(p);
}

/* --- a store that breaks its invariants ------------------------------------------- */

struct raw {
	int db; /* 0: the reference index; else the records of that kind */
	const char *key, *val;
	size_t vlen;
};

static int put_raw(store_txn *t, void *arg)
{
	const struct raw *r = arg;
	MDB_val k = { strlen(r->key), (void *)r->key }, v = { r->vlen, (void *)r->val };

	return txn_put(t, r->db ? t->st->records[r->db] : t->st->refs, &k, &v, 0, NULL);
}

/* A page walks what refs.c walks and holds to its policy: an index entry naming no
 * record, or a record that does not decode where the page must read it, is RG_ECORRUPT
 * naming it, never a record quietly left out. */
static void corrupt_entries_are_errors(void **state)
{
	struct fx *f = *state;
	static struct page p;
	struct store_filter by_area = { .area_id = "ai" }, by_text = { .text = "ai" };
	struct raw ghost = { 0, "aai", "ighost", 6 }, garbage = { STORE_ITEM, "zz", "\xff\xff", 2 };
	struct store_error err = { 0 };

	fx_seed(f);
	seed_items(f);
	assert_int_equal(list(f, &p, STORE_ITEM, &by_area, 0, NULL, &err), RG_OK);
	assert_int_equal(store_write_once(f->st, put_raw, &ghost, NULL), RG_OK);
	assert_int_equal(list(f, &p, STORE_ITEM, &by_area, 0, NULL, &err), RG_ECORRUPT);
	assert_non_null(strstr(err.message, "area 'ai' names item 'ghost'"));

	assert_int_equal(list(f, &p, STORE_ITEM, &by_text, 0, NULL, &err), RG_OK);
	assert_int_equal(store_write_once(f->st, put_raw, &garbage, NULL), RG_OK);
	assert_int_equal(list(f, &p, STORE_ITEM, &by_text, 0, NULL, &err), RG_ECORRUPT);
	assert_non_null(strstr(err.message, "'zz' does not decode"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(pages_of_250),
		T(item_moves_between_areas),
		T(page_size_capped),
		T(token_survives_inserts),
		T(bad_tokens),
		T(item_filters),
		T(assignment_filters),
		T(area_and_body_filters),
		T(unsupported_filters),
		T(selective_filter_page_boundary),
		T(filter_reads_a_slice_per_page),
		T(text_filter_is_bounded),
		T(text_filter_reads_a_bounded_text_per_page),
		T(corrupt_entries_are_errors),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
