#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/ from text: request messages written in
# protobuf text format and encoded with protoc from proto/, demo records from data/demo.jsonl,
# organisation numbers and stage codes from the domain facts. Run from anywhere; needs protoc
# and python3. The files it writes are checked in; rerun it when the proto changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
proto=$root/proto
out=$here/corpus

enc() { protoc -I"$proto" --encode="stdreg.v1.$1" stdreg/v1/registry.proto stdreg/v1/envelope.proto; }

# The rpc order of `service Registry` (registry.proto), which fuzz_dispatch indexes.
mapfile -t rpcs < <(sed -n 's/^ *rpc \([A-Za-z]*\)(\([A-Za-z]*\)).*/\1 \2/p' "$proto/stdreg/v1/registry.proto")
rpc_index() {
	local i
	for i in "${!rpcs[@]}"; do
		[ "${rpcs[$i]%% *}" = "$1" ] && { echo "$i"; return; }
	done
	echo "no rpc $1" >&2
	exit 1
}
rpc_input() {
	local i
	for i in "${!rpcs[@]}"; do
		[ "${rpcs[$i]%% *}" = "$1" ] && { echo "${rpcs[$i]#* }"; return; }
	done
}

# call RPC FLAGS TEXT: one call of fuzz_dispatch's input format to stdout
call() {
	local payload
	payload=$(mktemp)
	printf '%s' "$3" | enc "$(rpc_input "$1")" >"$payload"
	python3 - "$(rpc_index "$1")" "$2" "$payload" <<'PY'
import sys
i, flags, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
p = open(path, 'rb').read()
sys.stdout.buffer.write(bytes([i, flags, len(p) & 0xff, len(p) >> 8]) + p)
PY
	rm -f "$payload"
}
# raw TEXT: a whole Request envelope, fuzz_dispatch's 0xff form
raw() {
	printf '\xff'
	printf '%s' "$1" | protoc -I"$proto" --encode=stdreg.v1.Request stdreg/v1/envelope.proto
}

d=$out/fuzz_dispatch
rm -rf "$d" && mkdir -p "$d"
call GetArea 0 'id: "ai"' >"$d/get-area"
call GetWorkItem 1 'id: "iso-iec-42001"' >"$d/get-item-anonymous"
call ListAreas 0 'page_size: 2' >"$d/list-areas"
call ListWorkItems 0 'area_id: "ai" stage_from: "30.00" stage_to: "60.60" text: "management"' >"$d/list-items-filtered"
call ListAssignments 0 'agency_id: "digg" current_only: true' >"$d/list-assignments"
call ListBodies 0 'page_token: "garbage"' >"$d/list-bad-token"
call PutArea 0 'area { id: "cybersecurity" name: "Cybersecurity and network security" priority: AREA_PRIORITY_PRIORITISED rank: 2 tags: "cra" } decision_ref: "I2026/00002"' >"$d/put-area"
call PutArea 0 'area { id: "ai" name: "Artificial intelligence" priority: AREA_PRIORITY_PRIORITISED parent_id: "ai-act" } expected_mod_revision: 1' >"$d/put-area-cycle"
call PutBody 0 'body { id: "cen-clc-jtc-21" acronym: "CEN-CLC/JTC 21" name: "Artificial intelligence" level: BODY_LEVEL_EUROPEAN parent_id: "iso" mirrors: "iso" }' >"$d/put-body"
call PutAgency 0 'agency { id: "skv" name: "Skatteverket" org_number: "2021005448" }' >"$d/put-agency"
call PutAgency 2 'agency { id: "digg" name: "DIGG" org_number: "202100-6883" url: "https://www.digg.se" }' >"$d/put-agency-as-agency"
call PutWorkItem 0 'work_item { id: "iso-iec-23894" reference: "ISO/IEC 23894" title: "AI guidance on risk management" body_id: "iso" area_ids: "ai" area_ids: "ai-act" stage: "60.60" target_date: "2023-02-06" priority: 2 }' >"$d/put-item"
call PutWorkItem 0 'work_item { id: "etsi-en-303-645" reference: "ETSI EN 303 645" title: "Consumer IoT cybersecurity" body_id: "iso" area_ids: "5g" stage: "draft" stage_scheme: "etsi" status: WORK_ITEM_STATUS_IN_DEVELOPMENT }' >"$d/put-item-other-scheme"
call DeleteWorkItem 0 'id: "iso-iec-42001" decision_ref: "I2026/00003"' >"$d/delete-item"
call DeleteArea 0 'id: "ai"' >"$d/delete-referenced-area"
call Assign 0 'area_id: "5g" agency_id: "pts" role: ROLE_LEAD decision_ref: "I2026/00004" valid_from: "2026-02-01"' >"$d/assign"
call Unassign 0 'area_id: "ai" agency_id: "digg" decision_ref: "I2026/00005" valid_to: "2026-06-30"' >"$d/unassign"
call Transfer 0 'area_id: "ai" from_agency_id: "digg" to_agency_id: "pts" decision_ref: "I2026/00006" valid_from: "2026-03-01"' >"$d/transfer"
call SetStage 0 'work_item_id: "iso-iec-42001" stage: "90.93" decision_ref: "I2026/00007"' >"$d/set-stage"
call Mine 0 'agency_id: "digg"' >"$d/mine"
call Gaps 0 'today: "2026-05-01"' >"$d/gaps"
call AsOf 0 'area_id: "ai" date: "2026-02-28"' >"$d/as-of"
call History 0 'kind: KIND_AREA id: "ai"' >"$d/history"
call Report 0 'days: 45 today: "2026-05-01"' >"$d/report"
call Watch 0 'since_revision: 0 kinds: KIND_AREA max_events: 10' >"$d/watch"
call Export 0 'kind: KIND_ITEM page_size: 10' >"$d/export"
call ApplyChunk 0 'records { line: 1 area { id: "quantum" name: "Quantum technologies" priority: AREA_PRIORITY_MONITORED } } records { line: 2 agency { id: "vinnova" name: "Vinnova" org_number: "202100-5216" } }' >"$d/apply-chunk"
# Several calls in one input: create, read back, update with the revision, delete.
{
	call PutArea 0 'area { id: "quantum" name: "Quantum technologies" priority: AREA_PRIORITY_MONITORED rank: 9 }'
	call GetArea 0 'id: "quantum"'
	call PutArea 0 'area { id: "quantum" name: "Quantum technologies" priority: AREA_PRIORITY_PRIORITISED rank: 9 } expected_mod_revision: 2'
	call History 0 'kind: KIND_AREA id: "quantum"'
	call DeleteArea 0 'id: "quantum"'
} >"$d/sequence-area"
{
	call ApplyChunk 0 'records { line: 1 area { id: "e-health" name: "E-health" priority: AREA_PRIORITY_PRIORITISED rank: 7 } } records { line: 2 assignment { area_id: "e-health" agency_id: "pts" role: ROLE_LEAD decision_ref: "I2026/1" valid_from: "2026-01-01" } }'
	call ApplyCommit 32 'dry_run: true decision_ref: "I2026/00008"'
} >"$d/sequence-apply"
{
	call ApplyChunk 0 'records { line: 1 area { id: "smart-grids" name: "Smart grids" priority: AREA_PRIORITY_MONITORED parent_id: "e-id" } }'
	call ApplyChunk 32 'records { line: 2 area { id: "e-id" name: "Electronic identification" priority: AREA_PRIORITY_PRIORITISED rank: 4 } } records { line: 3 work_item { id: "etsi-ts-119-471" reference: "ETSI TS 119 471" title: "Providers of attribute attestations" body_id: "iso" area_ids: "e-id" stage: "60.60" } }'
	call ApplyCommit 32 'decision_ref: "I2026/00009"'
	call Export 0 'page_size: 3'
	call Watch 0 'since_revision: 1 max_events: 2'
} >"$d/sequence-apply-commit"
{
	call PutAgency 0 'agency { id: "msb" name: "MSB" org_number: "202100-5984" }'
	call PutAgency 4 'agency { id: "msb" name: "MSB" org_number: "202100-5984" }'
} >"$d/sequence-resend"
call GetArea 8 'id: "ai"' >"$d/deadline-passed"
call PutArea 3 'area { id: "x" name: "x" priority: AREA_PRIORITY_RETIRED }' >"$d/unknown-token"
raw 'method: "/stdreg.v1.Registry/GetArea" request_id: 9 payload: "\n\x02ai"' >"$d/raw-get-area"
raw 'method: "/stdreg.v1.Registry/NoSuchMethod" request_id: 10' >"$d/raw-unknown-method"
raw 'method: "/stdreg.v1.Registry/ListAreas" request_id: 11 timeout_ms: 5000 metadata { key: "trace" value: "1" }' >"$d/raw-list-metadata"

# Crashers found by the fuzzer that depended on state left by earlier inputs, rewritten as
# one self-contained input (the fuzzer's own crash files are kept next to them).
d=$here/regressions/fuzz_dispatch
mkdir -p "$d"
# store_apply sorted two lines holding no record by the id of a NULL record.
{
	call ApplyChunk 0 'records { line: 1 } records { line: 2 } records { line: 3 area { id: "x" } body { id: "x" } }'
	call ApplyCommit 32 'decision_ref: "I2026/1"'
} >"$d/apply-lines-without-record"

d=$out/fuzz_validate
rm -rf "$d" && mkdir -p "$d"
n=0
for s in 202100-6883 2021005448 202100-5521 16202100-4359 202100-5985 556016-0680 \
	40.20 60.60 95.99 45.99 00.00 9x.10 \
	2026-02-28 2024-02-29 2026-02-30 2100-02-29 0000-01-01 \
	ai iso-iec-42001 cen-clc-jtc-21 AI a/b "$(printf 'a%.0s' {1..65})"; do
	printf '%s' "$s" >"$d/seed-$((n++))"
done

# fuzz_json_record, fuzz_jsonl: the kind byte (stdreg_kinds order: area, body, agency, item,
# assignment; one past = bulk form / no kind) then the JSON.
kind_byte() {
	case $1 in area) echo 0 ;; body) echo 1 ;; agency) echo 2 ;; item) echo 3 ;; assignment) echo 4 ;; *) echo 5 ;; esac
}
d=$out/fuzz_json_record
rm -rf "$d" && mkdir -p "$d"
n=0
while IFS= read -r line; do
	kind=$(jq -r .kind <<<"$line")
	# Every 4th record as the bulk form (with "kind"), the others as the bare record.
	if [ $((n % 4)) -eq 3 ]; then
		{ printf "\\x$(printf %02x 5)"; printf '%s' "$line"; } >"$d/demo-$n"
	else
		{ printf "\\x$(printf %02x "$(kind_byte "$kind")")"; jq -c 'del(.kind)' <<<"$line" | tr -d '\n'; } >"$d/demo-$n"
	fi
	n=$((n + 1))
done < <(awk 'NR % 3 == 1' "$root/data/demo.jsonl" | head -n 24)
printf '\x00{"id":"ai","meta":{"version":"18446744073709551615","created_at":"2026-01-01T00:00:00Z"},"tags":[]}' >"$d/meta-u64-string"
printf '\x80{"id":"a\\u0000b","name":"x"}' >"$d/nul-allowed"
printf '\x03{"id":"x","priority":-1}' >"$d/negative-unsigned"
# The proto3 JSON spellings the mapping (pbjson) takes besides regctl's own.
printf '\x04{"areaId":"ai","agency_id":"pts","role":"ROLE_LEAD","validFrom":"2026-01-01"}' >"$d/proto3-spellings"
printf '\x00{"id":"ai","priority":2,"rank":"7","meta":{"version":1e3}}' >"$d/enum-number-int-string"

d=$out/fuzz_jsonl
rm -rf "$d" && mkdir -p "$d"
{ printf '\x05'; head -n 40 "$root/data/demo.jsonl"; } >"$d/demo-head"
{ printf '\x05'; grep '"kind": "assignment"' "$root/data/demo.jsonl" | head -n 10; } >"$d/demo-assignments"
{ printf '\x00'; printf '# areas only\r\n\r\n{"id":"ai","name":"AI"}\r\n{"kind":"body","id":"iso"}\n  {"id":"x",}\n'; } >"$d/area-only-crlf"
{ printf '\x05'; printf '{"kind":"area","id":"ai","id":"dup"}\n{"kind":"nope"}\n[1,2]\n"s"\n'; } >"$d/bad-lines"

d=$out/fuzz_csv
rm -rf "$d" && mkdir -p "$d"
{ printf '\x03'; printf 'id,reference,title,body_id,area_ids,stage,target_date,priority\r\niso-iec-42001,ISO/IEC 42001,"AI management system, requirements",iso,ai;ai-act,60.60,2023-12-18,1\r\netsi-en-303-645,ETSI EN 303 645,"Consumer ""IoT"" cybersecurity",etsi,cybersecurity,40.20,,\r\n'; } >"$d/items"
{ printf '\x00'; printf 'id,name,priority,rank,tags\nai,Artificial intelligence,prioritised,1,ai;act\n5g,5G,monitored,x,\n"multi\nline",n,,,\n'; } >"$d/areas"
{ printf '\x02'; printf 'id,name,org_number\ndigg,DIGG,202100-6883\nbad,Bad,202100-6884\n'; } >"$d/agencies"
{ printf '\x01'; printf 'id,acronym,nosuchfield\niso,ISO,1\n'; } >"$d/bad-header"
{ printf '\x03'; printf 'id,title\n"unterminated,x\n'; } >"$d/unterminated"
echo "corpus written to $out" >&2
