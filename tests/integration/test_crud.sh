#!/usr/bin/env bash
# Registry core through regctl: put/get/list/delete of every kind, and every kind of bad
# input with its exit code, the store unchanged after each.
. "$(dirname "$0")/lib.sh"
start_daemon

# --- the happy path -----------------------------------------------------------------
expect_exit 0 "put area" -- regctl area put ai --name "Artificial intelligence" --priority prioritised --rank 1
expect_exit 0 "get area as json" -- regctl area get ai -o json
expect_eq "area name" "$(jq -r .name <<<"$OUT")" "Artificial intelligence"
expect_eq "area priority" "$(jq -r .priority <<<"$OUT")" "prioritised"
expect_eq "area rank" "$(jq -r .rank <<<"$OUT")" "1"
expect_eq "area version" "$(jq -r .meta.version <<<"$OUT")" "1"
rev_ai=$(jq -r .meta.mod_revision <<<"$OUT")
expect_match "area mod_revision" "$rev_ai" '^[0-9]+$'
expect_eq "area create_revision" "$(jq -r .meta.create_revision <<<"$OUT")" "$rev_ai"

expect_exit 0 "list areas (table)" -- regctl area list
expect_match "table has a header" "$(head -n 1 <<<"$OUT")" 'ID'
expect_match "table has the area" "$OUT" 'ai.*Artificial intelligence'

expect_exit 0 "put area cyber" -- regctl area put cyber --name "Cybersecurity" --priority prioritised --rank 2
expect_exit 0 "put body iso" -- regctl body put iso --acronym ISO --name "International Organization for Standardization" --level international
expect_exit 0 "put committee" -- regctl body put iso-iec-jtc1-sc42 --acronym "ISO/IEC JTC 1/SC 42" --name "Artificial intelligence" --level international --parent iso
expect_exit 0 "get body json" -- regctl body get iso-iec-jtc1-sc42 -o json
expect_eq "body parent" "$(jq -r .parent_id <<<"$OUT")" "iso"
expect_eq "body level" "$(jq -r .level <<<"$OUT")" "international"
expect_exit 0 "list bodies" -- regctl body list
expect_match "bodies table" "$OUT" 'iso-iec-jtc1-sc42'

expect_exit 0 "put agency" -- regctl agency put digg --name "Myndigheten för digital förvaltning" --short-name DIGG --org-number 202100-6883
expect_exit 0 "put agency, org number without dash" -- regctl agency put pts --name "Post- och telestyrelsen" --org-number 2021004359
expect_exit 0 "get agency json" -- regctl agency get pts -o json
expect_eq "org number normalised" "$(jq -r .org_number <<<"$OUT")" "202100-4359"
expect_exit 0 "list agencies" -- regctl agency list
expect_match "agencies table" "$OUT" 'digg'

expect_exit 0 "put item" -- regctl item put iso-iec-42001 --reference "ISO/IEC 42001:2023" --title "AI management system" --body iso-iec-jtc1-sc42 --area ai --stage 60.60
expect_exit 0 "get item json" -- regctl item get iso-iec-42001 -o json
expect_eq "item status from stage" "$(jq -r .status <<<"$OUT")" "published"
expect_eq "item areas" "$(jq -c .area_ids <<<"$OUT")" '["ai"]'
expect_exit 0 "put item in development" -- regctl item put iso-iec-12792 --reference "ISO/IEC 12792" --title "Transparency taxonomy of AI systems" --body iso-iec-jtc1-sc42 --area ai --area cyber --stage 50.20
expect_exit 0 "list items json" -- regctl item list -o json
expect_eq "two items" "$(jq length <<<"$OUT")" "2"
expect_exit 0 "list items by stage range" -- regctl item list --stage-from 40.00 --stage-to 59.99 -o json
expect_eq "stage filter" "$(jq -r '.[].id' <<<"$OUT")" "iso-iec-12792"
expect_exit 0 "list items by area" -- regctl item list --area cyber -o json
expect_eq "area filter" "$(jq -r '.[].id' <<<"$OUT")" "iso-iec-12792"
expect_exit 0 "list items by text" -- regctl item list --text "MANAGEMENT" -o json
expect_eq "text filter" "$(jq -r '.[].id' <<<"$OUT")" "iso-iec-42001"
expect_exit 0 "list items jsonl" -- regctl item list -o jsonl
expect_eq "jsonl lines" "$(grep -c '' <<<"$OUT")" "2"

# update merges flags onto the stored record and bumps version and mod_revision
expect_exit 0 "update area" -- regctl area put ai --goal "Swedish positions in CEN-CLC/JTC 21"
expect_exit 0 "get updated area" -- regctl area get ai -o json
expect_eq "name kept on update" "$(jq -r .name <<<"$OUT")" "Artificial intelligence"
expect_eq "goal set" "$(jq -r .goal <<<"$OUT")" "Swedish positions in CEN-CLC/JTC 21"
expect_eq "version 2" "$(jq -r .meta.version <<<"$OUT")" "2"
rev_ai2=$(jq -r .meta.mod_revision <<<"$OUT")
[ "$rev_ai2" -gt "$rev_ai" ] && pass || fail "mod_revision did not grow ($rev_ai -> $rev_ai2)"

# put -f FILE
printf '{"kind":"area","id":"5g","name":"5G","priority":"monitored","tags":["telecom"]}\n' >"$TEST_TMP/area.json"
expect_exit 0 "put -f file" -- regctl area put 5g -f "$TEST_TMP/area.json"
expect_exit 0 "get file area" -- regctl area get 5g -o json
expect_eq "tags from file" "$(jq -c .tags <<<"$OUT")" '["telecom"]'
expect_exit 0 "put -f stdin" -- bash -c "printf '{\"id\":\"5g\",\"name\":\"5G networks\",\"priority\":\"monitored\"}' | \"$REGCTL\" area put 5g -f -"

# paging: --limit gives one page, list follows tokens to the end
for i in $(seq 1 25); do regctl area put "bulk-$i" --name "Area $i" --priority monitored >/dev/null; done
expect_exit 0 "list with limit" -- regctl area list --limit 10 -o json
expect_eq "one page of 10" "$(jq ".records | length" <<<"$OUT")" "10"
expect_exit 0 "list all" -- regctl area list -o json
expect_eq "all areas" "$(jq length <<<"$OUT")" "28"

# --- bad input: a clear error, a distinct exit code, nothing changed ----------------
before=$(store_digest)

expect_exit 2 "invalid id" -- regctl area put "AI!" --name X --priority prioritised
expect_one_line "invalid id message" "$ERR"
expect_match "invalid id names it" "$ERR" "AI!"
expect_exit 2 "missing required field" -- regctl area put newarea --priority prioritised
expect_match "missing field named" "$ERR" "name"
printf '{"id":"x1","nmae":"typo","priority":"prioritised"}' >"$TEST_TMP/unknown.json"
expect_exit 2 "unknown field in -f JSON" -- regctl area put x1 -f "$TEST_TMP/unknown.json"
expect_match "unknown field named" "$ERR" "nmae"
printf '{"id":"x1","name":"X","priority":"prioritised","rank":"first"}' >"$TEST_TMP/type.json"
expect_exit 2 "wrong type in -f JSON" -- regctl area put x1 -f "$TEST_TMP/type.json"
expect_match "wrong type named" "$ERR" "rank"
expect_exit 2 "invalid organisation number" -- regctl agency put bad --name Bad --org-number 202100-6884
expect_match "org number message" "$ERR" "organisation number"
expect_exit 2 "invalid stage code" -- regctl item put bad-item --title T --body iso --area ai --stage 45.99
expect_match "stage message" "$ERR" "stage"
expect_exit 7 "reference to a missing record" -- regctl item put bad-item --title T --body nosuchbody --area ai --stage 40.20
expect_match "missing reference named" "$ERR" "nosuchbody"
expect_exit 5 "create of an existing id" -- regctl area put ai --name X --priority prioritised --create
expect_exit 5 "create of an existing id, before its fields are judged" -- regctl area put ai --name X --create
expect_exit 7 "delete of a referenced record" -- regctl area delete ai
expect_match "references named" "$ERR" "iso-iec-42001"
expect_exit 6 "stale expected revision" -- regctl area put ai --name "Other" --if-revision 1
expect_exit 4 "get of a missing record" -- regctl area get nosuch
expect_exit 4 "delete of a missing record" -- regctl area delete nosuch
expect_exit 2 "unknown noun" -- regctl widget list
expect_exit 2 "unknown flag" -- regctl area list --no-such-flag

after=$(store_digest)
expect_eq "store unchanged by bad input" "$(md5sum <<<"$after")" "$(md5sum <<<"$before")"

# delete works once the references are gone
expect_exit 0 "delete item" -- regctl item delete iso-iec-12792
expect_exit 0 "delete area 5g" -- regctl area delete 5g
expect_exit 4 "deleted area is gone" -- regctl area get 5g

# cannot connect
expect_exit 3 "cannot connect" -- regctl --endpoint tcp://127.0.0.1:1 --timeout 500 area list

finish
