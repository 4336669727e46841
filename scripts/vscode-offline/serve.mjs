// Serves a real VS Code (the offline build the tests use) with Backprop Debugger loaded from this checkout
// and a copy of the examples open, and prints the address to open in a browser. Ctrl-C stops it.
// Usage: node scripts/vscode-offline/serve.mjs [PORT]
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, workbenchUrl } from './harness.mjs';

const port = Number(process.argv[2] ?? process.env.PORT ?? 8090);
// Outside the repository, so VS Code does not offer to open this project's git repository.
const workspace = join(tmpdir(), 'backprop-debugger-try');
if (!existsSync(workspace)) {
  mkdirSync(workspace, { recursive: true });
  cpSync(join(ROOT, 'examples'), workspace, { recursive: true });
}
const server = await startServer({ port });
const url = workbenchUrl(server.port, workspace, {
  extensionDevelopmentPath: ROOT,
  openFile: join(workspace, 'xor.nn.yaml'),
});
console.log(`\nVS Code with Backprop Debugger is running. Open this address in a browser:\n\n  ${url}\n`);
console.log(
  'Then press F1 and run "Backprop: Train" (or F5 in the editor), and step with F11 / F10. Ctrl-C stops the server.',
);
await new Promise(() => {});
