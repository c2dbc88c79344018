#!/usr/bin/env bash
# The public web view (--http-listen): every page type in both languages with curl and its
# content (gaps, a transfer with its decision, a check-in, stored markup shown escaped), the
# headers of every answer, ETag and 304, the error pages in the site's frame, the CSV
# download, the Atom feeds as XML and as Atom, and --private answering 401.
. "$(dirname "$0")/lib.sh"
: "${DEMO:?DEMO must name data/demo.jsonl}"
start_daemon --http-listen http://127.0.0.1:0
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')
expect_exit 0 "load the demo" -- regctl apply -f "$DEMO"

# Records made here: an area without a lead whose name holds markup, &, < and non-ASCII; a
# work item with a <script> title; an agency whose URL is not http(s); a transfer; a goal
# with a check-in.
HOSTILE='<script>alert(1)</script> & "Forskning" <b>åäö</b>'
expect_exit 0 "hostile area" -- regctl area put zz-web --name "Web & <test> area" \
	--name-sv "$HOSTILE" --priority prioritised --rank 99
expect_exit 0 "hostile item" -- regctl item put zz-item --reference "ZZ 1" \
	--title '<script>alert("item")</script>' --body cen-clc-jtc21 --area zz-web --stage 40.20 \
	--url 'javascript:alert(1)'
expect_exit 0 "hostile agency" -- regctl agency put zz-agency --name 'Myndigheten "><svg onload=alert(1)>' \
	--org-number 202100-9002 --url 'javascript:alert(1)'
expect_exit 0 "transfer" -- regctl transfer 5g pts msb --decision "Fi2026/WEB-7" --from 2026-02-01
TOMORROW=$(date -u -d tomorrow +%F)
expect_exit 0 "a transfer back, from tomorrow" -- regctl transfer 5g msb pts --decision "Fi2026/WEB-8" --from "$TOMORROW"
expect_exit 0 "goal" -- regctl goal add ai --owner digg --text "Positions in JTC 21" \
	--due 2030-12-31 --decision Fi2026/00001 --set-on 2026-01-15 -o json
GOAL_ID=$(jq -r .goal.goal.id <<<"$OUT") # after the demo's goals of ai
expect_exit 0 "check-in" -- regctl goal checkin "$GOAL_ID" --status at_risk \
	--note "två experter saknas & <mer>"
GOAL=${GOAL_ID//\//%2F}

# get PATH [curl args...]: body in $BODY, status in $CODE, headers in $TEST_TMP/head
get() {
	local path=$1
	shift
	rm -f "$TEST_TMP/body" # curl writes no file for an answer without a body
	CODE=$(curl -s -D "$TEST_TMP/head" -o "$TEST_TMP/body" -w '%{http_code}' "$@" "$HTTP$path")
	BODY=$(cat "$TEST_TMP/body" 2>/dev/null || true)
}
header_of() { grep -i "^$1:" "$TEST_TMP/head" | head -n 1 | sed 's/^[^:]*: //' | tr -d '\r'; }

# --- every page type, in both languages ----------------------------------------------------
# sv path | en path | text the Swedish page must hold
PAGES=(
	"/|/en/|Vem ansvarar för vad"
	"/omraden|/en/areas|Områden i prioritetsordning"
	"/omraden/ai|/en/areas/ai|Historik över uppdrag"
	"/luckor|/en/gaps|Områden utan ledande myndighet"
	"/myndigheter|/en/agencies|Myndigheter i bokstavsordning"
	"/myndigheter/digg|/en/agencies/digg|Områden och roller"
	"/mal|/en/goals|Positions in JTC 21"
	"/mal/$GOAL|/en/goals/$GOAL|Uppföljning"
	"/arbetsposter|/en/work-items|Ladda ner som CSV"
	"/arbetsposter/zz-item|/en/work-items/zz-item|Steghistorik"
	"/organ|/en/bodies|Organ och kommittéer"
	"/organ/cen-clc-jtc21|/en/bodies/cen-clc-jtc21|Arbetsposter i organet"
	"/rapport|/en/report|Täckning över tid"
	"/andringar|/en/changes|Senaste ändringar"
	"/tillganglighet|/en/accessibility|www.digg.se/tdosanmalan"
	"/om|/en/about|Licens för data"
)
# pages_check LIST: the frame every page shares, for each "FILE LANG TWIN PATH" line of LIST
# (one python3 for all: it starts slowly on a busy machine); prints what is wrong.
pages_check() {
	python3 - "$1" <<'PY'
import re, sys
for line in open(sys.argv[1]):
  f, lang, twin, path = line.split()
  html = open(f, encoding='utf-8').read()
  want = {
    'lang': '<html lang="%s">' % lang in html,
    'skip link first after body': '<body>\n<a class="skip-link" href="#main">' in html,
    'one main': html.count('<main id="main">') == 1,
    'one h1': html.count('<h1>') == 1,
    'header with a nav': re.search(r'<header[^>]*>.*<nav aria-label="[^"]+">.*</header>', html, re.S) is not None,
    'footer links the statement': re.search(r'<footer.*href="/(en/accessibility|tillganglighet)"', html, re.S) is not None,
    'links its twin': 'href="%s" hreflang=' % twin in html,
    'the style sheet': '<link rel="stylesheet" href="/static/stil.css">' in html,
    'no script element': '<script' not in html.lower(),
    'no style attribute or element': re.search(r'<style|\sstyle=', html) is None,
    'every table has a caption': html.count('<table>') == html.count('<table><caption>'),
    'every header cell has a scope': '<th>' not in html and re.search(r'<th (?!scope=)', html) is None,
    'tables wrapped for reflow': html.count('<table>') == html.count('<div class="table-wrap" role="region" aria-label="'),
}
  bad = [k for k, ok in want.items() if not ok]
  if bad:
    print(path + ': ' + ', '.join(bad))
PY
}
mkdir -p "$TEST_TMP/pages"
: >"$TEST_TMP/pages.txt"
for row in "${PAGES[@]}"; do
	IFS='|' read -r sv en want <<<"$row"
	for path in "$sv" "$en"; do
		lang=sv twin=$en
		[ "$path" = "$en" ] && lang=en twin=$sv
		get "$path"
		expect_eq "$path: status" "$CODE" 200
		expect_eq "$path: content type" "$(header_of Content-Type)" "text/html; charset=utf-8"
		n=$(grep -c '' "$TEST_TMP/pages.txt" || true)
		cp "$TEST_TMP/body" "$TEST_TMP/pages/$n.html"
		echo "$TEST_TMP/pages/$n.html $lang $twin $path" >>"$TEST_TMP/pages.txt"
	done
	get "$sv"
	expect_match "$sv: content" "$BODY" "$want"
done
expect_eq "every page's frame" "$(pages_check "$TEST_TMP/pages.txt")" ""

# --- content ------------------------------------------------------------------------------
get /luckor
expect_match "an area without a lead is a gap" "$BODY" 'href="/omraden/zz-web"'
expect_match "the gap says so in words" "$BODY" 'Saknar ledande myndighet'
get /omraden/5g
expect_match "the transfer's new lead" "$BODY" '<a href="/myndigheter/msb">[^<]*</a></th><td>Ledande</td><td>Fi2026/WEB-7</td>'
expect_match "the old lead ended by the same decision" "$BODY" \
	'<a href="/myndigheter/pts">[^<]*</a></th><td>Ledande</td><td><time datetime="[0-9-]*">[0-9-]*</time></td><td><time datetime="2026-02-01">2026-02-01</time></td><td>[^<]*</td><td>Fi2026/WEB-7</td>'
# Until tomorrow msb leads 5g: its appointment ends then, pts's starts then.
expect_match "the appointment that ends tomorrow is current" \
	"$(grep '<a href="/myndigheter/msb">.*datetime="2026-02-01"' <<<"$BODY")" "datetime=\"$TOMORROW\".*Gällande"
expect_match "the one that starts tomorrow is planned" \
	"$(grep "<a href=\"/myndigheter/pts\">.*datetime=\"$TOMORROW\"" <<<"$BODY")" "Fi2026/WEB-8.*Planerat"
get /omraden
expect_match "the list of areas names today's lead" "$(grep 'href="/omraden/5g"' <<<"$BODY")" 'href="/myndigheter/msb"'
get "/mal/$GOAL"
expect_match "the check-in on the goal page" "$BODY" 'två experter saknas &amp; &lt;mer&gt;'
expect_match "its status as text" "$BODY" 'I riskzonen'
get /en/areas/ai
expect_match "the goal on its area's page" "$BODY" 'Positions in JTC 21'
expect_match "its latest check-in there" "$BODY" '</time>: två experter saknas &amp; &lt;mer&gt;'
for path in /omraden/zz-web /omraden /luckor /; do
	get "$path"
	expect_match "$path: the stored markup escaped" "$BODY" \
		'&lt;script&gt;alert\(1\)&lt;/script&gt; &amp; &quot;Forskning&quot; &lt;b&gt;åäö&lt;/b&gt;'
	if grep -q '<script>alert\|<b>åäö' <<<"$BODY"; then fail "$path: stored markup raw"; else pass; fi
done
get /arbetsposter/zz-item
expect_match "an item's <script> title escaped" "$BODY" '&lt;script&gt;alert\(&quot;item&quot;\)'
if grep -q 'href="javascript' <<<"$BODY"; then fail "a javascript: URL became a link"; else pass; fi
get /myndigheter/zz-agency
expect_match "a hostile agency name escaped" "$BODY" 'Myndigheten &quot;&gt;&lt;svg onload=alert\(1\)&gt;'
if grep -q 'href="javascript\|<svg onload' <<<"$BODY"; then fail "hostile agency raw"; else pass; fi
get /myndigheter
expect_match "agencies in Swedish order (Ö after Z)" "$(grep -o 'myndigheter/[a-z-]*">[^<]*' <<<"$BODY" | sed 's/.*">//' | tr '\n' '|')" \
	'Bolagsverket\|.*Myndigheten för digital förvaltning\|.*Post- och telestyrelsen'
get /rapport
expect_match "report: an SVG chart with role img" "$BODY" '<svg class="chart" role="img" aria-labelledby="coverage-t coverage-d"'
expect_match "report: its figures as a table" "$BODY" '</figure>\s*<div class="table-wrap" role="region" aria-label="Täckning över tid" tabindex="0"><table><caption>'

# --- filters, paging, CSV --------------------------------------------------------------
get '/arbetsposter?area=zz-web'
expect_match "item filter by area" "$BODY" 'ZZ 1'
expect_match "the filter stays in the form" "$BODY" '<option value="zz-web" selected>'
expect_match "the CSV link carries the filter" "$BODY" 'href="/arbetsposter.csv\?area=zz-web"'
expect_match "the twin carries the filter" "$BODY" 'href="/en/work-items\?area=zz-web" hreflang'
get '/arbetsposter?status=published'
if grep -q 'ZZ 1' <<<"$BODY"; then fail "status filter lets an item in development through"; else pass; fi
get '/arbetsposter?text=zz%201'
expect_match "item filter by text" "$BODY" 'ZZ 1'
get '/arbetsposter?stage_from=40.00&stage_to=40.99'
expect_match "item filter by stage range" "$BODY" 'ZZ 1'
get '/arbetsposter?status=nonsense'
expect_eq "a bad filter value" "$CODE" 400
expect_match "400 in the frame" "$BODY" '<main id="main">\s*<h1>Felaktig begäran</h1>'
expect_match "400 says which value" "$BODY" "<code>status = 'nonsense'</code>"
# The daemon's own refusal is in English: a Swedish page marks it so (language of parts).
get '/arbetsposter?stage_from=abc'
expect_eq "a stage the daemon refuses" "$CODE" 400
expect_match "its English message marked lang=en" "$BODY" '<code lang="en">stage_from &#x27;abc&#x27; is not NN.NN</code>'
get '/en/work-items?stage_from=abc'
expect_match "the English page needs no mark" "$BODY" '<code>stage_from &#x27;abc&#x27; is not NN.NN</code>'
get '/arbetsposter.csv?area=zz-web'
expect_eq "CSV status" "$CODE" 200
expect_match "CSV type" "$(header_of Content-Type)" '^text/csv'
expect_eq "CSV rows: header and one item" "$(grep -c '' <<<"$BODY")" 2
expect_match "CSV quotes a title with quotes" "$BODY" 'zz-item,ZZ 1,"<script>alert\(""item""\)</script>"'
expect_exit 0 "an item whose title starts with a tab and a formula" -- regctl item put zz-tab \
	--reference ZZ-TAB --title $'\t=1+1' --body cen-clc-jtc21 --area ai --stage 20.00
get '/arbetsposter.csv?text=ZZ-TAB'
TAB=$'\t'
expect_match "CSV defuses a formula behind a tab" "$(grep '^zz-tab,' <<<"$BODY")" "^zz-tab,ZZ-TAB,'${TAB}=1\\+1,cen-clc-jtc21,"
# Paging: 201 items in one area, 50 a page; the area page lists 200 and links the rest.
for i in $(seq 1 201); do printf '{"kind":"item","id":"zz-p%03d","reference":"ZZ P%03d","title":"t","body_id":"cen-clc-jtc21","area_ids":["zz-web"],"stage":"20.00"}\n' "$i" "$i"; done >"$TEST_TMP/items.jsonl"
expect_exit 0 "load 201 items" -- regctl apply -f "$TEST_TMP/items.jsonl"
get '/arbetsposter?area=zz-web'
expect_eq "first page: 50 rows" "$(grep -o '<tr><th scope="row">' <<<"$BODY" | wc -l)" 50
NEXT=$(grep -o 'rel="next" href="[^"]*"' <<<"$BODY" | sed 's/.*href="//; s/"$//; s/&amp;/\&/g')
expect_match "a next page link" "$NEXT" '^/arbetsposter\?area=zz-web&page='
get /omraden/zz-web
expect_eq "the area page lists 200 items" "$(grep -o 'href="/arbetsposter/zz-' <<<"$BODY" | wc -l)" 200
expect_match "and links all of them" "$BODY" 'Visar ett urval: <a href="/arbetsposter\?area=zz-web">'
get "$NEXT"
expect_eq "second page: 50 rows" "$(grep -o '<tr><th scope="row">' <<<"$BODY" | wc -l)" 50
expect_match "second page links the first" "$BODY" 'Första sidan'
# The CSV download goes on from a page's token as the list does (a file of more than
# 100 000 rows links the next one with Link: rel="next"; all of these fit in one).
get "${NEXT/\/arbetsposter/\/arbetsposter.csv}"
expect_eq "the CSV from the second page on: header and the 152 rows after the first 50" "$(grep -c '' <<<"$BODY")" 153
expect_eq "the last file links no next one" "$(header_of Link)" ""
get '/mal?status=at_risk'
expect_match "goal filter by status" "$BODY" 'Positions in JTC 21'
get '/mal?agency=pts'
if grep -q 'Positions in JTC 21' <<<"$BODY"; then fail "goal filter by agency"; else pass; fi

# --- a section's table is named by its heading, not by a caption saying it again ---------
get /omraden/ai
expect_match "the appointments table is named by its heading" "$(tr -d '\n' <<<"$BODY")" \
	'<h2 id="(s[0-9]+)">Historik över uppdrag</h2><div class="table-wrap" role="region" aria-labelledby="s[0-9]+" tabindex="0"><table aria-labelledby="s[0-9]+">'
if grep -q '<caption>Historik över uppdrag</caption>' <<<"$BODY"; then
	fail "the heading is repeated as a caption"
else pass; fi

# --- headers, ETag, 304 ---------------------------------------------------------------------
get /omraden/ai
expect_eq "CSP" "$(header_of Content-Security-Policy)" \
	"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
expect_eq "nosniff" "$(header_of X-Content-Type-Options)" nosniff
expect_eq "Referrer-Policy" "$(header_of Referrer-Policy)" strict-origin-when-cross-origin
expect_match "Date" "$(header_of Date)" 'GMT$'
expect_eq "Cache-Control" "$(header_of Cache-Control)" no-cache
ETAG=$(header_of ETag)
expect_match "ETag" "$ETAG" '^"r[0-9]+-sv-'
get /en/areas/ai
expect_match "the English page's tag differs" "$(header_of ETag)" '^"r[0-9]+-en-'
get /omraden/ai -H "If-None-Match: $ETAG"
expect_eq "If-None-Match: 304" "$CODE" 304
expect_eq "304 without a body" "$BODY" ""
expect_eq "304 keeps the tag" "$(header_of ETag)" "$ETAG"
get /omraden/ai -H "If-None-Match: \"x\", W/$ETAG"
expect_eq "weak match in a list: 304" "$CODE" 304
# "*" is met by a page that is there, not by a missing one or a bad query (RFC 9110 13.1.2).
get /omraden/ai -H "If-None-Match: *"
expect_eq "If-None-Match: * of a page that is there: 304" "$CODE" 304
get /omraden/nonexistent -H "If-None-Match: *"
expect_eq "If-None-Match: * of a missing page: 404" "$CODE" 404
# An escaped NUL does not cut the path short ("%00" stays as it is; no id has it).
get '/omraden/ai%00x'
expect_eq "a path with %00 is not area ai's page" "$CODE" 404
get '/omraden/a%69'
expect_eq "other escapes are decoded" "$CODE" 200
get '/en/work-items?status=bogus' -H "If-None-Match: *"
expect_eq "If-None-Match: * of a bad query: 400" "$CODE" 400
get /arbetsposter
ITEMS_TAG=$(header_of ETag)
get '/arbetsposter?area=ai'
[ "$(header_of ETag)" != "$ITEMS_TAG" ] && pass || fail "the query is not in the tag"
get '/arbetsposter?area=ai' -H "If-None-Match: $ITEMS_TAG"
expect_eq "another query's tag: 200" "$CODE" 200
expect_exit 0 "a write" -- regctl area put zz-other --name Other --priority monitored
get /omraden/ai -H "If-None-Match: $ETAG"
expect_eq "after a write: 200" "$CODE" 200
# A page served twice (the second time kept from the first) shows a write at once.
get /en/areas/zz-other
get /en/areas/zz-other
expect_match "a page before a write" "$BODY" '<h1>Other</h1>'
expect_exit 0 "rename" -- regctl area put zz-other --name "Other renamed" --priority monitored
get /en/areas/zz-other
expect_match "the same page after the write" "$BODY" '<h1>Other renamed</h1>'
# A page kept from its render carries the same headers as the render, and so does its 304.
get /omraden/zz-other
grep -iv '^date:' "$TEST_TMP/head" >"$TEST_TMP/head.rendered"
get /omraden/zz-other
grep -iv '^date:' "$TEST_TMP/head" >"$TEST_TMP/head.kept"
expect_eq "a kept page's headers" "$(cat "$TEST_TMP/head.kept")" "$(cat "$TEST_TMP/head.rendered")"
get /omraden/zz-other -H "If-None-Match: $(header_of ETag)"
expect_eq "a kept page's 304" "$CODE" 304
expect_eq "a kept page's 304 headers" "$(grep -iv '^date:\|^content-length:\|^HTTP/' "$TEST_TMP/head")" \
	"$(grep -iv '^content-type:\|^content-length:\|^HTTP/' "$TEST_TMP/head.rendered")"
get /static/stil.css
expect_eq "style sheet" "$CODE" 200
expect_match "style sheet type" "$(header_of Content-Type)" '^text/css'
expect_match "visible focus" "$BODY" 'outline: 3px solid'

# --- keep-alive ---------------------------------------------------------------------------
# A page rendered, the same page kept from the first, a 304 and the style sheet over one
# connection: an answer queued with only the request's head read would close it.
get /en/gaps
W='%{num_connects}/%{http_code} '
CONNECTS=$(curl -s -o /dev/null -o /dev/null -w "$W" "$HTTP/en/bodies" "$HTTP/en/bodies" \
	--next -s -o /dev/null -w "$W" -H "If-None-Match: $(header_of ETag)" "$HTTP/en/gaps" \
	--next -s -o /dev/null -w "$W" "$HTTP/static/stil.css")
expect_eq "pages over one kept-alive connection" "$CONNECTS" "1/200 0/200 0/304 0/200 "

# --- error pages ---------------------------------------------------------------------------
for path in /omraden/no-such-area /en/agencies/nobody /mal/ai/999 /no/such/page; do
	get "$path" -H 'Accept: text/html'
	expect_eq "$path: 404" "$CODE" 404
	expect_match "$path: 404 in the frame" "$BODY" '<main id="main">\s*<h1>(Sidan finns inte|Page not found)</h1>'
	expect_match "$path: its headers" "$(header_of Content-Security-Policy)" "^default-src 'none'"
done
get /no/such/path
expect_eq "an API client's unknown path stays Connect JSON" "$(jq -r .code <<<"$BODY")" unimplemented
get /omraden -X POST
expect_eq "POST: 405" "$CODE" 405
expect_eq "405 Allow" "$(header_of Allow)" "GET, HEAD"
expect_match "405 in the frame" "$BODY" '<h1>Metoden stöds inte</h1>'
get / -I
expect_eq "HEAD" "$CODE" 200

# --- Atom feeds ----------------------------------------------------------------------------
# atom_check FILE TEXT: parses as XML, has the elements RFC 4287 requires, and its title
# or an entry's title holds TEXT.
atom_check() {
	python3 - "$1" "$2" <<'PY'
import sys, xml.etree.ElementTree as ET
A = '{http://www.w3.org/2005/Atom}'
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == A + 'feed', root.tag
for el in ('id', 'title', 'updated'):
    assert root.find(A + el) is not None and root.find(A + el).text, 'feed ' + el
entries = root.findall(A + 'entry')
assert entries, 'no entries'
feed_author = root.find(A + 'author/' + A + 'name') is not None
for e in entries:
    for el in ('id', 'title', 'updated'):
        assert e.find(A + el) is not None and e.find(A + el).text, 'entry ' + el
    assert feed_author or e.find(A + 'author') is not None, 'author'
titles = [root.find(A + 'title').text] + [e.find(A + 'title').text or '' for e in entries]
assert any(sys.argv[2] in t for t in titles), 'title ' + sys.argv[2]
print(len(entries))
PY
}
get /andringar.atom
expect_match "feed type" "$(header_of Content-Type)" '^application/atom\+xml'
expect_exit 0 "changes feed: XML and Atom" -- atom_check "$TEST_TMP/body" "Other"
get /omraden/zz-web/atom
expect_exit 0 "area feed: XML and Atom, a title with & < and åäö" -- atom_check "$TEST_TMP/body" \
	'<script>alert(1)</script> & "Forskning" <b>åäö</b>'
get /en/areas/zz-web/atom
expect_exit 0 "English area feed" -- atom_check "$TEST_TMP/body" 'Web & <test> area'
get /omraden/5g/atom
expect_exit 0 "the transfer in its area's feed" -- atom_check "$TEST_TMP/body" "msb"

# --- capped lists: the report lists at most 100 overdue items and says how many in all ------
get /rapport
expect_match "report: the overdue items" "$BODY" '<h2[^>]*>Försenade arbetsposter</h2>'
if grep -q 'Listan är avkortad' <<<"$BODY"; then fail "report: a short list said to be cut"; else pass; fi
for i in $(seq 1 120); do
	printf '{"kind": "item", "id": "zz-late-%03d", "reference": "ZZ L%03d", "title": "Late", "body_id": "cen-clc-jtc21", "area_ids": ["zz-web"], "stage": "40.20", "target_date": "2020-01-01"}\n' "$i" "$i"
done >"$TEST_TMP/late.jsonl"
expect_exit 0 "120 overdue items" -- regctl apply -f "$TEST_TMP/late.jsonl"
get /rapport
TOTAL=$(grep -o 'Totalt</dt><dd>[0-9]*' <<<"$BODY" | head -n 1 | sed 's/.*<dd>//')
if [ "${TOTAL:-0}" -gt 120 ]; then pass; else fail "report: overdue in all is '$TOTAL', not over 120"; fi
expect_match "report: how many are shown" "$BODY" 'Visas \(de mest försenade\)</dt><dd>100</dd>'
expect_match "report: the list is cut" "$BODY" '<p>Listan är avkortad: alla visas inte.</p>'
expect_eq "report: 100 overdue rows" "$(grep -o 'href="/arbetsposter/zz-late-[0-9]*"' <<<"$BODY" | wc -l)" 100
get /en/
expect_match "start: overdue in all" "$BODY" "Overdue work items</dt><dd>$TOTAL</dd>"
expect_match "start: the report lists the cut" "$BODY" '<p>The list is cut: not all are shown.</p>'

# --- a search that matches nothing reads the items a slice per page -------------------------
awk 'BEGIN { for (i = 1; i <= 10001; i++) printf "{\"kind\":\"item\",\"id\":\"zz-s%05d\",\"reference\":\"ZZ S%05d\",\"title\":\"t\",\"body_id\":\"cen-clc-jtc21\",\"area_ids\":[\"zz-web\"],\"stage\":\"20.00\"}\n", i, i }' >"$TEST_TMP/many.jsonl"
expect_exit 0 "load 10 001 items" -- regctl apply -f "$TEST_TMP/many.jsonl"
get '/en/work-items?text=qqq-no-such-item'
expect_eq "a search without matches" "$CODE" 200
expect_match "says the search goes on" "$BODY" 'No matches among the records searched here. The search goes on on the next page.'
NEXT=$(grep -o 'rel="next" href="[^"]*"' <<<"$BODY" | sed 's/.*href="//; s/"$//; s/&amp;/\&/g')
expect_match "and links the next slice" "$NEXT" '^/en/work-items\?text=qqq-no-such-item&page='
get "$NEXT"
expect_match "the last slice: none" "$BODY" '<p>None.</p>'
if grep -q 'rel="next"' <<<"$BODY"; then fail "the last slice links another"; else pass; fi

# --- a goal's entries, a hundred a page -----------------------------------------------------
expect_exit 0 "a goal for many entries" -- regctl goal add ai --owner digg --text "Weekly notes" \
	--due 2030-12-31 --decision Fi2026/00002 --set-on 2026-01-15 -o json
MANY=$(jq -r .goal.goal.id <<<"$OUT")
TODAY=$(date -u +%F)
for i in $(seq 1 121); do
	printf '{"kind":"follow_up","id":"%s/%d","goal_id":"%s","type":"check_in","as_of":"%s","status":"on_track","note":"entry %d"}\n' "$MANY" "$i" "$MANY" "$TODAY" "$i"
done >"$TEST_TMP/entries.jsonl"
expect_exit 0 "121 check-ins" -- regctl apply -f "$TEST_TMP/entries.jsonl"
get "/mal/${MANY//\//%2F}"
expect_eq "the latest hundred" "$(grep -o '<tr><td><time' <<<"$BODY" | wc -l)" 100
expect_match "says which" "$BODY" 'Visar poster 22–121 av 121\.'
expect_match "the last is there" "$BODY" '>entry 121<'
if grep -q '>entry 21<' <<<"$BODY"; then fail "entry 21 is on the latest page"; else pass; fi
EARLIER=$(grep -o '<a rel="prev" href="[^"]*"' <<<"$BODY" | sed 's/.*href="//; s/"$//')
expect_match "links the earlier ones" "$EARLIER" '\?from=1$'
get "$EARLIER"
expect_match "the first hundred" "$BODY" 'Visar poster 1–100 av 121\.'
expect_match "from the first" "$BODY" '>entry 1<'
expect_match "links the later ones" "$BODY" '<a rel="next" href="[^"]*\?from=101">Senare poster</a>'
get "/mal/${MANY//\//%2F}?from=0"
expect_eq "from=0" "$CODE" 400
get "/mal/${MANY//\//%2F}?from=122"
expect_eq "from past the last entry" "$CODE" 400

# --- no page cache --------------------------------------------------------------------------
stop_daemon
start_daemon --http-listen http://127.0.0.1:0 --web-cache-bytes 0
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | tail -n 1 | sed 's/.*url=//')
get /en/areas/ai
expect_eq "--web-cache-bytes 0: a page" "$CODE" 200
expect_match "--web-cache-bytes 0: its content" "$BODY" '<h1>Artificial intelligence</h1>'
get /en/areas/ai -H "If-None-Match: $(header_of ETag)"
expect_eq "--web-cache-bytes 0: a 304" "$CODE" 304

# --- --private ---------------------------------------------------------------------------------
stop_daemon
start_daemon --http-listen http://127.0.0.1:0 --private
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | tail -n 1 | sed 's/.*url=//')
for path in / /en/areas/ai /andringar.atom; do
	get "$path"
	expect_eq "--private: $path answers 401" "$CODE" 401
	if grep -q 'Artificiell\|Artificial' <<<"$BODY"; then fail "--private: $path shows data"; else pass; fi
done
get /
expect_match "--private: a plain page in the frame" "$BODY" '<h1>Inloggning krävs</h1>'
expect_match "--private: the challenge" "$(header_of WWW-Authenticate)" '^Bearer'
finish
