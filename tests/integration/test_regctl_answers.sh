#!/usr/bin/env bash
# regctl gives one answer for one situation: the exit code of a missing reference, output
# formats, flags that would be ignored, the dry run's differences, terminal-safe tables and
# local file errors (issue #12 C, D17, E).
source "$(dirname "$0")/lib.sh"

start_daemon
regctl apply -f "$DEMO" --decision demo >/dev/null

# --- a missing referenced record is exit 7, a missing addressed record exit 4 -------------
expect_exit 7 "item put with a body that does not exist" -- \
	regctl item put x1 --body nosuch --area ai --title t --reference r --stage 10.00
expect_exit 7 "assign to an agency that does not exist" -- \
	regctl assign quantum nosuch --role lead --decision d
expect_exit 7 "assign an area that does not exist" -- \
	regctl assign nosuch digg --role lead --decision d
printf '%s\n' '{"kind":"item","id":"x2","title":"t","reference":"r2","stage":"10.00","body_id":"nosuch","area_ids":["ai"]}' \
	>"$TEST_TMP/ref.jsonl"
expect_exit 7 "apply a line that refers to a missing body" -- regctl apply -f "$TEST_TMP/ref.jsonl"
expect_match "the apply error names the line" "$ERR" "ref.jsonl:1: body 'nosuch' not found"
expect_exit 4 "get a missing record" -- regctl area get nosuch
expect_exit 4 "stage a missing item" -- regctl stage nosuch 20.00
expect_exit 4 "the areas of a missing agency" -- regctl mine nosuch
expect_exit 4 "unassign an appointment that is not there" -- regctl unassign ai lm --decision d
# --- an error about a flag's value names the flag, not the proto field --------------------
expect_exit 2 "a stage filter that is not NN.NN" -- regctl item list --stage-from 40
expect_match "names --stage-from" "$ERR" "--stage-from '40'"
expect_exit 2 "an item without areas" -- regctl item put x3 --body iso --title t --reference r3 --stage 10.00
expect_match "names --area" "$ERR" "--area needs"

# --- backup: local file errors, a planted FILE.part link, formats ----------------------------
expect_exit 2 "backup into a directory that does not exist" -- regctl backup "$TEST_TMP/nodir/x.bak"
expect_match "the OS reason is given" "$ERR" "No such file or directory"
echo "not to be touched" >"$TEST_TMP/victim"
ln -s "$TEST_TMP/victim" "$TEST_TMP/linked.bak.part"
expect_exit 0 "backup beside a symlinked FILE.part" -- regctl backup "$TEST_TMP/linked.bak"
expect_eq "the file the link points at is untouched" "$(cat "$TEST_TMP/victim")" "not to be touched"
expect_eq "the link is still a link" "$(stat -c %F "$TEST_TMP/linked.bak.part")" "symbolic link"
expect_eq "the backup is a regular file" "$(stat -c %F "$TEST_TMP/linked.bak")" "regular file"
expect_exit 0 "backup -o jsonl" -- regctl backup "$TEST_TMP/j.bak" -o jsonl
expect_eq "one JSON line" "$(jq -c .file <<<"$OUT")" "\"$TEST_TMP/j.bak\""
expect_exit 2 "backup -o csv is refused" -- regctl backup "$TEST_TMP/c.bak" -o csv
expect_match "names csv and what it has" "$ERR" "'backup' has no csv output \(use table, json or jsonl\)"

# --- apply of a CSV file without --kind hints at --kind ------------------------------------
printf 'id,name\nnew-area,New\n' >"$TEST_TMP/areas.csv"
expect_exit 2 "a CSV of areas without --kind" -- regctl apply -f "$TEST_TMP/areas.csv"
expect_match "hints at --kind" "$ERR" "--kind KIND"
cp "$TEST_TMP/areas.csv" "$TEST_TMP/areas.txt"
expect_exit 2 "a CSV file without a .csv name" -- regctl apply -f "$TEST_TMP/areas.txt"
expect_match "hints at .csv or --kind" "$ERR" "a CSV file needs a .csv name or --kind KIND"

# --- output formats agree ----------------------------------------------------------------
regctl item put multi --body iso --area ai --area cybersecurity --title "Two areas" \
	--reference "ISO 1" --stage 10.00 >/dev/null
expect_exit 0 "get an item with two areas" -- regctl item get multi
expect_match "get joins the areas with ;" "$OUT" "area_ids: +ai;cybersecurity"
expect_exit 0 "list it as a table" -- regctl item list --area cybersecurity
expect_match "the table joins them the same way" "$OUT" " ai;cybersecurity "
expect_exit 0 "list it as csv" -- regctl item list --area cybersecurity -o csv
expect_match "csv joins them the same way" "$OUT" ",ai;cybersecurity,"
regctl area get nosuch >/dev/null 2>&1 || true
expect_exit 0 "stats as json" -- regctl stats -o json
expect_eq "status counts are named as /metrics names them" \
	"$(jq -r '[.methods[].statuses[].status] | map(select(. == "NOT_FOUND")) | length > 0' <<<"$OUT")" "true"
expect_eq "no status is a bare number" "$(jq '[.methods[].statuses[] | select(has("code"))] | length' <<<"$OUT")" "0"
expect_exit 0 "gaps as json" -- regctl gaps -o json
ngaps=$(jq '.gaps | length' <<<"$OUT")
expect_exit 0 "gaps as jsonl" -- regctl gaps -o jsonl
expect_eq "one line per gap" "$(grep -c '' <<<"$OUT")" "$ngaps"
expect_eq "each line is a gap" "$(head -n 1 <<<"$OUT" | jq -r 'has("area")')" "true"
expect_exit 0 "gaps as csv" -- regctl gaps -o csv
expect_eq "a header and one row per gap" "$(grep -c '' <<<"$OUT")" "$((ngaps + 1))"
expect_exit 0 "history as csv" -- regctl history item multi -o csv
expect_match "one row per changed field" "$OUT" "create,title,,Two areas"
expect_exit 2 "report has no csv" -- regctl report -o csv
expect_match "it says so truthfully" "$ERR" "'report' has no csv output \(use table, json or jsonl\)"
expect_exit 2 "export has no table" -- regctl export -o table
expect_match "it says so" "$ERR" "'export' has no table output \(use json, jsonl or csv\)"
expect_exit 0 "export without -o writes JSON Lines" -- regctl export --kind area
expect_eq "JSON Lines" "$(head -n 1 <<<"$OUT" | jq -r .kind)" "area"
expect_exit 0 "delete -o csv" -- regctl area put tmp-area --name T --priority monitored
expect_exit 0 "delete -o csv" -- regctl area delete tmp-area -o csv
expect_match "delete writes csv" "$OUT" "^kind,id,deleted,revision"

# --- flags that would be ignored: --status on an iso item, --limit without a next page -------
published=$(regctl item list -o json | jq -r '[.[] | select(.stage == "60.60" and (.stage_scheme // "") == "")][0].id')
before=$(regctl item get "$published" -o json | jq -c 'del(.meta)')
expect_exit 2 "--status on an item whose stage decides it" -- regctl item put "$published" --status cancelled
expect_match "the refusal names --status and the stage" "$ERR" "--status is derived from --stage"
expect_eq "the item is unchanged" "$(regctl item get "$published" -o json | jq -c 'del(.meta)')" "$before"
expect_exit 0 "one page of areas" -- regctl area list --limit 3
expect_eq "three rows and a header" "$(grep -c '' <<<"$OUT")" "4"
expect_match "the next page's token on stderr" "$ERR" "more records: --page-token [^ ]+"
token=$(sed -E 's/.*--page-token ([^ ]+).*/\1/' <<<"$ERR")
expect_exit 0 "one page as json" -- regctl area list --limit 3 -o json
expect_eq "json holds the same token" "$(jq -r .next_page_token <<<"$OUT")" "$token"
first=$(jq -r '.records[].id' <<<"$OUT")
expect_exit 0 "the next page" -- regctl area list --limit 3 --page-token "$token" -o json
second=$(jq -r '.records[].id' <<<"$OUT")
expect_eq "pages do not overlap and follow on" "$(printf '%s\n%s\n' "$first" "$second")" \
	"$(regctl area list -o json | jq -r '.[0:6][].id')"
expect_exit 0 "a page that holds the rest" -- regctl area list --limit 1000 -o json
expect_eq "the last page has no token" "$(jq -r .next_page_token <<<"$OUT")" ""

# --- apply reports every bad line in one run -------------------------------------------------
cat >"$TEST_TMP/mixed.jsonl" <<'EOT'
{"kind":"area","id":"good-area","name":"Good","priority":"monitored"}
{"kind":"area","id":"a2","nmae":"typo"}
{"kind":"agency","id":"bad-org","name":"Bad","org_number":"123"}
{"kind":"item","id":"x9","title":"t","reference":"r9","stage":"10.00","body_id":"nosuch","area_ids":["ai"]}
not json
{"kind":"item","id":"x10","title":"t","reference":"r10","stage":"99.99","body_id":"iso","area_ids":["ai"]}
EOT
expect_exit 2 "a file with both kinds of bad line" -- regctl apply -f "$TEST_TMP/mixed.jsonl"
expect_eq "every bad line, in line order" "$(grep -o 'mixed.jsonl:[0-9]*' <<<"$ERR" | tr '\n' ' ')" \
	"mixed.jsonl:2 mixed.jsonl:3 mixed.jsonl:4 mixed.jsonl:5 mixed.jsonl:6 "
expect_match "the count is all of them" "$ERR" "\(5 bad lines\); nothing applied"
expect_exit 4 "nothing was applied" -- regctl area get good-area
# The registry's part holds only a missing reference (FAILED_PRECONDITION): still listed.
cat >"$TEST_TMP/syntax-and-ref.jsonl" <<'EOT'
{"kind":"area","id":"a3","nmae":"typo"}
{"kind":"item","id":"x11","title":"t","reference":"r11","stage":"10.00","body_id":"nosuch","area_ids":["ai"]}
EOT
expect_exit 2 "a syntax error and a missing reference" -- regctl apply -f "$TEST_TMP/syntax-and-ref.jsonl"
expect_match "the missing reference is reported too" "$ERR" "syntax-and-ref.jsonl:2: body 'nosuch' not found"

finish
