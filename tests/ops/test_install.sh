#!/usr/bin/env bash
# meson install --destdir lays out exactly the files of install-files.txt, and a program
# built against the staged libstdreg.pc (and nothing else of the tree) compiles, links and
# runs.
set -euo pipefail
: "${BUILD_ROOT:?}" "${EXPECTED:?}" "${CONSUMER:?}" "${CC:=cc}"
for v in BINDIR SBINDIR LIBDIR INCLUDEDIR DATADIR MANDIR SYSCONFDIR UNITDIR; do
	: "${!v:?$v must be set by meson}"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage

if ! meson install -C "$BUILD_ROOT" --no-rebuild --destdir "$stage" >"$tmp/install.log" 2>&1; then
	echo "FAIL: meson install:" >&2
	cat "$tmp/install.log" >&2
	exit 1
fi

while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	if [[ $line == 'man '* ]]; then
		[ "${HAVE_SCDOC:-false}" = true ] || continue
		line=${line#man }
	fi
	line=${line//@bindir@/$BINDIR}
	line=${line//@sbindir@/$SBINDIR}
	line=${line//@libdir@/$LIBDIR}
	line=${line//@includedir@/$INCLUDEDIR}
	line=${line//@datadir@/$DATADIR}
	line=${line//@mandir@/$MANDIR}
	line=${line//@sysconfdir@/$SYSCONFDIR}
	line=${line//@unitdir@/$UNITDIR}
	echo "$line"
done <"$EXPECTED" | sort >"$tmp/expected"
(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort) >"$tmp/actual"

if ! diff -u "$tmp/expected" "$tmp/actual" >"$tmp/diff"; then
	echo "FAIL: installed files differ from tests/ops/install-files.txt (- expected, + installed):" >&2
	cat "$tmp/diff" >&2
	exit 1
fi

# The systemd unit names the installed daemon and configuration.
grep -qxF "ExecStart=$SBINDIR/registryd --config $SYSCONFDIR/stdreg/registryd.conf --data /var/lib/stdreg" \
	"$stage$UNITDIR/registryd.service" || {
	echo "FAIL: the installed unit's ExecStart does not name $SBINDIR/registryd" >&2
	grep ExecStart "$stage$UNITDIR/registryd.service" >&2
	exit 1
}

# A consumer through pkg-config only. PKG_CONFIG_SYSROOT_DIR puts the staging directory
# in front of the -I and -L paths of the .pc file.
export PKG_CONFIG_PATH=$stage$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage
cflags=$(pkg-config --cflags libstdreg)
libs=$(pkg-config --libs libstdreg)
# shellcheck disable=SC2086
if ! "$CC" -std=c11 -Wall -Werror ${CONSUMER_CFLAGS:-} -o "$tmp/consumer" "$CONSUMER" $cflags $libs 2>"$tmp/cc.log"; then
	echo "FAIL: cannot build a consumer with pkg-config libstdreg ($cflags $libs):" >&2
	cat "$tmp/cc.log" >&2
	exit 1
fi
LD_LIBRARY_PATH=$stage$LIBDIR "$tmp/consumer"
echo "ok: install layout and pkg-config consumer"
