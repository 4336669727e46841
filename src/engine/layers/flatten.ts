// Flatten: a C×H×W image as one row of C·H·W values. Images are already stored that way (channel, then row,
// then column, as PyTorch's x.view(m, −1)), so it is a view: z = x, and backward hands δ straight down.
// The layer keeps its own z only so that the trace and the stepper treat it like any other layer.

import type { Layer, LayerKernel } from './layer';

export class FlattenKernel implements LayerKernel {
  readonly type = 'flatten';

  /** The image it flattens, for the trace; undefined when its input was already flat. */
  constructor(readonly inputShape?: [number, number, number]) {}

  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array): void {
    z.set(x.subarray(0, m * layer.units));
  }

  backward(layer: Layer, _x: Float64Array, m: number, inputGradient: boolean): void {
    if (inputGradient) layer.gradInput.set(layer.delta.subarray(0, m * layer.units));
  }

  state(): Float64Array[] {
    return [];
  }
}
