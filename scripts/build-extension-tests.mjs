// Bundles the extension-host test suite (and its mocha adapter for @vscode/test-cli) into out/, and lays out
// the workspace it runs in: the examples plus the broken model file the diagnostics tests need.
import { build } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';

await build({
  entryPoints: ['test/extension/index.ts', 'test/extension/mocha-adapter.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode', 'mocha'],
  outdir: 'out/test/extension',
  logLevel: 'warning',
});
rmSync('out/test/workspace', { recursive: true, force: true });
cpSync('examples', 'out/test/workspace', { recursive: true });
cpSync('test/extension/workspace', 'out/test/workspace', { recursive: true });
