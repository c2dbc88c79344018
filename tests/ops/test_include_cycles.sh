#!/bin/bash
# Fails when registryd/'s files include each other in a circle (issue 14): the dispatcher
# includes the handlers' table, handlers include the call API, never the other way round.
#
# A module is a .c file with its .h (and its private X_int.h): dispatch.c including
# watch.h while watch.h includes dispatch.h is a circle between the modules dispatch and
# watch even though no header includes itself. Each quoted include is resolved as the
# compiler does (the including file's folder, then registryd_inc of registryd/meson.build);
# includes that resolve outside registryd/ (store.h, generated headers) are not edges.
# tsort(1) reports every loop of the graph.
set -eu
src=${1:-${SOURCE_ROOT:-$(dirname "$0")/../..}/registryd}
cd "$src"
dirs=(. rpc handlers nng admin http)

module() { # registryd/rpc/dispatch.h -> rpc/dispatch; nng/server_int.h -> nng/server
	local m=${1#./}
	m=${m%.[ch]}
	echo "${m%_int}"
}

edges=$(
	find . -name '*.[ch]' | sort | while read -r f; do
		from=$(module "$f")
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
			while read -r inc; do
				for d in "$(dirname "$f")" "${dirs[@]}"; do
					if [ -f "$d/$inc" ]; then
						to=$(module "$d/$inc")
						[ "$to" != "$from" ] && echo "$from $to"
						break
					fi
				done
			done
		echo "$from $from" # every module is a node, even one without edges
	done
)
if ! out=$(tsort <<<"$edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
	echo "include circle among registryd/ files:" >&2
	echo "$out" >&2
	exit 1
fi
# The direction itself: handlers include the call API, never the dispatcher's header.
if grep -ln '^[[:space:]]*#[[:space:]]*include[[:space:]]*"dispatch.h"' handlers/*.[ch] >&2; then
	echo "handlers/ include dispatch.h (they include call.h instead)" >&2
	exit 1
fi
echo "no include circle among $(sort -u <<<"$edges" | awk '{print $1}' | sort -u | wc -l) modules of registryd/"
