// Paces updates to the panel by what it has drawn, not only by the clock: an update goes out when the webview has
// acknowledged the previous one (or a moment has passed, for a hidden panel that draws nothing). On a busy machine
// a webview that draws slower than the worker trains would otherwise queue messages without bound, and Pause
// would be seen seconds late. Updates are deltas, so those held back are joined, never dropped.

export class UpdatePump<T> {
  private pending: T | undefined;
  private awaitingAck = false;
  private lastSent = -Infinity;
  /** How long the receiver took to draw the last update: the next waits at least as long again. */
  private lastDrawMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deliver: (value: T) => void,
    private readonly intervalMs: number,
    private readonly combine: (pending: T, next: T) => T,
    private readonly ackTimeoutMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues a value; `immediate` (a step's result, a stop) goes now, whatever is in flight. */
  push(value: T, immediate: boolean): void {
    this.pending = this.pending === undefined ? value : this.combine(this.pending, value);
    if (immediate) this.send();
    else this.pump();
  }

  /**
   * The receiver has drawn what it was sent, spending `drawMs` on it when it says (the time from sending to the
   * acknowledgement otherwise, which on a busy machine also counts the message's trip and the waits between parts).
   */
  acknowledge(drawMs?: number): void {
    if (this.awaitingAck) this.lastDrawMs = drawMs ?? Math.max(0, this.now() - this.lastSent);
    this.awaitingAck = false;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.pump();
  }

  /** Forgets what is pending (the receiver is about to get everything afresh). */
  cancel(): void {
    this.pending = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.cancel();
    if (this.ackTimer) clearTimeout(this.ackTimer);
  }

  private pump(): void {
    if (this.pending === undefined || this.awaitingAck || this.timer) return;
    // Leave the receiver as much idle time as it spent drawing (at most half its time goes to drawing), so that
    // on a busy machine a click in it (Pause) is still handled at once.
    const wait = this.lastSent + Math.max(this.intervalMs, 2 * this.lastDrawMs) - this.now();
    if (wait > 0) this.timer = setTimeout(() => ((this.timer = undefined), this.pump()), wait);
    else this.send();
  }

  private send(): void {
    if (this.pending === undefined) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const value = this.pending;
    this.pending = undefined;
    this.lastSent = this.now();
    this.awaitingAck = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = setTimeout(() => this.acknowledge(), this.ackTimeoutMs);
    this.deliver(value);
  }
}
