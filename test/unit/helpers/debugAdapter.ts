// Builds the standalone debug adapter and the worker side by side once per test process (as dist/ has them),
// and starts DebugClient sessions over stdin/stdout against it: the same DAP session any client would have.
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.join(import.meta.dirname, '../../..');
let built: string | undefined;

export function adapterScript(): string {
  if (built) return built;
  const dir = mkdtempSync(path.join(tmpdir(), 'backprop-dap-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const [entry, out] of [
    ['src/worker/trainingWorker.ts', 'worker.js'],
    ['src/debug/debugAdapter.ts', 'debugAdapter.js'],
  ])
    buildSync({
      entryPoints: [path.join(root, entry)],
      outfile: path.join(dir, out),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
    });
  built = path.join(dir, 'debugAdapter.js');
  return built;
}

export const example = (name: string) => path.join(root, 'examples', name);

export async function startClient(): Promise<DebugClient> {
  const client = new DebugClient('node', adapterScript(), 'backprop');
  client.defaultTimeout = 8000;
  await client.start();
  return client;
}

/** `run` against a client of its own, stopped afterwards whether `run` passed or threw. */
export async function withClient(run: (client: DebugClient) => Promise<void>): Promise<void> {
  const client = await startClient();
  try {
    await run(client);
  } finally {
    await client.stop();
  }
}

export interface LaunchArgs {
  model: string;
  stopOnEntry?: boolean;
  epochs?: number;
  stepGranularity?: string;
}

/** initialize → launch, with breakpoints (line → options) and filters set when the adapter asks for them. */
export async function launchWith(
  client: DebugClient,
  args: LaunchArgs,
  breakpoints: (DebugProtocol.SourceBreakpoint & { path?: string })[] = [],
  filters?: string[],
): Promise<DebugProtocol.SetBreakpointsResponse | undefined> {
  let placed: DebugProtocol.SetBreakpointsResponse | undefined;
  await Promise.all([
    client.waitForEvent('initialized').then(async () => {
      if (breakpoints.length > 0)
        placed = await client.setBreakpointsRequest({
          source: { path: breakpoints[0].path ?? args.model },
          breakpoints: breakpoints.map(({ path: _path, ...bp }) => bp),
        });
      if (filters) await client.setExceptionBreakpointsRequest({ filters });
      await client.configurationDoneRequest();
    }),
    client.launch(args),
  ]);
  return placed;
}

export interface Stop {
  event: DebugProtocol.StoppedEvent;
  frames: DebugProtocol.StackFrame[];
}

/**
 * Sends a request and waits for the stop it causes. The listener goes first: a fast worker's stop can arrive in
 * the same chunk as the response, before an `await` on the response would get to listen.
 */
export async function stopAfter(client: DebugClient, request: () => Promise<unknown>): Promise<Stop> {
  const stopped = client.waitForEvent('stopped');
  await request();
  const event = (await stopped) as DebugProtocol.StoppedEvent;
  const frames = (await client.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  return { event, frames };
}

/** Launches and waits for the first stop. */
export async function launchStopped(
  client: DebugClient,
  args: LaunchArgs,
  breakpoints: DebugProtocol.SourceBreakpoint[] = [],
  filters?: string[],
): Promise<Stop & { placed?: DebugProtocol.SetBreakpointsResponse }> {
  let placed: DebugProtocol.SetBreakpointsResponse | undefined;
  const stop = await stopAfter(client, async () => (placed = await launchWith(client, args, breakpoints, filters)));
  return { ...stop, ...(placed ? { placed } : {}) };
}

export const THREAD = { threadId: 1 };

export async function evaluate(client: DebugClient, expression: string, frameId?: number): Promise<string> {
  const response = await client.evaluateRequest({ expression, ...(frameId ? { frameId } : {}), context: 'watch' });
  return response.body.result;
}
