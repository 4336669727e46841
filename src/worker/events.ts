// A tiny typed event emitter shaped like VS Code's `Event<T>` (subscribe, get a disposer back), so the training
// client and the debug runtime can be used from plain Node and adapted to `vscode.Event` without wrapping.

export type Listener<T> = (value: T) => void;
export type Event<T> = (listener: Listener<T>) => { dispose(): void };

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
