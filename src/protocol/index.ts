// One contract per boundary: the engine's trace types, the worker protocol, the webview protocol.
export * from './trace';
export * from './webview';
export * from './worker';
