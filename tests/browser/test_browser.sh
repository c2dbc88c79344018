#!/usr/bin/env bash
# The web view in headless Chromium (issue #17): a registryd with the demo data and a goal with
# a check-in, every page type found by following the links from both start pages, and run.mjs
# on one page of each type in both languages: axe (WCAG 2.1 A/AA + best practice) and the
# checks axe has no rule for. With STDREG_SCREENSHOTS=1 it also takes the README's pictures,
# docs/web-start.png and docs/web-area.png.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
. "$here/env.sh"
: "${DEMO:?DEMO must name data/demo.jsonl}"

start_daemon --http-listen http://127.0.0.1:0
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')
expect_exit 0 "load the demo" -- regctl apply -f "$DEMO"
# A goal with a check-in, so the goal pages have something to show, unless the demo has goals.
expect_exit 0 "list the goals" -- regctl goal list -o json
if [ "$(jq '.goals | length' <<<"$OUT")" -eq 0 ]; then
	expect_exit 0 "goal add" -- regctl goal add ai --owner digg --text "Swedish positions in JTC 21" \
		--due 2030-12-31 --decision Fi2026/00001 --set-on 2026-01-15
	expect_exit 0 "goal checkin" -- regctl goal checkin ai/1 --status at_risk \
		--note "two experts joined" --as-of 2026-03-01
fi

# The page types every language must have, as the first segment of their paths after the
# language prefix ("+" marks a page of one record below a list): what the crawl must find.
declare -A SV_TYPES=(
	[start]=/ [areas]=/omraden [area]=/omraden/+ [gaps]=/luckor [agencies]=/myndigheter
	[agency]=/myndigheter/+ [goals]=/mal [goal]=/mal/+ [items]=/arbetsposter
	[item]=/arbetsposter/+ [bodies]=/organ [committee]=/organ/+ [report]=/rapport
	[changes]=/andringar [statement]=/tillganglighet [about]=/om
)
declare -A EN_TYPES=(
	[start]=/en/ [areas]=/en/areas [area]=/en/areas/+ [gaps]=/en/gaps [agencies]=/en/agencies
	[agency]=/en/agencies/+ [goals]=/en/goals [goal]=/en/goals/+ [items]=/en/work-items
	[item]=/en/work-items/+ [bodies]=/en/bodies [committee]=/en/bodies/+ [report]=/en/report
	[changes]=/en/changes [statement]=/en/accessibility [about]=/en/about
)

# type_of PATH: the page type of a path, "/omraden/ai" -> "/omraden/+", "/en/" -> "/en/".
type_of() {
	local p=$1 pre=
	if [[ "$p" == /en/* ]]; then
		pre=/en
		p=${p#/en}
	fi
	case "$p" in
	/ | "") echo "$pre/" ;;
	/*/*) p=${p#/}; echo "$pre/${p%%/*}/+" ;;
	*) echo "$pre$p" ;;
	esac
}

# The crawl: one page of each type, breadth first from both start pages, following links to
# HTML pages on this server (no query strings: a filtered list is the same page type).
declare -A FOUND=() SEEN=() ANSWER=()
queue=(/ /en/)
fetched=0
while [ ${#queue[@]} -gt 0 ] && [ "$fetched" -lt 400 ]; do
	path=${queue[0]}
	queue=("${queue[@]:1}")
	t=$(type_of "$path")
	[ -z "${FOUND[$t]:-}" ] && [ -z "${SEEN[$path]:-}" ] || continue
	SEEN[$path]=1
	fetched=$((fetched + 1))
	ctype=$(curl -s -o "$TEST_TMP/page" -w '%{http_code} %{content_type}' "$HTTP$path" || true)
	if [[ "$ctype" != "200 text/html"* ]]; then
		ANSWER[$t]="$path answered ${ctype:-nothing}"
		continue
	fi
	FOUND[$t]=$path
	while IFS= read -r href; do
		href=${href%%[?#]*}
		[ -n "$href" ] && [ -z "${FOUND[$(type_of "$href")]:-}" ] && queue+=("$href")
	done < <(grep -o 'href="/[^/"][^"]*"\|href="/"' "$TEST_TMP/page" | sed 's/^href="//; s/"$//')
done

pages=()
statement_args=()
for lang in sv en; do
	declare -n types=${lang^^}_TYPES
	for name in "${!types[@]}"; do
		want=${types[$name]}
		if [ -n "${FOUND[$want]:-}" ]; then
			pass
			pages+=("${FOUND[$want]}")
		else
			fail "no $lang '$name' page ($want): ${ANSWER[$want]:-no page links one}"
		fi
	done
	statement_args+=(--statement "$lang=${types[statement]}")
	unset -n types
done
# Pages of a type the table above does not know are checked too.
for t in "${!FOUND[@]}"; do
	known=
	for want in "${SV_TYPES[@]}" "${EN_TYPES[@]}"; do [ "$t" == "$want" ] && known=1; done
	[ -n "$known" ] || pages+=("${FOUND[$t]}")
done

# The fullest records of the demo besides the crawl's picks: the area with a lead, a supporting
# agency, a goal and work items, and a committee with work items.
for lang in SV EN; do
	declare -n types=${lang}_TYPES
	pages+=("${types[area]%+}ai" "${types[committee]%+}iso-iec-jtc1-sc42")
	unset -n types
done

shots=()
if [ "${STDREG_SCREENSHOTS:-}" == 1 ]; then
	docs=$(cd "$here/../../docs" && pwd)
	shots=(--screenshot "$docs/web-start.png=${EN_TYPES[start]}"
		--screenshot "$docs/web-area.png=${EN_TYPES[area]%+}ai")
fi

echo "checking ${#pages[@]} pages: ${pages[*]}"
if node "$here/run.mjs" --base "$HTTP" "${statement_args[@]}" "${shots[@]}" "${pages[@]}" \
	>"$TEST_TMP/run.out" 2>&1; then
	pass
else
	fail "the browser checks failed:"
fi
cat "$TEST_TMP/run.out"
finish
