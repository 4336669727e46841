// Builds resolved ModelSpecs directly, so engine tests do not depend on the file parser.
import type { LayerSpec, ModelSpec } from '../../../src/model/types';
import { DEFAULT_THRESHOLDS, optimizerSpec } from '../../../src/model';

export function layer(units: number, activation: LayerSpec['activation'], extra: Partial<LayerSpec> = {}): LayerSpec {
  return {
    name: extra.name ?? `layer-${units}-${activation}`,
    units,
    activation,
    alpha: activation === 'elu' ? 1 : 0.01,
    bias: true,
    init: { kind: activation.includes('relu') || activation === 'elu' ? 'he' : 'xavier' },
    frozen: false,
    ...extra,
  };
}

export function spec(overrides: Partial<ModelSpec> & Pick<ModelSpec, 'layers' | 'train'>): ModelSpec {
  const names = new Set<string>();
  const layers = overrides.layers.map((l, i) => {
    const name = names.has(l.name) ? `${l.name}-${i}` : l.name;
    names.add(name);
    return { ...l, name };
  });
  return {
    name: 'test',
    seed: 0,
    inputSize: overrides.train.inputs[0].length,
    loss: { type: 'mse' },
    optimizer: optimizerSpec('sgd', { lr: 0.1, momentum: 0.9 }),
    l2: 0,
    clip: {},
    training: { epochs: 1, batch: overrides.train.inputs.length, shuffle: false },
    diagnostics: DEFAULT_THRESHOLDS,
    ...overrides,
    layers,
  };
}

/** The course slides' example: x=[2,3], y=1, two linear layers without biases. */
export function workedExample(): ModelSpec {
  return spec({
    layers: [
      layer(2, 'linear', {
        name: 'hidden',
        bias: false,
        weights: [
          [-0.78, 0.13],
          [0.85, 0.23],
        ],
      }),
      layer(1, 'linear', { name: 'output', bias: false, weights: [[1.8], [0.4]] }),
    ],
    train: { inputs: [[2, 3]], targets: [[1]] },
  });
}

/** XOR with a 4-unit tanh layer, Adam and binary cross-entropy; tests override what they vary. */
export function xorSpec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return spec({
    seed: 42,
    layers: [layer(4, 'tanh', { name: 'hidden' }), layer(1, 'sigmoid', { name: 'output' })],
    train: {
      inputs: [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      targets: [[0], [1], [1], [0]],
    },
    loss: { type: 'binary_cross_entropy' },
    optimizer: optimizerSpec('adam', { lr: 0.05, momentum: 0.9 }),
    training: { epochs: 30, batch: 3, shuffle: true },
    ...overrides,
  });
}
