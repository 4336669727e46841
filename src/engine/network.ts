// The network and its four kinds of micro-step: forward through one layer, the loss, backward through one
// layer, and the update. Each writes into buffers that live as long as the network, so a training step
// allocates nothing and every intermediate (z, a, δ, dW, db, ΔW) stays there for the trace to show.

import type { ActivationName, ModelSpec } from '../model/types';
import { activate, activationBackward } from './activations';
import { initialBiases, initialWeights } from './init';
import { lossFunction, type LossFunction } from './losses';
import { affine, columnSums, sumOfSquares, timesTranspose, transposeTimes } from './matrix';
import { emptySlots, updateRule, type OptimizerSlots, type UpdateRule } from './optimizers';
import type { Random } from './random';

export class DenseLayer {
  W: Float64Array;
  b: Float64Array;
  readonly dW: Float64Array;
  readonly db: Float64Array;
  /** ΔW and Δb actually applied by the last update. */
  readonly stepW: Float64Array;
  readonly stepB: Float64Array;
  slotsW: OptimizerSlots;
  slotsB: OptimizerSlots;
  /** [sample][unit] for the current batch (capacity for the largest batch). */
  readonly z: Float64Array;
  readonly a: Float64Array;
  readonly delta: Float64Array;
  /** ∂L/∂(this layer's input) = δ·Wᵀ, handed to the layer below during backward. */
  readonly gradInput: Float64Array;
  readonly computed = { forward: false, backward: false, update: false };

  constructor(
    readonly index: number,
    readonly name: string,
    readonly inputSize: number,
    readonly units: number,
    readonly activation: ActivationName,
    readonly alpha: number,
    readonly hasBias: boolean,
    readonly frozen: boolean,
    W: Float64Array,
    b: Float64Array,
    batchCapacity: number,
  ) {
    this.W = W;
    this.b = b;
    this.dW = new Float64Array(W.length);
    this.db = new Float64Array(units);
    this.stepW = new Float64Array(W.length);
    this.stepB = new Float64Array(units);
    this.slotsW = emptySlots(W.length);
    this.slotsB = emptySlots(units);
    this.z = new Float64Array(batchCapacity * units);
    this.a = new Float64Array(batchCapacity * units);
    this.delta = new Float64Array(batchCapacity * units);
    this.gradInput = new Float64Array(batchCapacity * inputSize);
  }

  get trainable(): boolean {
    return !this.frozen;
  }
}

export class Network {
  readonly layers: DenseLayer[];
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

  constructor(
    private readonly model: ModelSpec,
    random: Random,
    batchCapacity: number,
  ) {
    this.inputSize = model.inputSize;
    let fanIn = model.inputSize;
    this.layers = model.layers.map((spec, index) => {
      const layer = new DenseLayer(
        index,
        spec.name,
        fanIn,
        spec.units,
        spec.activation,
        spec.alpha,
        spec.bias,
        spec.frozen,
        initialWeights(spec, fanIn, random),
        initialBiases(spec),
        batchCapacity,
      );
      fanIn = spec.units;
      return layer;
    });
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

  get output(): DenseLayer {
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

  /** z = a_prev·W + b;  a = f(z) */
  forward(k: number): void {
    const layer = this.layers[k];
    affine(this.inputOf(k), this.m, layer.inputSize, layer.W, layer.b, layer.units, layer.z);
    activate(layer.activation, layer.alpha, layer.z, layer.a, this.m, layer.units);
    layer.computed.forward = true;
  }

  /** L = mean batch loss of the output; the L2 term λ/(2m)·ΣW² is kept apart, as the trace shows both. */
  computeLoss(): number {
    const out = this.output;
    this.lossValue = this.loss.value(out.z, out.a, this.Y, this.m, out.units);
    let squares = 0;
    if (this.model.l2 > 0) for (const layer of this.layers) if (layer.trainable) squares += sumOfSquares(layer.W);
    this.l2Penalty = (this.model.l2 / (2 * this.m)) * squares;
    return this.lossValue;
  }

  /**
   * δ = ∂L/∂z (from the loss at the output, from the layer above otherwise), then
   * dW = a_prevᵀ·δ + (λ/m)·W,  db = Σ δ,  and ∂L/∂a_prev = δ·Wᵀ for the layer below.
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
      const gradA = this.layers[k + 1].gradInput;
      activationBackward(layer.activation, layer.alpha, layer.z, layer.a, gradA, layer.delta, m, n);
    }
    transposeTimes(this.inputOf(k), m, layer.inputSize, layer.delta, n, layer.dW);
    if (layer.hasBias) columnSums(layer.delta, m, n, layer.db);
    else layer.db.fill(0);
    if (this.model.l2 > 0 && layer.trainable) {
      const decay = this.model.l2 / m;
      for (let i = 0; i < layer.W.length; i++) layer.dW[i] += decay * layer.W[i];
    }
    if (k > 0) timesTranspose(layer.delta, m, n, layer.W, layer.inputSize, layer.gradInput);
    layer.computed.backward = true;
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

  /** Runs the network on any inputs without touching the training buffers (validation, decision boundary). */
  predict(inputs: Float64Array, count: number): { z: Float64Array; a: Float64Array } {
    let input = inputs;
    let z = new Float64Array(0);
    for (const layer of this.layers) {
      z = new Float64Array(count * layer.units);
      const a = new Float64Array(count * layer.units);
      affine(input, count, layer.inputSize, layer.W, layer.b, layer.units, z);
      activate(layer.activation, layer.alpha, z, a, count, layer.units);
      input = a;
    }
    return { z, a: input };
  }

  /** Mean loss of any inputs and targets (validation). */
  lossOf(inputs: Float64Array, targets: Float64Array, count: number): number {
    const { z, a } = this.predict(inputs, count);
    return this.loss.value(z, a, targets, count, this.outputSize);
  }
}

function clampInPlace(values: Float64Array, limit: number): void {
  for (let i = 0; i < values.length; i++) values[i] = Math.min(limit, Math.max(-limit, values[i]));
}
