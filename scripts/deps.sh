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
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "stdreg: installing ${missing[*]}" >&2
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
