// The training history as charts need it: every series thinned to at most a few thousand points, each with
// the step (or epoch) it belongs to. A chart cannot show more points than it has pixels, and sending a long
// run's whole history 30 times a second would cost more than the training and freeze whoever receives it.

import type { HistoryView, TrainingHistory } from '../protocol';

export const MAX_SERIES_POINTS = 2000;

/** Indices of at most `limit` evenly spaced points of a series of `length`, always keeping the last. */
export function thinnedIndices(length: number, limit = MAX_SERIES_POINTS): number[] {
  if (length <= limit) return Array.from({ length }, (_, i) => i);
  const stride = (length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => Math.round(i * stride));
}

export function historyView(history: TrainingHistory, limit = MAX_SERIES_POINTS): HistoryView {
  const stepIndices = thinnedIndices(history.batchLoss.length, limit);
  const epochIndices = thinnedIndices(history.epochLoss.length, limit);
  const pick = (series: number[], indices: number[]) => indices.map((i) => series[i]);
  return {
    steps: stepIndices.map((i) => i * history.stride + 1),
    batchLoss: pick(history.batchLoss, stepIndices),
    gradNorm: history.gradNorm.map((series) => pick(series, stepIndices)),
    updateRatio: history.updateRatio.map((series) => pick(series, stepIndices)),
    epochs: epochIndices.map((i) => i * history.epochStride + 1),
    epochLoss: pick(history.epochLoss, epochIndices),
    validationLoss: history.validationLoss.length > 0 ? pick(history.validationLoss, epochIndices) : [],
  };
}
