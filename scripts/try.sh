#!/usr/bin/env bash
# A new machine, from nothing to a trained example: installs the project, builds it, and trains
# examples/xor.nn.yaml from the command line (then shows the worked example's gradients).
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund
npm run build
echo
node dist/cli.js train examples/xor.nn.yaml
echo
node dist/cli.js trace examples/worked-example.nn.yaml
