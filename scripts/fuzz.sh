#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz and runs each one for
# SECONDS (default 30) on a copy of its seed corpus plus the kept regression inputs.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (docs/fuzzing.md: long runs, crashers)
# Environment: FUZZ_JOBS (parallel workers per target, default 1), FUZZ_WORK (where the
# growing corpora and crash files go, default build-fuzz/fuzz-work), FUZZ_FLAGS (more
# libFuzzer flags, after the script's own, which they override: docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_validate fuzz_dispatch fuzz_json_record fuzz_jsonl fuzz_csv fuzz_pbjson fuzz_http)

if ! command -v clang >/dev/null; then
	echo "stdreg: fuzz: clang is not installed (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi

# The whole project is instrumented for coverage (fuzzer-no-link) and sanitized; only the
# fuzz targets link libFuzzer itself.
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debugoptimized -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
meson compile -C build-fuzz "${targets[@]}" >/dev/null

root=$PWD
work=${FUZZ_WORK:-build-fuzz/fuzz-work}
mkdir -p "$work"
work=$(cd "$work" && pwd)
jobs=${FUZZ_JOBS:-1}
parallel=()
# libFuzzer writes each job's output to fuzz-N.log in the current directory (the target's
# work directory below).
if [ "$jobs" -gt 1 ]; then
	parallel=(-jobs="$jobs" -workers="$jobs")
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for t in "${targets[@]}"; do
	mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
	seeds=("$root"/tests/fuzz/corpus/"$t")
	[ -d tests/fuzz/regressions/"$t" ] && seeds+=("$root"/tests/fuzz/regressions/"$t")
	dict=()
	[ -f tests/fuzz/"$t".dict ] && dict=(-dict="$root"/tests/fuzz/"$t".dict)
	echo "stdreg: fuzz: $t for ${seconds}s" >&2
	# The new inputs go to the first corpus directory only: the checked-in seeds stay as
	# they are.
	if ! (cd "$work/$t" && "$root"/build-fuzz/tests/fuzz/"$t" -max_total_time="$seconds" \
		"${parallel[@]}" -max_len=65536 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
		"${dict[@]}" ${FUZZ_FLAGS:-} -artifact_prefix="$work/$t/artifacts/" "$work/$t/corpus" "${seeds[@]}" \
		>"$work/$t/log" 2>&1); then
		echo "stdreg: fuzz: $t FAILED; see $work/$t/log and $work/$t/artifacts/" >&2
		tail -n 40 "$work/$t/log" >&2
		status=1
	else
		grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "$work/$t/log" |
			sed "s/^/stdreg: fuzz: $t /" >&2 || true
	fi
done
exit $status
