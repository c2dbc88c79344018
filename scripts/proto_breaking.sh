#!/usr/bin/env bash
# Checks that proto/ breaks neither the wire format nor the JSON mapping of an earlier
# commit (buf's WIRE_JSON rules, proto/buf.yaml): clients generated from proto/ in other
# languages must keep working. A deliberate break is a new package (stdreg.v2).
#
#   scripts/proto_breaking.sh [REF]     REF: the commit to compare with (default HEAD~1)
#
# The checkout compared is the one this script is in, or $PROTO_REPO. Skipped, with a
# message, when there is no git history or REF has no proto/. The buf CLI is the npm
# package pinned in tools/package-lock.json, installed with npm ci when missing.
set -euo pipefail
tools="$(cd "$(dirname "$0")/../tools" && pwd)"
repo="${PROTO_REPO:-$(cd "$(dirname "$0")/.." && pwd)}"
ref="${1:-HEAD~1}"
cd "$repo"

if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "proto_breaking: skipped (no git history in '$repo')"
	exit 0
fi
if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
	echo "proto_breaking: skipped (no commit '$ref' to compare with)"
	exit 0
fi
if [ -z "$(git ls-tree -r --name-only "$ref" -- proto | grep '\.proto$' || true)" ]; then
	echo "proto_breaking: skipped ('$ref' has no .proto files in proto/)"
	exit 0
fi

buf="$tools/node_modules/.bin/buf"
if [ ! -x "$buf" ]; then
	if ! command -v npm >/dev/null; then
		echo "proto_breaking: cannot check proto/ (buf is not installed and npm is missing)" >&2
		exit 1
	fi
	echo "proto_breaking: installing buf from tools/package-lock.json" >&2
	npm ci --prefix "$tools" --no-audit --no-fund --silent >&2
fi

before=$(mktemp -d "${TMPDIR:-/tmp}/stdreg-proto.XXXXXX")
trap 'rm -rf "$before"' EXIT
git archive "$ref" proto | tar -x -C "$before"
# Only the .proto files and the module's config: proto/ also holds C sources.
if (cd proto && "$buf" breaking --against "$before/proto"); then
	echo "proto_breaking: proto/ is wire and JSON compatible with $(git rev-parse --short "$ref")"
else
	echo "proto_breaking: proto/ breaks clients of $(git rev-parse --short "$ref") (see above; a deliberate break needs a new package, stdreg.v2)" >&2
	exit 1
fi
