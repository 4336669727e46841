// Where the parts of a model file a debugger points at are written: each layer, and the `loss:`, `optimizer:`,
// `data:`, `training:` and `training.epochs` keys. Read with the `yaml` package's document model (JSON is YAML
// too, so `*.nn.json` files are read the same way); layers come from the parser's own ranges.

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { ModelSpec } from '../model/types';

/** 1-based first and last line of a part of the file. */
export interface LineSpan {
  line: number;
  endLine: number;
}

export interface ModelLines {
  layers: (LineSpan | undefined)[];
  loss?: LineSpan;
  optimizer?: LineSpan;
  data?: LineSpan;
  training?: LineSpan;
  /** `epochs:` inside `training:`. */
  epochs?: LineSpan;
}

export function modelLines(text: string, model: Pick<ModelSpec, 'layers'>): ModelLines {
  const lines: ModelLines = {
    layers: model.layers.map((layer) =>
      // The parser's ranges end where the next item starts: column 1 of a line means the line before.
      layer.range
        ? {
            line: layer.range.start.line,
            endLine: Math.max(layer.range.start.line, layer.range.end.line - (layer.range.end.col <= 1 ? 1 : 0)),
          }
        : undefined,
    ),
  };
  let root: unknown;
  const counter = new LineCounter();
  try {
    root = parseDocument(text, { lineCounter: counter, uniqueKeys: false }).contents;
  } catch {
    return lines;
  }
  if (!isMap(root)) return lines;
  const span = (pair: Pair): LineSpan | undefined => {
    const key = pair.key as Node | null;
    const value = pair.value as Node | null;
    if (!key?.range) return undefined;
    const end = value?.range ? value.range[1] : key.range[1];
    // A block value's range runs to the start of the next key's line; the span ends on the line before.
    const endLine = counter.linePos(Math.max(key.range[0], end - 1)).line;
    return { line: counter.linePos(key.range[0]).line, endLine };
  };
  for (const pair of root.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (name === 'loss' || name === 'optimizer' || name === 'data' || name === 'training') {
      lines[name] = span(pair);
      if (name === 'training' && isMap(pair.value)) {
        const epochs = pair.value.items.find((item) => isScalar(item.key) && item.key.value === 'epochs');
        if (epochs) lines.epochs = span(epochs);
      }
    }
    if (name === 'layers' && isSeq(pair.value)) {
      pair.value.items.forEach((item, index) => {
        if (lines.layers[index] || !(item as Node | null)?.range) return;
        const [start, , end] = (item as Node).range!;
        lines.layers[index] = {
          line: counter.linePos(start).line,
          endLine: counter.linePos(Math.max(start, end - 1)).line,
        };
      });
    }
  }
  return lines;
}
