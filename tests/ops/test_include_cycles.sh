#!/bin/bash
# scripts/include_cycles.py over registryd/ (issue 14), and the check itself: a copy of the
# tree with a circle through web/ (a folder the check must find in registryd_inc, not in a
# list of its own) and one with a handler including dispatch.h must both fail.
set -eu
root=${1:-$(dirname "$0")/../..}
check="$root/scripts/include_cycles.py"
python3 "$check" "$root/registryd"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect_fail() { # NAME: the copy in $tmp/NAME must be refused, naming what is wrong
	if python3 "$check" "$tmp/$1" 2>"$tmp/$1.err"; then
		echo "include_cycles.py passed a tree with $1" >&2
		exit 1
	fi
	grep -q "$2" "$tmp/$1.err" || { cat "$tmp/$1.err" >&2; exit 1; }
}
cp -r "$root/registryd" "$tmp/circle"
sed -i '1i #include "web_cache.h"' "$tmp/circle/rpc/dispatch.h"
sed -i '1i #include "dispatch.h"' "$tmp/circle/web/web_cache.h"
expect_fail circle "rpc/dispatch.h -> web/web_cache.h -> rpc/dispatch.h"

cp -r "$root/registryd" "$tmp/direction"
echo '#include "dispatch.h"' >>"$tmp/direction/handlers/read.c"
expect_fail direction "handlers/read.c includes dispatch.h"
echo "include_cycles.py refuses a circle and a handler that includes dispatch.h"
