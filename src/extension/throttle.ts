// Latest-wins throttling for continuous runs: at most one delivery per interval, always the newest value,
// and nothing left behind when the run stops. Single steps bypass it with `flush`.

export class LatestThrottle<T> {
  private pending: { value: T } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDelivered = -Infinity;

  /**
   * `combine` joins a value into the one still pending (for values that are deltas, which must not be dropped);
   * without it the newer simply replaces the older.
   */
  constructor(
    private readonly deliver: (value: T) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    private readonly combine: (pending: T, next: T) => T = (_, next) => next,
  ) {}

  push(value: T): void {
    this.pending = { value: this.pending ? this.combine(this.pending.value, value) : value };
    const wait = this.lastDelivered + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  /** Delivers the pending value now (with `value` joined to it). */
  flush(value?: T): void {
    if (value !== undefined) this.pending = { value: this.pending ? this.combine(this.pending.value, value) : value };
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const { value: latest } = this.pending;
    this.pending = undefined;
    this.lastDelivered = this.now();
    this.deliver(latest);
  }

  /** Forgets the pending value (its receiver is about to get everything afresh). */
  cancel(): void {
    this.dispose();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
