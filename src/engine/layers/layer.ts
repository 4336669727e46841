// What every layer has, whatever its type: its parameters and their gradients (W and b: for a dense layer the
// weights and biases, for batch/layer norm γ and β, none for dropout), the per-batch buffers z, a and δ, and
// ∂L/∂input for the layer below. The type's own forward and backward, with the cache its backward needs,
// live in its kernel (one small module per type in this folder); the network only sequences them:
//   z = kernel.forward(a_prev) (+ a_skip),  a = f(z)          forward
//   δ = ∂L/∂a ⊙ f′(z),  kernel.backward(δ) → dW, db, ∂L/∂a_prev   backward

import type { ActivationName, LayerType } from '../../model/types';
import { emptySlots, type OptimizerSlots } from '../optimizers';
import type { Random } from '../random';

/** How a forward pass runs: training (batch statistics, fresh dropout masks) or evaluation (running statistics,
 * no dropout), as PyTorch's model.train() / model.eval(). */
export interface ForwardMode {
  training: boolean;
  /** The model's seeded generator, which dropout draws its masks from in training. */
  random: Random;
  /** Keep the masks of the previous training pass (a gradient check compares losses under one mask). */
  keepMasks: boolean;
}

/** One layer type: forward and backward side by side, over the layer's buffers and the kernel's own cache. */
export interface LayerKernel {
  readonly type: LayerType;
  /**
   * z (m×units) from the layer's input x (m×inputSize). In training mode it fills the cache `backward` reads;
   * in evaluation it reads only parameters and running statistics, so a validation pass leaves the trace alone.
   */
  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array, mode: ForwardMode): void;
  /** From δ = ∂L/∂z: dW and db, and, when `inputGradient`, ∂L/∂x into layer.gradInput. */
  backward(layer: Layer, x: Float64Array, m: number, inputGradient: boolean): void;
  /** State that training changes besides the parameters (batch norm's running statistics), for snapshots. */
  state(): Float64Array[];
}

export class Layer {
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
  /** ∂L/∂(this layer's input), handed to the layer below during backward. */
  readonly gradInput: Float64Array;
  /**
   * ∂L/∂a when later layers add this one's activations (residual connections): the layer above's ∂L/∂input
   * plus the δ of every layer that adds it. Empty when nothing adds this layer.
   */
  gradOutput: Float64Array = new Float64Array(0);
  /** Indices of the later layers whose z adds this layer's a. */
  readonly addedBy: number[] = [];
  readonly computed = { forward: false, backward: false, update: false };

  constructor(
    readonly index: number,
    readonly name: string,
    readonly kernel: LayerKernel,
    readonly inputSize: number,
    readonly units: number,
    /** Rows of W as a matrix: n_in for dense, 1 for γ, 0 for a layer without parameters. */
    readonly weightRows: number,
    readonly activation: ActivationName,
    readonly alpha: number,
    readonly hasBias: boolean,
    readonly frozen: boolean,
    /** The earlier layer whose activations are added to z (a residual connection), or −1. */
    readonly addFrom: number,
    W: Float64Array,
    b: Float64Array,
    batchCapacity: number,
  ) {
    this.W = W;
    this.b = b;
    this.dW = new Float64Array(W.length);
    this.db = new Float64Array(b.length);
    this.stepW = new Float64Array(W.length);
    this.stepB = new Float64Array(b.length);
    this.slotsW = emptySlots(W.length);
    this.slotsB = emptySlots(b.length);
    this.z = new Float64Array(batchCapacity * units);
    this.a = new Float64Array(batchCapacity * units);
    this.delta = new Float64Array(batchCapacity * units);
    this.gradInput = new Float64Array(batchCapacity * inputSize);
  }

  get type(): LayerType {
    return this.kernel.type;
  }

  /** Has parameters that the optimizer moves. */
  /** Columns of W as a matrix: units for dense and the norms, channels·kh·kw for a convolution (a row per filter). */
  get weightCols(): number {
    return this.weightRows > 0 ? this.W.length / this.weightRows : this.units;
  }

  /** Columns of b: units, or one per filter for a convolution. */
  get biasCols(): number {
    return this.b.length > 0 ? this.b.length : this.units;
  }

  get trainable(): boolean {
    return !this.frozen && this.W.length + this.b.length > 0;
  }
}
