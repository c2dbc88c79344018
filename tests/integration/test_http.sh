#!/usr/bin/env bash
# The HTTP face (--http-listen): every Registry method over the Connect protocol with curl,
# in both encodings; binary answers byte-equal to the same call over nng; conditional
# reads, the change feed, and the bad inputs of an HTTP server (each a precise status and
# Connect error, the daemon serving on).
. "$(dirname "$0")/lib.sh"
: "${PROTO_DIR:?PROTO_DIR must name the proto directory}"
: "${DEMO:?DEMO must name data/demo.jsonl}"
start_daemon --http-listen http://127.0.0.1:0 --http-idle-timeout 2 --http-max-body-bytes 65536 \
	--http-max-header-bytes 4096
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')
ADMIN=$STDREG_TOKEN
R=$HTTP/stdreg.v1.Registry
expect_exit 0 "load the demo" -- regctl apply -f "$DEMO"

protoc_enc() { protoc -I"$PROTO_DIR" --encode="$1" "$2"; }
# The payload (field 4) and status code of a packed stdreg.v1.Response, from python3 (meson
# needs it anyway): RESPONSE OUT_PAYLOAD -> prints the code.
response_parts() {
	python3 - "$1" "$2" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
def fields(b):
    i = 0
    while i < len(b):
        def varint():
            nonlocal i
            v, s = 0, 0
            while True:
                c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
                if c < 0x80: return v
        key = varint()
        if key & 7 == 0: yield key >> 3, varint()
        elif key & 7 == 2:
            n = varint(); yield key >> 3, b[i:i + n]; i += n
        else: raise SystemExit('unexpected wire type')
payload, code = b'', 0
for f, v in fields(b):
    if f == 4: payload = v
    if f == 2:
        for sf, sv in fields(v):
            if sf == 1: code = sv
open(sys.argv[2], 'wb').write(payload)
print(code)
PY
}
# nng_call METHOD REQUEST_TEXT REQUEST_TYPE: the payload of the answer over nng in
# $TEST_TMP/nng.bin, the request's payload in $TEST_TMP/req.bin
nng_call() {
	printf '%s' "$2" | protoc_enc "stdreg.v1.$3" stdreg/v1/registry.proto >"$TEST_TMP/req.bin"
	# The envelope: method = 1 and payload = 6, both length-delimited.
	python3 -c '
import sys
def ld(tag, b):
    n, v = len(b), b""
    while True:
        v += bytes([(n & 0x7f) | (0x80 if n >= 0x80 else 0)]); n >>= 7
        if not n: break
    return bytes([tag << 3 | 2]) + v + b
m = sys.argv[1].encode(); p = open(sys.argv[2], "rb").read()
sys.stdout.buffer.write(ld(1, m) + ld(6, p))' "/stdreg.v1.Registry/$1" "$TEST_TMP/req.bin" >"$TEST_TMP/env.bin"
	nngcat --req --dial "$ENDPOINT" --recv-timeout 5 --file "$TEST_TMP/env.bin" --raw \
		>"$TEST_TMP/nng.resp" 2>/dev/null
	response_parts "$TEST_TMP/nng.resp" "$TEST_TMP/nng.bin" >/dev/null
}
# post METHOD CONTENT_TYPE DATA_FILE [curl args...]: status in $CODE, body in $TEST_TMP/body,
# headers in $TEST_TMP/head
post() {
	local m=$1 ct=$2 f=$3
	shift 3
	rm -f "$TEST_TMP/body"
	CODE=$(curl -s -o "$TEST_TMP/body" -D "$TEST_TMP/head" -w '%{http_code}' \
		-H "Content-Type: $ct" --data-binary "@$f" "$@" "$R/$m")
	: >>"$TEST_TMP/body" # curl writes no file for an empty body
	BODY=$(tr -d '\0' <"$TEST_TMP/body")
}
postj() {
	local m=$1 j=$2
	shift 2
	printf '%s' "$j" >"$TEST_TMP/in.json"
	post "$m" application/json "$TEST_TMP/in.json" "$@"
}
header_of() { grep -i "^$1:" "$TEST_TMP/head" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

# --- every read: binary answers byte-equal with nng; JSON answers parse -------------------
reads=(
	'GetArea|id: "ai"|GetRequest'
	'ListAreas|page_size: 3|ListRequest'
	'GetBody|id: "iso"|GetRequest'
	'ListBodies|page_size: 2|ListRequest'
	'GetAgency|id: "digg"|GetRequest'
	'ListAgencies||ListRequest'
	'GetWorkItem|id: "iso-iec-42001"|GetRequest'
	'ListWorkItems|page_size: 5 area_id: "ai"|ListRequest'
	'ListAssignments|area_id: "ai"|ListRequest'
	'Mine|agency_id: "digg"|MineRequest'
	'Gaps|today: "2026-01-01"|GapsRequest'
	'AsOf|area_id: "ai" date: "2025-06-01"|AsOfRequest'
	'History|kind: KIND_AREA id: "ai"|HistoryRequest'
	'Report|today: "2026-01-01"|ReportRequest'
	'Watch|since_revision: 0 max_events: 5|WatchRequest'
	'ListChanges|page_size: 4|ListChangesRequest'
	'Export|page_size: 4|ExportRequest'
	'WhoAmI||WhoAmIRequest'
	'ListGoals|area_id: "ai" as_of: "2026-01-01"|GoalListRequest'
	'Trend|from_date: "2025-01-01" to_date: "2026-01-01"|TrendRequest'
)
for row in "${reads[@]}"; do
	IFS='|' read -r m text type <<<"$row"
	nng_call "$m" "$text" "$type"
	post "$m" application/proto "$TEST_TMP/req.bin"
	expect_eq "$m over HTTP (proto) status" "$CODE" 200
	if cmp -s "$TEST_TMP/body" "$TEST_TMP/nng.bin"; then pass; else fail "$m: HTTP proto answer differs from nng's"; fi
	expect_eq "$m proto content type" "$(header_of Content-Type)" application/proto
	# The same request as JSON, the request decoded by protoc into JSON field by field
	# would need a converter; the binary request posted as base64 GET checks the same path.
	b64=$(basenc --base64url -w0 <"$TEST_TMP/req.bin" | tr -d '=')
	CODE=$(curl -s -o "$TEST_TMP/get.bin" -w '%{http_code}' \
		"$R/$m?encoding=proto&base64=1&message=$b64")
	expect_eq "$m over GET (proto) status" "$CODE" 200
	if cmp -s "$TEST_TMP/get.bin" "$TEST_TMP/nng.bin"; then pass; else fail "$m: GET proto answer differs from nng's"; fi
done
# JSON: the same calls; canonical JSON (proto names, full enum names, 64-bit as strings)
postj GetArea '{"id":"ai"}'
expect_eq "GetArea JSON status" "$CODE" 200
expect_eq "GetArea JSON name" "$(jq -r .name <<<"$BODY")" "Artificial intelligence"
expect_eq "enum by full name" "$(jq -r .priority <<<"$BODY")" AREA_PRIORITY_PRIORITISED
expect_match "64-bit as a string" "$(jq -c .meta.mod_revision <<<"$BODY")" '^"[0-9]+"$'
get_json=$(curl -s "$R/GetArea?encoding=json&message=%7B%22id%22%3A%22ai%22%7D")
expect_eq "GET JSON equals POST JSON" "$get_json" "$BODY"
for row in 'ListAreas|{"page_size":3}' 'GetBody|{"id":"iso"}' 'ListBodies|{}' \
	'GetAgency|{"id":"digg"}' 'ListAgencies|{"pageSize":2}' 'GetWorkItem|{"id":"iso-iec-42001"}' \
	'ListWorkItems|{"areaId":"ai"}' 'ListAssignments|{"area_id":"ai"}' 'Mine|{"agency_id":"digg"}' \
	'Gaps|{"today":"2026-01-01"}' 'AsOf|{"area_id":"ai","date":"2025-06-01"}' \
	'History|{"kind":"KIND_AREA","id":"ai"}' 'History|{"kind":"area","id":"ai"}' \
	'Report|{"today":"2026-01-01"}' 'Watch|{"since_revision":"0","max_events":5}' \
	'Export|{"page_size":4}' 'WhoAmI|{}' 'Stats|{}' 'ListGoals|{"as_of":"2026-01-01"}' \
	'Trend|{"from_date":"2025-01-01","to_date":"2026-01-01"}'; do
	IFS='|' read -r m j <<<"$row"
	postj "$m" "$j"
	expect_eq "$m over HTTP (JSON $j) status" "$CODE" 200
	jq -e . >/dev/null <<<"$BODY" && pass || fail "$m: JSON answer does not parse: $BODY"
done
# The calendar's last day ends a trend (it once wrapped to an earlier date: a worker at
# 100 % and memory growing for ever, from one anonymous request); a century at most.
postj Trend '{"to_date":"9999-12-31"}' -m 10
expect_eq "Trend to the calendar's last day" "$CODE" 200
expect_eq "ends at its last quarter" "$(jq -r '.rows[-1].quarter_end' <<<"$BODY")" 9999-12-31
postj Trend '{"from_date":"1900-01-01","to_date":"9999-12-31"}' -m 10
expect_eq "a trend of 8 100 years is refused" "$CODE" 400
expect_match "saying why" "$BODY" 'at most 400'
postj ListAreas '{"page_size":2}'
expect_eq "a list page has two areas" "$(jq '.areas | length' <<<"$BODY")" 2
expect_match "and a next page token" "$(jq -r .next_page_token <<<"$BODY")" '.+'
postj ListAssignments '{"area_id":"ai"}'
ASSIGNMENT=$(jq -r '.assignments[0].id' <<<"$BODY")
postj GetAssignment "{\"id\":\"$ASSIGNMENT\"}"
expect_eq "GetAssignment JSON" "$CODE" 200
nng_call GetAssignment "id: \"$ASSIGNMENT\"" GetRequest
post GetAssignment application/proto "$TEST_TMP/req.bin"
if cmp -s "$TEST_TMP/body" "$TEST_TMP/nng.bin"; then pass; else fail "GetAssignment: proto differs"; fi
postj ListBodies '{}' -H 'Connect-Protocol-Version: 1' -H 'Connect-Timeout-Ms: 5000'
expect_eq "Connect headers accepted" "$CODE" 200

# --- NO_SIDE_EFFECTS in registry.proto and GET agree ------------------------------------
mapfile -t marked < <(awk '/^  rpc [A-Za-z]+\(/ { match($0, /rpc [A-Za-z]+/); m = substr($0, RSTART + 4, RLENGTH - 4) }
	/NO_SIDE_EFFECTS/ && m != "" { print m }' "$PROTO_DIR/stdreg/v1/registry.proto")
mapfile -t all < <(grep -o '^  rpc [A-Za-z]*' "$PROTO_DIR/stdreg/v1/registry.proto" | awk '{print $2}')
expect_eq "every rpc of the service" "${#all[@]}" 41
# A lookup table, not printf | grep -q: grep leaving early makes printf die of SIGPIPE, and
# pipefail then reads a marked method as unmarked.
declare -A is_marked=()
for m in "${marked[@]}"; do is_marked[$m]=1; done
for m in "${all[@]}"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$R/$m?encoding=json&message=%7B%7D")
	if [ -n "${is_marked[$m]:-}" ]; then
		[ "$code" != 405 ] && pass || fail "$m is NO_SIDE_EFFECTS but GET is refused"
	else
		expect_eq "GET of $m (has side effects)" "$code" 405
	fi
done

# --- writes: a token, resends, field violations -----------------------------------------
postj PutArea '{"area":{"id":"http-a","name":"Over HTTP","priority":"prioritised"}}'
expect_eq "anonymous write" "$CODE" 401
expect_eq "challenge without error" "$(header_of WWW-Authenticate)" 'Bearer realm="stdreg"'
expect_eq "unauthenticated code" "$(jq -r .code <<<"$BODY")" unauthenticated
postj PutArea '{"area":{"id":"http-a","name":"Over HTTP"}}' -H "Authorization: Bearer nonsense"
expect_eq "bad token" "$CODE" 401
expect_eq "challenge with invalid_token" "$(header_of WWW-Authenticate)" 'Bearer realm="stdreg", error="invalid_token"'
postj PutArea '{"area":{"id":"http-a","name":"Over HTTP"}}' -H "Authorization: Basic eDp5"
expect_eq "not a bearer token" "$CODE" 400
READER=$("$REGISTRYD" token create --data "$TEST_TMP/data" --role reader --name http-reader)
postj PutArea '{"area":{"id":"http-a","name":"Over HTTP"}}' -H "Authorization: Bearer $READER"
expect_eq "a reader may not write" "$CODE" 403
expect_eq "permission_denied" "$(jq -r .code <<<"$BODY")" permission_denied
W=(-H "Authorization: Bearer $ADMIN")
postj PutArea '{"area":{"id":"http-a","name":"Over HTTP","priority":"AREA_PRIORITY_MONITORED","rank":7}}' "${W[@]}" -H 'Stdreg-Request-Id: 9001'
expect_eq "PutArea over HTTP" "$CODE" 200
first=$BODY
rev=$(header_of Stdreg-Revision)
postj PutArea '{"area":{"id":"http-a","name":"Over HTTP","priority":"AREA_PRIORITY_MONITORED","rank":7}}' "${W[@]}" -H 'Stdreg-Request-Id: 9001'
expect_eq "a resend is answered as the first" "$BODY" "$first"
expect_eq "and changes nothing" "$(header_of Stdreg-Revision)" "$rev"
expect_exit 0 "regctl sees the HTTP write" -- regctl area get http-a -o json
expect_eq "rank stored" "$(jq -r .rank <<<"$OUT")" 7
postj PutArea '{"area":{"id":"http-a","rank":"seven"}}' "${W[@]}"
expect_eq "wrong type" "$CODE" 400
expect_eq "invalid_argument" "$(jq -r .code <<<"$BODY")" invalid_argument
expect_eq "names the field" "$(jq -r '.details[0].debug.field_violations[0].field' <<<"$BODY")" area.rank
expect_eq "detail type" "$(jq -r '.details[0].type' <<<"$BODY")" google.rpc.BadRequest
postj PutArea '{"area":{"id":"Bad Id"}}' "${W[@]}"
expect_eq "daemon's validation" "$CODE" 400
expect_eq "daemon's violation names the field" "$(jq -r '.details[0].debug.field_violations[0].field' <<<"$BODY")" id
postj PutArea '{"area":{"id":"http-a"}' "${W[@]}"
expect_eq "malformed JSON" "$CODE" 400
expect_match "says where" "$(jq -r .message <<<"$BODY")" 'malformed JSON at line 1'
postj PutArea '{"area":{"id":"http-a","name":"x","priority":"monitored"},"create_only":true}' "${W[@]}"
expect_eq "already exists" "$CODE" 409
postj PutArea '{"area":{"id":"http-a","name":"x","priority":"monitored"},"expected_mod_revision":"1"}' "${W[@]}"
expect_eq "stale expected_mod_revision: aborted" "$CODE" 409
expect_eq "aborted" "$(jq -r .code <<<"$BODY")" aborted
postj PutBody '{"body":{"id":"http-b","name":"HTTP body","acronym":"HB","level":"BODY_LEVEL_NATIONAL"}}' "${W[@]}"
expect_eq "PutBody" "$CODE" 200
postj PutAgency '{"agency":{"id":"http-ag","name":"HTTP agency","org_number":"202100-1009"}}' "${W[@]}"
expect_eq "PutAgency" "$CODE" 200
postj PutWorkItem '{"work_item":{"id":"http-wi","reference":"HTTP 1","title":"t","body_id":"http-b","area_ids":["http-a"],"stage":"30.00"}}' "${W[@]}"
expect_eq "PutWorkItem" "$CODE" 200
postj SetStage '{"work_item_id":"iso-iec-42001","stage":"90.93","decision_ref":"H-1"}' "${W[@]}"
expect_eq "SetStage" "$CODE" 200
postj Assign '{"area_id":"http-a","agency_id":"http-ag","role":"ROLE_LEAD","decision_ref":"H-2","valid_from":"2025-01-01"}' "${W[@]}"
expect_eq "Assign" "$CODE" 200
postj Transfer '{"area_id":"http-a","from_agency_id":"http-ag","to_agency_id":"digg","decision_ref":"H-3","valid_from":"2025-06-01"}' "${W[@]}"
expect_eq "Transfer" "$CODE" 200
postj Unassign '{"area_id":"http-a","agency_id":"digg","decision_ref":"H-4"}' "${W[@]}"
expect_eq "Unassign" "$CODE" 200
postj DeleteAgency '{"id":"http-ag"}' "${W[@]}"
expect_eq "DeleteAgency of an agency with appointments" "$CODE" 400
expect_eq "failed_precondition" "$(jq -r .code <<<"$BODY")" failed_precondition
postj DeleteArea '{"id":"nope-nope"}' "${W[@]}"
expect_eq "delete of a missing area" "$CODE" 404
expect_eq "not_found" "$(jq -r .code <<<"$BODY")" not_found
postj ApplyChunk '{"records":[{"line":1,"area":{"id":"http-c","name":"Chunked","priority":"monitored"}}]}' "${W[@]}"
expect_eq "ApplyChunk" "$CODE" 200
upload=$(jq -r .upload_id <<<"$BODY")
postj ApplyCommit "{\"upload_id\":\"$upload\",\"dry_run\":true}" "${W[@]}"
expect_eq "ApplyCommit (dry run)" "$CODE" 200
postj Backup '{}' "${W[@]}"
expect_eq "Backup" "$CODE" 200
postj BackupRead "{\"backup_id\":\"$(jq -r .backup_id <<<"$BODY")\",\"max_bytes\":1024}" "${W[@]}"
expect_eq "BackupRead" "$CODE" 200
postj DeleteWorkItem '{"id":"http-wi"}' "${W[@]}"
expect_eq "DeleteWorkItem" "$CODE" 200
postj DeleteBody '{"id":"http-b"}' "${W[@]}"
expect_eq "DeleteBody" "$CODE" 200

# --- conditional reads ---------------------------------------------------------------
postj GetArea '{"id":"http-a"}'
etag=$(header_of ETag)
expect_match "ETag is the mod_revision" "$etag" '^"[0-9]+"$'
expect_eq "ETag matches meta" "$etag" "\"$(jq -r .meta.mod_revision <<<"$BODY")\""
rm -f "$TEST_TMP/body" # curl writes no file for an answer without a body
code=$(curl -s -o "$TEST_TMP/body" -w '%{http_code}' -H "If-None-Match: $etag" "$R/GetArea?encoding=json&message=%7B%22id%22%3A%22http-a%22%7D")
expect_eq "If-None-Match on a GET: 304" "$code" 304
expect_eq "no body" "$(cat "$TEST_TMP/body" 2>/dev/null)" ""
postj GetArea '{"id":"http-a"}' -H "If-None-Match: $etag"
expect_eq "If-None-Match on a POST: 412 (RFC 9110 13.1.2)" "$CODE" 412
expect_eq "its code" "$(jq -r .code <<<"$BODY")" failed_precondition
postj GetArea '{"id":"http-a"}' -H 'If-None-Match: "1"'
expect_eq "an older tag: 200" "$CODE" 200

# --- the change feed ---------------------------------------------------------------------
revnow=$(curl -s "$R/Stats?encoding=json&message=%7B%7D" | jq -r .revision)
# (The demo was applied as one revision; every change since is one of its own.)
feed=$(curl -s "$HTTP/v1/changes?since_revision=1&wait_ms=0&max_events=3")
expect_eq "long poll: three changes" "$(jq '.changes | length' <<<"$feed")" 3
expect_match "as canonical JSON" "$(jq -r '.changes[0].op' <<<"$feed")" '^OP_(CREATE|UPDATE)$'
feed=$(curl -s "$HTTP/v1/changes?since_revision=$revnow&wait_ms=300")
expect_eq "long poll at the head: none" "$(jq '.changes | length' <<<"$feed")" 0
code=$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/v1/changes?since_revision=0&kind=bogus&wait_ms=0")
expect_eq "bad kind" "$code" 400
code=$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/v1/changes?color=red")
expect_eq "unknown parameter" "$code" 400
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$HTTP/v1/changes")
expect_eq "feed is GET only" "$code" 405
curl -s -N -m 2 "$HTTP/v1/changes?since_revision=1&kind=area" >"$TEST_TMP/sse" || true
expect_match "SSE events" "$(cat "$TEST_TMP/sse")" 'id: [0-9]+'
expect_match "SSE event names" "$(cat "$TEST_TMP/sse")" 'event: (create|update|delete)'
grep '^data: ' "$TEST_TMP/sse" | head -n 1 | cut -c7- | jq -e .revision >/dev/null && pass || fail "SSE data is not JSON"
curl -s -N -m 2 -H "Last-Event-ID: $revnow" "$HTTP/v1/changes" >"$TEST_TMP/sse2" || true
expect_eq "Last-Event-ID resumes after it" "$(grep -c '^id:' "$TEST_TMP/sse2" || true)" 0
# A write wakes a waiting stream at once.
curl -s -N -m 3 "$HTTP/v1/changes?since_revision=$revnow&kind=area" >"$TEST_TMP/sse3" &
c3=$!
sleep 0.5
regctl area put http-feed --name "Feed" --priority monitored >/dev/null
wait "$c3" 2>/dev/null || true
expect_match "a new change reaches the stream" "$(cat "$TEST_TMP/sse3")" '"id":"http-feed"'

# --- bad HTTP input ----------------------------------------------------------------------
code=$(curl -s -o "$TEST_TMP/body" -w '%{http_code}' "$HTTP/no/such/path")
expect_eq "unknown path" "$code" 404
expect_eq "unknown path code" "$(jq -r .code "$TEST_TMP/body")" unimplemented
postj NoSuchMethod '{}'
expect_eq "unknown method" "$CODE" 404
expect_eq "unknown method code" "$(jq -r .code <<<"$BODY")" unimplemented
CODE=$(curl -s -D "$TEST_TMP/head" -o /dev/null -w '%{http_code}' -X DELETE "$R/GetArea")
expect_eq "wrong verb" "$CODE" 405
expect_eq "Allow of a read" "$(header_of Allow)" "GET, POST"
CODE=$(curl -s -D "$TEST_TMP/head" -o /dev/null -w '%{http_code}' "$R/PutArea?encoding=json&message=%7B%7D")
expect_eq "GET of a write" "$CODE" 405
expect_eq "Allow of a write" "$(header_of Allow)" POST
printf 'id=ai' >"$TEST_TMP/form"
post GetArea application/x-www-form-urlencoded "$TEST_TMP/form"
expect_eq "unsupported content type" "$CODE" 415
expect_eq "the types it takes" "$(header_of Accept-Post)" "application/json, application/proto"
code=$(curl -s -o /dev/null -w '%{http_code}' "$R/GetArea?encoding=xml&message=%7B%7D")
expect_eq "unknown GET encoding (Connect: 415)" "$code" 415
code=$(curl -s -o /dev/null -w '%{http_code}' "$R/GetArea?message=%7B%7D")
expect_eq "GET without its encoding" "$code" 400
postj GetArea '{"id":"ai"}' -H 'Content-Type: application/json; charset="UTF-8"'
expect_eq "a quoted charset is the same charset (RFC 9110 5.6.6)" "$CODE" 200
# Bodies come as they are: a compressed one is refused, naming what is taken (Connect:
# unimplemented), where it was read as JSON before.
printf '{"id":"ai"}' | gzip >"$TEST_TMP/gz"
post GetArea application/json "$TEST_TMP/gz" -H 'Content-Encoding: gzip'
expect_eq "a gzip body" "$CODE" 501
expect_eq "its code" "$(jq -r .code <<<"$BODY")" unimplemented
expect_match "its message" "$(jq -r .message <<<"$BODY")" "unknown compression 'gzip': supported encodings are identity"
expect_eq "what is taken" "$(header_of Accept-Encoding)" identity
postj GetArea '{"id":"ai"}' -H 'Content-Encoding: identity'
expect_eq "identity is no compression" "$CODE" 200
code=$(curl -s -o /dev/null -w '%{http_code}' "$R/GetArea?encoding=json&compression=gzip&message=%7B%7D")
expect_eq "a GET's compression" "$code" 501
head -c 70000 /dev/zero | tr '\0' ' ' >"$TEST_TMP/big"
post GetArea application/json "$TEST_TMP/big"
expect_eq "body over the limit" "$CODE" 413
post GetArea application/json "$TEST_TMP/big" -H 'Transfer-Encoding: chunked'
expect_eq "chunked body over the limit" "$CODE" 413
printf '{"id":"ai"}' >"$TEST_TMP/small"
post GetArea application/json "$TEST_TMP/small" -H 'Transfer-Encoding: chunked'
expect_eq "chunked body" "$CODE" 200
expect_eq "chunked body read whole" "$(jq -r .id <<<"$BODY")" ai
out=$(curl -s -v -H 'Expect: 100-continue' -H 'Content-Type: application/json' \
	--data-binary @"$TEST_TMP/small" "$R/GetArea" 2>&1)
expect_match "Expect: 100-continue answered" "$out" '< HTTP/1.1 100 Continue'
expect_match "then the answer" "$out" '"id":"ai"'
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 5000 /dev/zero | tr '\0' a)" "$R/WhoAmI?encoding=json")
expect_eq "headers over the limit" "$code" 431
code=$(curl -s -o /dev/null -w '%{http_code}' "$R/Get%41rea?encoding=json&message=%7B%22id%22%3A%22ai%22%7D")
expect_eq "percent-encoded path" "$code" 200
code=$(curl -s -o /dev/null -w '%{http_code}' "$R/GetArea%00x?encoding=json")
expect_match "NUL in the path" "$code" '^40[04]$'
postj WhoAmI '{}' -H 'Connect-Timeout-Ms: soon'
expect_eq "bad Connect-Timeout-Ms" "$CODE" 400
postj WhoAmI '{}' -H 'Connect-Protocol-Version: 2'
expect_eq "bad Connect-Protocol-Version" "$CODE" 400
postj WhoAmI '{}' -H 'Connect-Timeout-Ms: 5000 '
expect_eq "a field value's trailing space is not part of it (RFC 9110 5.5)" "$CODE" 200
# Raw requests: one per connection, the status line of the answer.
raw_status() {
	local port=${HTTP##*:}
	exec 4<>"/dev/tcp/127.0.0.1/$port"
	printf '%b' "$1" >&4
	timeout 5 head -n 1 <&4 | tr -d '\r'
	exec 4<&-
}
expect_eq "HTTP/1.1 without Host (RFC 9112 3.2)" \
	"$(raw_status 'GET /stdreg.v1.Registry/WhoAmI?encoding=json HTTP/1.1\r\nConnection: close\r\n\r\n')" \
	"HTTP/1.1 400 Bad Request"
expect_match "HTTP/1.0 needs none" \
	"$(raw_status 'GET /stdreg.v1.Registry/WhoAmI?encoding=json HTTP/1.0\r\n\r\n')" \
	"^HTTP/1.[01] 200 OK$"
expect_eq "an absolute-form target (RFC 9112 3.2.2)" \
	"$(raw_status "GET $HTTP/stdreg.v1.Registry/GetArea?encoding=json&message=%7B%22id%22%3A%22ai%22%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")" \
	"HTTP/1.1 200 OK"
postj PutArea '{"area":{"id":"http-a","name":"x"}}' "${W[@]}" -H 'Stdreg-Request-Id: x'
expect_eq "bad request id" "$CODE" 400
postj PutArea '{"area":{"id":"http-a","name":"x"}}' "${W[@]}" -H 'Stdreg-Request-Id: 99999999999999999999'
expect_eq "a request id past 2^64 - 1" "$CODE" 400
# Half a request, then silence: closed after the idle timeout (2 s here).
port=${HTTP##*:}
start=$(date +%s)
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /stdreg.v1.Registry/WhoAmI HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{' >&3
timeout 10 cat <&3 >/dev/null || true
exec 3<&-
took=$(($(date +%s) - start))
if [ "$took" -ge 1 ] && [ "$took" -le 6 ]; then pass; else fail "half a request closed after ${took}s (idle timeout 2 s)"; fi

# Still serving, over both faces.
postj GetArea '{"id":"ai"}'
expect_eq "HTTP still answers" "$CODE" 200
expect_exit 0 "nng still answers" -- regctl area get ai

# The cap on open feeds, and https:// with the daemon's certificate (a daemon of its own).
stop_daemon
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$TEST_TMP/key.pem" -out "$TEST_TMP/cert.pem" \
	2>/dev/null
start_daemon --http-listen http://127.0.0.1:0 --http-max-feeds 3 --http-max-feeds-per-caller 1 \
	--http-listen https://127.0.0.1:0 --tls-cert "$TEST_TMP/cert.pem" --tls-key "$TEST_TMP/key.pem" \
	--metrics-listen http://127.0.0.1:0
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | tail -n 1 | sed 's/.*url=//')
METRICS=$(grep -o 'msg=metrics url=http://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')

# /metrics on the HTTP face: the same Prometheus text as --metrics-listen's own listener.
# (Figures move between two scrapes; the series they name do not.)
series() { grep -v '^#' | sed 's/ [^ ]*$//' | grep -v '^stdreg_uptime' | sort; }
code=$(curl -s -o "$TEST_TMP/m1" -D "$TEST_TMP/head" -w '%{http_code}' "$HTTP/metrics")
expect_eq "GET /metrics on the HTTP face" "$code" 200
expect_eq "Prometheus text" "$(header_of Content-Type)" 'text/plain; version=0.0.4; charset=utf-8'
curl -s -o "$TEST_TMP/m2" "$METRICS"
expect_match "--metrics-listen keeps serving" "$(cat "$TEST_TMP/m2")" '# TYPE stdreg_'
expect_eq "the same series on both" "$(series <"$TEST_TMP/m1")" "$(series <"$TEST_TMP/m2")"
expect_eq "the same help lines" "$(grep '^# ' "$TEST_TMP/m1")" "$(grep '^# ' "$TEST_TMP/m2")"
code=$(curl -s -o /dev/null -D "$TEST_TMP/head" -w '%{http_code}' -X POST "$HTTP/metrics")
expect_eq "POST /metrics" "$code" 405
# A scraper keeps its connection: /metrics is answered once the request is complete.
reuse=$(curl -sv -o /dev/null -o /dev/null "$HTTP/metrics" "$HTTP/metrics" 2>&1 | grep -c 'Re-using existing connection' || true)
expect_eq "two scrapes over one kept-alive connection" "$reuse" 1
expect_eq "Allow: GET" "$(header_of Allow)" GET
HTTPS=$(grep -o 'msg=listening url=https://[^ ]*' "$TEST_TMP/daemon.log" | tail -n 1 | sed 's/.*url=//')
out=$(curl -s --cacert "$TEST_TMP/cert.pem" -H 'Content-Type: application/json' -d '{"id":"ai"}' \
	"$HTTPS/stdreg.v1.Registry/GetArea")
expect_eq "a call over https://" "$(jq -r .id <<<"$out")" ai
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{"id":"ai"}' \
	"$HTTP/stdreg.v1.Registry/GetArea%00junk")
expect_eq "a method with %00 in its path is not GetArea" "$code" 404
# A long poll over https:// whose client goes away gives its place back within a second or
# two: a TLS client sends close_notify before it closes, and the end is found behind it.
parked_now() { curl -s "$HTTP/metrics" | awk '$1 == "stdreg_parked_watches" { print $2 }'; }
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TEST_TMP/cert.pem" -m 0.5 \
	"$HTTPS/v1/changes?since_revision=999999&wait_ms=60000" || true)
expect_eq "an https long poll waits until its client gives up" "$code" 000
for _ in $(seq 1 100); do
	[ "$(parked_now)" = 0 ] && break
	sleep 0.1
done
expect_eq "the place of an https client that went away is given back" "$(parked_now)" 0
# The caps on open feeds: one per caller (a token, or an address without one), three in all.
feed() { # SOURCE [TOKEN]: a feed held open for 4 s in the background
	curl -s -N -m 4 --interface "$1" ${2:+-H "Authorization: Bearer $2"} "$HTTP/v1/changes" >/dev/null &
	FEEDS+=($!)
}
FEEDS=()
feed_code() { # SOURCE [TOKEN]: the status of one more feed
	curl -s -o "$TEST_TMP/body" -m 2 -w '%{http_code}' --interface "$1" \
		${2:+-H "Authorization: Bearer $2"} "$HTTP/v1/changes" || true
}
feed 127.0.0.1
sleep 1
expect_eq "a second feed from one address without a token" "$(feed_code 127.0.0.1)" 429
expect_match "names the caller's cap" "$(jq -r .message "$TEST_TMP/body")" 'of one caller \(at most 1'
feed 127.0.0.2
feed 127.0.0.1 "$STDREG_TOKEN"
sleep 1
expect_eq "a second feed with one token" "$(feed_code 127.0.0.3 "$STDREG_TOKEN")" 429
code=$(feed_code 127.0.0.3)
expect_eq "a fourth feed over the total cap" "$code" 429
expect_eq "resource_exhausted" "$(jq -r .code "$TEST_TMP/body")" resource_exhausted
expect_match "names the total cap" "$(jq -r .message "$TEST_TMP/body")" 'too many open change feeds and long polls \(at most 3\)'
wait "${FEEDS[@]}" 2>/dev/null || true
# A feed waiting for changes finds its client gone by writing to it: the keep-alive comment
# every 15 s; the first write after the close still lands in the socket's buffer, the next
# one fails. So within two waits (30 s) its place is free again.
code=429
for _ in $(seq 1 45); do
	code=$(feed_code 127.0.0.1)
	[ "$code" = 200 ] && break
	sleep 1
done
expect_eq "once they close, a feed again" "$code" 200
# Request lines name the face a call came through: the same method table serves both.
expect_match "request lines name the http face" "$(grep -m1 'face=http method=/stdreg.v1.Registry/GetArea' "$TEST_TMP/daemon.log" || true)" 'face=http'
finish
