#!/usr/bin/env bash
# A new machine, from nothing to stepping through backprop: installs the project, builds it, trains
# examples/xor.nn.yaml from the command line, then starts a real VS Code in the browser (the same offline
# VS Code 1.100 the tests use) with the extension loaded and the XOR example open, and prints its address.
# Each stage says what it does and how long it took; what is already done is skipped, so a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { printf '\n\033[1m[try %s] %s\033[0m\n' "$1" "$2"; STARTED=$SECONDS; }
done_in() { printf '  done in %ss\n' $((SECONDS - STARTED)); }

stage 1/4 'npm dependencies'
# npm ci writes node_modules/.package-lock.json; when it matches package-lock.json the install is current.
if [ -f node_modules/.package-lock.json ] && node -e '
    const lock = require("./package-lock.json").packages;
    const installed = require("./node_modules/.package-lock.json").packages;
    for (const [path, entry] of Object.entries(lock)) {
      if (!path || entry.optional || entry.peer) continue; // optional: binaries for other platforms, never installed here
      if (installed[path]?.version !== entry.version) process.exit(1);
    }
  ' 2>/dev/null; then
  echo '  up to date (node_modules matches package-lock.json): skipping npm ci'
else
  echo '  npm ci (about a minute the first time)…'
  npm ci --no-audit --no-fund
  done_in
fi

stage 2/4 'build (extension, worker, webview, CLI)'
npm run build --silent
done_in

stage 3/4 'train examples/xor.nn.yaml from the command line'
node dist/cli.js train examples/xor.nn.yaml

stage 4/4 'offline VS Code 1.100 (code-server build) and its system packages'
if [ -d .vscode-offline ] && [ -n "$(ls -A .vscode-offline 2>/dev/null)" ]; then
  echo '  present in .vscode-offline/: checking it (setup.sh skips what is installed)'
else
  echo '  first install: downloads code-server and, through apt (as root), chromium, ripgrep and libkrb5-dev…'
fi
bash scripts/vscode-offline/setup.sh
done_in
echo
echo 'Starting VS Code in the browser on 127.0.0.1 only (not reachable from other machines); open the address below.'
exec node scripts/vscode-offline/serve.mjs "${PORT:-8090}"
