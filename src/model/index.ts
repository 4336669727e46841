// Model files: parse, validate, resolve. Pure Node; the engine, the CLI and the extension all read models here.
export { formatIssue, type ModelIssue } from './issues';
export { loadModelFile, parseModelText, type LoadOptions, type ParseResult } from './parse';
export { DEFAULT_THRESHOLDS, optimizerSpec } from './resolve';
export { modelFileSchema } from './schema';
export type * from './types';
