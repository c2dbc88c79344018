#!/usr/bin/env bash
# A benchmark of the web view (not a test): pages per second of the start, area and report
# pages, and of a revalidated area page (If-None-Match -> 304), over keep-alive HTTP at 1,
# 16 and 64 connections, beside nginx serving the same bytes as a static file in the same
# run. Needs ab (Debian: apache2-utils) and nginx.
#
#   tests/web/bench_web.sh [BUILD_DIR] [ITEMS...]     (defaults: build, 10000)
#
# Each figure is ab's "Requests per second" over SECONDS_PER_RUN seconds (default 5) a run.
# PAGES (default "start area report") names the pages to measure; the area page's 304 is
# always measured.
set -euo pipefail
build=${1:-build}
shift || true
sizes=("${@:-10000}")
seconds=${SECONDS_PER_RUN:-5}
declare -A page_path=([start]=/ [area]=/omraden/area-00000 [report]=/rapport)
read -r -a pages <<<"${PAGES:-start area report}"
for name in "${pages[@]}"; do
	[ -n "${page_path[$name]:-}" ] || { echo "bench_web: no page '$name' (start, area, report)" >&2; exit 2; }
done
for tool in ab nginx; do
	command -v "$tool" >/dev/null || command -v "/usr/sbin/$tool" >/dev/null || {
		echo "bench_web: cannot run (missing '$tool'; apt-get install apache2-utils nginx)" >&2
		exit 1
	}
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stdreg-bench-web.XXXXXX")
daemon= ngx=
cleanup() {
	[ -z "$daemon" ] || { kill -TERM "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null || true; }
	[ -z "$ngx" ] || "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -s stop 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# rps URL CONNECTIONS [ab args...]: requests per second; a warning on stderr when the
# server kept no connection alive (each request then paid for a connection of its own).
rps() {
	local url=$1 conc=$2
	shift 2
	{ ab -q -k -t "$seconds" -n 10000000 -c "$conc" "$@" "$url" 2>/dev/null || true; } |
		awk -v url="$url" '/^Requests per second/ { printf "%.0f", $4 }
			/^Keep-Alive requests/ && $3 == 0 { printf "bench_web: %s kept no connection alive\n", url > "/dev/stderr" }'
}

printf '%-10s %-22s %5s %10s %10s %6s\n' items page conns registryd nginx ratio
for n in "${sizes[@]}"; do
	rm -rf "$tmp/data" "$tmp/nginx"
	mkdir -p "$tmp/nginx/html/en" "$tmp/nginx/logs"
	token=$("$build/registryd/registryd" token create --role admin --name bench --data "$tmp/data")
	port=$(free_port) hport=$(free_port) nport=$(free_port)
	"$build/registryd/registryd" --data "$tmp/data" --listen "tcp://127.0.0.1:$port" --no-sync \
		--http-listen "http://127.0.0.1:$hport" --http-max-per-address 256 2>"$tmp/daemon.log" &
	daemon=$!
	for _ in $(seq 1 100); do grep -q 'msg=ready' "$tmp/daemon.log" && break; sleep 0.1; done
	"$build/tests/bench/stdreg-gen" --items "$n" --seed 1 >"$tmp/gen.jsonl"
	# In parts: one apply is one upload, at most 256 MiB.
	rm -f "$tmp"/part-*
	split -l 200000 "$tmp/gen.jsonl" "$tmp/part-"
	for part in "$tmp"/part-*; do
		STDREG_TOKEN=$token "$build/client/regctl" --endpoint "tcp://127.0.0.1:$port" apply \
			-f "$part" >/dev/null
	done
	base=http://127.0.0.1:$hport
	# The same bytes as static files for nginx, one per page.
	# The first request of each renders it (the cache is empty): its time is printed too.
	for name in area "${pages[@]}"; do
		t=$(curl -s -o "$tmp/nginx/html/$name.html" -w '%{time_total}' "$base${page_path[$name]}")
		printf 'first render of %s at %s items: %s s\n' "$name" "$n" "$t" >&2
	done
	cat >"$tmp/nginx/nginx.conf" <<NGX
worker_processes 2;
error_log $tmp/nginx/logs/error.log;
pid $tmp/nginx/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	server { listen 127.0.0.1:$nport; root $tmp/nginx/html; }
}
NGX
	"$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf"
	ngx=1
	for name in "${pages[@]}"; do
		path=${page_path[$name]}
		for c in 1 16 64; do
			a=$(rps "$base$path" "$c")
			b=$(rps "http://127.0.0.1:$nport/$name.html" "$c")
			printf '%-10s %-22s %5s %10s %10s %6s\n' "$n" "$name" "$c" "$a" "$b" \
				"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
		done
	done
	# Revalidation: each side's own validator, 304 without a body.
	etag=$(curl -s -D - -o /dev/null "$base/omraden/area-00000" | sed -n 's/^ETag: //Ip' | tr -d '\r')
	netag=$(curl -s -D - -o /dev/null "http://127.0.0.1:$nport/area.html" | sed -n 's/^ETag: //Ip' | tr -d '\r')
	for c in 1 16 64; do
		a=$(rps "$base/omraden/area-00000" "$c" -H "If-None-Match: $etag")
		b=$(rps "http://127.0.0.1:$nport/area.html" "$c" -H "If-None-Match: $netag")
		printf '%-10s %-22s %5s %10s %10s %6s\n' "$n" "area 304" "$c" "$a" "$b" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
	done
	"$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -s stop
	ngx=
	kill -TERM "$daemon"
	wait "$daemon" 2>/dev/null || true
	daemon=
done
