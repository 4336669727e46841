// The one schema of a model file. The parser validates with it, and scripts/gen-schema.ts turns it into the
// JSON Schema VS Code uses for completion and hovers, so every description here is what a user reads.

import { z } from 'zod';

export const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'softmax'] as const;
export const LOSSES = ['mse', 'mae', 'huber', 'cross_entropy', 'binary_cross_entropy'] as const;
export const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const;
export const DATASETS = ['xor', 'circle', 'spiral', 'gaussian', 'moons', 'shapes'] as const;
export const LAYER_TYPES = ['dense', 'batchnorm', 'layernorm', 'dropout', 'conv2d', 'maxpool2d', 'flatten'] as const;

/**
 * Limits that keep a typo from allocating gigabytes before anything is checked. `parameters`, `batchNumbers`
 * and `dataNumbers` are chosen so that the largest model and data within them train in under 1 GB (README,
 * "Limits"); `layers` keeps a file's structure to what a person writes and reads.
 */
export const LIMITS = {
  units: 100_000,
  inputs: 100_000,
  layers: 1_000,
  samples: 1_000_000,
  /** Data rows of a CSV: per row, its strings and numbers cost far more than a generated sample. */
  csvRows: 500_000,
  epochs: 10_000_000,
  parameters: 2_000_000,
  /** z, a, δ and ∂L/∂input of one batch through every layer. */
  batchNumbers: 4_000_000,
  /** Inputs and targets of the whole data set. */
  dataNumbers: 10_000_000,
};

const positive = z.number().positive();
const fraction = z.number().min(0).max(1);
const row = z.array(z.number());
const side = z.number().int().min(1).max(LIMITS.inputs);

const activation = z
  .enum(ACTIVATIONS)
  .describe(
    'Activation f applied to z = a·W + b (default linear, as in Keras and PyTorch). softmax is allowed only on the last layer.',
  );

const init = z
  .union([
    z.enum(['he', 'xavier', 'zeros', 'normal', 'uniform']),
    z.strictObject({ type: z.literal('normal'), std: positive.describe('Standard deviation of N(0, std²).') }),
    z.strictObject({ type: z.literal('uniform'), limit: positive.describe('Weights drawn from U(−limit, limit).') }),
    z.strictObject({ type: z.enum(['he', 'xavier', 'zeros']) }),
  ])
  .describe(
    'Initial weights: he = N(0, 2/n_in) (default for relu, leaky_relu, elu), xavier = Glorot uniform U(±√(6/(n_in+n_out))) (default otherwise), zeros (every unit identical: shows the symmetry problem), {type: normal, std} or {type: uniform, limit}. Ignored when `weights` is given.',
  );

const layer = z
  .strictObject({
    type: z
      .enum(LAYER_TYPES)
      .optional()
      .describe(
        'dense (default): z = a_prev·W + b. batchnorm: z = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε) over the batch (running statistics in evaluation); after an image, one μ, σ², γ and β per channel over the batch and the image’s positions (BatchNorm2d). layernorm: the same over each sample’s features. dropout: z = x ⊙ mask/(1 − rate) in training, x in evaluation. The last three keep their input’s width (no `units`). conv2d: each of `filters` kernels slides over the image, z = Σ K ⋆ x + b per output channel. maxpool2d: the largest value of each `size`×`size` window. flatten: the image as one row (c, then row, then column). A dense layer after an image layer flattens it the same way.',
      ),
    name: z
      .string()
      .min(1)
      .optional()
      .describe('Unique layer name, shown in the panel and CodeLens. Default layer1, layer2, ….'),
    units: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.units)
      .optional()
      .describe('Number of units (neurons). Required for dense layers; the other types keep their input’s width.'),
    activation: activation.optional(),
    alpha: positive.optional().describe('leaky_relu: slope for z < 0 (default 0.01). elu: α in α(eᶻ − 1) (default 1).'),
    bias: z.boolean().optional().describe('Whether the layer has biases b (default true).'),
    init: init.optional(),
    weights: z
      .array(row)
      .optional()
      .describe(
        'Explicit initial weights: one row per input of the layer, each with `units` numbers (row i = input i, so z = a·W + b). conv2d: one row per filter, each with channels·kh·kw numbers (channel by channel, row by row, as PyTorch’s weight[f]).',
      ),
    biases: row.optional().describe('Explicit initial biases, `units` numbers (conv2d: one per filter).'),
    frozen: z
      .boolean()
      .optional()
      .describe('A frozen layer still passes δ backward but never updates (transfer learning). Default false.'),
    momentum: fraction
      .optional()
      .describe(
        'batchnorm: weight of each batch’s statistics in the running mean and variance, r ← (1 − momentum)·r + momentum·batch (default 0.1, as PyTorch).',
      ),
    epsilon: positive.optional().describe('batchnorm and layernorm: ε in x̂ = (x − μ)/√(σ² + ε) (default 1e-5).'),
    rate: z
      .number()
      .min(0)
      .lt(1)
      .optional()
      .describe(
        'dropout: probability of dropping each activation in training (default 0.5); kept ones are scaled by 1/(1 − rate). Masks come from the model’s seed.',
      ),
    add: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Residual connection: the name of an earlier layer with as many units; its activations are added to this layer’s z before the activation, z = … + a_skip.',
      ),
    filters: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.units)
      .optional()
      .describe('conv2d: number of kernels, i.e. output channels (feature maps). Required for conv2d.'),
    kernel: z
      .union([side, z.tuple([side, side])])
      .optional()
      .describe('conv2d: kernel size, n for n×n or [height, width]. Required for conv2d.'),
    stride: side
      .optional()
      .describe('conv2d (default 1) and maxpool2d (default `size`): step between windows, along rows and columns.'),
    padding: z
      .union([z.number().int().min(0).max(LIMITS.inputs), z.literal('same')])
      .optional()
      .describe(
        'conv2d: zeros added on every side of the image (default 0), or `same` (stride 1, odd kernel) to keep height and width.',
      ),
    size: side.optional().describe('maxpool2d: window size, size×size. Required for maxpool2d.'),
  })
  .superRefine((layer, context) => {
    // Only a dense layer chooses its width; the others keep their input's.
    if ((layer.type ?? 'dense') === 'dense' && layer.units === undefined)
      context.addIssue({ code: 'invalid_type', expected: 'number', path: ['units'], input: undefined });
    for (const key of layer.type === 'conv2d' ? (['filters', 'kernel'] as const) : [])
      if (layer[key] === undefined)
        context.addIssue({ code: 'invalid_type', expected: 'number', path: [key], input: undefined });
    if (layer.type === 'maxpool2d' && layer.size === undefined)
      context.addIssue({ code: 'invalid_type', expected: 'number', path: ['size'], input: undefined });
  })
  .describe(
    'A layer: dense (z = a_prev·W + b), batchnorm, layernorm, dropout, conv2d, maxpool2d or flatten; then a = f(z).',
  );

const lossType = z.enum(LOSSES);
const loss = z
  .union([
    lossType,
    z.strictObject({ type: lossType, delta: positive.optional().describe('huber: threshold δ (default 1).') }),
  ])
  .describe(
    'mse = mean over the batch of ½·Σ(ŷ−y)²; mae = mean of Σ|ŷ−y|; huber = ½e² inside δ, δ(|e|−½δ) outside; cross_entropy (softmax output); binary_cross_entropy (sigmoid output).',
  );

const schedule = z
  .union([
    z.literal('none'),
    z.strictObject({
      type: z.literal('step'),
      every: z.number().int().min(1).describe('Multiply the learning rate by gamma every this many epochs.'),
      gamma: positive,
    }),
    z.strictObject({ type: z.literal('exponential'), gamma: positive.describe('lr × gamma^epoch.') }),
    z.strictObject({
      type: z.literal('cosine'),
      epochs: z.number().int().min(1).describe('Cosine annealing to 0 over this many epochs.'),
    }),
    z.strictObject({ type: z.literal('none') }),
  ])
  .describe('Learning-rate schedule, stepped once per epoch like PyTorch’s lr_scheduler.');

const optimizerType = z.enum(OPTIMIZERS);
const optimizer = z
  .union([
    optimizerType,
    z.strictObject({
      type: optimizerType,
      lr: positive
        .optional()
        .describe(
          'Learning rate α. Defaults as PyTorch: sgd/momentum/nesterov 0.001, adagrad 0.01, rmsprop 0.01, adam 0.001.',
        ),
      momentum: fraction.optional().describe('momentum and nesterov: μ (default 0.9).'),
      beta1: z.number().min(0).lt(1).optional().describe('adam: β₁ (default 0.9).'),
      beta2: z.number().min(0).lt(1).optional().describe('adam: β₂ (default 0.999).'),
      epsilon: positive.optional().describe('adagrad (default 1e-10), rmsprop and adam (default 1e-8): ε.'),
      alpha: fraction.optional().describe('rmsprop: smoothing constant ρ (default 0.99).'),
      schedule: schedule.optional(),
    }),
  ])
  .describe('sgd: W ← W − α·dW; momentum: V ← μV − α·dW, W ← W + V; nesterov, adagrad, rmsprop, adam as in PyTorch.');

const data = z
  .strictObject({
    inputs: z.array(row).optional().describe('Inline inputs: one row per sample.'),
    targets: z.array(row).optional().describe('Inline targets: one row per sample, one number per output unit.'),
    csv: z
      .strictObject({
        path: z
          .string()
          .min(1)
          .describe('CSV file with a header row, relative to the model file (never outside the workspace).'),
        targets: z.array(z.string().min(1)).min(1).describe('Columns that are targets; the other columns are inputs.'),
        onehot: z
          .boolean()
          .optional()
          .describe('Turn a categorical target column into one-hot columns (default false).'),
      })
      .optional(),
    generate: z
      .strictObject({
        kind: z
          .enum(DATASETS)
          .describe(
            'xor, circle, spiral, gaussian, moons: a 2-D dataset as in TensorFlow Playground (inputs x, y). shapes: 1×size×size images of a bar, a cross or a circle (one class each), at any angle, shifted, sized and as bright as the draw makes them, for `input: {shape: [1, 8, 8]}`.',
          ),
        samples: z.number().int().min(1).max(LIMITS.samples).optional().describe('Number of samples (default 200).'),
        noise: z
          .number()
          .min(0)
          .optional()
          .describe(
            'Noise level (default 0.1): the standard deviation of the noise added to each input (shapes: each pixel).',
          ),
        classes: z
          .number()
          .int()
          .min(2)
          .max(10)
          .optional()
          .describe(
            'spiral and gaussian: number of classes (default 2; more than 2 gives one-hot targets). shapes: 2 (bars and crosses) or 3 (and circles, the default).',
          ),
        size: z
          .number()
          .int()
          .min(4)
          .max(64)
          .optional()
          .describe('shapes: height and width of the images (default 8), so input is {shape: [1, size, size]}.'),
      })
      .optional(),
    validation: z
      .number()
      .gt(0)
      .lt(1)
      .optional()
      .describe('Fraction of the samples held out (seeded) to measure validation loss.'),
  })
  .describe('Training data: inline `inputs` and `targets`, a `csv`, or a `generate`d dataset.');

const diagnostics = z
  .strictObject({
    vanishing_floor: positive.optional().describe('A layer’s ‖dW‖ below this is vanishing (default 1e-7).'),
    vanishing_ratio: positive
      .optional()
      .describe('‖dW‖ more than this many times smaller than the layers above is vanishing (ratio, default 1e-2).'),
    exploding_ceiling: positive.optional().describe('‖dW‖ above this is exploding (default 1e3).'),
    exploding_growth: positive
      .optional()
      .describe('‖dW‖ growing by this factor step over step, for `patience` steps, is exploding (default 2).'),
    update_ratio_low: positive.optional().describe('‖ΔW‖/‖W‖ below this is flagged (default 1e-5).'),
    update_ratio_high: positive.optional().describe('‖ΔW‖/‖W‖ above this is flagged (default 1e-1).'),
    saturation_fraction: fraction
      .optional()
      .describe('Fraction of saturated sigmoid/tanh outputs that triggers a warning (default 0.5).'),
    patience: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Steps (or epochs) a condition must hold before it is reported (default 5).'),
  })
  .describe('Thresholds for the training warnings.');

export const modelFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().optional().describe('Model name (default: the file name).'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(4294967295)
      .optional()
      .describe('Seed for initial weights, shuffling and generated data (default 0).'),
    input: z
      .union([
        z.number().int().min(1).max(LIMITS.inputs),
        z.array(z.string().min(1)).min(1),
        z.strictObject({
          shape: z
            .tuple([side, side, side])
            .describe(
              'Images as [channels, height, width]; each data row holds channels·height·width numbers, channel by channel, row by row.',
            ),
        }),
      ])
      .describe('Number of input features, a list of their names, or {shape: [channels, height, width]} for images.'),
    layers: z
      .array(layer)
      .min(1)
      .max(LIMITS.layers)
      .describe('Layers, from the first hidden layer to the output layer.'),
    loss,
    optimizer: optimizer.optional(),
    regularization: z
      .strictObject({ l2: z.number().min(0).describe('λ: loss += λ/(2m)·ΣW², dW += (λ/m)·W (weights only).') })
      .optional(),
    clip: z
      .strictObject({
        value: positive.optional().describe('Clamp every element of dW and db to [−value, value] (after L2).'),
        norm: positive.optional().describe('Rescale all gradients together when their global L2 norm exceeds this.'),
      })
      .optional()
      .describe('Gradient clipping: `value` or `norm`.'),
    training: z
      .strictObject({
        epochs: z.number().int().min(1).max(LIMITS.epochs).optional().describe('Passes over the data (default 1).'),
        batch: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('Samples per batch (default: all); the last partial batch averages over its own size.'),
        shuffle: z.boolean().optional().describe('Shuffle the samples each epoch, seeded (default false).'),
      })
      .optional(),
    data,
    diagnostics: diagnostics.optional(),
  })
  .describe('A Backprop Debugger model file (*.nn.yaml or *.nn.json).');

export type ModelFile = z.infer<typeof modelFileSchema>;
/** The keys of a model file that were valid on their own, when others were not. */
export type PartialModelFile = Partial<ModelFile>;
export type LayerFile = z.infer<typeof layer>;
