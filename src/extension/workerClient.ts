// The extension host's end of the training worker: typed requests out, typed events in.

import { Worker } from 'node:worker_threads';
import type { WorkerEvent, WorkerRequest } from '../protocol';

export class WorkerClient {
  private readonly worker: Worker;
  private exited = false;

  constructor(script: string, onEvent: (event: WorkerEvent) => void, onExit: (code: number) => void) {
    this.worker = new Worker(script);
    this.worker.on('message', onEvent);
    this.worker.on('error', (error) => onEvent({ type: 'error', message: `training worker failed: ${error.message}` }));
    this.worker.on('exit', (code) => {
      this.exited = true;
      onExit(code);
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  send(request: WorkerRequest): void {
    if (!this.exited) this.worker.postMessage(request);
  }

  async terminate(): Promise<void> {
    if (!this.exited) await this.worker.terminate();
  }
}
