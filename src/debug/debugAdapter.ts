// `node dist/debugAdapter.js`: the Backprop debugger over stdin/stdout, for any Debug Adapter Protocol client
// (nvim-dap, Emacs dap-mode, Theia, VS Code itself). It parses the model file itself and trains in
// dist/worker.js beside this file.

import * as path from 'node:path';
import { BackpropDebugSession } from './backpropDebug';
import { readModelText, standaloneOpener } from './standaloneOpener';

const workerScript = process.env.BACKPROP_WORKER ?? path.join(__dirname, 'worker.js');

const session = new BackpropDebugSession({
  open: standaloneOpener(workerScript),
  readText: readModelText,
  // Give the last response time to leave before the process goes.
  onShutdown: () => setTimeout(() => process.exit(0), 100),
});
process.on('SIGTERM', () => session.shutdown());
// The client went away without a disconnect: nothing is left to answer.
process.stdin.on('end', () => session.shutdown());
session.start(process.stdin, process.stdout);
