// The engine's public face: everything the CLI, the worker and the tests use.
export { TrainingSession, type RunOptions, type SessionListener, type SessionOptions } from './session';
export { gradientCheck, relativeError, type GradientCheckOptions } from './gradcheck';
export { Random } from './random';
export { historyView, MAX_SERIES_POINTS, thinnedIndices } from './historyView';
