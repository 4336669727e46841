// Inverted dropout with rate p: in training each entry is kept with probability 1 − p and scaled up by 1/(1 − p),
// so evaluation (which drops nothing) sees activations of the same expected size.
//   z = x ⊙ mask / (1 − p)          backward:  ∂L/∂x = δ ⊙ mask / (1 − p)
// The cache is the mask (1 = kept, 0 = dropped). It is drawn from the model's seeded generator, so a run is
// reproducible and replaying a batch after step back draws the same mask again.

import type { ForwardMode, Layer, LayerKernel } from './layer';

export class DropoutKernel implements LayerKernel {
  readonly type = 'dropout';
  /** [sample][unit]: 1 where the entry was kept, 0 where it was dropped. */
  readonly mask: Float64Array;

  constructor(
    units: number,
    batchCapacity: number,
    readonly rate: number,
  ) {
    this.mask = new Float64Array(batchCapacity * units);
  }

  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array, mode: ForwardMode): void {
    const count = m * layer.units;
    if (!mode.training) {
      for (let k = 0; k < count; k++) z[k] = x[k];
      return;
    }
    const keep = 1 - this.rate;
    if (!mode.keepMasks) for (let k = 0; k < count; k++) this.mask[k] = mode.random.next() < this.rate ? 0 : 1;
    for (let k = 0; k < count; k++) z[k] = (x[k] * this.mask[k]) / keep;
  }

  backward(layer: Layer, _x: Float64Array, m: number, inputGradient: boolean): void {
    if (!inputGradient) return;
    const keep = 1 - this.rate;
    for (let k = 0; k < m * layer.units; k++) layer.gradInput[k] = (layer.delta[k] * this.mask[k]) / keep;
  }

  state(): Float64Array[] {
    return [];
  }
}
