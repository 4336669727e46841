// The network and its four kinds of micro-step: forward through one layer, the loss, backward through one
// layer, and the update. Each writes into buffers that live as long as the network, so a training step
// allocates nothing and every intermediate (z, a, δ, dW, db, ΔW) stays there for the trace to show.
// What a layer computes before its activation is its type's kernel (src/engine/layers/); this file only
// sequences kernels, activations, residual additions and the loss.

import type { ModelSpec } from '../model/types';
import { activate, activationBackward } from './activations';
import { createLayer, Layer, type ForwardMode } from './layers';
import { lossFunction, type LossFunction } from './losses';
import { sumOfSquares } from './matrix';
import { updateRule, type UpdateRule } from './optimizers';
import type { Random } from './random';

/** Every layer type shares the Layer shape; the name is kept from when dense was the only type. */
export type DenseLayer = Layer;
export { Layer };

export class Network {
  readonly layers: Layer[];
  readonly inputSize: number;
  readonly outputSize: number;
  /** The current batch: inputs [sample][feature], targets [sample][output], m samples. */
  readonly X: Float64Array;
  readonly Y: Float64Array;
  m = 0;
  lossValue = NaN;
  l2Penalty = 0;
  /** Factor the last global-norm clip scaled gradients by (1 when it did not clip). */
  clipScale = 1;
  private readonly loss: LossFunction;
  private readonly rule: UpdateRule;
  /** ∂L/∂ŷ for the output layer when the loss does not hand back δ directly. */
  private readonly outputGrad: Float64Array;
  /** Training forward passes: batch statistics, and dropout masks from the model's generator. */
  private readonly training: ForwardMode;
  private readonly evaluation: ForwardMode;
  /** predict's batch-sized z and a per layer, and its z and a of the output layer for every sample. */
  private evaluationStages?: { z: Float64Array; a: Float64Array }[];
  private evaluationOutput?: { z: Float64Array; a: Float64Array };

  constructor(
    private readonly model: ModelSpec,
    random: Random,
    batchCapacity: number,
  ) {
    this.inputSize = model.inputSize;
    let fanIn = model.inputSize;
    this.layers = model.layers.map((spec, index) => {
      const addFrom = spec.add === undefined ? -1 : model.layers.findIndex((other) => other.name === spec.add);
      const layer = createLayer(spec, index, fanIn, addFrom, random, batchCapacity);
      fanIn = spec.units;
      return layer;
    });
    for (const layer of this.layers) {
      if (layer.addFrom < 0) continue;
      const source = this.layers[layer.addFrom];
      source.addedBy.push(layer.index);
      if (source.gradOutput.length === 0) source.gradOutput = new Float64Array(batchCapacity * source.units);
    }
    this.training = { training: true, random, keepMasks: false };
    this.evaluation = { training: false, random, keepMasks: true };
    this.outputSize = fanIn;
    this.X = new Float64Array(batchCapacity * this.inputSize);
    this.Y = new Float64Array(batchCapacity * this.outputSize);
    this.outputGrad = new Float64Array(batchCapacity * this.outputSize);
    this.loss = lossFunction(model.loss);
    this.rule = updateRule(model.optimizer);
  }

  get lossGivesDelta(): boolean {
    return this.loss.givesDelta;
  }

  /** Keep reusing the dropout masks of the last training pass rather than drawing new ones (gradient check). */
  set keepMasks(keep: boolean) {
    this.training.keepMasks = keep;
  }

  get output(): Layer {
    return this.layers[this.layers.length - 1];
  }

  /** Copies samples order[first .. first+count) into X and Y, and marks every layer as not yet computed. */
  loadBatch(inputs: Float64Array, targets: Float64Array, order: readonly number[], first: number, count: number): void {
    this.m = count;
    const { inputSize: n, outputSize: o } = this;
    for (let row = 0; row < count; row++) {
      const sample = order[first + row];
      for (let j = 0; j < n; j++) this.X[row * n + j] = inputs[sample * n + j];
      for (let j = 0; j < o; j++) this.Y[row * o + j] = targets[sample * o + j];
    }
    for (const layer of this.layers) {
      layer.computed.forward = layer.computed.backward = layer.computed.update = false;
    }
    this.lossValue = NaN;
  }

  /** The input to layer k: the batch for the first layer, the previous layer's activations otherwise. */
  inputOf(k: number): Float64Array {
    return k === 0 ? this.X : this.layers[k - 1].a;
  }

  /** z = kernel(a_prev) (dense: a_prev·W + b), plus a_skip for a residual connection;  a = f(z) */
  forward(k: number): void {
    const layer = this.layers[k];
    const { m } = this;
    layer.kernel.forward(layer, this.inputOf(k), m, layer.z, this.training);
    if (layer.addFrom >= 0) addInto(layer.z, this.layers[layer.addFrom].a, m * layer.units);
    activate(layer.activation, layer.alpha, layer.z, layer.a, m, layer.units);
    layer.computed.forward = true;
  }

  /** L = mean batch loss of the output; the L2 term λ/(2m)·ΣW² is kept apart, as the trace shows both. */
  computeLoss(): number {
    const out = this.output;
    this.lossValue = this.loss.value(out.z, out.a, this.Y, this.m, out.units);
    let squares = 0;
    if (this.model.l2 > 0) for (const layer of this.layers) if (decays(layer)) squares += sumOfSquares(layer.W);
    this.l2Penalty = (this.model.l2 / (2 * this.m)) * squares;
    return this.lossValue;
  }

  /**
   * δ = ∂L/∂z (from the loss at the output; otherwise ∂L/∂a from the layer above, plus the δ of every later
   * layer that adds this one's a, times f′), then the kernel's backward: for dense dW = a_prevᵀ·δ + (λ/m)·W,
   * db = Σ δ, and ∂L/∂a_prev = δ·Wᵀ for the layer below.
   */
  backward(k: number): void {
    const layer = this.layers[k];
    const { m } = this;
    const n = layer.units;
    if (k === this.layers.length - 1) {
      if (this.loss.givesDelta) {
        this.loss.gradient(layer.z, layer.a, this.Y, layer.delta, m, n);
      } else {
        this.loss.gradient(layer.z, layer.a, this.Y, this.outputGrad, m, n);
        activationBackward(layer.activation, layer.alpha, layer.z, layer.a, this.outputGrad, layer.delta, m, n);
      }
    } else {
      const gradA = this.gradientOfActivations(k);
      activationBackward(layer.activation, layer.alpha, layer.z, layer.a, gradA, layer.delta, m, n);
    }
    layer.kernel.backward(layer, this.inputOf(k), m, k > 0);
    if (this.model.l2 > 0 && decays(layer)) {
      const decay = this.model.l2 / m;
      for (let i = 0; i < layer.W.length; i++) layer.dW[i] += decay * layer.W[i];
    }
    layer.computed.backward = true;
  }

  /** ∂L/∂a of layer k: through the layer above, and through every residual connection that adds it. */
  private gradientOfActivations(k: number): Float64Array {
    const above = this.layers[k + 1].gradInput;
    const layer = this.layers[k];
    if (layer.addedBy.length === 0) return above;
    const count = this.m * layer.units;
    const sum = layer.gradOutput;
    for (let i = 0; i < count; i++) sum[i] = above[i];
    for (const later of layer.addedBy) addInto(sum, this.layers[later].delta, count);
    return sum;
  }

  /** Clips the gradients of the trainable layers, then lets the optimizer move every trainable parameter. */
  update(lr: number, t: number): void {
    this.clipGradients();
    for (const layer of this.layers) {
      if (layer.trainable) {
        this.rule(layer.W, layer.dW, layer.stepW, layer.slotsW, lr, t);
        if (layer.hasBias) this.rule(layer.b, layer.db, layer.stepB, layer.slotsB, lr, t);
      } else {
        layer.stepW.fill(0);
        layer.stepB.fill(0);
      }
      layer.computed.update = true;
    }
  }

  private clipGradients(): void {
    const { value, norm } = this.model.clip;
    this.clipScale = 1;
    if (value === undefined && norm === undefined) return;
    const trainable = this.layers.filter((layer) => layer.trainable);
    if (value !== undefined) {
      for (const layer of trainable) {
        clampInPlace(layer.dW, value);
        clampInPlace(layer.db, value);
      }
    }
    if (norm !== undefined) {
      let squares = 0;
      for (const layer of trainable) squares += sumOfSquares(layer.dW) + sumOfSquares(layer.db);
      // PyTorch's clip_grad_norm_: scale by c / (‖g‖ + 1e-6) whenever that is below 1.
      const scale = norm / (Math.sqrt(squares) + 1e-6);
      if (scale < 1) {
        this.clipScale = scale;
        for (const layer of trainable) {
          for (let i = 0; i < layer.dW.length; i++) layer.dW[i] *= scale;
          for (let i = 0; i < layer.db.length; i++) layer.db[i] *= scale;
        }
      }
    }
  }

  /**
   * Runs the network in evaluation mode (running statistics, no dropout) on any inputs without touching the
   * training buffers (validation, decision boundary): a batch's worth of samples at a time through every layer,
   * so the intermediates need only batch-sized buffers of their own, made once, and stay in cache from one layer
   * to the next. The output layer's z and a it returns are the network's own: valid until the next predict.
   */
  predict(inputs: Float64Array, count: number): { z: Float64Array; a: Float64Array } {
    const capacity = this.X.length / this.inputSize;
    const last = this.layers.length - 1;
    const outputs = this.evaluationOutputs(count);
    const stages = (this.evaluationStages ??= this.layers.map((layer) => ({
      z: new Float64Array(capacity * layer.units),
      a: new Float64Array(capacity * layer.units),
    })));
    for (let first = 0; first < count; first += capacity) {
      const m = Math.min(capacity, count - first);
      let input = inputs.subarray(first * this.inputSize, (first + m) * this.inputSize);
      for (const layer of this.layers) {
        const size = m * layer.units;
        const at = first * layer.units;
        const z = layer.index === last ? outputs.z.subarray(at, at + size) : stages[layer.index].z;
        const a = layer.index === last ? outputs.a.subarray(at, at + size) : stages[layer.index].a;
        layer.kernel.forward(layer, input, m, z, this.evaluation);
        if (layer.addFrom >= 0) addInto(z, stages[layer.addFrom].a, size);
        activate(layer.activation, layer.alpha, z, a, m, layer.units);
        input = a;
      }
    }
    return { z: outputs.z.subarray(0, count * this.outputSize), a: outputs.a.subarray(0, count * this.outputSize) };
  }

  /** Mean loss of any inputs and targets (validation), with the outputs it was computed from (see predict). */
  evaluate(inputs: Float64Array, targets: Float64Array, count: number): { loss: number; outputs: Float64Array } {
    const { z, a } = this.predict(inputs, count);
    return { loss: this.loss.value(z, a, targets, count, this.outputSize), outputs: a };
  }

  /** predict's output z and a, kept from one predict to the next and grown only when more samples come. */
  private evaluationOutputs(count: number): { z: Float64Array; a: Float64Array } {
    const size = count * this.outputSize;
    if (!this.evaluationOutput || this.evaluationOutput.z.length < size)
      this.evaluationOutput = { z: new Float64Array(size), a: new Float64Array(size) };
    return this.evaluationOutput;
  }
}

/** L2 regularization is on weights only, as in the textbooks: not on biases, γ or β. */
function decays(layer: Layer): boolean {
  return layer.trainable && layer.type === 'dense';
}

function addInto(target: Float64Array, values: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) target[i] += values[i];
}

function clampInPlace(values: Float64Array, limit: number): void {
  for (let i = 0; i < values.length; i++) values[i] = Math.min(limit, Math.max(-limit, values[i]));
}
