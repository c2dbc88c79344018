#!/usr/bin/env bash
# Walks the README's regctl examples in order (the ```sh blocks of "Using regctl" and its
# subsections, and of "Access") against a fresh daemon loaded with data/demo.jsonl as
# scripts/run.sh loads it, from a directory whose ./stdreg-data is that daemon's store (the
# README's paths). Each command must exit as its comment says ("exit N"), else 0. Skipped:
# `export` lines (the walk sets PATH and the admin token itself) and the TLS block (it makes
# certificates and starts a second daemon in the foreground; integration-tls covers TLS).
# `regctl watch` runs until stopped: it must still be running after 2 s.
source "$(dirname "$0")/lib.sh"
: "${README:?README must name README.md}"

WALK=$TEST_TMP/walk
mkdir -p "$WALK"
ln -s "$TEST_TMP/data" "$WALK/stdreg-data"
start_daemon
expect_exit 0 "load the demo as run.sh does" -- regctl apply -f "$DEMO" --decision "demo data set"
bindir=$(mktemp -d "$TEST_TMP/bin.XXXXXX")
ln -s "$REGCTL" "$bindir/regctl"
ln -s "$REGISTRYD" "$bindir/registryd"

# The README puts both programs on PATH before it calls them.
path_line=$(grep -m 1 '^export PATH=' "$README")
expect_match "the README's PATH holds regctl" "$path_line" 'build/client'
expect_match "the README's PATH holds registryd" "$path_line" 'build/registryd'

# The commands, one per line: "WANT<TAB>COMMAND" (continuation lines joined).
commands() {
	awk '
	/^## / { walk = ($0 ~ /^## (Using regctl|Access)/) }
	/^```sh$/ && walk { inblock = 1; block = ""; next }
	/^```$/ && inblock {
		inblock = 0
		if (block !~ /openssl/) printf "%s", block
		next
	}
	inblock {
		line = $0
		if (cont != "") { line = cont " " line; cont = "" }
		if (line ~ /\\$/) { sub(/\\$/, "", line); cont = line; next }
		sub(/^[ \t]+/, "", line)
		if (line == "" || line ~ /^#/ || line ~ /^export /) next
		want = 0
		comment = ""
		if (match(line, /[ \t]#[ \t].*$/)) {
			comment = substr(line, RSTART)
			line = substr(line, 1, RSTART - 1)
		}
		if (match(comment, /exit [0-9]+/)) want = substr(comment, RSTART + 5, RLENGTH - 5)
		if (comment ~ /Ctrl-C to stop/) want = "running"
		sub(/[ \t]+$/, "", line)
		block = block want "\t" line "\n"
	}' "$README"
}

n=0
while IFS=$'\t' read -r want cmd; do
	n=$((n + 1))
	if [ "$want" = running ]; then
		expect_exit 124 "README: $cmd (still running after 2 s)" -- \
			env PATH="$bindir:$PATH" bash -c "cd '$WALK' && timeout 2 $cmd"
		continue
	fi
	expect_exit "$want" "README: $cmd" -- env PATH="$bindir:$PATH" bash -c "cd '$WALK' && $cmd"
done < <(commands)
if [ "$n" -ge 30 ]; then pass; else fail "only $n README commands found: is the walk reading the right sections?"; fi

# Then the EXAMPLES of regctl(1), on the same data.
man=$(dirname "$README")/docs/regctl.1.scd
m=0
while IFS= read -r cmd; do
	m=$((m + 1))
	expect_exit 0 "regctl(1): $cmd" -- env PATH="$bindir:$PATH" bash -c "cd '$WALK' && $cmd"
done < <(awk '/^# EXAMPLES/ { ex = 1; next } /^# / { ex = 0 } ex && /^```/ { blk = !blk; next }
	ex && blk && /^regctl / { print }' "$man")
if [ "$m" -ge 3 ]; then pass; else fail "only $m regctl(1) examples found"; fi

finish
