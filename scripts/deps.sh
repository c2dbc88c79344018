#!/usr/bin/env bash
# Installs the Debian 12 packages stdreg needs to build, run and test, if any is missing.
# Runs apt-get as root, or through sudo when not root.
set -euo pipefail

packages=(
	gcc libc6-dev meson ninja-build pkg-config cmake
	libnng-dev nng-utils libmbedtls-dev
	libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
	liblmdb-dev lmdb-utils
	libjansson-dev libcmocka-dev libunistring-dev libmicrohttpd-dev
	openssl clang-format jq scdoc python3-protobuf
	clang libclang-rt-14-dev
	chromium
)
# The browser tests (tests/browser) run on Node.js: Debian's nodejs and npm when the machine has
# no node or npm of its own (a newer Node.js that bundles npm is left as it is).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "stdreg: installing ${missing[*]}" >&2
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# playwright-core and axe-core at the versions of tests/browser/package-lock.json. Never a
# browser download: the tests drive Debian's chromium.
browser=$(cd "$(dirname "$0")/../tests/browser" && pwd)
if [ ! -f "$browser/node_modules/playwright-core/package.json" ] ||
	[ ! -f "$browser/node_modules/axe-core/package.json" ]; then
	echo "stdreg: installing tests/browser's npm packages from its package-lock.json" >&2
	npm ci --prefix "$browser" --no-audit --no-fund --silent >&2
fi
