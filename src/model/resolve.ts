// From a schema-valid file to the engine's ModelSpec: the checks a schema cannot express (shapes, layer
// order, loss/output pairing, sizes), then every default filled in and the data loaded.

import { dirname } from 'node:path';
import { loadCsv } from './csv';
import {
  DEFAULT_SHAPE_SIZE,
  generateDataset,
  generatedInputs,
  generatedOutputs,
  SHAPE_CLASSES,
  splitValidation,
  type GenerateSpec,
} from './datasets';
import type { IssueCollector } from './issues';
import { LIMITS, type LayerFile, type ModelFile, type PartialModelFile } from './schema';
import {
  IMAGE_LAYER_TYPES,
  resolveImageLayer,
  scratchPerSample,
  shapeSize,
  shapeText,
  type ImageLayer,
} from './shapes';
import type {
  Dataset,
  DiagnosticThresholds,
  ImageShape,
  InitSpec,
  LayerSpec,
  LayerType,
  LossSpec,
  ModelSpec,
  OptimizerSpec,
  OptimizerType,
  ScheduleSpec,
  SourceRange,
} from './types';

export interface ResolveOptions {
  /** Data files must be inside this folder; default the model file's folder. */
  workspaceRoot?: string;
  /** Thresholds used where the file's `diagnostics` does not set one (the editor's settings). */
  thresholdDefaults?: Partial<DiagnosticThresholds>;
}

const DEFAULT_LR: Record<OptimizerType, number> = {
  sgd: 1e-3,
  momentum: 1e-3,
  nesterov: 1e-3,
  adagrad: 1e-2,
  rmsprop: 1e-2,
  adam: 1e-3,
};

export const DEFAULT_THRESHOLDS: DiagnosticThresholds = {
  vanishingFloor: 1e-7,
  vanishingRatio: 1e-2,
  explodingCeiling: 1e3,
  explodingGrowth: 2,
  updateRatioLow: 1e-5,
  updateRatioHigh: 1e-1,
  saturationFraction: 0.5,
  patience: 5,
};

/**
 * Resolves a schema-valid file into a ModelSpec. Given only the keys that were valid (`PartialModelFile`,
 * when others were not), it still runs every check those keys allow and returns undefined.
 */
export function resolveModel(
  file: PartialModelFile,
  path: string,
  layerRanges: (SourceRange | undefined)[],
  options: ResolveOptions,
  issues: IssueCollector,
): ModelSpec | undefined {
  const inputShape = typeof file.input === 'object' && !Array.isArray(file.input) ? file.input.shape : undefined;
  const inputSize =
    file.input === undefined
      ? undefined
      : typeof file.input === 'number'
        ? file.input
        : inputShape
          ? shapeSize(inputShape)
          : (file.input as string[]).length;
  const layers = file.layers ? resolveLayers(file.layers, inputSize, layerRanges, issues, inputShape) : undefined;
  const loss = file.loss ? resolveLoss(file.loss) : undefined;
  if (loss && layers) checkLossMatchesOutput(loss, layers, issues);
  const data = file.data
    ? loadData(file.data, file.seed ?? 0, path, options, inputSize, layers?.at(-1)?.units, issues, inputShape)
    : undefined;
  if (!data || !layers || !loss || inputSize === undefined || !file.data) return undefined;

  let train = data.dataset;
  let validation: Dataset | undefined;
  const seed = file.seed ?? 0;
  if (file.data.validation !== undefined) {
    if (train.inputs.length < 2) issues.at(['data', 'validation'], 'needs at least 2 samples to hold some out');
    else ({ train, validation } = splitValidation(train, file.data.validation, seed));
  }
  const batch = file.training?.batch ?? train.inputs.length;
  if (batch > train.inputs.length) {
    issues.at(
      ['training', 'batch'],
      `is larger than the ${train.inputs.length} training samples; each batch uses all of them`,
      { severity: 'warning' },
    );
  }
  checkBatchMemory(Math.min(batch, train.inputs.length), inputSize, layers, file.training?.batch !== undefined, issues);
  if (issues.hasErrors) return undefined;
  const names = Array.isArray(file.input) ? file.input : data.inputNames;
  return {
    name: file.name ?? baseName(path),
    seed,
    inputSize,
    ...(inputShape ? { inputShape } : {}),
    ...(names ? { inputNames: names } : {}),
    layers,
    loss,
    optimizer: resolveOptimizer(file.optimizer),
    l2: file.regularization?.l2 ?? 0,
    clip: {
      ...(file.clip?.value !== undefined ? { value: file.clip.value } : {}),
      ...(file.clip?.norm !== undefined ? { norm: file.clip.norm } : {}),
    },
    training: {
      epochs: file.training?.epochs ?? 1,
      batch: Math.min(batch, train.inputs.length),
      shuffle: file.training?.shuffle ?? false,
    },
    train,
    ...(validation ? { validation } : {}),
    diagnostics: resolveThresholds(file.diagnostics, { ...DEFAULT_THRESHOLDS, ...options.thresholdDefaults }),
    file: path,
  };
}

/** `inputSize` is undefined when `input` itself is wrong: the checks that need it are skipped. */
function resolveLayers(
  layers: LayerFile[],
  inputSize: number | undefined,
  ranges: (SourceRange | undefined)[],
  issues: IssueCollector,
  inputShape?: ImageShape,
): LayerSpec[] {
  const seen = new Map<string, number>();
  let fanIn = inputSize;
  // The image the next layer reads, while the layers so far keep one (undefined once flattened).
  let shape = inputShape;
  const shapes: (ImageShape | undefined)[] = [];
  let parameters = 0;
  const widths: (number | undefined)[] = [];
  const resolved = layers.map((layer, index): LayerSpec => {
    const at = (...rest: (string | number)[]) => ['layers', index, ...rest];
    const name = layer.name ?? `layer${index + 1}`;
    const type = layer.type ?? 'dense';
    checkTypeKeys(layer, type, fanIn, at, issues);
    const below = index === 0 ? 'input' : (layers[index - 1].name ?? `layer${index}`);
    const image: ImageLayer | undefined = IMAGE_LAYER_TYPES.includes(type)
      ? resolveImageLayer(layer, type, shape, fanIn, below, at, issues)
      : undefined;
    // Only a dense layer chooses its width; norms and dropout keep their input's; image layers compute theirs.
    const units = image
      ? image.units
      : type === 'dense'
        ? (layer.units ?? 1)
        : IMAGE_LAYER_TYPES.includes(type)
          ? 1
          : (fanIn ?? layer.units ?? 1);
    // Dropout and layer norm act value by value (layer norm over all of c·h·w), batch norm per channel (as
    // BatchNorm2d), so the image goes through them.
    const outShape = image
      ? image.shape
      : type === 'dropout' || type === 'layernorm' || type === 'batchnorm'
        ? shape
        : undefined;
    shapes.push(outShape);
    widths.push(type === 'dense' || fanIn !== undefined ? units : undefined);
    // Keras' Dense and PyTorch's Linear are linear unless told otherwise.
    const activation = layer.activation ?? 'linear';
    if (seen.has(name))
      issues.at(at('name'), `'${name}' is already the name of layers[${seen.get(name)}]; layer names must be unique`);
    if (layer.add !== undefined) checkResidual(layer.add, index, units, layers, seen, widths, at, issues);
    const addShape = layer.add === undefined ? undefined : shapes[seen.get(layer.add) ?? -1];
    if (addShape && outShape && shapeText(addShape) !== shapeText(outShape) && shapeSize(addShape) === units)
      issues.at(
        at('add'),
        `'${layer.add}' outputs ${shapeText(addShape)} images but this layer outputs ${shapeText(outShape)}; a residual connection adds activations of the same shape`,
      );
    seen.set(name, index);
    if (activation === 'softmax' && index !== layers.length - 1) {
      issues.at(at('activation'), 'softmax is only allowed on the last (output) layer');
    }
    if (activation === 'softmax' && units < 2)
      issues.at(
        at(type === 'dense' ? 'units' : 'activation'),
        'a softmax layer needs at least 2 units (one per class)',
      );
    if (layer.weights && type !== 'conv2d') {
      if (fanIn !== undefined && layer.weights.length !== fanIn) {
        issues.at(at('weights'), `expected ${fanIn} rows (one per input of the layer), got ${layer.weights.length}`);
      }
      layer.weights.forEach((row, i) => {
        if (row.length !== units)
          issues.at(at('weights', i), `expected ${units} numbers (one per unit), got ${row.length}`);
      });
    }
    // Norm layers always have β (PyTorch's affine=True); dropout has nothing to learn.
    const bias =
      type === 'dense' || type === 'conv2d'
        ? (layer.bias ?? true)
        : type !== 'dropout' && !IMAGE_LAYER_TYPES.includes(type);
    const biasCount = type === 'conv2d' ? (layer.filters ?? 1) : units;
    if (layer.biases) {
      if (!bias) issues.at(at('biases'), 'given for a layer with `bias: false`');
      else if (layer.biases.length !== biasCount)
        issues.at(
          at('biases'),
          `expected ${biasCount} numbers (one per ${type === 'conv2d' ? 'filter' : 'unit'}), got ${layer.biases.length}`,
        );
    }
    parameters += image
      ? image.parameters
      : type === 'dense'
        ? (fanIn ?? 0) * units + (bias ? units : 0)
        : type === 'dropout' || IMAGE_LAYER_TYPES.includes(type)
          ? 0
          : 2 * (type === 'batchnorm' && shape ? shape[0] : units);
    // An image layer that did not fit leaves the layers above it unknown: checking them would only echo the error.
    fanIn = IMAGE_LAYER_TYPES.includes(type) && !image && type !== 'flatten' ? undefined : units;
    shape = outShape;
    const reluFamily = activation === 'relu' || activation === 'leaky_relu' || activation === 'elu';
    return {
      ...(type !== 'dense' ? { type } : {}),
      ...(type === 'batchnorm' ? { momentum: layer.momentum ?? 0.1 } : {}),
      ...(type === 'batchnorm' || type === 'layernorm' ? { epsilon: layer.epsilon ?? 1e-5 } : {}),
      ...(type === 'dropout' ? { rate: layer.rate ?? 0.5 } : {}),
      ...(layer.add !== undefined ? { add: layer.add } : {}),
      ...(image?.fields ?? {}),
      ...(outShape && !image ? { inputShape: outShape, shape: outShape } : {}),
      name,
      units,
      activation,
      alpha: layer.alpha ?? (activation === 'elu' ? 1 : 0.01),
      bias,
      init: resolveInit(layer.init, reluFamily),
      ...(layer.weights ? { weights: layer.weights } : {}),
      ...(layer.biases ? { biases: layer.biases } : {}),
      frozen: layer.frozen ?? false,
      ...(ranges[index] ? { range: ranges[index] } : {}),
    };
  });
  warnCancelledBiases(layers, resolved, issues);
  if (parameters > LIMITS.parameters) {
    issues.at(
      ['layers'],
      `the network has ${count(parameters)} parameters; the limit is ${count(LIMITS.parameters)} (what trains within 1 GB)`,
    );
  }
  return resolved;
}

/** Keys that belong to other layer types, and a `units` that disagrees with a width-keeping layer's input. */
function checkTypeKeys(
  layer: LayerFile,
  type: LayerType,
  fanIn: number | undefined,
  at: (...rest: (string | number)[]) => (string | number)[],
  issues: IssueCollector,
): void {
  const owners: [keyof LayerFile, LayerType[], string][] = [
    ['momentum', ['batchnorm'], 'batchnorm'],
    ['epsilon', ['batchnorm', 'layernorm'], 'batchnorm and layernorm'],
    ['rate', ['dropout'], 'dropout'],
    ['weights', ['dense', 'conv2d'], 'dense and conv2d'],
    ['biases', ['dense', 'conv2d'], 'dense and conv2d'],
    ['init', ['dense', 'conv2d'], 'dense and conv2d'],
    ['bias', ['dense', 'conv2d'], 'dense and conv2d'],
    ['filters', ['conv2d'], 'conv2d'],
    ['kernel', ['conv2d'], 'conv2d'],
    ['padding', ['conv2d'], 'conv2d'],
    ['stride', ['conv2d', 'maxpool2d'], 'conv2d and maxpool2d'],
    ['size', ['maxpool2d'], 'maxpool2d'],
  ];
  for (const [key, types, owner] of owners) {
    if (layer[key] !== undefined && !types.includes(type))
      issues.at(at(key), `is only for ${owner} layers, not ${type}`, { onKey: true });
  }
  if (
    type !== 'dense' &&
    !IMAGE_LAYER_TYPES.includes(type) &&
    layer.units !== undefined &&
    fanIn !== undefined &&
    layer.units !== fanIn
  )
    issues.at(at('units'), `a ${type} layer keeps its input's width, ${fanIn}; leave units out (or write ${fanIn})`);
}

/** `add: <name>` names an earlier layer whose width is this layer's. */
function checkResidual(
  source: string,
  index: number,
  units: number,
  layers: LayerFile[],
  seen: Map<string, number>,
  widths: (number | undefined)[],
  at: (...rest: (string | number)[]) => (string | number)[],
  issues: IssueCollector,
): void {
  const from = seen.get(source);
  if (from === undefined) {
    const later = layers.findIndex((other, k) => k >= index && (other.name ?? `layer${k + 1}`) === source);
    const earlier = [...seen.keys()];
    issues.at(
      at('add'),
      later === index
        ? `a layer cannot add its own activations; name an earlier layer`
        : later > index
          ? `'${source}' is layers[${later}], after this one; a residual connection adds an earlier layer's activations`
          : `no layer named '${source}' before this one${earlier.length > 0 ? ` (earlier layers: ${earlier.join(', ')})` : ''}`,
    );
    return;
  }
  const width = widths[from];
  if (width !== undefined && width !== units)
    issues.at(
      at('add'),
      `'${source}' has ${width} units but this layer has ${units}; a residual connection adds activations of the same width`,
    );
}

/** 2,000,000 up to a billion; 1.00e+10 above. */
function count(value: number): string {
  return value < 1e9 ? value.toLocaleString('en-US') : value.toExponential(2);
}

function checkBatchMemory(
  batch: number,
  inputSize: number,
  layers: LayerSpec[],
  batchGiven: boolean,
  issues: IssueCollector,
): void {
  // The network's inputs, then each layer's z, a, δ and ∂L/∂input, what its type caches per sample (im2col and its
  // gradient, x̂, the dropout mask, pooling's argmax as 32-bit integers), and ∂L/∂a of a layer that a later one
  // adds (residual). The targets and ∂L/∂ŷ (2 numbers per output) are left out: the limit is a guard against
  // gigabytes, and the files made to sit exactly at it count as they always have.
  let perSample = inputSize;
  let fanIn = inputSize;
  const added = new Set(layers.map((layer) => layer.add).filter((name) => name !== undefined));
  for (const layer of layers) {
    const cache =
      layer.type === 'dropout' || layer.type === 'batchnorm' || layer.type === 'layernorm'
        ? layer.units
        : layer.type === 'maxpool2d'
          ? Math.ceil(layer.units / 2)
          : 0;
    perSample += 3 * layer.units + fanIn + scratchPerSample(layer) + cache + (added.has(layer.name) ? layer.units : 0);
    fanIn = layer.units;
  }
  if (batch * perSample <= LIMITS.batchNumbers) return;
  const bytes = batch * perSample * 8;
  const size = bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
  const fits = Math.max(1, Math.floor(LIMITS.batchNumbers / perSample));
  issues.at(
    batchGiven ? ['training', 'batch'] : ['training'],
    `a batch of ${batch} samples needs ${size} for activations and deltas through these layers (the limit is ${(LIMITS.batchNumbers * 8) / 1e6} MB); use training.batch: ${fits} or less`,
  );
}

function resolveInit(init: LayerFile['init'], reluFamily: boolean): InitSpec {
  if (init === undefined) return { kind: reluFamily ? 'he' : 'xavier' };
  if (typeof init === 'string') {
    // The bare names use a small spread; the object forms set it explicitly.
    if (init === 'normal') return { kind: 'normal', std: 0.1 };
    if (init === 'uniform') return { kind: 'uniform', limit: 0.1 };
    return { kind: init };
  }
  if (init.type === 'normal') return { kind: 'normal', std: init.std };
  if (init.type === 'uniform') return { kind: 'uniform', limit: init.limit };
  return { kind: init.type };
}

function resolveLoss(loss: ModelFile['loss']): LossSpec {
  const type = typeof loss === 'string' ? loss : loss.type;
  if (type === 'huber') return { type, delta: typeof loss === 'string' ? 1 : (loss.delta ?? 1) };
  return { type };
}

function checkLossMatchesOutput(loss: LossSpec, layers: LayerSpec[], issues: IssueCollector): void {
  const output = layers[layers.length - 1];
  const last = ['layers', layers.length - 1, 'activation'];
  if (loss.type === 'cross_entropy' && output.activation !== 'softmax') {
    issues.at(['loss'], `cross_entropy needs a softmax output layer, but '${output.name}' uses ${output.activation}`);
  }
  if (loss.type === 'binary_cross_entropy' && output.activation !== 'sigmoid') {
    issues.at(
      ['loss'],
      `binary_cross_entropy needs a sigmoid output layer, but '${output.name}' uses ${output.activation}`,
    );
  }
  if (output.activation === 'softmax' && loss.type !== 'cross_entropy' && loss.type !== 'mse') {
    issues.at(last, `a softmax output goes with cross_entropy (or mse), not ${loss.type}`, { severity: 'warning' });
  }
}

/**
 * A bias feeding straight into a batch norm is cancelled by it (the norm subtracts the batch mean, bias included):
 * its gradient is zero up to rounding, which Adam then turns into steps of ±lr, and the gradient check can only
 * measure noise on it. Said once per such layer, on its `bias` key (or its name), with `bias: false` as the fix.
 */
function warnCancelledBiases(files: LayerFile[], layers: LayerSpec[], issues: IssueCollector): void {
  const addedLater = new Set(layers.flatMap((layer) => (layer.add === undefined ? [] : [layer.add])));
  layers.forEach((norm, index) => {
    const below = layers[index - 1];
    if (norm.type !== 'batchnorm' || !below || !below.bias || below.frozen || below.activation !== 'linear') return;
    if ((below.type ?? 'dense') !== 'dense' && below.type !== 'conv2d') return;
    // A residual from the layer below is another path for its bias (an add into its own z is not: the norm
    // subtracts that sum's mean, bias included).
    if (addedLater.has(below.name)) return;
    const file = files[index - 1];
    const key = file.bias !== undefined ? 'bias' : file.name !== undefined ? 'name' : undefined;
    issues.at(
      ['layers', index - 1, ...(key ? [key] : [])],
      `the bias of '${below.name}' is cancelled by the batch norm '${norm.name}' right after it, which subtracts ${below.type === 'conv2d' ? "each channel's" : "each unit's"} mean over the batch: its gradient is zero up to rounding. Write \`bias: false\` (β of '${norm.name}' is the shift)`,
      { severity: 'warning' },
    );
  });
}

function resolveOptimizer(optimizer: ModelFile['optimizer']): OptimizerSpec {
  const given =
    optimizer === undefined
      ? { type: 'sgd' as const }
      : typeof optimizer === 'string'
        ? { type: optimizer }
        : optimizer;
  const { schedule, ...rest } = given as Partial<OptimizerSpec> & { type: OptimizerType; schedule?: unknown };
  return optimizerSpec(given.type, { ...rest, schedule: resolveSchedule(schedule) });
}

/** An optimizer with PyTorch's defaults for everything not given. */
export function optimizerSpec(type: OptimizerType, given: Partial<OptimizerSpec> = {}): OptimizerSpec {
  return {
    type,
    lr: given.lr ?? DEFAULT_LR[type],
    momentum: given.momentum ?? 0.9,
    beta1: given.beta1 ?? 0.9,
    beta2: given.beta2 ?? 0.999,
    epsilon: given.epsilon ?? (type === 'adagrad' ? 1e-10 : 1e-8),
    alpha: given.alpha ?? 0.99,
    schedule: given.schedule ?? { type: 'none' },
  };
}

function resolveSchedule(schedule: unknown): ScheduleSpec {
  if (schedule === undefined || schedule === 'none') return { type: 'none' };
  return schedule as ScheduleSpec;
}

function resolveThresholds(given: ModelFile['diagnostics'], d: DiagnosticThresholds): DiagnosticThresholds {
  return {
    vanishingFloor: given?.vanishing_floor ?? d.vanishingFloor,
    vanishingRatio: given?.vanishing_ratio ?? d.vanishingRatio,
    explodingCeiling: given?.exploding_ceiling ?? d.explodingCeiling,
    explodingGrowth: given?.exploding_growth ?? d.explodingGrowth,
    updateRatioLow: given?.update_ratio_low ?? d.updateRatioLow,
    updateRatioHigh: given?.update_ratio_high ?? d.updateRatioHigh,
    saturationFraction: given?.saturation_fraction ?? d.saturationFraction,
    patience: given?.patience ?? d.patience,
  };
}

function loadData(
  data: ModelFile['data'],
  seed: number,
  path: string,
  options: ResolveOptions,
  inputSize: number | undefined,
  outputSize: number | undefined,
  issues: IssueCollector,
  inputShape?: ImageShape,
): { dataset: Dataset; inputNames?: string[] } | undefined {
  const { inputs, targets, csv, generate } = data;
  const sources = [
    inputs || targets ? 'inputs/targets' : undefined,
    csv ? 'csv' : undefined,
    generate ? 'generate' : undefined,
  ].filter(Boolean);
  if (sources.length !== 1) {
    issues.at(
      ['data'],
      sources.length === 0
        ? 'needs `inputs` and `targets`, a `csv`, or a `generate`'
        : `give only one of ${sources.join(', ')}`,
    );
    return undefined;
  }
  if (csv) {
    const loaded = loadCsv(csv, path, options.workspaceRoot ?? dirname(path), outputSize, issues);
    if (!loaded) return undefined;
    checkShapes(loaded, inputSize, outputSize, issues, ['data', 'csv']);
    return { dataset: loaded, inputNames: loaded.inputNames };
  }
  if (generate) {
    const shapes = generate.kind === 'shapes';
    const spec: GenerateSpec = {
      kind: generate.kind,
      samples: generate.samples ?? 200,
      noise: generate.noise ?? 0.1,
      classes: generate.classes ?? (shapes ? SHAPE_CLASSES.length : 2),
      ...(shapes ? { size: generate.size ?? DEFAULT_SHAPE_SIZE } : {}),
    };
    if (generate.size !== undefined && !shapes)
      issues.at(['data', 'generate', 'size'], `is only for kind: shapes (images), not ${spec.kind}`, { onKey: true });
    if (shapes && spec.classes > SHAPE_CLASSES.length)
      issues.at(
        ['data', 'generate', 'classes'],
        `shapes draws ${SHAPE_CLASSES.length} kinds (${SHAPE_CLASSES.join(', ')}); use 2 or ${SHAPE_CLASSES.length} classes`,
      );
    const outputs = generatedOutputs(spec);
    const columns = generatedInputs(spec);
    const numbers = spec.samples * (columns + outputs);
    if (numbers > LIMITS.dataNumbers) {
      issues.at(
        ['data', 'generate', 'samples'],
        `${spec.samples} samples of ${columns + outputs} numbers each is more than ${count(LIMITS.dataNumbers)} numbers (what trains within 1 GB); use at most ${Math.floor(LIMITS.dataNumbers / (columns + outputs))} samples`,
      );
      return undefined;
    }
    if (shapes) checkShapesInput(spec.size!, generate.size !== undefined, inputSize, inputShape, issues);
    else if (inputSize !== undefined && inputSize !== 2)
      issues.at(['input'], `generated '${spec.kind}' data has 2 inputs (x, y), but input is ${inputSize}`);
    if (outputSize !== undefined && outputs !== outputSize) {
      issues.at(
        ['data', 'generate'],
        `'${spec.kind}' with ${spec.classes} classes has ${outputs} target column${outputs > 1 ? 's' : ''}, but the output layer has ${outputSize} units`,
      );
    }
    if (issues.hasErrors) return undefined;
    return { dataset: generateDataset(spec, seed), ...(shapes ? {} : { inputNames: ['x', 'y'] }) };
  }
  if (!inputs || !targets) {
    issues.at(['data'], `needs both \`inputs\` and \`targets\` (missing ${inputs ? 'targets' : 'inputs'})`);
    return undefined;
  }
  const dataset = { inputs, targets };
  checkShapes(dataset, inputSize, outputSize, issues, ['data']);
  return { dataset };
}

/**
 * Generated shapes are 1×size×size images: the input must be that image (or its size² pixels as plain features,
 * for a dense net). Reported at `size` when the file gave one, since either may be the one to change.
 */
function checkShapesInput(
  size: number,
  sizeGiven: boolean,
  inputSize: number | undefined,
  inputShape: ImageShape | undefined,
  issues: IssueCollector,
): void {
  if (inputSize === undefined) return;
  const image: ImageShape = [1, size, size];
  const fits = inputShape ? shapeText(inputShape) === shapeText(image) : inputSize === size * size;
  if (fits) return;
  const given = inputShape ? `{shape: [${inputShape.join(', ')}]}` : `${inputSize}`;
  issues.at(
    sizeGiven ? ['data', 'generate', 'size'] : ['input'],
    `generated 'shapes' data are ${shapeText(image)} images (size ${size}), but input is ${given}; write input: {shape: [1, ${size}, ${size}]}${inputShape && inputShape[1] === inputShape[2] && inputShape[0] === 1 ? ` or size: ${inputShape[1]}` : ''}`,
  );
}

function checkShapes(
  data: Dataset,
  inputSize: number | undefined,
  outputSize: number | undefined,
  issues: IssueCollector,
  at: (string | number)[],
): void {
  const inline = at.length === 1;
  if (data.inputs.length === 0) issues.at([...at, ...(inline ? ['inputs'] : [])], 'needs at least one sample');
  if (data.inputs.length !== data.targets.length) {
    issues.at(
      inline ? ['data', 'targets'] : at,
      `has ${data.targets.length} rows but there are ${data.inputs.length} input rows`,
    );
  }
  for (const [key, rows, width, what] of [
    ['inputs', data.inputs, inputSize, 'input feature'],
    ['targets', data.targets, outputSize, 'output unit'],
  ] as const) {
    if (width === undefined) continue;
    const ragged = rows.findIndex((row) => row.length !== width);
    if (ragged >= 0) {
      issues.at(
        inline ? ['data', key, ragged] : at,
        `${inline ? '' : `${key} row ${ragged + 1}: `}expected ${width} numbers (one per ${what}), got ${rows[ragged].length}`,
      );
    }
  }
}

function baseName(path: string): string {
  return (path.split(/[\\/]/).pop() ?? path).replace(/\.nn\.(ya?ml|json)$/i, '');
}
