#!/usr/bin/env bash
# The wire contract from the outside: a client made only of the .proto files, protoc and
# nngcat can call GetArea; garbage, truncated messages, unknown methods and over-size
# messages get an error reply or a dropped connection, and the daemon keeps serving.
. "$(dirname "$0")/lib.sh"
: "${PROTO_DIR:?PROTO_DIR must name the proto directory}"
start_daemon --max-message 4096

protoc_enc() { protoc -I"$PROTO_DIR" --encode="$1" "$2"; }
protoc_dec() { protoc -I"$PROTO_DIR" --decode="$1" "$2"; }
# call FILE: sends the bytes in FILE, writes the reply's bytes to $TEST_TMP/reply; fails
# when no reply came
call() {
	nngcat --req --dial "$ENDPOINT" --recv-timeout 3 --file "$1" --raw >"$TEST_TMP/reply" 2>/dev/null
	# nngcat exits 0 when no reply came before the timeout: an empty reply is none.
	[ -s "$TEST_TMP/reply" ]
}
escape() { od -An -v -to1 | tr -d '\n' | sed 's/ /\\/g'; }
# envelope METHOD PAYLOAD_TEXT_MESSAGE PAYLOAD_TYPE: a Request with the encoded payload
envelope() {
	local payload
	payload=$(printf '%s' "$2" | protoc_enc "$3" stdreg/v1/registry.proto | escape)
	printf 'method: "%s"\nrequest_id: 42\npayload: "%s"\n' "$1" "$payload" |
		protoc_enc stdreg.v1.Request stdreg/v1/envelope.proto
}
status_code() { protoc_dec stdreg.v1.Response stdreg/v1/envelope.proto <"$TEST_TMP/reply" | awk '/^  code:/ {print $2}'; }

regctl area put ai --name "Artificial intelligence" --priority prioritised --rank 1 >/dev/null

# A good GetArea from the .proto files alone
envelope /stdreg.v1.Registry/GetArea 'id: "ai"' stdreg.v1.GetRequest >"$TEST_TMP/get"
call "$TEST_TMP/get" && pass || fail "GetArea over nngcat got no reply"
decoded=$(protoc_dec stdreg.v1.Response stdreg/v1/envelope.proto <"$TEST_TMP/reply")
expect_match "echoes request_id" "$decoded" 'request_id: 42'
expect_match "reports a revision" "$decoded" 'revision: [0-9]+'
# The payload is the Area itself
protoc_dec stdreg.v1.Response stdreg/v1/envelope.proto <"$TEST_TMP/reply" >/dev/null
# protoc prints bytes with C escapes; printf %b wants octal as \0NNN.
payload_escaped=$(sed -n 's/^payload: "\(.*\)"$/\1/p' <<<"$decoded" | sed 's/\\\([0-7]\{3\}\)/\\0\1/g; s/\\"/"/g')
area_text=$(printf '%b' "$payload_escaped" | protoc_dec stdreg.v1.Area stdreg/v1/records.proto)
expect_match "payload is the area" "$area_text" 'name: "Artificial intelligence"'

# Garbage bytes: INVALID_ARGUMENT (3)
head -c 200 /dev/urandom >"$TEST_TMP/garbage"
printf '\xff\xff\xff\xff\xff' >>"$TEST_TMP/garbage"
if call "$TEST_TMP/garbage"; then
	expect_eq "garbage gets INVALID_ARGUMENT" "$(status_code)" "3"
else
	pass # a dropped connection is also acceptable
fi

# Truncated protobuf: the good request cut in half
head -c $(($(stat -c %s "$TEST_TMP/get") / 2)) "$TEST_TMP/get" >"$TEST_TMP/truncated"
call "$TEST_TMP/truncated" && expect_eq "truncated gets INVALID_ARGUMENT" "$(status_code)" "3" || pass

# Unknown method: UNIMPLEMENTED (12)
envelope /stdreg.v1.Registry/NoSuchMethod 'id: "ai"' stdreg.v1.GetRequest >"$TEST_TMP/unknown"
call "$TEST_TMP/unknown" && pass || fail "unknown method got no reply"
expect_eq "unknown method gets UNIMPLEMENTED" "$(status_code)" "12"

# Bad payload for a known method: INVALID_ARGUMENT
printf 'method: "/stdreg.v1.Registry/GetArea"\nrequest_id: 7\npayload: "\\377\\377\\377"\n' |
	protoc_enc stdreg.v1.Request stdreg/v1/envelope.proto >"$TEST_TMP/badpayload"
call "$TEST_TMP/badpayload" && expect_eq "bad payload gets INVALID_ARGUMENT" "$(status_code)" "3" || fail "bad payload got no reply"

# Over-size message (the daemon was started with --max-message 4096): dropped, no crash
head -c 100000 /dev/zero | tr '\0' 'x' >"$TEST_TMP/big"
call "$TEST_TMP/big" && status=$(status_code) || status=dropped
expect_match "over-size message refused" "$status" '^(dropped|3|8)$'

# The daemon still serves the next good request
call "$TEST_TMP/get" && pass || fail "no reply after the bad messages"
expect_eq "good request after bad ones" "$(status_code)" ""
expect_exit 0 "regctl still works" -- regctl area get ai

finish
