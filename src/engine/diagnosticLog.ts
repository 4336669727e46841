// The session's diagnostics, bounded for very long runs. A condition that comes back again and again (a loss
// that rises for a few epochs every few hundred, over a ten-million-epoch run) would otherwise grow the list
// without end; the log keeps the latest `keepPerKind` of each kind on each layer, so one noisy rule cannot push
// out a rare warning, and counts the rest as dropped. Every report gets a number in order, so whoever remembers
// how far it had read (a trace record, a run-until condition, a step-back snapshot) still finds its place after
// older entries have gone.
import type { TrainingDiagnostic } from '../protocol';

export class DiagnosticLog {
  /** The kept diagnostics, oldest first. */
  readonly entries: TrainingDiagnostic[] = [];
  /** The report number of each kept entry (ascending, with gaps where entries were dropped). */
  private readonly numbers: number[] = [];
  /** Diagnostics reported so far, kept or dropped: the number the next one gets. */
  reported = 0;

  constructor(readonly keepPerKind: number) {}

  /** Reports that are no longer kept because later ones of their kind and layer replaced them. */
  get dropped(): number {
    return this.reported - this.entries.length;
  }

  add(diagnostic: TrainingDiagnostic): void {
    this.entries.push(diagnostic);
    this.numbers.push(this.reported++);
    let sameKind = 0;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (entry.code !== diagnostic.code || entry.layer !== diagnostic.layer) continue;
      if (++sameKind > this.keepPerKind) {
        this.entries.splice(i, 1);
        this.numbers.splice(i, 1);
        return;
      }
    }
  }

  /** The kept diagnostics reported at or after report number `from`. */
  since(from: number): TrainingDiagnostic[] {
    let first = this.entries.length;
    while (first > 0 && this.numbers[first - 1] >= from) first--;
    return this.entries.slice(first);
  }

  /** Forgets every report from number `to` on: step back restores the log as it was at a snapshot. */
  rewindTo(to: number): void {
    while (this.numbers.length > 0 && this.numbers[this.numbers.length - 1] >= to) {
      this.numbers.pop();
      this.entries.pop();
    }
    this.reported = Math.min(this.reported, to);
  }
}
