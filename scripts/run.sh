#!/usr/bin/env bash
# Builds stdreg if needed and runs registryd on the embedded default store
# (./stdreg-data, tcp://127.0.0.1:7420). Extra arguments go to registryd.
# On the first start of an empty store it loads the demo data set (data/demo.jsonl),
# so `regctl gaps` shows something real at once; STDREG_NO_DEMO=1 skips that.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null

data=./stdreg-data
endpoint=tcp://127.0.0.1:7420
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case "${args[$i]}" in
	--data) data=${args[$((i + 1))]:-$data} ;;
	--data=*) data=${args[$i]#--data=} ;;
	--listen) endpoint=${args[$((i + 1))]:-$endpoint} ;;
	--listen=*) endpoint=${args[$i]#--listen=} ;;
	esac
done

echo "stdreg: regctl is build/client/regctl (export PATH=\"$PWD/build/client:\$PATH\")" >&2
if [ -e "$data/data.mdb" ] || [ "${STDREG_NO_DEMO:-0}" = 1 ]; then
	exec build/registryd/registryd "$@"
fi

# A new store: start the daemon, load the demo data once it answers, then stay in the
# foreground with it (Ctrl-C stops it cleanly).
build/registryd/registryd "$@" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit $?' INT TERM
for _ in $(seq 1 100); do
	build/client/regctl --endpoint "$endpoint" area list --limit 1 >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { wait $pid; exit $?; }
	sleep 0.1
done
echo "stdreg: loading the demo data set (data/demo.jsonl: sample data) into $data" >&2
build/client/regctl --endpoint "$endpoint" apply -f data/demo.jsonl >&2 || echo "stdreg: demo data not loaded" >&2
wait $pid
