// Builds the training worker once per test process (esbuild, a fraction of a second) so plain-Node tests drive
// the real worker thread, not a stand-in.
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

let built: string | undefined;

export function workerScript(): string {
  if (built) return built;
  const dir = mkdtempSync(path.join(tmpdir(), 'backprop-worker-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  built = path.join(dir, 'worker.js');
  buildSync({
    entryPoints: [path.join(import.meta.dirname, '../../../src/worker/trainingWorker.ts')],
    outfile: built,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
  });
  return built;
}
