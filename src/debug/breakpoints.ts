// Which line of a model file a breakpoint can stand on, and what it stops at there: a layer's line (after its
// forward and after its backward), `loss:`, `optimizer:` (the update), `data:` (each batch start) and
// `training:` / `epochs:` (each epoch start). A line inside one of these blocks moves to its first line.

import type { BreakpointSite } from '../protocol';
import type { ModelLines, LineSpan } from './modelLines';

export type Placement =
  | { verified: true; line: number; site: BreakpointSite; /** What it stops at, in words. */ what: string }
  | { verified: false; line: number; message: string };

export function placeBreakpoint(line: number, lines: ModelLines, layerNames: readonly string[]): Placement {
  const inside = (span: LineSpan | undefined): span is LineSpan => !!span && line >= span.line && line <= span.endLine;
  for (let layer = 0; layer < lines.layers.length; layer++) {
    const span = lines.layers[layer];
    if (inside(span))
      return {
        verified: true,
        line: span.line,
        site: { kind: 'layer', layer },
        what: `after ${layerNames[layer]}'s forward and after its backward`,
      };
  }
  if (inside(lines.epochs) && line === lines.epochs.line)
    return { verified: true, line, site: { kind: 'epochStart' }, what: 'at the start of each epoch' };
  const blocks: [LineSpan | undefined, BreakpointSite, string][] = [
    [lines.loss, { kind: 'loss' }, 'after the loss'],
    [lines.optimizer, { kind: 'update' }, 'after each update'],
    [lines.data, { kind: 'batchStart' }, 'at the start of each batch'],
    [lines.training, { kind: 'epochStart' }, 'at the start of each epoch'],
  ];
  for (const [span, site, what] of blocks) if (inside(span)) return { verified: true, line: span.line, site, what };
  return {
    verified: false,
    line,
    message:
      'Nothing runs on this line: put breakpoints on a layer, or on the loss:, optimizer:, data: or training: line.',
  };
}
