// For contributors with internet access: `npm run test:electron` downloads VS Code and runs the
// extension-host suite there through mocha. (Offline, `npm run test:extension` runs the same suite in the
// code-server build of VS Code 1.100 instead.)
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/extension/mocha-adapter.js',
  workspaceFolder: './out/test/workspace',
  version: '1.100.3',
  mocha: { ui: 'tdd', timeout: 180000 },
});
