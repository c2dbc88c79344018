#!/usr/bin/env bash
# An independent client over HTTP: Python classes generated from proto/ by protoc, and
# Debian's python3-protobuf (json_format for JSON, the binary parser for application/proto)
# make every read and a write and parse every answer with no code of ours
# (http_client.py).
. "$(dirname "$0")/lib.sh"
: "${PROTO_DIR:?PROTO_DIR must name the proto directory}"
: "${DEMO:?DEMO must name data/demo.jsonl}"
# Debian's interpreter, which python3-protobuf is installed for (scripts/deps.sh), even when
# another python3 comes first in PATH.
PY=${STDREG_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import google.protobuf' 2>/dev/null; then
	echo "$PY cannot import google.protobuf (install python3-protobuf: scripts/deps.sh)" >&2
	exit 1
fi
mkdir -p "$TEST_TMP/gen"
protoc -I"$PROTO_DIR" --python_out="$TEST_TMP/gen" "$PROTO_DIR"/stdreg/v1/*.proto

start_daemon --http-listen http://127.0.0.1:0
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')
expect_exit 0 "load the demo" -- regctl apply -f "$DEMO"
expect_exit 0 "the generated client" -- "$PY" "$(dirname "$0")/http_client.py" "$TEST_TMP/gen" "$HTTP" "$STDREG_TOKEN"
[ "$failures" -eq 0 ] || printf '%s\n' "$OUT" >&2
expect_match "every read" "$OUT" 'ok Stats'
expect_match "a write in each encoding" "$OUT" 'ok PutArea \(proto\)'
expect_exit 0 "regctl sees the client's write" -- regctl area get py-json -o json
expect_eq "as written" "$(jq -r .name <<<"$OUT")" "Written in json"
finish
