#!/usr/bin/env bash
# scripts/proto_breaking.sh on a scratch git history of proto/: a new field passes, a
# renamed field (JSON break) and a renumbered one (wire break) are refused, and a history
# without proto/ is skipped with a message.
set -euo pipefail
: "${PROTO_DIR:?PROTO_DIR must name the proto directory}"
check=$(cd "$(dirname "$0")/../../scripts" && pwd)/proto_breaking.sh
repo=$(mktemp -d "${TMPDIR:-/tmp}/stdreg-breaking.XXXXXX")
trap 'rm -rf "$repo"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
records=proto/stdreg/v1/records.proto
git_() { git -C "$repo" -c user.name=t -c user.email=t@example.org "$@"; }
# expect WANT_EXIT DESCRIPTION: runs the check on the last commit against the one before
expect() {
	local rc=0
	PROTO_REPO=$repo "$check" >"$repo.out" 2>&1 || rc=$?
	[ "$rc" -eq "$1" ] || fail "$2: exit $rc, want $1: $(cat "$repo.out")"
}

git_ init -q
echo scratch >"$repo/README"
git_ add README && git_ commit -qm "no proto yet"
mkdir -p "$repo/proto"
expect 0 "a single commit"
grep -q 'skipped' "$repo.out" || fail "a history of one commit is not skipped: $(cat "$repo.out")"
cp -r "$PROTO_DIR/stdreg" "$PROTO_DIR/buf.yaml" "$repo/proto/"
git_ add proto && git_ commit -qm "proto"
expect 0 "no proto/ before"
grep -q "has no .proto files" "$repo.out" || fail "no skip message: $(cat "$repo.out")"

sed -i 's/^  uint32 rank = 6;/  uint32 rank = 6;\n  string motto = 99;/' "$repo/$records"
git_ commit -qam "a new field"
expect 0 "a new field"
grep -q 'compatible' "$repo.out" || fail "a new field: $(cat "$repo.out")"

sed -i 's/^  uint32 rank = 6;/  uint32 importance = 6;/' "$repo/$records"
git_ commit -qam "a renamed field"
expect 1 "a renamed field breaks JSON clients"
grep -q 'rank' "$repo.out" || fail "the break is not named: $(cat "$repo.out")"

git_ reset -q --hard HEAD~1
sed -i 's/^  uint32 rank = 6;/  uint32 rank = 7;/' "$repo/$records"
git_ commit -qam "a renumbered field"
expect 1 "a renumbered field breaks the wire"
rm -f "$repo.out"
echo "$failures failed"
[ "$failures" -eq 0 ]
