// Lets @vscode/test-cli (mocha, for contributors with internet access) run the same suite as the offline runner.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './index';

declare function suite(name: string, body: () => void): void;
declare function test(name: string, body: () => Promise<void>): void;

suite('Backprop Debugger in VS Code', () => {
  test('extension-host suite', async () => {
    process.env.EXT_TEST_RESULT = join(tmpdir(), `backprop-ext-${process.pid}.json`);
    await run();
    const result = JSON.parse(readFileSync(process.env.EXT_TEST_RESULT, 'utf8'));
    rmSync(process.env.EXT_TEST_RESULT, { force: true });
    if (result.failed > 0)
      throw new Error(
        result.failures.map((f: { name: string; error: string }) => `${f.name}: ${f.error}`).join('\n\n'),
      );
  });
});
