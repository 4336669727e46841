// The engine's public face: everything the CLI, the worker and the tests use.
export {
  describeMicroStep,
  TrainingSession,
  type RunOptions,
  type RunResult,
  type SessionListener,
  type SessionOptions,
  type StopCheck,
} from './session';
export { explainCell, explainStep, type CellTensor } from './explain';
export { gradientCheck, relativeError, type GradientCheckOptions } from './gradcheck';
export { Random } from './random';
export {
  applyHistoryDelta,
  emptyHistoryView,
  HistoryFeed,
  MAX_DELTA_POINTS,
  MAX_SERIES_POINTS,
  mergeHistoryDeltas,
  thinnedIndices,
} from './historyView';
