/*
 * test_json.c - the generic JSON <-> protobuf mapping of libstdreg (client/lib/json_*.c, on
 * pbjson in proto/json).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stdreg.h"
#include "stdreg/v1/registry.pb-c.h"

/* Packs m into a malloc'd buffer. */
static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *buf;

	*len = protobuf_c_message_get_packed_size(m);
	buf = malloc(*len + 1);
	assert_non_null(buf);
	protobuf_c_message_pack(m, buf);
	return buf;
}

/* message -> JSON -> message must give the same bytes, and JSON -> message -> JSON the same
 * JSON. */
static void assert_round_trip(const ProtobufCMessage *m)
{
	ProtobufCMessage *back = NULL;
	json_t *j = stdreg_json_from_message(m), *j2;
	uint8_t *a, *b;
	size_t alen, blen;
	char err[256] = "";

	assert_non_null(j);
	if (stdreg_json_to_message(j, m->descriptor, &back, err, sizeof(err)) != 0)
		fail_msg("%s: %s", m->descriptor->name, err);
	a = pack(m, &alen);
	b = pack(back, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	j2 = stdreg_json_from_message(back);
	assert_true(json_equal(j, j2));
	free(a);
	free(b);
	json_decref(j);
	json_decref(j2);
	protobuf_c_message_free_unpacked(back, NULL);
}

static Stdreg__V1__Meta test_meta = {
	PROTOBUF_C_MESSAGE_INIT(&stdreg__v1__meta__descriptor),
	3,
	9,
	2,
	"2026-01-02T03:04:05Z",
	"2026-02-03T04:05:06Z",
	"coordinator",
};

static void test_round_trip_area(void **state)
{
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	char *tags[] = { "ml", "språk, \"quoted\"" };

	(void)state;
	a.id = "ai";
	a.name = "Artificial intelligence";
	a.name_sv = "Artificiell intelligens";
	a.description = "line one\nline two";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED;
	a.rank = 1;
	a.parent_id = "digital";
	a.source_ref = "strategy-2025";
	a.goal = "a goal";
	a.n_tags = 2;
	a.tags = tags;
	a.meta = &test_meta;
	assert_round_trip(&a.base);
}

static void test_round_trip_body(void **state)
{
	Stdreg__V1__Body b = STDREG__V1__BODY__INIT;
	char *mirrors[] = { "jtc1-sc42" };

	(void)state;
	b.id = "sis-tk421";
	b.acronym = "SIS/TK 421";
	b.name = "Artificiell intelligens";
	b.level = STDREG__V1__BODY_LEVEL__BODY_LEVEL_NATIONAL;
	b.country = "SE";
	b.url = "https://sis.se";
	b.parent_id = "sis";
	b.n_mirrors = 1;
	b.mirrors = mirrors;
	b.meta = &test_meta;
	assert_round_trip(&b.base);
}

static void test_round_trip_agency(void **state)
{
	Stdreg__V1__Agency g = STDREG__V1__AGENCY__INIT;

	(void)state;
	g.id = "digg";
	g.name = "Myndigheten för digital förvaltning";
	g.short_name = "DIGG";
	g.org_number = "202100-6297";
	g.department = "Finansdepartementet";
	g.url = "https://digg.se";
	g.contact = "registrator@digg.se";
	g.meta = &test_meta;
	assert_round_trip(&g.base);
}

static void test_round_trip_item(void **state)
{
	Stdreg__V1__WorkItem w = STDREG__V1__WORK_ITEM__INIT;
	char *areas[] = { "ai", "data" };

	(void)state;
	w.id = "iso-42001";
	w.reference = "ISO/IEC 42001";
	w.title = "AI management system";
	w.body_id = "jtc1-sc42";
	w.n_area_ids = 2;
	w.area_ids = areas;
	w.deliverable_type = "IS";
	w.stage = "60.60";
	w.stage_scheme = "iso";
	w.status = STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT;
	w.target_date = "2026-12-31";
	w.priority = 2;
	w.url = "https://iso.org/standard/81230.html";
	w.notes = "notes";
	w.meta = &test_meta;
	assert_round_trip(&w.base);
}

static void test_round_trip_assignment(void **state)
{
	Stdreg__V1__Assignment s = STDREG__V1__ASSIGNMENT__INIT;

	(void)state;
	s.id = "ai/digg/2026-01-01";
	s.area_id = "ai";
	s.agency_id = "digg";
	s.role = STDREG__V1__ROLE__ROLE_LEAD;
	s.decision_ref = "Fi2025/01234";
	s.valid_from = "2026-01-01";
	s.valid_to = "2027-01-01";
	s.end_decision_ref = "Fi2026/00001";
	s.note = "note";
	s.appointed_by = "coordinator";
	s.meta = &test_meta;
	assert_round_trip(&s.base);
}

/* bytes (base64) and uint64 values past 2^63 (decimal strings). */
static void test_round_trip_change(void **state)
{
	Stdreg__V1__Change c = STDREG__V1__CHANGE__INIT;
	uint8_t before[] = { 0x00, 0xff, 0x10 }, after[] = { 1, 2, 3, 4, 5 };
	json_t *j;

	(void)state;
	c.revision = UINT64_MAX;
	c.kind = STDREG__V1__KIND__KIND_ITEM;
	c.id = "x";
	c.op = STDREG__V1__OP__OP_UPDATE;
	c.before.data = before;
	c.before.len = sizeof(before);
	c.after.data = after;
	c.after.len = sizeof(after);
	assert_round_trip(&c.base);
	j = stdreg_json_from_message(&c.base);
	assert_string_equal(json_string_value(json_object_get(j, "revision")),
	                    "18446744073709551615");
	assert_string_equal(json_string_value(json_object_get(j, "before")), "AP8Q");
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "item");
	assert_string_equal(json_string_value(json_object_get(j, "op")), "update");
	json_decref(j);
}

/* Output: proto order, zero fields left out, id always there, enums short and lowercase. */
static void test_output_shape(void **state)
{
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	json_t *j;
	char *s;

	(void)state;
	j = stdreg_json_from_message(&a.base);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"id\":\"\"}");
	free(s);
	json_decref(j);

	a.id = "ai";
	a.rank = 1;
	a.name = "n";
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	j = stdreg_json_from_message(&a.base);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s,
	                    "{\"id\":\"ai\",\"name\":\"n\",\"priority\":\"monitored\",\"rank\":1}");
	free(s);
	json_decref(j);
}

struct bad_case {
	const char *name;
	const ProtobufCMessageDescriptor *desc;
	const char *json;
	const char *error;
};

static const struct bad_case bad_cases[] = {
	{ "unknown field", &stdreg__v1__area__descriptor, "{\"nmae\":\"x\"}",
	  "unknown field 'nmae'" },
	{ "unknown nested field", &stdreg__v1__area__descriptor, "{\"meta\":{\"foo\":1}}",
	  "unknown field 'meta.foo'" },
	{ "text for number", &stdreg__v1__area__descriptor, "{\"rank\":\"one\"}",
	  "field 'rank': expected an integer" },
	{ "real for integer", &stdreg__v1__area__descriptor, "{\"rank\":1.5}",
	  "field 'rank': expected an integer" },
	{ "number for string", &stdreg__v1__area__descriptor, "{\"name\":1}",
	  "field 'name': expected a string" },
	{ "scalar for list", &stdreg__v1__area__descriptor, "{\"tags\":\"a\"}",
	  "field 'tags': expected an array" },
	{ "bad list element", &stdreg__v1__area__descriptor, "{\"tags\":[\"a\",2]}",
	  "field 'tags[1]': expected a string" },
	{ "scalar for message", &stdreg__v1__area__descriptor, "{\"meta\":1}",
	  "field 'meta': expected an object" },
	{ "wrong type in nested", &stdreg__v1__area__descriptor, "{\"meta\":{\"version\":true}}",
	  "field 'meta.version': expected an integer" },
	{ "unknown enum value", &stdreg__v1__area__descriptor, "{\"priority\":\"high\"}",
	  "field 'priority': unknown value 'high'; expected prioritised, monitored or retired" },
	{ "enum of another type", &stdreg__v1__area__descriptor,
	  "{\"priority\":\"BODY_LEVEL_NATIONAL\"}",
	  "field 'priority': unknown value 'BODY_LEVEL_NATIONAL'; expected prioritised, monitored "
	  "or retired" },
	{ "bool for enum", &stdreg__v1__assignment__descriptor, "{\"role\":true}",
	  "field 'role': expected an enum name or number" },
	{ "negative uint32", &stdreg__v1__area__descriptor, "{\"rank\":-1}",
	  "field 'rank': must not be negative" },
	{ "uint32 overflow", &stdreg__v1__area__descriptor, "{\"rank\":4294967296}",
	  "field 'rank': 4294967296 is out of range" },
	{ "negative uint64", &stdreg__v1__meta__descriptor, "{\"version\":-5}",
	  "field 'version': must not be negative" },
	{ "uint64 string overflow", &stdreg__v1__meta__descriptor,
	  "{\"version\":\"18446744073709551616\"}",
	  "field 'version': 18446744073709551616 is out of range" },
	{ "uint64 string not a number", &stdreg__v1__meta__descriptor, "{\"version\":\"12a\"}",
	  "field 'version': expected an integer" },
	{ "both spellings of a field", &stdreg__v1__assignment__descriptor,
	  "{\"area_id\":\"a\",\"areaId\":\"b\"}", "field 'areaId': given twice" },
	{ "bool for bool field", &stdreg__v1__list_request__descriptor, "{\"current_only\":1}",
	  "field 'current_only': expected true or false" },
	{ "bad base64", &stdreg__v1__change__descriptor, "{\"before\":\"***\"}",
	  "field 'before': not valid base64" },
	{ "not an object", &stdreg__v1__area__descriptor, "[1]", "expected a JSON object" },
};

static void test_rejects(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		ProtobufCMessage *m = (ProtobufCMessage *)0x1;
		json_error_t jerr;
		json_t *j = json_loads(c->json, 0, &jerr);
		char err[256] = "";

		assert_non_null(j);
		if (stdreg_json_to_message(j, c->desc, &m, err, sizeof(err)) == 0)
			fail_msg("case '%s': accepted", c->name);
		if (strcmp(err, c->error) != 0)
			fail_msg("case '%s': error '%s', want '%s'", c->name, err, c->error);
		assert_ptr_equal(m, (ProtobufCMessage *)0x1); // *out untouched on failure
		json_decref(j);
	}
}

static void test_enum_names(void **state)
{
	static const char *const accepted[] = { "prioritised", "PRIORITISED",
		                                "AREA_PRIORITY_PRIORITISED", "Prioritised" };
	Stdreg__V1__Area *a;
	char err[256], buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		json_t *j = json_pack("{s:s}", "priority", accepted[i]);

		assert_int_equal(stdreg_json_to_message(j, &stdreg__v1__area__descriptor,
		                                        (ProtobufCMessage **)&a, err, sizeof(err)),
		                 0);
		assert_int_equal(a->priority, STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED);
		protobuf_c_message_free_unpacked(&a->base, NULL);
		json_decref(j);
	}
	assert_string_equal(
	        stdreg_enum_short_name(&stdreg__v1__role__descriptor, 1, buf, sizeof(buf)), "lead");
	assert_string_equal(stdreg_enum_short_name(&stdreg__v1__work_item_status__descriptor, 1,
	                                           buf, sizeof(buf)),
	                    "in_development");
	assert_string_equal(
	        stdreg_enum_short_name(&stdreg__v1__body_level__descriptor, 4, buf, sizeof(buf)),
	        "consortium");
	assert_null(stdreg_enum_short_name(&stdreg__v1__role__descriptor, 77, buf, sizeof(buf)));
}

/* The parser is the API's (pbjson): it takes every spelling canonical proto3 JSON allows. */
static void test_proto3_spellings(void **state)
{
	json_t *j = json_loads("{\"areaId\":\"ai\",\"agency_id\":\"pts\",\"role\":\"ROLE_LEAD\"}",
	                       0, NULL);
	Stdreg__V1__Assignment *as;
	Stdreg__V1__Area *a;
	char err[256] = "";

	(void)state;
	if (stdreg_json_to_message(j, &stdreg__v1__assignment__descriptor, (ProtobufCMessage **)&as,
	                           err, sizeof(err)) != 0)
		fail_msg("camelCase and full enum name: %s", err);
	assert_string_equal(as->area_id, "ai");
	assert_string_equal(as->agency_id, "pts");
	assert_int_equal(as->role, STDREG__V1__ROLE__ROLE_LEAD);
	protobuf_c_message_free_unpacked(&as->base, NULL);
	json_decref(j);

	// An enum by number, integers as decimal strings.
	j = json_loads("{\"priority\":2,\"rank\":\"7\",\"meta\":{\"version\":\"5\"}}", 0, NULL);
	if (stdreg_json_to_message(j, &stdreg__v1__area__descriptor, (ProtobufCMessage **)&a, err,
	                           sizeof(err)) != 0)
		fail_msg("enum number and integer strings: %s", err);
	assert_int_equal(a->priority, 2);
	assert_int_equal(a->rank, 7);
	assert_true(a->meta->version == 5);
	protobuf_c_message_free_unpacked(&a->base, NULL);
	json_decref(j);
}

/* Doubles JSON cannot hold print as canonical proto3 JSON spells them, not a failed record. */
static void test_special_doubles(void **state)
{
	Stdreg__V1__ReportResponse r = STDREG__V1__REPORT_RESPONSE__INIT;
	json_t *j;

	(void)state;
	r.coverage_percent = NAN;
	j = stdreg_json_from_message(&r.base);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "coverage_percent")), "NaN");
	json_decref(j);
	r.coverage_percent = -INFINITY;
	j = stdreg_json_from_message(&r.base);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "coverage_percent")), "-Infinity");
	json_decref(j);
}

/* null is the default; the largest values of each width are accepted. */
static void test_limits_and_null(void **state)
{
	json_t *j = json_loads("{\"name\":null,\"rank\":4294967295,\"meta\":{\"version\":"
	                       "9223372036854775807,\"mod_revision\":\"18446744073709551615\"}}",
	                       0, NULL);
	Stdreg__V1__Area *a;
	char err[256] = "";

	(void)state;
	assert_int_equal(stdreg_json_to_message(j, &stdreg__v1__area__descriptor,
	                                        (ProtobufCMessage **)&a, err, sizeof(err)),
	                 0);
	assert_string_equal(a->name, "");
	assert_int_equal(a->rank, UINT32_MAX);
	assert_true(a->meta->version == INT64_MAX);
	assert_true(a->meta->mod_revision == UINT64_MAX);
	protobuf_c_message_free_unpacked(&a->base, NULL);
	json_decref(j);
}

struct text_case {
	const ProtobufCMessageDescriptor *desc;
	const char *field, *text;
	const char *want; /* compact JSON of the value, or NULL when rejected */
	const char *error;
};

static const struct text_case text_cases[] = {
	{ &stdreg__v1__area__descriptor, "rank", "12", "12", NULL },
	{ &stdreg__v1__area__descriptor, "rank", "x", NULL, "expected an integer" },
	{ &stdreg__v1__area__descriptor, "rank", "", NULL, "expected an integer" },
	{ &stdreg__v1__area__descriptor, "rank", "+1", NULL, "expected an integer" },
	{ &stdreg__v1__area__descriptor, "rank", "1.5", NULL, "expected an integer" },
	{ &stdreg__v1__meta__descriptor, "version", "-1", NULL, "must not be negative" },
	{ &stdreg__v1__meta__descriptor, "version", "9223372036854775807", "9223372036854775807",
	  NULL },
	{ &stdreg__v1__area__descriptor, "rank", "-1", NULL, "must not be negative" },
	{ &stdreg__v1__area__descriptor, "rank", "4294967296", NULL, "4294967296 is out of range" },
	{ &stdreg__v1__area__descriptor, "rank", "99999999999999999999999", NULL,
	  "99999999999999999999999 is out of range" },
	{ &stdreg__v1__area__descriptor, "priority", "MONITORED", "\"monitored\"", NULL },
	{ &stdreg__v1__area__descriptor, "priority", "x", NULL,
	  "unknown value 'x'; expected prioritised, monitored or retired" },
	{ &stdreg__v1__area__descriptor, "tags", "a,b", "\"a,b\"", NULL },
	{ &stdreg__v1__area__descriptor, "nmae", "x", NULL, "unknown field 'nmae'" },
	{ &stdreg__v1__list_request__descriptor, "current_only", "yes", "true", NULL },
	{ &stdreg__v1__list_request__descriptor, "current_only", "maybe", NULL,
	  "expected true or false" },
	{ &stdreg__v1__meta__descriptor, "version", "18446744073709551615",
	  "\"18446744073709551615\"", NULL },
};

static void test_value_from_text(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		const struct text_case *c = &text_cases[i];
		char err[256] = "", *s;
		json_t *v = NULL;
		int rv = stdreg_json_value_from_text(c->desc, c->field, c->text, &v, err,
		                                     sizeof(err));

		if (c->want == NULL) {
			if (rv == 0)
				fail_msg("%s '%s': accepted", c->field, c->text);
			assert_string_equal(err, c->error);
			continue;
		}
		if (rv != 0)
			fail_msg("%s '%s': %s", c->field, c->text, err);
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_string_equal(s, c->want);
		free(s);
		json_decref(v);
	}
}

/* merge sets the named fields only and keeps fields this library does not know. */
static void test_merge(void **state)
{
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	char *tags[] = { "a", "b" };
	Stdreg__V1__Area *m;
	uint8_t *buf, extra[] = { 0xa8, 0x06, 0x07 }; /* field 100, varint 7: unknown */
	size_t len;
	char err[256] = "";
	json_t *patch;

	(void)state;
	a.id = "ai";
	a.name = "old";
	a.rank = 3;
	a.goal = "keep";
	a.n_tags = 2;
	a.tags = tags;
	a.meta = &test_meta;
	buf = pack(&a.base, &len);
	buf = realloc(buf, len + sizeof(extra));
	memcpy(buf + len, extra, sizeof(extra));
	m = stdreg__v1__area__unpack(NULL, len + sizeof(extra), buf);
	assert_non_null(m);
	assert_int_equal(m->base.n_unknown_fields, 1);

	patch = json_pack("{s:s, s:[s], s:n}", "name", "new", "tags", "z", "meta");
	assert_int_equal(stdreg_message_merge_json(&m->base, patch, err, sizeof(err)), 0);
	assert_string_equal(m->name, "new");
	assert_string_equal(m->goal, "keep");
	assert_int_equal(m->rank, 3);
	assert_int_equal(m->n_tags, 1);
	assert_string_equal(m->tags[0], "z");
	assert_null(m->meta);
	assert_int_equal(m->base.n_unknown_fields, 1);
	json_decref(patch);

	// A bad patch leaves the message as it was.
	patch = json_pack("{s:s, s:s}", "name", "newer", "rank", "x");
	assert_int_equal(stdreg_message_merge_json(&m->base, patch, err, sizeof(err)), -1);
	assert_string_equal(err, "field 'rank': expected an integer");
	assert_string_equal(m->name, "new");
	json_decref(patch);

	stdreg__v1__area__free_unpacked(m, NULL);
	free(buf);
}

static void test_kinds(void **state)
{
	const struct stdreg_kind *k;

	(void)state;
	for (k = stdreg_kinds; k->name != NULL; k++) {
		assert_ptr_equal(stdreg_kind_find(k->name), k);
		assert_ptr_equal(stdreg_kind_by_value(k->kind), k);
		assert_non_null(k->record);
		assert_non_null(k->bulk_field);
		if (!stdreg_kind_generic(k)) {
			struct stdreg_status st = STDREG_STATUS_INIT;
			ProtobufCMessage *rec = NULL;

			assert_null(k->list_method);
			assert_null(k->put_method);
			assert_int_equal(stdreg_get(NULL, k, "x", &rec, &st), STDREG_UNIMPLEMENTED);
			stdreg_status_release(&st);
			continue;
		}
		assert_non_null(protobuf_c_message_descriptor_get_field_by_name(k->list_response,
		                                                                k->list_field));
		assert_non_null(protobuf_c_message_descriptor_get_field_by_name(k->list_response,
		                                                                "next_page_token"));
		if (k->put_request != NULL) {
			const ProtobufCFieldDescriptor *f =
			        protobuf_c_message_descriptor_get_field_by_name(k->put_request,
			                                                        k->put_field);

			assert_non_null(f);
			assert_ptr_equal(f->descriptor, k->record);
		}
	}
	assert_null(stdreg_kind_find("nope"));
	assert_null(stdreg_kind_find("assignment")->put_method);
	// Goals and follow-ups travel in bulk records and changes, with calls of their own.
	assert_false(stdreg_kind_generic(stdreg_kind_find("goal")));
	assert_false(stdreg_kind_generic(stdreg_kind_find("follow_up")));
	assert_true(stdreg_kind_generic(stdreg_kind_find("item")));
}

/* A goal and a follow-up in the bulk form: "kind" names the record's kind, so the goal's
 * own kind is "goal_kind" there, and both read back as they were. */
static void test_bulk_goal(void **state)
{
	Stdreg__V1__BulkRecord b = STDREG__V1__BULK_RECORD__INIT, f = STDREG__V1__BULK_RECORD__INIT;
	Stdreg__V1__Goal g = STDREG__V1__GOAL__INIT;
	Stdreg__V1__FollowUp u = STDREG__V1__FOLLOW_UP__INIT;
	const struct stdreg_kind *k = NULL;
	ProtobufCMessage *back = NULL;
	char err[256];
	json_t *j;

	(void)state;
	g.id = "ai/1";
	g.area_id = "ai";
	g.kind = STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR;
	g.unit = "experts";
	g.target = 10;
	b.goal = &g;
	j = stdreg_json_from_bulk(&b.base);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "goal");
	assert_string_equal(json_string_value(json_object_get(j, "goal_kind")), "indicator");
	assert_int_equal(stdreg_bulk_from_json(j, NULL, false, 3, &back, err, sizeof(err)), 0);
	json_decref(j);
	assert_non_null(stdreg_bulk_get(back, &k));
	assert_string_equal(k->name, "goal");
	assert_int_equal(((Stdreg__V1__BulkRecord *)back)->goal->kind,
	                 STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR);
	assert_string_equal(((Stdreg__V1__BulkRecord *)back)->goal->unit, "experts");
	protobuf_c_message_free_unpacked(back, NULL);

	u.id = "ai/1/1";
	u.goal_id = "ai/1";
	u.seq = 1;
	u.type = STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN;
	u.note = "two experts joined";
	f.follow_up = &u;
	j = stdreg_json_from_bulk(&f.base);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "follow_up");
	assert_string_equal(json_string_value(json_object_get(j, "type")), "check_in");
	json_decref(j);

	// "goal_kind" belongs to goals only.
	j = json_pack("{s:s, s:s, s:s}", "kind", "area", "id", "ai", "goal_kind", "stage");
	assert_int_equal(stdreg_bulk_from_json(j, NULL, false, 4, &back, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown field 'goal_kind'");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_area),
		cmocka_unit_test(test_round_trip_body),
		cmocka_unit_test(test_round_trip_agency),
		cmocka_unit_test(test_round_trip_item),
		cmocka_unit_test(test_round_trip_assignment),
		cmocka_unit_test(test_round_trip_change),
		cmocka_unit_test(test_output_shape),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_limits_and_null),
		cmocka_unit_test(test_proto3_spellings),
		cmocka_unit_test(test_special_doubles),
		cmocka_unit_test(test_value_from_text),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_bulk_goal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
