#!/usr/bin/env bash
# Bulk interchange end to end: atomic apply of 100 000 work items, a bad line among 10 000
# applies nothing and is named, a killed upload leaves nothing, dry-run counts, export ->
# apply -> export round trips byte for byte, and CSV with awkward fields round trips.
. "$(dirname "$0")/lib.sh"
: "${STDREG_GEN:?STDREG_GEN must name the stdreg-gen binary}"
: "${DEMO:?DEMO must name data/demo.jsonl}"
start_daemon

sorted_export() { regctl export | LC_ALL=C sort; }

# --- the demo set: apply, dry run of the same file, export round trip ---------------------
expect_exit 0 "apply the demo set" -- regctl apply -f "$DEMO" -o json
expect_eq "demo items created" "$(jq -r '.counts[] | select(.kind == "item") | .created' <<<"$OUT")" "$(grep -c '"kind": "item"' "$DEMO")"
expect_exit 0 "dry run of the same file" -- regctl apply -f "$DEMO" --dry-run -o json
expect_eq "everything unchanged" "$(jq -r '[.counts[].unchanged] | add' <<<"$OUT")" "$(grep -c '"kind"' "$DEMO")"
expect_eq "nothing created" "$(jq -r '[.counts[].created // 0] | add' <<<"$OUT")" "0"
sed 's/"stage": "20.20"/"stage": "30.20"/' "$DEMO" >"$TEST_TMP/demo-changed.jsonl"
rev_before=$(regctl area get ai -o json | jq -r .meta.mod_revision)
expect_exit 0 "dry run of a changed file" -- regctl apply -f "$TEST_TMP/demo-changed.jsonl" --dry-run -o json
expect_eq "one item would be updated" "$(jq -r '.counts[] | select(.kind == "item") | .updated' <<<"$OUT")" "1"
expect_match "the difference is shown" "$(jq -r '.differences[0]' <<<"$OUT")" "stage.*20.20.*30.20"
expect_exit 0 "dry run applied nothing" -- regctl item get prcen-clc-tr-17894 -o json
expect_eq "stage unchanged after dry run" "$(jq -r .stage <<<"$OUT")" "20.20"

# --- a dry run shows what the apply stores (derived fields derived), as history shows it ---
# The item leaves out its derived status, the area changes, the agency is as stored.
grep '"id": "iso-iec-42001"' "$DEMO" | jq -c 'del(.status) | .reference = "ISO/IEC 42001:2024"' >"$TEST_TMP/derived.jsonl"
grep '"kind": "area", "id": "ai"' "$DEMO" | jq -c '.name = "AI"' >>"$TEST_TMP/derived.jsonl"
grep '"kind": "agency", "id": "digg"' "$DEMO" >>"$TEST_TMP/derived.jsonl"
expect_exit 0 "dry run of a file that leaves out a derived field" -- regctl apply -f "$TEST_TMP/derived.jsonl" --dry-run -o json
dry=$(jq -r '.differences[]' <<<"$OUT" | sort)
expect_exit 0 "apply the same file" -- regctl apply -f "$TEST_TMP/derived.jsonl"
# The last history entry of KIND ID in the dry run's form: KIND 'ID': field 'old' -> 'new', ...
last_change() {
	regctl history "$1" "$2" -o json | jq -r --arg k "$1" --arg id "$2" \
		'"\($k) '"'"'\($id)'"'"': " + (.entries[-1].changes | map("\(.field) '"'"'\(.old_value // "")'"'"' -> '"'"'\(.new_value // "")'"'"'") | join(", "))'
}
expect_eq "the dry run's differences are what history shows" "$dry" \
	"$(printf '%s\n' "$(last_change item iso-iec-42001)" "$(last_change area ai)" | sort)"
expect_exit 0 "the status stayed" -- regctl item get iso-iec-42001 -o json
expect_eq "derived status kept" "$(jq -r .status <<<"$OUT")" "published"

sorted_export >"$TEST_TMP/export1"
expect_eq "export has every record" "$(grep -c '' "$TEST_TMP/export1")" "$(grep -c '"kind"' "$DEMO")"
stop_daemon
rm -rf "$TEST_TMP/data"
start_daemon
expect_exit 0 "apply the export into an empty registry" -- regctl apply -f "$TEST_TMP/export1"
sorted_export >"$TEST_TMP/export2"
if cmp -s "$TEST_TMP/export1" "$TEST_TMP/export2"; then pass; else fail "demo export -> apply -> export differs: $(diff "$TEST_TMP/export1" "$TEST_TMP/export2" | head -5)"; fi
expect_exit 0 "appointment history survives the round trip" -- regctl as-of cybersecurity 2026-02-28 -o json
expect_eq "the ended lead is back" "$(jq -r .lead.agency_id <<<"$OUT")" "pts"

# --- one bad line among 10 000: nothing applied, the line named ---------------------------
stop_daemon
rm -rf "$TEST_TMP/data"
start_daemon
"$STDREG_GEN" --items 10000 --seed 7 >"$TEST_TMP/10k.jsonl"
total=$(grep -c '' "$TEST_TMP/10k.jsonl")
bad_line=$((total - 1234))
sed "${bad_line}s/\"stage\":\"[0-9.]*\"/\"stage\":\"45.99\"/" "$TEST_TMP/10k.jsonl" >"$TEST_TMP/10k-bad.jsonl"
expect_exit 2 "one bad line" -- regctl apply -f "$TEST_TMP/10k-bad.jsonl"
expect_match "names the file and line" "$ERR" "10k-bad.jsonl:$bad_line:"
expect_match "says why" "$ERR" "stage"
expect_eq "nothing applied" "$(regctl area list -o json | jq length)" "0"
# a line that is bad already for the client (unknown field)
sed "117s/\"title\"/\"titel\"/" "$TEST_TMP/10k.jsonl" >"$TEST_TMP/10k-field.jsonl"
expect_exit 2 "unknown field on one line" -- regctl apply -f "$TEST_TMP/10k-field.jsonl"
expect_match "names line 117" "$ERR" ":117:"
expect_eq "still nothing applied" "$(regctl item list --limit 1 -o json | jq ".records | length")" "0"
# duplicate ids inside one file
{ cat "$TEST_TMP/10k.jsonl"; sed -n 100p "$TEST_TMP/10k.jsonl"; } >"$TEST_TMP/dup.jsonl"
expect_exit 2 "duplicate id in one file" -- regctl apply -f "$TEST_TMP/dup.jsonl"
expect_match "duplicate named" "$ERR" "$((total + 1))"

# --- killing regctl during the upload leaves the registry unchanged -----------------------
"$STDREG_GEN" --items 100000 --seed 3 >"$TEST_TMP/100k.jsonl"
before=$(regctl export | md5sum)
"$REGCTL" apply -f "$TEST_TMP/100k.jsonl" >/dev/null 2>&1 &
apid=$!
sleep 0.3
kill -KILL $apid 2>/dev/null || true
wait $apid 2>/dev/null || true
after=$(regctl export | md5sum)
# The kill may land after the commit on a fast machine; then the whole file is there.
items=$(regctl item list -o json | jq length)
if [ "$after" == "$before" ] || [ "$items" -eq 100000 ]; then pass; else fail "killed upload left $items items"; fi

# --- 100 000 work items in one atomic apply -----------------------------------------------
stop_daemon
rm -rf "$TEST_TMP/data"
start_daemon
expect_exit 0 "apply 100 000 work items" -- regctl apply -f "$TEST_TMP/100k.jsonl" -o json
rev=$(jq -r .revision <<<"$OUT")
expect_eq "items created" "$(jq -r '.counts[] | select(.kind == "item") | .created' <<<"$OUT")" "100000"
expect_eq "one revision for the whole file" "$rev" "1"
expect_eq "every item listed" "$(regctl item list -o jsonl | grep -c '')" "100000"

# generated set round trip
regctl export | LC_ALL=C sort >"$TEST_TMP/gen1"
stop_daemon
rm -rf "$TEST_TMP/data"
start_daemon
regctl apply -f "$TEST_TMP/gen1" >/dev/null
regctl export | LC_ALL=C sort >"$TEST_TMP/gen2"
if cmp -s "$TEST_TMP/gen1" "$TEST_TMP/gen2"; then pass; else fail "generated export -> apply -> export differs"; fi

# --- CSV with quotes, commas and newlines round trips --------------------------------------
stop_daemon
rm -rf "$TEST_TMP/data"
start_daemon
regctl area put ai --name "Artificial intelligence" --priority prioritised --rank 1 >/dev/null
regctl area put cyber --name "Cybersecurity" --priority prioritised --rank 2 >/dev/null
regctl body put iso --acronym ISO --name "International Organization for Standardization" --level international >/dev/null
regctl item put q1 --reference 'ISO/IEC "42001"' --title 'Management, systems; and "AI"' --body iso --area ai --area cyber --stage 60.60 --notes $'first line\nsecond line, with comma' >/dev/null
regctl item put q2 --reference "ISO/IEC 12792" --title "Plain" --body iso --area ai --stage 40.20 --target-date 2026-12-31 >/dev/null
expect_exit 0 "item list as csv" -- regctl item list -o csv
printf '%s\n' "$OUT" >"$TEST_TMP/items.csv"
expect_match "quotes doubled" "$OUT" '"ISO/IEC ""42001"""'
regctl item list -o json | jq -S 'map(del(.meta))' >"$TEST_TMP/items-before.json"
regctl item delete q1 >/dev/null && regctl item delete q2 >/dev/null
expect_exit 0 "apply the csv" -- regctl apply -f "$TEST_TMP/items.csv" --kind item
regctl item list -o json | jq -S 'map(del(.meta))' >"$TEST_TMP/items-after.json"
if cmp -s "$TEST_TMP/items-before.json" "$TEST_TMP/items-after.json"; then pass; else fail "csv round trip differs: $(diff "$TEST_TMP/items-before.json" "$TEST_TMP/items-after.json" | head -8)"; fi
expect_exit 0 "get the awkward item" -- regctl item get q1 -o json
expect_eq "newline kept" "$(jq -r .notes <<<"$OUT")" $'first line\nsecond line, with comma'
printf 'id,title,body_id,area_ids,stage\nbad,"unterminated,iso,ai,40.20\n' >"$TEST_TMP/broken.csv"
expect_exit 2 "unterminated quote" -- regctl apply -f "$TEST_TMP/broken.csv" --kind item
expect_match "csv error names the line" "$ERR" "broken.csv:[23]:"

# Errors the daemon finds: it lists the first 100 and counts them all; regctl shows 20 and
# counts the rest from the daemon's total.
for i in $(seq 1 150); do
	printf '{"kind":"item","id":"orphan-%03d","reference":"O %d","title":"t","body_id":"no-such-body","area_ids":["no-such-area"],"stage":"20.00"}\n' "$i" "$i"
done >"$TEST_TMP/orphans.jsonl"
expect_exit 7 "150 items that refer to nothing" -- regctl apply -f "$TEST_TMP/orphans.jsonl"
expect_eq "20 lines shown" "$(grep -c 'orphans.jsonl:[0-9]*:' <<<"$ERR")" 20
expect_match "the rest counted from the daemon's total" "$ERR" "orphans.jsonl: and 130 more bad lines"

finish
