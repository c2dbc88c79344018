#!/usr/bin/env bash
# Builds stdreg if needed and runs registryd on the embedded default store
# (./stdreg-data, tcp://127.0.0.1:7420). Extra arguments go to registryd.
# On the first start of an empty store it loads the demo data set (data/demo.jsonl),
# so `regctl gaps` shows something real at once; STDREG_NO_DEMO=1 skips that.
# --help prints this script's usage and registryd's options; --version and
# --check-config go straight to registryd. None of them touches a store.
# STDREG_BUILD_DIR=DIR runs the binaries already built in DIR (tests) instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."

# --help needs nothing installed or built: this script's own usage, then registryd's
# options if it is built already.
for a in "$@"; do
	case "$a" in
	--help | -h)
		cat <<'USAGE'
usage: scripts/run.sh [REGISTRYD OPTIONS]

Installs what is missing (apt-get), builds stdreg in ./build and runs registryd on
./stdreg-data, listening on tcp://127.0.0.1:7420 (regctl) and http://127.0.0.1:7480
(the Connect protocol, the change feed and the web view). Options are registryd's and
override those defaults (--data DIR, --listen URL, --http-listen URL, ...).

The first start of an empty store creates its admin principal (the token is printed
once) and loads the demo data set data/demo.jsonl.

environment:
  STDREG_NO_DEMO=1      do not load the demo data on a first start
  STDREG_BUILD_DIR=DIR  run the binaries already built in DIR instead of building
USAGE
		reg=${STDREG_BUILD_DIR:-build}/registryd/registryd
		if [ -x "$reg" ]; then
			echo
			"$reg" --help
		else
			printf '\nregistryd options: see docs/registryd.8.scd (or run.sh --help once built)\n'
		fi
		exit 0
		;;
	esac
done

if [ -n "${STDREG_BUILD_DIR:-}" ]; then
	build=$STDREG_BUILD_DIR
else
	build=build
	scripts/deps.sh
	[ -f build/build.ninja ] || meson setup build >/dev/null
	meson compile -C build >/dev/null
fi
registryd=$build/registryd/registryd
regctl=$build/client/regctl

# Also the HTTP face (README: "Calling registryd over HTTP"), unless asked for elsewhere.
[[ " $* " == *" --http-listen"* ]] || set -- --http-listen http://127.0.0.1:7480 "$@"
data=./stdreg-data
endpoint=tcp://127.0.0.1:7420
web=
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case "${args[$i]}" in
	--version | --check-config) exec "$registryd" "$@" ;;
	--data) data=${args[$((i + 1))]:-$data} ;;
	--data=*) data=${args[$i]#--data=} ;;
	--listen) endpoint=${args[$((i + 1))]:-$endpoint} ;;
	--listen=*) endpoint=${args[$i]#--listen=} ;;
	--http-listen) [ -n "$web" ] || web=${args[$((i + 1))]:-} ;;
	--http-listen=*) [ -n "$web" ] || web=${args[$i]#--http-listen=} ;;
	esac
done

# A store needs its first-start work (an admin token, the demo data) while it holds
# nothing: no store yet, or one at revision 0 without principals (say, one that an
# earlier run made but never got to fill).
first_start() {
	[ -e "$data/data.mdb" ] || return 0
	local rev principals
	rev=$("$registryd" check --data "$data" 2>/dev/null |
		sed -n 's/.* revision \([0-9]*\),.*/\1/p')
	principals=$("$registryd" token list --data "$data" 2>/dev/null | tail -n +2 | wc -l)
	[ "$rev" = 0 ] && [ "$principals" = 0 ]
}

echo "stdreg: regctl is $regctl (export PATH=\"$PWD/$build/client:\$PATH\")" >&2
# The public web view (README "Web view") is served on the first HTTP listener.
[ -z "$web" ] || echo "stdreg: the web view is at $web/ (English: $web/en/)" >&2
if ! first_start; then
	exec "$registryd" "$@"
fi

# A new store: make its first admin principal (the token is shown once, here), start the
# daemon, load the demo data once it answers, then stay in the foreground with it (Ctrl-C
# stops it cleanly).
token=$("$registryd" token create --role admin --name admin --data "$data")
cat >&2 <<EOT
stdreg: a new registry in $data. Its admin token (shown only now; only a hash is kept):

    export STDREG_TOKEN=$token

stdreg: more principals: $registryd token create --data $data --role coordinator --name NAME
EOT
"$registryd" "$@" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit $?' INT TERM
for _ in $(seq 1 100); do
	"$regctl" --endpoint "$endpoint" area list --limit 1 >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { wait $pid; exit $?; }
	sleep 0.1
done
if [ "${STDREG_NO_DEMO:-0}" = 1 ]; then
	wait $pid
	exit $?
fi
echo "stdreg: loading the demo data set (data/demo.jsonl: sample data) into $data" >&2
STDREG_TOKEN=$token "$regctl" --endpoint "$endpoint" apply -f data/demo.jsonl \
	--decision "demo data set" >&2 || echo "stdreg: demo data not loaded" >&2
wait $pid
