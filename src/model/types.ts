// The resolved model: what the parser hands the engine once the file is valid, every default filled in
// and the data loaded. Plain data only (no classes), so it can cross a worker boundary with postMessage.

export type ActivationName = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'elu' | 'softmax';

/** What a layer computes before its activation: z = x·W + b, a normalization, dropout, or an image layer. */
export type LayerType = 'dense' | 'batchnorm' | 'layernorm' | 'dropout' | 'conv2d' | 'maxpool2d' | 'flatten';

/** An image as [channels, height, width]; its values are flattened in that order (PyTorch's NCHW per sample). */
export type ImageShape = [channels: number, height: number, width: number];

export type InitSpec =
  | { kind: 'he' }
  | { kind: 'xavier' }
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; limit: number }
  | { kind: 'zeros' };

export type LossSpec =
  | { type: 'mse' }
  | { type: 'mae' }
  | { type: 'huber'; delta: number }
  | { type: 'cross_entropy' }
  | { type: 'binary_cross_entropy' };

export type OptimizerType = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam';

export type ScheduleSpec =
  | { type: 'none' }
  | { type: 'step'; every: number; gamma: number }
  | { type: 'exponential'; gamma: number }
  | { type: 'cosine'; epochs: number };

export interface OptimizerSpec {
  type: OptimizerType;
  lr: number;
  /** momentum and nesterov: μ. */
  momentum: number;
  /** adam. */
  beta1: number;
  beta2: number;
  /** adagrad, rmsprop, adam. */
  epsilon: number;
  /** rmsprop smoothing constant (PyTorch's `alpha`). */
  alpha: number;
  schedule: ScheduleSpec;
}

/** 1-based line and column, as editors and the `FILE:LINE:COL` messages show them. */
export interface SourcePosition {
  line: number;
  col: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

export interface LayerSpec {
  name: string;
  units: number;
  activation: ActivationName;
  /** leaky_relu slope (default 0.01) or elu scale (default 1); unused by the others. */
  alpha: number;
  bias: boolean;
  init: InitSpec;
  /** Explicit initial weights, n_in rows of `units` numbers (row i = input i, so z = a·W + b); conv2d: one row of
   * channels·kh·kw numbers per filter. */
  weights?: number[][];
  biases?: number[];
  frozen: boolean;
  /** Default dense. batchnorm, layernorm and dropout keep their input's width (`units` is it) and have no W:
   * the norms learn γ and β (kept where a dense layer keeps W and b), dropout learns nothing. */
  type?: LayerType;
  /** batchnorm: weight of the new batch statistics in the running ones (PyTorch's momentum, default 0.1). */
  momentum?: number;
  /** batchnorm and layernorm: ε in √(σ² + ε) (default 1e-5). */
  epsilon?: number;
  /** dropout: probability p of dropping each entry in training (inverted: kept ones are scaled by 1/(1−p)). */
  rate?: number;
  /** A residual connection: the name of an earlier layer of the same width whose activations are added to z. */
  add?: string;
  /** conv2d: number of kernels (output channels). */
  filters?: number;
  /** conv2d: kernel [height, width]; maxpool2d: window [size, size]. */
  kernel?: [number, number];
  /** conv2d and maxpool2d: step between windows, the same along height and width. */
  stride?: number;
  /** conv2d: zeros added on each side, [rows, columns] (`same` resolves to ((kh − 1)/2, (kw − 1)/2)). */
  padding?: [number, number];
  /** conv2d, maxpool2d and flatten (and the width-keeping layers after an image, batchnorm per channel): the image
   * shape the layer reads; `units` is the product of `shape`. */
  inputShape?: ImageShape;
  /** conv2d and maxpool2d (and dropout, layernorm or batchnorm after them): the image shape the layer outputs. */
  shape?: ImageShape;
  /** Where the layer is written in the model file (the `- name: ...` item), for CodeLens and diagnostics. */
  range?: SourceRange;
}

export interface Dataset {
  /** [sample][feature] */
  inputs: number[][];
  /** [sample][output] */
  targets: number[][];
}

export interface DiagnosticThresholds {
  /** A layer's ‖dW‖ below this is vanishing. */
  vanishingFloor: number;
  /** ‖dW‖ of a layer divided by ‖dW‖ of the layer after it, below this ratio is vanishing. */
  vanishingRatio: number;
  /** ‖dW‖ above this is exploding. */
  explodingCeiling: number;
  /** ‖dW‖ growing by this factor step over step, for `patience` steps, is exploding. */
  explodingGrowth: number;
  /** ‖ΔW‖/‖W‖ outside [low, high] is flagged (healthy is around 1e-3). */
  updateRatioLow: number;
  updateRatioHigh: number;
  /** Fraction of a layer's sigmoid/tanh units saturated (|f′| tiny) before we warn. */
  saturationFraction: number;
  /** Consecutive steps (or epochs, for the loss) a condition must hold before it is reported. */
  patience: number;
}

export interface TrainingSpec {
  epochs: number;
  /** Batch size; the last partial batch averages over its own size. */
  batch: number;
  shuffle: boolean;
}

export interface ModelSpec {
  name: string;
  seed: number;
  inputSize: number;
  /** `input: {shape: [c, h, w]}`: the inputs are images, each row flattened channel by channel, row by row. */
  inputShape?: ImageShape;
  inputNames?: string[];
  layers: LayerSpec[];
  loss: LossSpec;
  optimizer: OptimizerSpec;
  /** L2 strength λ (0 = off): loss += λ/(2m)·ΣW², dW += (λ/m)·W, weights only. */
  l2: number;
  clip: { value?: number; norm?: number };
  training: TrainingSpec;
  train: Dataset;
  validation?: Dataset;
  diagnostics: DiagnosticThresholds;
  /** Absolute path of the model file, when it came from one. */
  file?: string;
}
