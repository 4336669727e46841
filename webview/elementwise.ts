// What the graph draws for a layer that works value by value (batch norm, layer norm, dropout): one edge from each
// input value to the same output value, with the parameter or mask entry that acts on it. Pure (no DOM), so the
// index mapping is tested: a batch norm after an image has one γ per channel, and value j of a sample belongs to
// channel ⌊j/(h·w)⌋, not to γ[j].

import { parameterIndex } from '../src/engine/explainNorm';
import type { LayerInfo, LayerTrace } from '../src/protocol';
import { formatNumber } from './format';

export interface ElementwiseEdge {
  /** The value joined, the same index on both sides. */
  unit: number;
  /** The γ that scales it (norm layers, when the record has γ). */
  gamma?: number;
  /** Dropout: whether the first sample of the batch kept it (always true for a norm layer). */
  kept: boolean;
  title: string;
}

/** One edge per value of a norm or dropout layer drawn unit by unit (`count` values, as many as the columns hold). */
export function elementwiseEdgeParts(
  info: LayerInfo,
  trace: LayerTrace | undefined,
  count: number,
  digits: number,
): ElementwiseEdge[] {
  const gamma = trace?.gamma?.data;
  const mask = trace?.mask?.data;
  const perChannel = info.type === 'batchnorm' && info.shape !== undefined;
  const rate = info.rate === undefined ? 'p' : formatNumber(info.rate, digits);
  return Array.from({ length: count }, (_, unit) => {
    if (info.type === 'dropout') {
      const kept = mask ? mask[unit] !== 0 : true;
      const what = mask
        ? kept
          ? `kept, ×1/(1 − ${rate}) in sample 1`
          : 'dropped in sample 1 of the batch'
        : 'mask drawn at the forward pass';
      return { unit, kept, title: `unit ${unit}: ${what}` };
    }
    const parameter = parameterIndex(info, unit);
    const g = gamma?.[parameter];
    const whose = perChannel ? ` (channel ${parameter})` : '';
    return {
      unit,
      ...(g === undefined ? {} : { gamma: g }),
      kept: true,
      title: `unit ${unit}${whose}: normalised, then × γ[${parameter}]${g !== undefined ? ` = ${formatNumber(g, digits)}` : ''} + β[${parameter}]`,
    };
  });
}
