// Latest-wins throttling for continuous runs: at most one delivery per interval, always the newest value,
// and nothing left behind when the run stops. Single steps bypass it with `flush`.

export class LatestThrottle<T> {
  private pending: { value: T } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDelivered = -Infinity;

  constructor(
    private readonly deliver: (value: T) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  push(value: T): void {
    this.pending = { value };
    const wait = this.lastDelivered + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  /** Delivers the newest pending value now (or `value`, replacing it). */
  flush(value?: T): void {
    if (value !== undefined) this.pending = { value };
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const { value: latest } = this.pending;
    this.pending = undefined;
    this.lastDelivered = this.now();
    this.deliver(latest);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
