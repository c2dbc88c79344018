/*
 * test_web_html.c - registryd/web: the one escaping function and the URL checks
 * (web_html.c) with hostile values, the Markdown subset's links (web_md.c), and the URL
 * table (web_route.c) both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web_html.h"
#include "web_md.h"
#include "web_route.h"

static void test_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "\"><svg onload=alert(1)>", "&quot;&gt;&lt;svg onload=alert(1)&gt;" },
		{ "<script>alert('x')</script>",
		  "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" },
		{ "Forskning & utveckling", "Forskning &amp; utveckling" },
		{ "&amp; stays escaped once more", "&amp;amp; stays escaped once more" },
		{ "' onmouseover='x", "&#x27; onmouseover=&#x27;x" },
		{ "Tillgänglighet åäö ÅÄÖ", "Tillgänglighet åäö ÅÄÖ" },
		{ "bell\x07, escape\x1b[31m, tab\tand\nnewline",
		  "bell, escape[31m, tab\tand\nnewline" },
		// U+FFFE and U+FFFF (no XML characters) become U+FFFD; U+FFFD and U+FFBF stay.
		{ "x\xef\xbf\xbfy\xef\xbf\xbe", "x\xef\xbf\xbdy\xef\xbf\xbd" },
		{ "\xef\xbf\xbd \xef\xbe\xbf", "\xef\xbf\xbd \xef\xbe\xbf" },
		{ "cut short \xef\xbf", "cut short \xef\xbf" },
		{ "", "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct wbuf b = { 0 };

		html_esc(&b, cases[i].in);
		assert_string_equal(b.len > 0 ? b.p : "", cases[i].out);
		wbuf_release(&b);
	}
}

static void test_escape_null(void **state)
{
	struct wbuf b = { 0 };

	(void)state;
	html_esc(&b, NULL);
	assert_int_equal(b.len, 0);
	wbuf_release(&b);
}

static void test_url_ok(void **state)
{
	static const struct {
		const char *url;
		bool ok;
	} cases[] = {
		{ "https://www.sis.se/", true },
		{ "http://example.org/a?b=c&d=e", true },
		{ "HTTPS://EXAMPLE.ORG", true },
		{ "javascript:alert(1)", false },
		{ "JaVaScRiPt:alert(1)", false },
		{ " javascript:alert(1)", false },
		{ "data:text/html,<script>alert(1)</script>", false },
		{ "vbscript:msgbox", false },
		{ "//evil.example/", false },
		{ "/relative/path", false },
		{ "https://", false },
		{ "https:///path", false },
		{ "https://a b", false },
		{ "https://a\nb", false },
		{ "", false },
		{ NULL, false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(html_url_ok(cases[i].url), cases[i].ok);
}

static void test_url_arg(void **state)
{
	struct wbuf b = { 0 };

	(void)state;
	html_url_arg(&b, "ai/1 \"x\"&y=<z>å");
	assert_string_equal(b.p, "ai%2F1%20%22x%22%26y%3D%3Cz%3E%C3%A5");
	wbuf_release(&b);
}

static void test_markdown_links(void **state)
{
	struct web_ctx c = { .lang = LANG_SV };

	(void)state;
	web_md_render(&c,
	              "# T & <t>\n\nSee [Digg](https://www.digg.se/tdosanmalan) and "
	              "[bad](javascript:alert(1)) and [q](https://x.example/\"><svg>).\n- <li>\n");
	assert_string_equal(c.title.p, "T &amp; &lt;t&gt;");
	assert_non_null(strstr(c.body.p, "<a href=\"https://www.digg.se/tdosanmalan\">Digg</a>"));
	assert_null(strstr(c.body.p, "href=\"javascript"));
	assert_non_null(strstr(c.body.p, "[bad](javascript:alert(1))"));
	assert_non_null(strstr(c.body.p, "href=\"https://x.example/&quot;&gt;&lt;svg&gt;\""));
	assert_null(strstr(c.body.p, "<svg"));
	assert_non_null(strstr(c.body.p, "<li>&lt;li&gt;</li>"));
	wbuf_release(&c.body);
	wbuf_release(&c.title);
}

static void test_route_parse(void **state)
{
	static const struct {
		const char *path;
		enum web_page page;
		enum web_lang lang;
		const char *id;
	} cases[] = {
		{ "/", PAGE_START, LANG_SV, "" },
		{ "/en/", PAGE_START, LANG_EN, "" },
		{ "/en", PAGE_START, LANG_EN, "" },
		{ "/omraden", PAGE_AREAS, LANG_SV, "" },
		{ "/omraden/", PAGE_AREAS, LANG_SV, "" },
		{ "/omraden/ai", PAGE_AREA, LANG_SV, "ai" },
		{ "/en/areas/5g", PAGE_AREA, LANG_EN, "5g" },
		{ "/omraden/ai/atom", PAGE_AREA_FEED, LANG_SV, "ai" },
		{ "/omraden/a/b", PAGE_NOT_FOUND, LANG_SV, "" },
		{ "/mal/ai/1", PAGE_GOAL, LANG_SV, "ai/1" },
		{ "/en/goals", PAGE_GOALS, LANG_EN, "" },
		{ "/andringar.atom", PAGE_CHANGES_FEED, LANG_SV, "" },
		{ "/en/changes.atom", PAGE_CHANGES_FEED, LANG_EN, "" },
		{ "/arbetsposter.csv", PAGE_ITEMS_CSV, LANG_SV, "" },
		{ "/en/work-items/iso-42001", PAGE_ITEM, LANG_EN, "iso-42001" },
		{ "/luckor/x", PAGE_NOT_FOUND, LANG_SV, "" },
		{ "/tillganglighet", PAGE_A11Y, LANG_SV, "" },
		{ "/en/accessibility", PAGE_A11Y, LANG_EN, "" },
		{ "/static/stil.css", PAGE_CSS, LANG_SV, "" },
		{ "/en/omraden", PAGE_NOT_FOUND, LANG_EN, "" },
		{ "/omradenx", PAGE_NOT_FOUND, LANG_SV, "" },
		{ "/nope", PAGE_NOT_FOUND, LANG_SV, "" },
		{ "", PAGE_NOT_FOUND, LANG_SV, "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct web_route rt;

		web_route_parse(cases[i].path, &rt);
		assert_int_equal(rt.page, cases[i].page);
		assert_int_equal(rt.lang, cases[i].lang);
		if (cases[i].page != PAGE_NOT_FOUND)
			assert_string_equal(rt.id, cases[i].id);
	}
}

/* Every page's link in either language parses back to the same page, language and id. */
static void test_route_links(void **state)
{
	static const struct {
		enum web_page page;
		const char *id;
	} cases[] = {
		{ PAGE_START, NULL },        { PAGE_AREAS, NULL },   { PAGE_AREA, "ai" },
		{ PAGE_AREA_FEED, "ai" },    { PAGE_GAPS, NULL },    { PAGE_AGENCIES, NULL },
		{ PAGE_AGENCY, "pts" },      { PAGE_GOALS, NULL },   { PAGE_ITEMS, NULL },
		{ PAGE_ITEMS_CSV, NULL },    { PAGE_ITEM, "x.y_z" }, { PAGE_BODIES, NULL },
		{ PAGE_BODY, "cen" },        { PAGE_REPORT, NULL },  { PAGE_CHANGES, NULL },
		{ PAGE_CHANGES_FEED, NULL }, { PAGE_A11Y, NULL },    { PAGE_ABOUT, NULL },
		{ PAGE_CSS, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int lang = LANG_SV; lang <= LANG_EN; lang++) {
			struct wbuf b = { 0 };
			struct web_route rt;

			web_link(&b, (enum web_lang)lang, cases[i].page, cases[i].id);
			web_route_parse(b.p, &rt);
			assert_int_equal(rt.page, cases[i].page);
			if (cases[i].page != PAGE_CSS)
				assert_int_equal(rt.lang, lang);
			assert_string_equal(rt.id, cases[i].id != NULL ? cases[i].id : "");
			wbuf_release(&b);
		}
	}
}

/* A goal id holds a '/': its link encodes it, so the path has no extra segment. */
static void test_route_goal_link(void **state)
{
	struct wbuf b = { 0 };

	(void)state;
	web_link(&b, LANG_EN, PAGE_GOAL, "ai/1");
	assert_string_equal(b.p, "/en/goals/ai%2F1");
	wbuf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),         cmocka_unit_test(test_escape_null),
		cmocka_unit_test(test_url_ok),         cmocka_unit_test(test_url_arg),
		cmocka_unit_test(test_markdown_links), cmocka_unit_test(test_route_parse),
		cmocka_unit_test(test_route_links),    cmocka_unit_test(test_route_goal_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
