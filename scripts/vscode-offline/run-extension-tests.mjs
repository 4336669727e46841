// Runs test/extension/index.ts inside a real VS Code extension host: bundles it, opens a copy of the test
// workspace with the extension under development, and reads the counts the test module writes (the host's
// exit code does not carry them). Prints `N passed, N failed`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startWorkbench, waitForExtensionHostExit } from './harness.mjs';

const bundle = join(ROOT, 'out/test/extension/index.js');
execFileSync(process.execPath, [join(ROOT, 'scripts/build-extension-tests.mjs')], { cwd: ROOT, stdio: 'inherit' });
const workspace = mkdtempSync(join(tmpdir(), 'backprop-ws-'));
cpSync(join(ROOT, 'out/test/workspace'), workspace, { recursive: true });
const resultFile = join(workspace, '..', `${workspace.split('/').pop()}-result.json`);
rmSync(resultFile, { force: true });
// The copied workspace and the counts file go whether the tests passed, failed or hung.
const removeTemporaryFiles = () => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(resultFile, { force: true });
};

const started = Date.now();
const handle = await startWorkbench({
  workspace,
  extensionDevelopmentPath: ROOT,
  extensionTestsPath: bundle,
  env: { EXT_TEST_RESULT: resultFile },
});
const code = await waitForExtensionHostExit(handle, 240_000);
await handle.close();
let result;
try {
  result = JSON.parse(readFileSync(resultFile, 'utf8'));
} catch {
  result = undefined;
}
if (code === 124 || !result || result.running) {
  console.error(handle.log().slice(-4000));
  for (const name of result?.passedNames ?? []) console.log(`ok ${name}`);
  if (result?.running) console.error(`stuck in: ${result.running}`);
  console.error(code === 124 ? 'extension tests timed out' : `extension host exited with ${code}`);
  console.log(`${result?.passed ?? 0} passed, ${(result?.failed ?? 0) + 1} failed`);
  removeTemporaryFiles();
  process.exit(1);
}
for (const failure of result.failures ?? []) console.error(`FAIL ${failure.name}\n${failure.error}\n`);
for (const name of result.passedNames ?? []) console.log(`ok ${name}`);
console.log(`(extension host tests took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
console.log(`${result.passed} passed, ${result.failed} failed`);
removeTemporaryFiles();
process.exit(result.failed === 0 && result.passed > 0 ? 0 : 1);
