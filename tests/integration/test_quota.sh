#!/usr/bin/env bash
# Full store and full disk: a daemon with a small --quota refuses a write that needs more
# with RESOURCE_EXHAUSTED (regctl exit 9), applies nothing of it, keeps serving reads and
# smaller writes, and leaves a store that passes registryd check. Then, where a tmpfs can
# be mounted (root), a disk that is really full: the error, and writes again once space is
# freed. Without the privilege that part prints SKIP.
. "$(dirname "$0")/lib.sh"
: "${DEMO:?DEMO must name the demo data set}" "${STDREG_GEN:?STDREG_GEN must name stdreg-gen}"

MNT=
cleanup_quota() {
	stop_daemon || true
	if [ -n "$MNT" ]; then umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true; fi
	rm -rf "$TEST_TMP"
}
trap cleanup_quota EXIT

revision() { "$REGCTL" watch --since 0 --count 1 --wait-ms 1 -o jsonl 2>/dev/null | tail -n 1 | jq -r .revision; }
digest() { "$REGCTL" export | sha256sum; }

# --- the quota ------------------------------------------------------------------------
start_daemon --quota 1048576
expect_exit 0 "the demo fits" -- regctl apply -f "$DEMO"
before=$(digest)
"$STDREG_GEN" --items 6000 --seed 7 >"$TEST_TMP/big.jsonl"
expect_exit 9 "an apply past the quota" -- regctl apply -f "$TEST_TMP/big.jsonl"
expect_match "says resource exhausted" "$ERR" "resource exhausted"
expect_match "names the quota" "$ERR" "store is full \(quota 1048576 bytes reached; raise --quota\)"
expect_one_line "one line" "$ERR"
expect_eq "nothing of it applied" "$(digest)" "$before"
expect_exit 0 "reads go on" -- regctl area list
expect_exit 0 "a small write fits" -- regctl area put after-quota --name "After the quota" --priority monitored --rank 90
expect_exit 0 "and is there" -- regctl area get after-quota
# Fill what is left with single writes until the quota refuses one; each refused write
# leaves nothing behind, and the daemon keeps answering.
big=$(head -c 6000 /dev/zero | tr '\0' 'x')
refused=0
for i in $(seq 1 400); do
	set +e
	"$REGCTL" area put "fill-$i" --name "Filler $i" --goal "$big" --priority monitored --rank 50 >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	set -e
	if [ "$rc" -eq 9 ]; then refused=$i; break; fi
	[ "$rc" -eq 0 ] || { fail "filler $i: exit $rc ($(cat "$TEST_TMP/err"))"; break; }
done
[ "$refused" -gt 0 ] && pass || fail "400 writes of 6 kB never met the 1 MiB quota"
expect_match "the refused put names the quota" "$(cat "$TEST_TMP/err")" "cannot put area 'fill-$refused' \(resource exhausted: store is full \(quota 1048576 bytes reached; raise --quota\)\)"
expect_exit 4 "the refused write is not there" -- regctl area get "fill-$refused"
# Smaller writes still fit in what is left, until each size is refused in turn. Near the
# end a write may fit its own transaction and be refused at the batch's commit, when the
# map cannot grow: that refusal names the quota too.
for size in 3000 1500 700 300 120; do
	val=$(head -c "$size" /dev/zero | tr '\0' 'y')
	msg=
	for i in $(seq 1 300); do
		if ! "$REGCTL" area put "fill-$size-$i" --name "Filler" --goal "$val" --priority monitored \
			--rank 50 >/dev/null 2>"$TEST_TMP/err"; then
			msg=$(cat "$TEST_TMP/err")
			break
		fi
	done
	expect_match "a write of $size bytes refused for the quota names it" "$msg" \
		"resource exhausted: store is full \(quota 1048576 bytes reached; raise --quota\)"
done
expect_exit 0 "a write that fits still succeeds" -- regctl area put tiny --name T --priority monitored --rank 91
stop_daemon
expect_exit 0 "registryd check after the quota" -- "$REGISTRYD" check --data "$TEST_TMP/data"
expect_exit 2 "a quota below 1 MiB is a usage error" -- "$REGISTRYD" --quota 1000 --data "$TEST_TMP/data"

# --- a disk that is really full -------------------------------------------------------
mv "$TEST_TMP/data" "$TEST_TMP/quota-data"
mkdir "$TEST_TMP/data"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=2m tmpfs "$TEST_TMP/data" 2>/dev/null; then
	MNT=$TEST_TMP/data
	start_daemon
	expect_exit 0 "the demo fits on the small disk" -- regctl apply -f "$DEMO"
	before=$(digest)
	# Fill the disk with a file beside the store.
	dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null || true
	expect_exit 9 "a write on a full disk" -- regctl apply -f "$TEST_TMP/big.jsonl"
	expect_match "says resource exhausted" "$ERR" "resource exhausted"
	full_refused=0
	for i in $(seq 1 50); do
		set +e
		"$REGCTL" area put "disk-$i" --name "Disk $i" --goal "$big" --priority monitored --rank 50 >/dev/null 2>"$TEST_TMP/err"
		rc=$?
		set -e
		if [ "$rc" -eq 9 ]; then full_refused=$i; break; fi
		[ "$rc" -eq 0 ] || { fail "disk write $i: exit $rc ($(cat "$TEST_TMP/err"))"; break; }
	done
	[ "$full_refused" -gt 0 ] && pass || fail "50 writes of 6 kB never met the full disk"
	expect_exit 0 "reads go on with the disk full" -- regctl area list
	rm -f "$MNT/filler"
	expect_exit 0 "a write once space is freed" -- regctl area put disk-after --name "After the full disk" --priority monitored --rank 92
	expect_exit 0 "and it is there" -- regctl area get disk-after
	expect_exit 0 "the big apply fits no better, but the store is whole" -- regctl area get ai
	stop_daemon
	expect_exit 0 "registryd check after the full disk" -- "$REGISTRYD" check --data "$MNT"
	start_daemon
	expect_exit 0 "a restarted daemon serves the store" -- regctl area get disk-after
else
	echo "SKIP: full disk (needs root and a tmpfs mount)"
	start_daemon
fi
finish
