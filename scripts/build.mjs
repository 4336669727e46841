// Bundles every entry point with esbuild: the CLI and worker (Node), the extension host (CommonJS, `vscode`
// external) and the webview (browser). Entries that do not exist yet are skipped so the build stays green
// while the project grows. `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};
const entries = [
  { ...node, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['src/worker/trainingWorker.ts'], outfile: 'dist/worker.js' },
  { ...node, entryPoints: ['src/debug/debugAdapter.ts'], outfile: 'dist/debugAdapter.js' },
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
  },
].filter((options) => existsSync(options.entryPoints[0]));

// The codicon font and stylesheet go beside the webview bundle: vscode-elements' icons link it by id.
mkdirSync('dist', { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf'])
  copyFileSync(`node_modules/@vscode/codicons/dist/${file}`, `dist/${file}`);

if (watch) {
  for (const options of entries) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(entries.map((options) => esbuild.build(options)));
}
