#!/usr/bin/env bash
# The browser checks themselves (run.mjs), against static fixtures: a page that meets every
# check passes, and pages that break them are caught, check by check. Without this a
# run.mjs that saw nothing would pass the web view's browser test too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stdreg-browser.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# serve NAME [--loose | --stale]: serves fixture/NAME and sets URL to its address.
serve() {
	node "$here/fixture/serve.mjs" "$here/fixture/$1" ${2:+"$2"} >"$tmp/$1.url" &
	pids+=($!)
	for _ in $(seq 1 100); do
		URL=$(sed -n 's/^url=//p' "$tmp/$1.url")
		[ -n "$URL" ] && return 0
		sleep 0.05
	done
	echo "FAIL: the fixture server for '$1' did not start" >&2
	exit 1
}

failures=0
checks=0
fail() {
	failures=$((failures + 1))
	echo "FAIL: $*" >&2
}

statements=(--statement sv=/tillganglighet --statement en=/en/accessibility)

serve good
checks=$((checks + 1))
if ! node "$here/run.mjs" --base "$URL" "${statements[@]}" --screenshot "$tmp/start.png=/" \
	/ /en/ >"$tmp/good.out" 2>&1; then
	fail "the good fixture does not pass:"
	cat "$tmp/good.out" >&2
fi
checks=$((checks + 1))
[ -s "$tmp/start.png" ] || fail "no screenshot of the good fixture in $tmp/start.png"

serve bad --loose
set +e
node "$here/run.mjs" --base "$URL" "${statements[@]}" / >"$tmp/bad.out" 2>&1
rc=$?
set -e
checks=$((checks + 1))
[ "$rc" -eq 1 ] || fail "the bad fixture: run.mjs exited $rc, want 1"
# Each broken thing of fixture/bad, as run.mjs must report it.
while IFS= read -r want; do
	checks=$((checks + 1))
	grep -qF -- "$want" "$tmp/bad.out" || fail "the bad fixture: no line with '$want'"
done <<'EOF'
FAIL /: Content-Security-Policy as issue #17 says (got 'default-src *')
FAIL /: X-Content-Type-Options: nosniff (got '')
FAIL /: a Referrer-Policy that keeps paths private (got '')
FAIL /: no script element (1 found)
FAIL /: a statement path for <html lang=""> (none given)
FAIL /: the first link skips to the main content (href '/')
FAIL /: focus is visible on link 'About'
FAIL /: no horizontal scroll at 320 px (scrollWidth 608 > 320; wide: div.fixed)
FAIL /: axe found no violations (6 rules violated)
  axe color-contrast (serious)
    at p
  axe html-has-lang (serious)
  axe image-alt (critical)
    at img
FAIL /: an ETag (none sent)
EOF
if [ "$failures" -gt 0 ]; then
	echo "--- run.mjs on the bad fixture ---" >&2
	cat "$tmp/bad.out" >&2
fi

# The good page with a skip link that stays off screen when focused, from a server that sends
# an ETag but never answers 304 and leaks paths in the Referer.
before=$failures
serve hidden --stale
set +e
node "$here/run.mjs" --base "$URL" "${statements[@]}" / >"$tmp/hidden.out" 2>&1
rc=$?
set -e
checks=$((checks + 1))
[ "$rc" -eq 1 ] || fail "the hidden fixture: run.mjs exited $rc, want 1"
while IFS= read -r want; do
	checks=$((checks + 1))
	grep -qxF -- "$want" "$tmp/hidden.out" || fail "the hidden fixture: no line '$want'"
done <<'EOF'
FAIL /: a Referrer-Policy that keeps paths private (got 'unsafe-url')
FAIL /: the skip link is visible when focused (off screen or hidden)
FAIL /: 304 on If-None-Match with its ETag (got 200)
browser: 17 passed, 4 failed
EOF
if [ "$failures" -gt "$before" ]; then
	echo "--- run.mjs on the hidden fixture ---" >&2
	cat "$tmp/hidden.out" >&2
fi
echo "harness: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
