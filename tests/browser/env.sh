# What the browser tests need, found or failed on (never skipped: scripts/deps.sh installs it
# all, so a missing piece is a broken machine). Source it; it exports CHROMIUM for run.mjs.
browser_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v node >/dev/null; then
	echo "FAIL: cannot run the browser tests (node not found; scripts/deps.sh installs nodejs)" >&2
	exit 1
fi
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	echo "FAIL: cannot run the browser tests ('$CHROMIUM' not found; scripts/deps.sh installs chromium)" >&2
	exit 1
fi
export CHROMIUM
for m in playwright-core axe-core; do
	if [ ! -f "$browser_dir/node_modules/$m/package.json" ]; then
		echo "FAIL: cannot run the browser tests ($m not installed in tests/browser; scripts/deps.sh runs npm ci there)" >&2
		exit 1
	fi
done
