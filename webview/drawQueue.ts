// Draws the panel's heavy parts (graph, tables, boundary, each chart) one browser task at a time. A click on
// Pause that arrives while the panel draws then waits for one part, not for the whole panel: drawn in one go,
// graph + tables + four charts took 100–300 ms in a software-rendered window, and the click waited for all of it.

export interface PanelPart {
  readonly name: string;
  draw(): void;
  /** During a run, draw at most this often (ms); at a stop every part is drawn. */
  readonly everyMsWhileRunning: number;
}

export class DrawQueue {
  private readonly dirty = new Set<PanelPart>();
  private readonly lastDrawn = new Map<PanelPart, number>();
  private readonly channel = new MessageChannel();
  private pending = false;
  /** Where the next pass starts: after the part drawn last, so parts asked for again and again cannot starve the rest. */
  private next = 0;
  /** Time spent drawing since the last drain: what the panel cost the window's thread. */
  private busyMs = 0;

  constructor(
    private readonly parts: readonly PanelPart[],
    /** Called when every part asked for has been drawn, with the time spent drawing them (not waiting between). */
    private readonly onDrained: (busyMs: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.channel.port1.onmessage = () => this.drawNext();
  }

  /**
   * Asks for the parts that are due: all of them at a stop, the throttled ones only when their time has come, and
   * the ones named in `forced` (what a click of the user's changed) whatever their time.
   */
  request(running: boolean, forced: readonly string[] = []): void {
    const now = this.now();
    for (const part of this.parts) {
      const last = this.lastDrawn.get(part) ?? -Infinity;
      if (!running || now - last >= part.everyMsWhileRunning || forced.includes(part.name)) this.dirty.add(part);
    }
    if (this.dirty.size === 0) {
      if (!this.pending) this.drained();
      return;
    }
    this.kick();
  }

  private kick(): void {
    if (this.pending) return;
    this.pending = true;
    this.channel.port2.postMessage(null);
  }

  private drawNext(): void {
    this.pending = false;
    const count = this.parts.length;
    let index = this.next;
    while (index < this.next + count && !this.dirty.has(this.parts[index % count])) index++;
    if (index === this.next + count) return;
    const part = this.parts[index % count];
    this.next = (index + 1) % count;
    this.dirty.delete(part);
    const started = this.now();
    this.lastDrawn.set(part, started);
    try {
      part.draw();
    } catch (error) {
      // One part that cannot draw (a bad state) must not leave the others, or the host's pacing, waiting.
      console.error(`drawing ${part.name}:`, error);
    }
    this.busyMs += this.now() - started;
    if (this.dirty.size > 0) this.kick();
    else this.drained();
  }

  /** Also counts time the caller spent drawing outside the queue (the header). */
  addBusy(ms: number): void {
    this.busyMs += ms;
  }

  private drained(): void {
    const busy = this.busyMs;
    this.busyMs = 0;
    this.onDrained(busy);
  }
}
