// The training history as charts need it: thinned to a few thousand points, each with the step (or epoch) it
// belongs to, and sent as deltas (only the points that are new). A chart cannot show more points than it has
// pixels, and resending a long run's history 30 times a second would cost more than the training and freeze
// whoever receives it.

import type { HistoryDelta, HistoryView, TrainingHistory } from '../protocol';

export const MAX_SERIES_POINTS = 2000;

/** Most new points one delta carries: a fast run then shows every 2nd, 4th… new step, not megabytes a second. */
export const MAX_DELTA_POINTS = 64;

/** A chart point needs no 17 digits; Export Trace has the exact history. */
const chartValue = (value: number) => (Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(6)) : value);

/** Indices of at most `limit` evenly spaced points of a series of `length`, always keeping the last. */
export function thinnedIndices(length: number, limit = MAX_SERIES_POINTS): number[] {
  if (length <= limit) return Array.from({ length }, (_, i) => i);
  const stride = (length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => Math.round(i * stride));
}

export function emptyHistoryView(layers: number): HistoryView {
  return {
    stride: 1,
    epochStride: 1,
    steps: [],
    batchLoss: [],
    gradNorm: Array.from({ length: layers }, () => []),
    updateRatio: Array.from({ length: layers }, () => []),
    epochs: [],
    epochLoss: [],
    validationLoss: [],
  };
}

/**
 * Produces the deltas of one session's history for one receiver. The receiver holds every point whose 0-based
 * step is a multiple of the feed's stride (with the sparser points of fast runs), at most ~2 × MAX_SERIES_POINTS.
 */
export class HistoryFeed {
  /** 0-based step (epoch) of the first point not sent yet. */
  private nextStep = 0;
  private nextEpoch = 0;
  private stride = 1;
  private epochStride = 1;
  /** Below these, the receiver has every point its stride keeps; above, a fast run may have sent only some. */
  private denseStep = 0;
  private denseEpoch = 0;

  /**
   * The points the receiver lacks (and what it must drop, after a rewind), or an empty delta. `complete` (at a
   * stop) also fills in the points a fast run skipped, so a finished chart has every point its stride keeps.
   */
  take(
    history: TrainingHistory,
    { limit = MAX_SERIES_POINTS, perDelta = MAX_DELTA_POINTS, complete = false } = {},
  ): HistoryDelta {
    // Only steps whose update ran count: a batch paused after its loss has no ‖dW‖ yet.
    const stepEnd = (history.gradNorm[0]?.length ?? 0) * history.stride;
    const epochEnd = history.epochLoss.length * history.epochStride;
    const delta: HistoryDelta = {
      stride: 1,
      epochStride: 1,
      steps: [],
      batchLoss: [],
      gradNorm: history.gradNorm.map(() => []),
      updateRatio: history.updateRatio.map(() => []),
      epochs: [],
      epochLoss: [],
      validationLoss: [],
    };
    // A rewind or reset: the receiver drops what is now in the future. At a stop, it also drops the sparse points
    // of a fast run, which this delta sends again in full.
    const keepSteps = Math.min(stepEnd, complete ? this.denseStep : Infinity);
    const keepEpochs = Math.min(epochEnd, complete ? this.denseEpoch : Infinity);
    if (keepSteps < this.nextStep || keepEpochs < this.nextEpoch) {
      this.nextStep = Math.min(this.nextStep, keepSteps);
      this.nextEpoch = Math.min(this.nextEpoch, keepEpochs);
      delta.truncate = { steps: this.nextStep, epochs: this.nextEpoch };
    }
    this.denseStep = Math.min(this.denseStep, stepEnd);
    this.denseEpoch = Math.min(this.denseEpoch, epochEnd);
    const most = complete ? Infinity : perDelta;
    this.stride = strideFor(this.stride, history.stride, stepEnd, limit);
    this.epochStride = strideFor(this.epochStride, history.epochStride, epochEnd, limit);
    delta.stride = this.stride;
    delta.epochStride = this.epochStride;

    const stepPick = picked(this.nextStep, stepEnd, this.stride, most);
    if (stepPick.dense && this.denseStep >= this.nextStep) this.denseStep = stepEnd;
    for (const step of stepPick.steps) {
      const i = step / history.stride;
      delta.steps.push(step + 1);
      delta.batchLoss.push(chartValue(history.batchLoss[i]));
      history.gradNorm.forEach((series, layer) => delta.gradNorm[layer].push(chartValue(series[i])));
      history.updateRatio.forEach((series, layer) => delta.updateRatio[layer].push(chartValue(series[i])));
    }
    this.nextStep = stepEnd;

    const epochPick = picked(this.nextEpoch, epochEnd, this.epochStride, most);
    if (epochPick.dense && this.denseEpoch >= this.nextEpoch) this.denseEpoch = epochEnd;
    for (const epoch of epochPick.steps) {
      const i = epoch / history.epochStride;
      delta.epochs.push(epoch + 1);
      delta.epochLoss.push(chartValue(history.epochLoss[i]));
      if (history.validationLoss.length > 0) delta.validationLoss.push(chartValue(history.validationLoss[i]));
    }
    this.nextEpoch = epochEnd;
    return delta;
  }

  /** The next delta resends everything (a new receiver). */
  restart(): void {
    this.nextStep = 0;
    this.nextEpoch = 0;
  }
}

/** The smallest stride (a power-of-two multiple of the current and of the history's) keeping ≤ 2·limit points. */
function strideFor(current: number, historyStride: number, end: number, limit: number): number {
  let stride = Math.max(current, historyStride);
  while (Math.ceil(end / stride) > 2 * limit) stride *= 2;
  return stride;
}

/**
 * The steps of [from, to) a delta carries: every multiple of `stride`, or of a multiple of it when there are more
 * than `most`, and always the latest kept one (a chart ends where training is).
 */
function picked(from: number, to: number, stride: number, most: number): { steps: number[]; dense: boolean } {
  let sparse = stride;
  while (Math.ceil((to - ceilTo(from, sparse)) / sparse) > most) sparse *= 2;
  const steps: number[] = [];
  for (let step = ceilTo(from, sparse); step < to; step += sparse) steps.push(step);
  const last = Math.floor((to - 1) / stride) * stride;
  if (last >= from && steps[steps.length - 1] !== last) steps.push(last);
  return { steps, dense: sparse === stride };
}

function ceilTo(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** Applies a delta to what a receiver holds (in place) and drops the points the stride no longer keeps. */
export function applyHistoryDelta(view: HistoryView, delta: HistoryDelta): HistoryView {
  if (delta.truncate) {
    const { steps, epochs } = delta.truncate;
    keepWhere(view, 'steps', (step) => step <= steps);
    keepWhere(view, 'epochs', (epoch) => epoch <= epochs);
  }
  view.steps.push(...delta.steps);
  view.batchLoss.push(...delta.batchLoss);
  delta.gradNorm.forEach((points, layer) => (view.gradNorm[layer] ??= []).push(...points));
  delta.updateRatio.forEach((points, layer) => (view.updateRatio[layer] ??= []).push(...points));
  view.epochs.push(...delta.epochs);
  view.epochLoss.push(...delta.epochLoss);
  view.validationLoss.push(...delta.validationLoss);
  if (delta.stride > view.stride) {
    view.stride = delta.stride;
    keepWhere(view, 'steps', (step) => (step - 1) % delta.stride === 0);
  }
  if (delta.epochStride > view.epochStride) {
    view.epochStride = delta.epochStride;
    keepWhere(view, 'epochs', (epoch) => (epoch - 1) % delta.epochStride === 0);
  }
  return view;
}

/** Joins two consecutive deltas into one (for a receiver that skipped the first). */
export function mergeHistoryDeltas(first: HistoryDelta, second: HistoryDelta): HistoryDelta {
  const held = emptyHistoryView(first.gradNorm.length);
  held.stride = 0;
  held.epochStride = 0;
  applyHistoryDelta(held, { ...first, stride: 0, epochStride: 0, truncate: undefined });
  applyHistoryDelta(held, { ...second, stride: 0, epochStride: 0 });
  return {
    ...(first.truncate || second.truncate
      ? {
          truncate: {
            steps: Math.min(first.truncate?.steps ?? Infinity, second.truncate?.steps ?? Infinity),
            epochs: Math.min(first.truncate?.epochs ?? Infinity, second.truncate?.epochs ?? Infinity),
          },
        }
      : {}),
    stride: Math.max(first.stride, second.stride),
    epochStride: Math.max(first.epochStride, second.epochStride),
    steps: held.steps,
    batchLoss: held.batchLoss,
    gradNorm: held.gradNorm,
    updateRatio: held.updateRatio,
    epochs: held.epochs,
    epochLoss: held.epochLoss,
    validationLoss: held.validationLoss,
  };
}

type StepSeries = 'steps' | 'epochs';

function keepWhere(view: HistoryView, axis: StepSeries, keep: (x: number) => boolean): void {
  const kept = view[axis].map(keep);
  const filter = (series: number[]) => series.filter((_, i) => kept[i]);
  if (axis === 'steps') {
    view.batchLoss = filter(view.batchLoss);
    view.gradNorm = view.gradNorm.map(filter);
    view.updateRatio = view.updateRatio.map(filter);
  } else {
    view.epochLoss = filter(view.epochLoss);
    if (view.validationLoss.length > 0) view.validationLoss = filter(view.validationLoss);
  }
  view[axis] = filter(view[axis]);
}
