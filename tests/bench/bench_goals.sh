#!/usr/bin/env bash
# The goal questions at scale (a benchmark, not a test): a registry of ITEMS work items
# (stdreg-gen) and 10 000 goals with 100 000 check-ins (100 areas, 100 goals each, 10
# check-ins each), then the wall time of the questions a coordinator asks of it through
# regctl, best of three: goal list (every goal, with status as of today), goal list as of a
# past day, goal list of one area, goal list --overdue, report, report --trend quarterly.
#
# usage: tests/bench/bench_goals.sh [BUILD_DIR] [ITEMS]   (default: build-release 1000000)
set -euo pipefail
build=${1:-build-release}
items=${2:-1000000}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/$build"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stdreg-bench-goals.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

port=$((20000 + RANDOM % 20000))
export STDREG_ENDPOINT=tcp://127.0.0.1:$port
STDREG_TOKEN=$("$bin/registryd/registryd" token create --role admin --name bench --data "$tmp/d")
export STDREG_TOKEN
"$bin/registryd/registryd" --data "$tmp/d" --listen "$STDREG_ENDPOINT" --no-sync 2>/dev/null &
pid=$!
sleep 1
regctl() { "$bin/client/regctl" "$@"; }

"$bin/tests/bench/stdreg-gen" --items "$items" >"$tmp/items.jsonl"
awk -v na=100 -v ng=100 -v nf=10 'BEGIN {
	print "{\"kind\": \"agency\", \"id\": \"bench-ag\", \"name\": \"Agency\", \"org_number\": \"556677-8899\"}"
	split("on_track at_risk off_track", st, " ")
	for (a = 1; a <= na; a++) {
		printf "{\"kind\": \"area\", \"id\": \"g%d\", \"name\": \"Area %d\", \"priority\": \"prioritised\", \"rank\": %d}\n", a, a, 1000 + a
		printf "{\"kind\": \"assignment\", \"area_id\": \"g%d\", \"agency_id\": \"bench-ag\", \"role\": \"lead\", \"decision_ref\": \"D-%d\", \"valid_from\": \"2024-01-01\"}\n", a, a
		for (g = 1; g <= ng; g++) {
			printf "{\"kind\": \"goal\", \"id\": \"g%d/%d\", \"area_id\": \"g%d\", \"owner_agency_id\": \"bench-ag\", \"text\": \"Goal %d of area %d\", \"due\": \"%s\", \"decision_ref\": \"D-%d\", \"set_on\": \"2024-02-01\"}\n", a, g, a, g, a, (g % 4 == 0 ? "2025-06-30" : "2027-12-31"), a
			for (f = 1; f <= nf; f++)
				printf "{\"kind\": \"follow_up\", \"id\": \"g%d/%d/%d\", \"goal_id\": \"g%d/%d\", \"type\": \"check_in\", \"as_of\": \"2024-%02d-%02d\", \"status\": \"%s\", \"note\": \"check-in %d\"}\n", a, g, f, a, g, 3 + int((f - 1) / 2), 1 + 14 * ((f - 1) % 2), st[1 + f % 3], f
		}
	}
}' >"$tmp/goals.jsonl"

t0=$(date +%s.%N)
# In parts: one apply is one upload, at most 256 MiB (--max-upload-bytes).
split -l 200000 "$tmp/items.jsonl" "$tmp/part-"
for part in "$tmp"/part-*; do
	regctl apply -f "$part" >/dev/null
done
t1=$(date +%s.%N)
regctl apply -f "$tmp/goals.jsonl" >/dev/null
t2=$(date +%s.%N)
printf 'stdreg goals benchmark: %s work items, 10000 goals, 100000 check-ins (%s, %s)\n' \
	"$items" "$(nproc) cpus" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-44s %8.2f s\n' "apply the work items (--no-sync)" "$(echo "$t1 - $t0" | bc)"
printf '%-44s %8.2f s\n' "apply the goals and check-ins (one commit)" "$(echo "$t2 - $t1" | bc)"

# best of three, in milliseconds; "failed" (with regctl's message on stderr) if any failed
best() {
	local best= s e ms
	for _ in 1 2 3; do
		s=$(date +%s%N)
		if ! "$@" >/dev/null; then
			echo failed
			return
		fi
		e=$(date +%s%N)
		ms=$(((e - s) / 1000000))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best ms"
}
row() { printf '%-44s %11s\n' "$1" "$(best "${@:2}")"; }
row "goal list (10 000 goals, status today)" regctl goal list -o jsonl
row "goal list --as-of 2024-06-01" regctl goal list --as-of 2024-06-01 -o jsonl
row "goal list --area g42 (100 goals)" regctl goal list --area g42 -o jsonl
row "goal list --overdue" regctl goal list --overdue -o jsonl
row "goal get g42/7 --as-of 2024-05-01" regctl goal get g42/7 --as-of 2024-05-01 -o json
# A minute's deadline (regctl's default is 10 s), so that a slow report is timed, not failed.
row "report" regctl --timeout 60000 report -o json
row "report --trend quarterly --from 2024-01-01" regctl --timeout 60000 report --trend quarterly --from 2024-01-01 -o json
