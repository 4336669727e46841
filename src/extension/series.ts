// Long training histories thinned before they cross into the webview: a chart cannot show more points than
// it has pixels, and posting 100,000 numbers 30 times a second would cost more than the training.

import type { TrainingUpdate } from '../protocol';

export const MAX_SERIES_POINTS = 2000;

/** The update with each history series thinned to at most `limit` evenly spaced points (the last one kept). */
export function compact(update: TrainingUpdate, limit = MAX_SERIES_POINTS): TrainingUpdate {
  const thin = (series: number[]) => thinSeries(series, limit);
  const { history } = update;
  return {
    ...update,
    history: {
      batchLoss: thin(history.batchLoss),
      epochLoss: thin(history.epochLoss),
      validationLoss: thin(history.validationLoss),
      gradNorm: history.gradNorm.map(thin),
      updateRatio: history.updateRatio.map(thin),
    },
  };
}

export function thinSeries(series: number[], limit: number): number[] {
  if (series.length <= limit) return series;
  const stride = (series.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => series[Math.round(i * stride)]);
}
