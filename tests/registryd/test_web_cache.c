/*
 * test_web_cache.c - registryd/web: a page's tag (web_tag.c) names every input of the
 * page's bytes, and the page cache (web_cache.c) stays within its bounds in bytes and in
 * entries, evicts by the clock, and replaces a page kept under the same tag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "web_cache.h"
#include "web_tag.h"

/* The inputs of one tag. */
struct tag_in {
	uint64_t rev;
	const char *lang, *path, *key, *value, *day;
	uint64_t run;
};

static void tag_of(const struct tag_in *in, char *out, size_t n)
{
	uint64_t h = web_tag_path(in->path);

	if (in->key != NULL)
		h = web_tag_arg(h, in->key, in->value);
	web_tag_format(out, n, in->rev, in->lang, h, in->day, in->run);
}

static void test_tag_inputs(void **state)
{
	static const struct tag_in base = {
		7, "sv", "/arbetsposter", "area", "ai", "2026-12-06", 42
	};
	static const struct {
		const char *name;
		struct tag_in in;
	} changed[] = {
		{ "revision", { 8, "sv", "/arbetsposter", "area", "ai", "2026-12-06", 42 } },
		{ "language", { 7, "en", "/arbetsposter", "area", "ai", "2026-12-06", 42 } },
		{ "path", { 7, "sv", "/organ", "area", "ai", "2026-12-06", 42 } },
		{ "query value", { 7, "sv", "/arbetsposter", "area", "5g", "2026-12-06", 42 } },
		{ "query key", { 7, "sv", "/arbetsposter", "body", "ai", "2026-12-06", 42 } },
		{ "no query", { 7, "sv", "/arbetsposter", NULL, NULL, "2026-12-06", 42 } },
		{ "key=value split", { 7, "sv", "/arbetsposter", "areaa", "i", "2026-12-06", 42 } },
		{ "day", { 7, "sv", "/arbetsposter", "area", "ai", "2026-12-07", 42 } },
		{ "no day", { 7, "sv", "/arbetsposter", "area", "ai", NULL, 42 } },
		{ "run", { 7, "sv", "/arbetsposter", "area", "ai", "2026-12-06", 43 } },
	};
	char want[WEB_CACHE_TAG_MAX], again[WEB_CACHE_TAG_MAX], got[WEB_CACHE_TAG_MAX];

	(void)state;
	tag_of(&base, want, sizeof want);
	tag_of(&base, again, sizeof again);
	assert_string_equal(want, again);
	assert_true(want[0] == '"' && want[strlen(want) - 1] == '"');
	for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
		tag_of(&changed[i].in, got, sizeof got);
		if (strcmp(got, want) == 0)
			fail_msg("the tag does not change with the %s (%s)", changed[i].name, got);
	}
}

/* A page of len bytes and its 304, as web_serve.c makes them. */
static void page(size_t len, struct MHD_Response **p, struct MHD_Response **nm)
{
	static char body[1 << 16];

	assert_true(len <= sizeof body);
	*p = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_COPY);
	*nm = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_MUST_COPY);
	assert_non_null(*p);
	assert_non_null(*nm);
}

/* Keeps a page of len bytes under tag; returns what web_cache_put() did. */
static bool put(struct web_cache *wc, const char *tag, size_t len)
{
	struct MHD_Response *p, *nm;

	page(len, &p, &nm);
	if (web_cache_put(wc, tag, p, nm, len))
		return true;
	MHD_destroy_response(p); // refused: still the caller's
	MHD_destroy_response(nm);
	return false;
}

static void test_cache_hit(void **state)
{
	struct web_cache *wc;
	size_t bytes, n;
	char long_tag[WEB_CACHE_TAG_MAX + 8];

	(void)state;
	assert_int_equal(web_cache_new(&wc, 1 << 20, 8), 0);
	assert_false(web_cache_has(wc, "\"r1-sv-a\""));
	assert_true(put(wc, "\"r1-sv-a\"", 100));
	assert_true(web_cache_has(wc, "\"r1-sv-a\""));
	// The tag is the whole key: another revision, language or query is another page.
	assert_false(web_cache_has(wc, "\"r2-sv-a\""));
	assert_false(web_cache_has(wc, "\"r1-en-a\""));
	assert_false(web_cache_has(wc, "\"r1-sv-b\""));
	// The same tag again (two renders at once) replaces the page.
	assert_true(put(wc, "\"r1-sv-a\"", 200));
	web_cache_usage(wc, &bytes, &n);
	assert_int_equal(n, 1);
	assert_true(bytes >= 200 && bytes < 200 + 1024);
	memset(long_tag, 'x', sizeof long_tag - 1);
	long_tag[sizeof long_tag - 1] = '\0';
	assert_false(put(wc, long_tag, 10));
	web_cache_free(wc);
}

static void test_cache_bounded_entries(void **state)
{
	struct web_cache *wc;
	size_t bytes, n;
	char tag[32];

	(void)state;
	assert_int_equal(web_cache_new(&wc, 1 << 20, 4), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(tag, sizeof tag, "\"r%d\"", i);
		assert_true(put(wc, tag, 10));
		web_cache_usage(wc, &bytes, &n);
		assert_true(n <= 4);
		assert_true(web_cache_has(wc, tag)); // the newest is always kept
	}
	assert_int_equal(n, 4);
	web_cache_free(wc);
}

/* A crawler asking for many distinct queries cannot grow the cache past its bytes. */
static void test_cache_bounded_bytes(void **state)
{
	const size_t max = 64 << 10;
	struct web_cache *wc;
	size_t bytes, n;
	char tag[32];

	(void)state;
	assert_int_equal(web_cache_new(&wc, max, 10000), 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(tag, sizeof tag, "\"q%d\"", i);
		assert_true(put(wc, tag, 1000 + (size_t)(i % 7) * 500));
		web_cache_usage(wc, &bytes, &n);
		assert_true(bytes <= max);
	}
	assert_true(n > 4 && n < 64);
	// A page over an eighth of the budget is not kept, and evicts nothing.
	assert_false(put(wc, "\"big\"", max / 8));
	web_cache_usage(wc, &bytes, &n);
	assert_true(web_cache_has(wc, tag));
	web_cache_free(wc);
}

/* The clock: a page asked for since the hand passed survives; the next one goes. */
static void test_cache_clock(void **state)
{
	static const char *const tags[] = { "\"a\"", "\"b\"", "\"c\"", "\"d\"" };
	struct web_cache *wc;

	(void)state;
	assert_int_equal(web_cache_new(&wc, 1 << 20, 4), 0);
	for (size_t i = 0; i < 4; i++)
		assert_true(put(wc, tags[i], 10));
	assert_true(web_cache_has(wc, "\"a\"")); // a is used
	assert_true(put(wc, "\"e\"", 10));
	assert_true(web_cache_has(wc, "\"a\""));
	assert_false(web_cache_has(wc, "\"b\""));
	assert_true(web_cache_has(wc, "\"c\""));
	assert_true(web_cache_has(wc, "\"d\""));
	assert_true(web_cache_has(wc, "\"e\""));
	web_cache_free(wc);
}

static void test_cache_zero(void **state)
{
	struct web_cache *wc;

	(void)state;
	assert_int_equal(web_cache_new(&wc, 0, 0), 0);
	assert_false(put(wc, "\"a\"", 10));
	assert_false(web_cache_has(wc, "\"a\""));
	web_cache_free(wc);
	web_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_inputs),
		cmocka_unit_test(test_cache_hit),
		cmocka_unit_test(test_cache_bounded_entries),
		cmocka_unit_test(test_cache_bounded_bytes),
		cmocka_unit_test(test_cache_clock),
		cmocka_unit_test(test_cache_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
