// Starts a real VS Code 1.100 (code-server's server from .vscode-offline/, see setup.sh) and opens its
// workbench in Debian's headless chromium. Used by the extension-host tests, the browser end-to-end tests
// and scripts/try.sh. Every process it starts is killed on close, on exit and on a signal.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const VSCODE = join(ROOT, '.vscode-offline/node_modules/code-server/lib/vscode');
const require = createRequire(join(ROOT, '.vscode-offline/package.json'));

const live = new Set();
const cleanup = () => {
  for (const close of live) close();
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (cleanup(), process.exit(130)));

async function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

/** Starts the VS Code server; resolves once it listens. */
export async function startServer({ extensionsDir, env = {}, port } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'backprop-vscode-'));
  port ??= await freePort();
  const args = [
    join(VSCODE, 'out/server-main.js'),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--disable-workspace-trust',
    '--disable-telemetry',
    '--user-data-dir',
    join(tmp, 'user'),
    '--extensions-dir',
    extensionsDir ?? join(tmp, 'extensions'),
  ];
  const server = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    detached: true,
  });
  let log = '';
  const onData = (data) => (log += data);
  server.stdout.on('data', onData);
  server.stderr.on('data', onData);
  const close = () => {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    rmSync(tmp, { recursive: true, force: true });
    live.delete(close);
  };
  live.add(close);
  const started = Date.now();
  while (!log.includes('Extension host agent listening')) {
    if (server.exitCode !== null || Date.now() - started > 60_000) {
      close();
      throw new Error(`VS Code server did not start:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, server, log: () => log, close, tmp };
}

/** The workbench URL for a folder, loading a development extension and/or a test module. */
export function workbenchUrl(port, workspace, { extensionDevelopmentPath, extensionTestsPath, openFile } = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${resolve(p)}`;
  const payload = [];
  if (openFile) payload.push(['openFile', remote(openFile)]);
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const query = `folder=${encodeURIComponent(resolve(workspace))}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
  return `http://127.0.0.1:${port}/?${query}`;
}

/** Starts the server and opens the workbench in headless chromium. */
export async function startWorkbench({
  workspace,
  extensionDevelopmentPath,
  extensionTestsPath,
  extensionsDir,
  env,
  viewport = { width: 1600, height: 1000 },
}) {
  const server = await startServer({ extensionsDir, env });
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  const closeBrowser = () => void browser.close().catch(() => {});
  live.add(closeBrowser);
  const page = await browser.newPage({ viewport });
  const url = workbenchUrl(server.port, workspace, { extensionDevelopmentPath, extensionTestsPath });
  await page.goto(url);
  return {
    page,
    browser,
    url,
    log: server.log,
    async close() {
      await browser.close().catch(() => {});
      live.delete(closeBrowser);
      server.close();
    },
  };
}

/** Resolves with the extension host's exit code (VS Code logs it), or 124 after `timeoutMs`. */
export async function waitForExtensionHostExit(handle, timeoutMs) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const match = /Extension Host Process exited with code: (\d+)/.exec(handle.log());
    if (match) return Number(match[1]);
    await new Promise((r) => setTimeout(r, 200));
  }
  return 124;
}
