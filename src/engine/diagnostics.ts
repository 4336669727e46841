// Watches every step for the ways a small net fails to train, and says so in words a student understands.
// A condition must hold for `patience` consecutive steps (or epochs) before it is reported, is reported once,
// and can be reported again after it has cleared. All memory is a plain object, so snapshots can copy it.

import type { DiagnosticThresholds } from '../model/types';
import type { DiagnosticCode, Severity, TrainingDiagnostic } from '../protocol';
import type { DenseLayer, Network } from './network';

export interface MonitorMemory {
  /** Consecutive steps each condition has held, by condition slot (see `slotOf`). */
  streak: number[];
  /** Conditions reported and not yet cleared, by slot. */
  active: boolean[];
  /** Consecutive steps a reported condition has not held; it clears after `patience` of them, so a value
   * hovering at a threshold is reported once rather than on every crossing. */
  calm: number[];
  previousGradNorm: number[];
  /** Epoch losses seen so far (only the last two matter). */
  lastEpochLoss: number;
  risingEpochs: number;
  firstRisingLoss: number;
}

export interface Position {
  step: number;
  epoch: number;
  batch: number;
}

/**
 * ‖dW‖, ‖W‖, ‖ΔW‖/‖W‖ and the saturated fraction of each layer after an update, by layer index. Reused
 * every step (this runs once per batch, so it allocates nothing).
 */
export class StepStats {
  readonly gradNorm: Float64Array;
  readonly weightNorm: Float64Array;
  readonly updateRatio: Float64Array;
  /** Fraction of (sample, unit) entries of a sigmoid/tanh layer whose slope is under 4% of its maximum. */
  readonly saturated: Float64Array;

  constructor(layerCount: number) {
    this.gradNorm = new Float64Array(layerCount);
    this.weightNorm = new Float64Array(layerCount);
    this.updateRatio = new Float64Array(layerCount);
    this.saturated = new Float64Array(layerCount);
  }

  measure(network: Network): this {
    for (const layer of network.layers) {
      const { W, dW, stepW } = layer;
      let gradSquares = 0;
      let stepSquares = 0;
      let weightSquares = 0;
      for (let i = 0; i < W.length; i++) {
        gradSquares += dW[i] * dW[i];
        stepSquares += stepW[i] * stepW[i];
        weightSquares += W[i] * W[i];
      }
      const k = layer.index;
      this.gradNorm[k] = Math.sqrt(gradSquares);
      this.weightNorm[k] = Math.sqrt(weightSquares);
      this.updateRatio[k] = weightSquares > 0 ? Math.sqrt(stepSquares / weightSquares) : 0;
      this.saturated[k] = saturatedFraction(layer, network);
    }
    return this;
  }
}

const SATURATION_SLOPE = 0.04;

/** Every condition tracked per layer; `growth` is the exploding check's step-over-step streak. */
const CONDITIONS = [
  'vanishing',
  'exploding',
  'update_ratio',
  'dead_relu',
  'saturation',
  'non_finite',
  'symmetric_init',
  'loss_rising',
  'growth',
] as const;
type Condition = (typeof CONDITIONS)[number];

const CONDITION_INDEX = Object.fromEntries(CONDITIONS.map((condition, i) => [condition, i])) as Record<
  Condition,
  number
>;

/** Array index of a condition for a layer (−1 for model-wide): plain numbers, because this runs every step. */
function slotOf(condition: Condition, layer: number, layerCount: number): number {
  return CONDITION_INDEX[condition] * (layerCount + 1) + layer + 1;
}

export function newMonitorMemory(layerCount: number): MonitorMemory {
  const slots = CONDITIONS.length * (layerCount + 1);
  return {
    streak: new Array<number>(slots).fill(0),
    active: new Array<boolean>(slots).fill(false),
    calm: new Array<number>(slots).fill(0),
    previousGradNorm: new Array<number>(layerCount).fill(NaN),
    lastEpochLoss: NaN,
    risingEpochs: 0,
    firstRisingLoss: NaN,
  };
}

export function copyMemory(memory: MonitorMemory): MonitorMemory {
  return {
    ...memory,
    streak: memory.streak.slice(),
    active: memory.active.slice(),
    calm: memory.calm.slice(),
    previousGradNorm: memory.previousGradNorm.slice(),
  };
}

export class DiagnosticsMonitor {
  private learnsAtOrBelow: boolean[] | undefined;

  constructor(
    private readonly thresholds: DiagnosticThresholds,
    public memory: MonitorMemory,
  ) {}

  /** Checks run once at the start: identical units never become different. */
  initial(network: Network): TrainingDiagnostic[] {
    const found: TrainingDiagnostic[] = [];
    for (const layer of network.layers) {
      const twins = identicalUnits(layer);
      if (twins > 1) {
        found.push(
          diagnostic(
            'symmetric_init',
            'warning',
            layer,
            { step: 0, epoch: 0, batch: 0 },
            {
              message:
                twins === layer.units
                  ? `All ${layer.units} units of ${layer.name} start with identical weights, so they get identical gradients and stay identical forever.`
                  : `${twins} units of ${layer.name} start with identical weights, so they get identical gradients and never become different.`,
              hint: 'Use a random init (he or xavier) instead of zeros or repeated columns.',
            },
          ),
        );
      }
    }
    return found;
  }

  /** Checks after each batch step's update. */
  afterStep(network: Network, stats: StepStats, at: Position): TrainingDiagnostic[] {
    const t = this.thresholds;
    const found: TrainingDiagnostic[] = [];
    const layers = network.layers;
    const outputNorm = stats.gradNorm[layers.length - 1];
    let laterMax = 0;
    // A layer's gradient matters only if it, or a layer below it, can still learn.
    this.learnsAtOrBelow ??= layers.map((_, k) => layers.slice(0, k + 1).some((layer) => layer.trainable));
    const learnsAtOrBelow = this.learnsAtOrBelow;
    for (let k = layers.length - 1; k >= 0; k--) {
      const layer = layers[k];
      const gradNorm = stats.gradNorm[k];
      const updateRatio = stats.updateRatio[k];
      const weightNorm = stats.weightNorm[k];
      const saturated = stats.saturated[k];
      // Vanishing means the signal present at the top did not reach this layer, so a converged net (tiny
      // gradients everywhere, including the output layer) is not flagged.
      const belowFloor = gradNorm < t.vanishingFloor && outputNorm >= 100 * t.vanishingFloor;
      const farSmaller = laterMax > 0 && gradNorm / laterMax < t.vanishingRatio;
      const vanishing = layer.trainable && k < layers.length - 1 && (belowFloor || farSmaller);
      if (this.due('vanishing', layer, vanishing)) {
        found.push(
          diagnostic('vanishing', 'warning', layer, at, {
            message: farSmaller
              ? `Gradients vanish in ${layer.name}: ‖dW‖ = ${fmt(gradNorm)}, ${times(laterMax / gradNorm)} smaller than in the layers above, so its weights barely change.`
              : `Gradients vanish in ${layer.name}: ‖dW‖ = ${fmt(gradNorm)} is below ${fmt(t.vanishingFloor)}, so its weights barely change.`,
            hint: 'Use ReLU-family activations, He/Xavier init, fewer layers, or normalised inputs.',
          }),
        );
      }

      const previous = this.memory.previousGradNorm[k];
      const aboveCeiling = gradNorm > t.explodingCeiling;
      const growing = previous > 0 && gradNorm > t.explodingGrowth * previous;
      const growth = slotOf('growth', k, layers.length);
      this.memory.streak[growth] = growing ? this.memory.streak[growth] + 1 : 0;
      const explodingNow = aboveCeiling || this.memory.streak[growth] >= t.patience;
      if (this.due('exploding', layer, explodingNow, 1)) {
        found.push(
          diagnostic('exploding', 'warning', layer, at, {
            message: aboveCeiling
              ? `Gradients explode in ${layer.name}: ‖dW‖ = ${fmt(gradNorm)}, above ${fmt(t.explodingCeiling)}.`
              : `Gradients explode in ${layer.name}: ‖dW‖ grew more than ${t.explodingGrowth}× per step for ${t.patience} steps (now ${fmt(gradNorm)}).`,
            hint: 'Lower the learning rate, clip gradients (clip: {norm: 1}), or start from smaller weights.',
          }),
        );
      }
      this.memory.previousGradNorm[k] = gradNorm;

      // With all-zero weights the ratio means nothing (zero init is reported on its own).
      const ratioOff =
        layer.trainable && weightNorm > 0 && (updateRatio > t.updateRatioHigh || updateRatio < t.updateRatioLow);
      if (this.due('update_ratio', layer, ratioOff)) {
        found.push(
          diagnostic('update_ratio', 'info', layer, at, {
            message:
              updateRatio > t.updateRatioHigh
                ? `Updates in ${layer.name} are large: ‖ΔW‖/‖W‖ = ${fmt(updateRatio)} per step (healthy is about 1e-3).`
                : `Updates in ${layer.name} are tiny: ‖ΔW‖/‖W‖ = ${fmt(updateRatio)} per step (healthy is about 1e-3), so it learns slowly.`,
            hint:
              updateRatio > t.updateRatioHigh
                ? 'Lower the learning rate.'
                : 'Raise the learning rate, or look for vanishing gradients.',
          }),
        );
      }

      if (this.due('saturation', layer, learnsAtOrBelow[k] && saturated > t.saturationFraction)) {
        found.push(
          diagnostic('saturation', 'warning', layer, at, {
            message: `${Math.round(saturated * 100)}% of ${layer.name}'s ${layer.activation} outputs are saturated (slope near 0), so little gradient flows through them.`,
            hint: 'Scale the inputs, start from smaller weights, or use ReLU-family activations.',
          }),
        );
      }
      laterMax = Math.max(laterMax, gradNorm);
    }
    return found;
  }

  /** Checks at the end of an epoch: units that never fired, and a loss that keeps rising. */
  afterEpoch(
    network: Network,
    everActive: (Uint8Array | undefined)[],
    epochLoss: number,
    at: Position,
  ): TrainingDiagnostic[] {
    const found: TrainingDiagnostic[] = [];
    network.layers.forEach((layer, k) => {
      const active = everActive[k];
      if (!active) return;
      let dead = 0;
      for (const fired of active) if (!fired) dead++;
      if (this.due('dead_relu', layer, dead > 0, 1)) {
        found.push(
          diagnostic('dead_relu', dead * 2 >= layer.units ? 'warning' : 'info', layer, at, {
            message: `${dead} of ${layer.units} ReLU units in ${layer.name} never activated during epoch ${at.epoch + 1}: they output 0 for every sample and get no gradient.`,
            hint: 'Lower the learning rate, use leaky_relu, or check the input scale.',
          }),
        );
      }
    });
    const memory = this.memory;
    if (epochLoss > memory.lastEpochLoss) {
      if (memory.risingEpochs === 0) memory.firstRisingLoss = memory.lastEpochLoss;
      memory.risingEpochs++;
    } else {
      memory.risingEpochs = 0;
    }
    memory.lastEpochLoss = epochLoss;
    if (this.due('loss_rising', null, memory.risingEpochs >= this.thresholds.patience, 1)) {
      found.push(
        diagnostic('loss_rising', 'warning', null, at, {
          message: `The loss has risen for ${memory.risingEpochs} epochs in a row (${fmt(memory.firstRisingLoss)} → ${fmt(epochLoss)}): the learning rate is probably too high.`,
          hint: 'Lower the learning rate about 10×, or add a schedule.',
        }),
      );
    }
    return found;
  }

  /**
   * The first NaN or Infinity: training stops here, and the message says where it appeared, which it is, and
   * (for the loss) how large the outputs had grown.
   */
  nonFinite(
    layer: DenseLayer | null,
    quantity: string,
    values: ArrayLike<number>,
    at: Position,
    largestOutput?: number,
  ): TrainingDiagnostic {
    const where = layer ? `${layer.name}'s ${quantity}` : quantity;
    let nan = false;
    let infinite = false;
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i])) nan = true;
      else if (!Number.isFinite(values[i])) infinite = true;
    }
    const what = nan && infinite ? 'NaN and Infinity' : nan ? 'NaN' : 'Infinity';
    const size =
      largestOutput !== undefined && Number.isFinite(largestOutput)
        ? ` (the largest output was ${fmt(largestOutput)})`
        : '';
    return diagnostic('non_finite', 'error', layer, at, {
      message: `Training stopped: ${where} became ${what} at epoch ${at.epoch + 1}, batch ${at.batch + 1}${size}.`,
      hint: 'Lower the learning rate, clip gradients, use smaller initial weights, or check the data for huge values.',
    });
  }

  /**
   * Counts a condition's streak and says whether to report it now: when the streak reaches `patience` (or
   * `needed`) and it is not already reported. It clears once it has stayed calm for `patience` steps.
   */
  private due(
    code: DiagnosticCode,
    layer: DenseLayer | null,
    holds: boolean,
    needed = this.thresholds.patience,
  ): boolean {
    const key = slotOf(code, layer ? layer.index : -1, this.memory.previousGradNorm.length);
    const { streak, active, calm } = this.memory;
    if (!holds) {
      streak[key] = 0;
      if (active[key] && ++calm[key] >= this.thresholds.patience) active[key] = false;
      return false;
    }
    calm[key] = 0;
    streak[key]++;
    if (streak[key] < needed || active[key]) return false;
    active[key] = true;
    return true;
  }
}

function saturatedFraction(layer: DenseLayer, network: Network): number {
  if (layer.activation !== 'sigmoid' && layer.activation !== 'tanh') return 0;
  // At an output fused with its loss (sigmoid + binary cross-entropy) f′ never enters the gradient.
  if (layer === network.output && network.lossGivesDelta) return 0;
  const sigmoid = layer.activation === 'sigmoid';
  // sigmoid′ = a(1−a) peaks at 1/4, tanh′ = 1−a² at 1.
  const threshold = SATURATION_SLOPE * (sigmoid ? 0.25 : 1);
  const { a } = layer;
  const count = network.m * layer.units;
  let saturated = 0;
  for (let k = 0; k < count; k++) if ((sigmoid ? a[k] * (1 - a[k]) : 1 - a[k] * a[k]) < threshold) saturated++;
  return count > 0 ? saturated / count : 0;
}

/** How many units share their incoming weights and bias with another unit of the same layer. */
function identicalUnits(layer: DenseLayer): number {
  if (layer.units < 2) return 0;
  const { W, b, inputSize: n, units } = layer;
  const sameAs = (p: number, q: number): boolean => {
    if (b[p] !== b[q]) return false;
    for (let i = 0; i < n; i++) if (W[i * units + p] !== W[i * units + q]) return false;
    return true;
  };
  // Group by a cheap fingerprint first, so a wide layer is not compared pair by pair.
  const groups = new Map<number, number[]>();
  for (let j = 0; j < units; j++) {
    let fingerprint = b[j];
    for (let i = 0; i < n; i++) fingerprint += W[i * units + j] * (i + 1.618);
    const group = groups.get(fingerprint);
    if (group) group.push(j);
    else groups.set(fingerprint, [j]);
  }
  let twins = 0;
  for (const group of groups.values()) {
    const matched = new Set<number>();
    for (let x = 0; x < group.length; x++) {
      for (let y = x + 1; y < group.length; y++) {
        if (sameAs(group[x], group[y])) matched.add(group[x]).add(group[y]);
      }
    }
    twins += matched.size;
  }
  return twins;
}

function diagnostic(
  code: DiagnosticCode,
  severity: Severity,
  layer: DenseLayer | null,
  at: Position,
  text: { message: string; hint: string },
): TrainingDiagnostic {
  return {
    code,
    severity,
    layer: layer ? layer.index : null,
    ...(layer ? { layerName: layer.name } : {}),
    message: text.message,
    hint: text.hint,
    step: at.step,
    epoch: at.epoch,
    batch: at.batch,
  };
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e4)) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

/** A ratio people read at a glance: 430×, 21,000×, 3.2e+9×. */
function times(ratio: number): string {
  return ratio < 1e4
    ? `${fmt(ratio)}×`
    : ratio < 1e9
      ? `${Number(ratio.toPrecision(2)).toLocaleString('en-US')}×`
      : `${fmt(ratio)}×`;
}
