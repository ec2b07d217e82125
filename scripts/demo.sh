#!/usr/bin/env bash
# npm run demo: install what is needed, build, bring up the demo lab, show it working.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
exec bash lab/demo.sh
