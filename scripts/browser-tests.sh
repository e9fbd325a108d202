#!/usr/bin/env bash
# End-to-end browser tests of `lbos serve`: installs Chromium (Debian) and playwright-core (npm)
# when missing, builds the release binary unless LBOS_BIN names one, and runs the suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ ! -x /usr/bin/chromium ]; then
  echo "browser-tests: installing chromium" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
if ! command -v node >/dev/null; then
  echo "browser-tests: installing nodejs and npm" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
if [ -z "${LBOS_BIN:-}" ]; then
  cargo build --release -p lbos-cli
  target_dir="${CARGO_TARGET_DIR:-$root/target}"
  export LBOS_BIN="$target_dir/release/lbos"
fi
cd tests/browser
exec node --test --test-concurrency=1 --test-reporter=spec serve.test.js
