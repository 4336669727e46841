#!/usr/bin/env bash
# A new machine, from nothing to stepping through backprop: installs the project, builds it, trains
# examples/xor.nn.yaml from the command line, then starts a real VS Code in the browser (the same offline
# VS Code 1.100 the tests use) with the extension loaded and the XOR example open, and prints its address.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund
npm run build
echo
node dist/cli.js train examples/xor.nn.yaml
echo
bash scripts/vscode-offline/setup.sh
exec node scripts/vscode-offline/serve.mjs "${PORT:-8090}"
