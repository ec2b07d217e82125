#!/usr/bin/env bash
# npm run demo: install what is needed, build, bring up a lab, show it working.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
if [ ! -f dist/src/cli/main.js ] || ! grep -q "'lab'" dist/src/cli/main.js 2>/dev/null; then
  echo "demo: the lab (lagless lab up) is not built yet; see the open issues" >&2
  exit 1
fi
exec bash lab/demo.sh
