#!/usr/bin/env bash
# A real VS Code 1.100.3, offline: the code-server 4.100.3 build from npm (it runs on Node 20), plus Debian's
# chromium and playwright-core to drive its workbench. Installs into .vscode-offline/ (git-ignored), outside
# the project's own dependencies, because its install scripts must be skipped and its native modules rebuilt.
# Idempotent: a second run is a no-op.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD/.vscode-offline"
MARKER="$ROOT/.ready-4.100.3"
[ -f "$MARKER" ] && exit 0

missing=()
for pkg in chromium ripgrep libkrb5-dev; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$ROOT"
cd "$ROOT"
[ -f package.json ] || echo '{ "name": "vscode-offline", "private": true }' > package.json
npm install --no-save --ignore-scripts --no-audit --no-fund code-server@4.100.3 playwright-core@1.65.1 >/dev/null
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin
cp /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
npm_config_yes=true npm rebuild @parcel/watcher @vscode/spdlog kerberos native-watchdog node-pty @vscode/deviceid >/dev/null
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server) || true
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh) || true
(cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
touch "$MARKER"
echo "offline VS Code ready in $ROOT"
