// Watches every step for the ways a small net fails to train, and says so in words a student understands.
// A condition must hold for `patience` consecutive steps (or epochs) before it is reported, is reported once,
// and can be reported again after it has cleared. All memory is a plain object, so snapshots can copy it.

import type { DiagnosticThresholds } from '../model/types';
import type { DiagnosticCode, Severity, TrainingDiagnostic } from '../protocol';
import { Conv2dKernel } from './layers';
import type { Layer, Network } from './network';

export interface MonitorMemory {
  /** Consecutive steps each condition has held, by condition slot (see `slotOf`). */
  streak: number[];
  /** Conditions reported and not yet cleared, by slot. */
  active: boolean[];
  /** Consecutive steps a reported condition has not held; it clears after `patience` of them, so a value
   * hovering at a threshold is reported once rather than on every crossing. */
  calm: number[];
  previousGradNorm: number[];
  previousWeightNorm: number[];
  /** Epoch losses seen so far (only the last two matter). */
  lastEpochLoss: number;
  risingEpochs: number;
  firstRisingLoss: number;
  /** The lowest loss the targets allow (their entropy, for cross-entropy), summed over this epoch's batches. */
  floorSum: number;
  floorBatches: number;
  /** How far the first epoch's loss was above its floor: the scale "near the floor" is measured against. */
  firstGap: number;
  /** The last epoch's loss was near its floor: see `CONVERGED_FRACTION`. */
  converged: boolean;
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

// Absolute floors and the converged band. Every rule that compares a number with an earlier or neighbouring
// one (growth, shrinkage, a ratio) also needs the number itself to matter: a gradient growing from 1e-7 to
// 3e-6 is noise on a fitted model, not an explosion.

/** A loss within this fraction of its first epoch's distance to the floor is converged: the gradients are small
 * because the error is small, so small gradients, tiny steps, saturated or silent units say nothing wrong. */
const CONVERGED_FRACTION = 0.1;
/** ‖dW‖ growth counts toward "exploding" only from this fraction of the ceiling up (1 with the default 1e3). */
const GROWTH_FLOOR = 1e-3;
/** "Vanishing" needs a signal at the top worth carrying: the layers above at least this many times the floor. */
const VANISHING_SIGNAL = 100;
/** A few silent ReLU units are normal (He init leaves some silent by chance); a third of a layer is worth a word. */
const DEAD_FRACTION = 1 / 3;

/** What the step rules read about one layer after an update. Reused across layers and steps. */
interface LayerReading {
  layer: Layer;
  isOutput: boolean;
  gradNorm: number;
  weightNorm: number;
  updateRatio: number;
  /** The step mostly lengthened W (‖W‖ grew by at least half of ‖ΔW‖): weights growing from a small or zero
   * start take steps that are large next to them, and that is how they reach their scale, not overshooting. */
  growingOutward: boolean;
  saturated: number;
  /** The largest ‖dW‖ among the layers above, and of the output layer. */
  laterMax: number;
  outputNorm: number;
  /** Steps in a row ‖dW‖ has grown more than `explodingGrowth`× (from the absolute floor up). */
  growthStreak: number;
  /** It, or a layer below it, can still learn, so its gradient matters. */
  learnsAtOrBelow: boolean;
  /** The model's loss is near its floor (see `CONVERGED_FRACTION`). */
  converged: boolean;
}

/** One per-step check: when it holds, how long it must hold, whether a converged model silences it, and what
 * it says. */
interface StepRule {
  code: DiagnosticCode;
  severity: Severity;
  /** Steps in a row the condition must hold before it is reported (default `patience`). */
  needed?: number;
  quietWhenConverged: boolean;
  holds(r: LayerReading, t: DiagnosticThresholds): boolean;
  text(r: LayerReading, t: DiagnosticThresholds): { message: string; hint: string };
}

const vanishingFarSmaller = (r: LayerReading, t: DiagnosticThresholds): boolean =>
  r.laterMax >= VANISHING_SIGNAL * t.vanishingFloor && r.gradNorm / r.laterMax < t.vanishingRatio;

const STEP_RULES: readonly StepRule[] = [
  {
    // The signal present at the top did not reach this layer; a net with tiny gradients everywhere (including
    // the output layer) has nothing to carry, so it is not flagged.
    code: 'vanishing',
    severity: 'warning',
    quietWhenConverged: true,
    holds: (r, t) =>
      r.layer.trainable &&
      !r.isOutput &&
      ((r.gradNorm < t.vanishingFloor && r.outputNorm >= VANISHING_SIGNAL * t.vanishingFloor) ||
        vanishingFarSmaller(r, t)),
    text: (r, t) => ({
      message: vanishingFarSmaller(r, t)
        ? `Gradients vanish in ${r.layer.name}: ‖dW‖ = ${fmt(r.gradNorm)}, ${times(r.laterMax / r.gradNorm)} smaller than in the layers above, so its weights barely change.`
        : `Gradients vanish in ${r.layer.name}: ‖dW‖ = ${fmt(r.gradNorm)} is below ${fmt(t.vanishingFloor)}, so its weights barely change.`,
      hint: 'Use ReLU-family activations, He/Xavier init, fewer layers, or normalised inputs.',
    }),
  },
  {
    // Above the ceiling once is enough; growth must last `patience` steps (counted in `growthStreak`).
    code: 'exploding',
    severity: 'warning',
    needed: 1,
    quietWhenConverged: false,
    holds: (r, t) => r.gradNorm > t.explodingCeiling || r.growthStreak >= t.patience,
    text: (r, t) => ({
      message:
        r.gradNorm > t.explodingCeiling
          ? `Gradients explode in ${r.layer.name}: ‖dW‖ = ${fmt(r.gradNorm)}, above ${fmt(t.explodingCeiling)}.`
          : `Gradients explode in ${r.layer.name}: ‖dW‖ grew more than ${t.explodingGrowth}× per step for ${t.patience} steps (now ${fmt(r.gradNorm)}).`,
      hint: 'Lower the learning rate, clip gradients (clip: {norm: 1}), or start from smaller weights.',
    }),
  },
  {
    // With all-zero weights the ratio means nothing (zero init is reported on its own). Tiny steps are what
    // convergence looks like, so only the "large" side speaks on a converged model.
    code: 'update_ratio',
    severity: 'info',
    quietWhenConverged: false,
    holds: (r, t) => r.layer.trainable && r.weightNorm > 0 && (large(r, t) || tiny(r, t)),
    text: (r, t) =>
      large(r, t)
        ? {
            message: `Updates in ${r.layer.name} are large: ‖ΔW‖/‖W‖ = ${fmt(r.updateRatio)} per step (healthy is about 1e-3).`,
            hint: 'Lower the learning rate.',
          }
        : {
            message: `Updates in ${r.layer.name} are tiny: ‖ΔW‖/‖W‖ = ${fmt(r.updateRatio)} per step (healthy is about 1e-3), so it learns slowly.`,
            hint: 'Raise the learning rate, or look for vanishing gradients.',
          },
  },
  {
    code: 'saturation',
    severity: 'warning',
    quietWhenConverged: true,
    holds: (r, t) => r.learnsAtOrBelow && r.saturated > t.saturationFraction,
    text: (r) => ({
      message: `${Math.round(r.saturated * 100)}% of ${r.layer.name}'s ${r.layer.activation} outputs are saturated (slope near 0), so little gradient flows through them.`,
      hint: 'Scale the inputs, start from smaller weights, or use ReLU-family activations.',
    }),
  },
];

function large(r: LayerReading, t: DiagnosticThresholds): boolean {
  return !r.growingOutward && r.updateRatio > t.updateRatioHigh;
}

/** A converged model's tiny steps are not "learning slowly". */
function tiny(r: LayerReading, t: DiagnosticThresholds): boolean {
  return !r.converged && r.updateRatio < t.updateRatioLow;
}

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
    previousWeightNorm: new Array<number>(layerCount).fill(NaN),
    lastEpochLoss: NaN,
    risingEpochs: 0,
    firstRisingLoss: NaN,
    floorSum: 0,
    floorBatches: 0,
    firstGap: NaN,
    converged: false,
  };
}

export function copyMemory(memory: MonitorMemory): MonitorMemory {
  return {
    ...memory,
    streak: memory.streak.slice(),
    active: memory.active.slice(),
    calm: memory.calm.slice(),
    previousGradNorm: memory.previousGradNorm.slice(),
    previousWeightNorm: memory.previousWeightNorm.slice(),
  };
}

export class DiagnosticsMonitor {
  private learnsAtOrBelow: boolean[] | undefined;
  private readonly reading = {} as LayerReading;

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

  /** Checks after each batch step's update: every rule of `STEP_RULES` on every layer, top layer first. */
  afterStep(network: Network, stats: StepStats, at: Position): TrainingDiagnostic[] {
    const t = this.thresholds;
    const memory = this.memory;
    const found: TrainingDiagnostic[] = [];
    const layers = network.layers;
    this.learnsAtOrBelow ??= layers.map((_, k) => layers.slice(0, k + 1).some((layer) => layer.trainable));
    memory.floorSum += lossFloor(network);
    memory.floorBatches++;
    const r = this.reading;
    r.outputNorm = stats.gradNorm[layers.length - 1];
    r.laterMax = 0;
    r.converged = memory.converged;
    for (let k = layers.length - 1; k >= 0; k--) {
      const layer = layers[k];
      r.layer = layer;
      r.isOutput = k === layers.length - 1;
      r.gradNorm = stats.gradNorm[k];
      r.weightNorm = stats.weightNorm[k];
      r.updateRatio = stats.updateRatio[k];
      const stepNorm = r.updateRatio * r.weightNorm;
      r.growingOutward = r.weightNorm - memory.previousWeightNorm[k] >= 0.5 * stepNorm;
      memory.previousWeightNorm[k] = r.weightNorm;
      r.saturated = stats.saturated[k];
      r.learnsAtOrBelow = this.learnsAtOrBelow[k];
      const previous = memory.previousGradNorm[k];
      const growing =
        previous > 0 && r.gradNorm > t.explodingGrowth * previous && r.gradNorm >= GROWTH_FLOOR * t.explodingCeiling;
      const growth = slotOf('growth', k, layers.length);
      r.growthStreak = memory.streak[growth] = growing ? memory.streak[growth] + 1 : 0;
      for (const rule of STEP_RULES) {
        const holds = !(rule.quietWhenConverged && r.converged) && rule.holds(r, t);
        if (this.due(rule.code, layer, holds, rule.needed))
          found.push(diagnostic(rule.code, rule.severity, layer, at, rule.text(r, t)));
      }
      memory.previousGradNorm[k] = r.gradNorm;
      r.laterMax = Math.max(r.laterMax, r.gradNorm);
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
    const memory = this.memory;
    const floor = memory.floorBatches > 0 ? memory.floorSum / memory.floorBatches : 0;
    memory.floorSum = 0;
    memory.floorBatches = 0;
    const gap = epochLoss - floor;
    if (Number.isNaN(memory.firstGap)) memory.firstGap = gap;
    // Within the band, a loss wobbling up and down is noise around the floor, not a learning rate too high.
    memory.converged = gap <= CONVERGED_FRACTION * memory.firstGap;
    const found: TrainingDiagnostic[] = [];
    network.layers.forEach((layer, k) => {
      const active = everActive[k];
      if (!active) return;
      const { dead, of, message } = silentUnits(layer, active, at.epoch);
      const many = dead > 0 && dead >= DEAD_FRACTION * of && !memory.converged;
      if (this.due('dead_relu', layer, many, 1)) {
        found.push(
          diagnostic('dead_relu', dead * 2 >= of ? 'warning' : 'info', layer, at, {
            message,
            hint: 'Lower the learning rate, use leaky_relu, or check the input scale.',
          }),
        );
      }
    });
    if (epochLoss > memory.lastEpochLoss && !memory.converged) {
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
    layer: Layer | null,
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
    const stop = diagnostic('non_finite', 'error', layer, at, {
      message: `Training stopped: ${where} became ${what} at epoch ${at.epoch + 1}, batch ${at.batch + 1}${size}.`,
      hint: 'Lower the learning rate, clip gradients, use smaller initial weights, or check the data for huge values.',
    });
    return { ...stop, quantity, value: what };
  }

  /**
   * Counts a condition's streak and says whether to report it now: when the streak reaches `patience` (or
   * `needed`) and it is not already reported. It clears once it has stayed calm for `patience` steps.
   */
  private due(code: DiagnosticCode, layer: Layer | null, holds: boolean, needed = this.thresholds.patience): boolean {
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

/**
 * The ReLU units that never fired this epoch, in words. A convolution's unit is a filter: one output position
 * that stays ≤ 0 is normal (an edge detector is silent where there is no edge), a filter silent at every position
 * for every sample is dead, its kernel getting no gradient.
 */
function silentUnits(layer: Layer, active: Uint8Array, epoch: number): { dead: number; of: number; message: string } {
  if (layer.kernel instanceof Conv2dKernel) {
    const { filters } = layer.kernel.geometry;
    const positions = layer.kernel.positions;
    let dead = 0;
    for (let f = 0; f < filters; f++)
      if (!active.subarray(f * positions, (f + 1) * positions).some((fired) => fired !== 0)) dead++;
    return {
      dead,
      of: filters,
      message: `${dead} of ${filters} ReLU filters in ${layer.name} never activated during epoch ${epoch + 1}: their feature maps were 0 at every position for every sample, so their kernels get no gradient.`,
    };
  }
  let dead = 0;
  for (const fired of active) if (!fired) dead++;
  return {
    dead,
    of: layer.units,
    message: `${dead} of ${layer.units} ReLU units in ${layer.name} never activated during epoch ${epoch + 1}: they output 0 for every sample and get no gradient.`,
  };
}

function saturatedFraction(layer: Layer, network: Network): number {
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

/**
 * The lowest loss this batch's targets allow: 0 for regression losses and one-hot or 0/1 labels, the targets'
 * entropy for soft labels (cross-entropy −Σ y·log y, binary cross-entropy also −Σ (1−y)·log(1−y)).
 */
function lossFloor(network: Network): number {
  if (!network.lossGivesDelta) return 0;
  const softmax = network.output.activation === 'softmax';
  const { Y, m, outputSize } = network;
  const plogp = (p: number): number => (p > 0 ? p * Math.log(p) : 0);
  let entropy = 0;
  for (let k = 0; k < m * outputSize; k++) entropy -= plogp(Y[k]) + (softmax ? 0 : plogp(1 - Y[k]));
  return m > 0 ? entropy / m : 0;
}

/** How many units share their incoming weights and bias with another unit of the same layer. */
function identicalUnits(layer: Layer): number {
  // γ = 1 and β = 0 in every unit is where a norm layer is meant to start; only weights need breaking symmetry.
  if (layer.units < 2 || layer.type !== 'dense') return 0;
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
  layer: Layer | null,
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
