// What the micro-step just run did, in one sentence with its numbers, and the formula behind one cell of a tensor
// filled in with the numbers that made it. Pure functions of a trace record (no engine state), so the panel, the
// editor hover and the tests all read the same words. Each activation, loss and optimizer has its formula written
// once, in the tables below, in the notation of the slides: layer k (1-based) computes z_k = a_{k−1}·W_k + b_k,
// a_k = f(z_k), with a_0 = x and a_L = ŷ.

import {
  convBackward,
  explainImageCell,
  gradientFromImageAbove,
  imageForward,
  imageGradient,
  isImageLayer,
  passBack,
  valueName,
} from './explainImage';
import {
  explainValueByValueCell,
  gradientFromValueByValueAbove,
  isValueByValueLayer,
  valueByValueBackward,
  valueByValueForward,
  valueByValueGradient,
} from './explainNorm';
import { formatNumber } from './format';
import { at, factor, inputName, named, shown, weightsBefore } from './notation';
import type { ActivationName, LossSpec, OptimizerType } from '../model/types';
import type { ModelInfo, TraceRecord } from '../protocol';

/** The tensors of a layer a cell can be picked from (the panel's table names): a dense or conv layer's, and what a
 * batch-norm, layer-norm or dropout layer has instead of W and b. */
export type CellTensor =
  'W' | 'dW' | 'ΔW' | 'b' | 'db' | 'z' | 'a' | 'δ' | 'γ' | 'β' | 'dγ' | 'dβ' | 'x̂' | 'μ' | 'σ²' | 'mask';

/** a = f(z), as the slides write it. */
const ACTIVATION: Record<ActivationName, string> = {
  linear: 'z (linear)',
  sigmoid: 'σ(z) = 1/(1 + e^−z)',
  tanh: 'tanh(z)',
  relu: 'max(0, z)',
  leaky_relu: 'z if z > 0 else α·z',
  elu: 'z if z > 0 else α·(e^z − 1)',
  softmax: 'softmax(z) = e^z / Σ e^z (each row sums to 1)',
};

/** f′(z), written from a where that is the classic form. */
const DERIVATIVE: Record<ActivationName, string> = {
  linear: '1',
  sigmoid: 'a(1 − a)',
  tanh: '1 − a²',
  relu: '1 if z > 0 else 0',
  leaky_relu: '1 if z > 0 else α',
  elu: '1 if z > 0 else a + α',
  softmax: 'the softmax Jacobian',
};

/** One sample's loss, before the mean over the batch. */
function lossFormula(loss: LossSpec): string {
  switch (loss.type) {
    case 'mse':
      return '½(ŷ − y)²';
    case 'mae':
      return '|ŷ − y|';
    case 'huber':
      return `½e² where |e| ≤ ${loss.delta}, else ${loss.delta}·(|e| − ½·${loss.delta}) (e = ŷ − y)`;
    case 'cross_entropy':
      return '−Σ y·log p';
    case 'binary_cross_entropy':
      return '−[y·log p + (1 − y)·log(1 − p)]';
  }
}

/** ∂L/∂ŷ per sample (before the 1/m of the mean). */
function lossGradient(loss: LossSpec): string {
  switch (loss.type) {
    case 'mse':
      return 'ŷ − y';
    case 'mae':
      return 'sign(ŷ − y)';
    case 'huber':
      return `clamp(ŷ − y, ±${loss.delta})`;
    case 'cross_entropy':
    case 'binary_cross_entropy':
      return 'p − y';
  }
}

/** Each optimizer's update of one weight, as `optimizers.ts` applies it. */
const UPDATE_RULE: Record<OptimizerType, string> = {
  sgd: 'W := W − α·dW',
  momentum: 'V := μV − α·dW, W := W + V',
  nesterov: 'v := μv + dW, W := W − α·(dW + μv)',
  adagrad: 'G := G + dW², W := W − α·dW/(√G + ε)',
  rmsprop: 'v := ρv + (1 − ρ)·dW², W := W − α·dW/(√v + ε)',
  adam: 'm := β₁m + (1 − β₁)·dW, v := β₂v + (1 − β₂)·dW², W := W − α·m̂/(√v̂ + ε)',
};

/** Cross-entropy after softmax and binary cross-entropy after sigmoid fold f′ into δ = p − y. */
function foldsDerivative(model: ModelInfo): boolean {
  const output = model.layers[model.layers.length - 1];
  return (
    (model.loss.type === 'cross_entropy' && output.activation === 'softmax') ||
    (model.loss.type === 'binary_cross_entropy' && output.activation === 'sigmoid')
  );
}

// ---------------------------------------------------------------------------------------------
// One sentence per micro-step

/**
 * One sentence: what the micro-step just run did and why, with its numbers (values when a tensor has at most 4
 * entries and the record carries them, its norm otherwise), e.g.
 * "backward · output: δ2 = ∂L/∂z2 = ŷ − y = 1.162, then dW2 = a1ᵀ·δ2 = [[1.15038], [1.1039]]".
 */
export function explainStep(record: TraceRecord, model: ModelInfo, digits = 4): string {
  const did = record.did;
  if (!did) {
    const first = model.layers[0];
    if (isImageLayer(first)) return `Nothing has run yet: next, forward · ${first.name}: ${imageForward(first, 0)}.`;
    if (isValueByValueLayer(first))
      return `Nothing has run yet: next, forward · ${first.name}: ${valueByValueForward(first, 0)}.`;
    return `Nothing has run yet: next, forward · ${first.name} computes z1 = x·W1${first.bias ? ' + b1' : ''}.`;
  }
  const m = record.inputs?.rows ?? record.samples.length;
  const perSample = m === 1 ? '' : '/m';
  switch (did.phase) {
    case 'forward': {
      const k = did.layer;
      const info = model.layers[k];
      const trace = record.layers[k];
      const z = named('z', k);
      const x = inputName(k);
      const kernel = isValueByValueLayer(info)
        ? valueByValueForward(info, k)
        : isImageLayer(info)
          ? imageForward(info, k)
          : `${z} = ${x}·${named('W', k)}${info.bias ? ` + ${named('b', k)}` : ''}`;
      const sum = info.add === undefined ? kernel : `${kernel}, plus ${info.add}'s activations (residual)`;
      const output = k === model.layers.length - 1 ? `ŷ = ${named('a', k)}` : named('a', k);
      const activation = ACTIVATION[info.activation].replace(/z/g, z);
      return `forward · ${info.name}: ${sum}${shown(trace?.z, digits, z)}, then ${output} = ${activation}${shown(trace?.a, digits, named('a', k))}.`;
    }
    case 'loss': {
      const loss =
        record.loss === undefined ? '' : ` = ${plugged(record, model, digits)}${formatNumber(record.loss, digits)}`;
      const mean = m === 1 ? '' : `, the mean over the ${m} samples of the batch`;
      const l2 =
        model.l2 > 0 && record.l2Penalty !== undefined
          ? `, plus the L2 penalty λ/(2m)·ΣW² = ${formatNumber(record.l2Penalty, digits)}`
          : '';
      return `loss: L = ${lossFormula(model.loss)}${loss}${mean}${l2}; it measures how far ŷ is from y, and backward starts from its gradient.`;
    }
    case 'backward': {
      const k = did.layer;
      const info = model.layers[k];
      const trace = record.layers[k];
      const d = named('δ', k);
      const last = k === model.layers.length - 1;
      let delta: string;
      if (last && foldsDerivative(model)) delta = `${d} = ∂L/∂${named('z', k)} = (p − y)${perSample}`;
      else if (last && info.activation === 'linear')
        delta = `${d} = ∂L/∂${named('z', k)} = ${perSample ? `(${lossGradient(model.loss)})/m` : lossGradient(model.loss)}`;
      else if (last)
        delta = `${d} = ∂L/∂ŷ ⊙ f′(${named('z', k)}) = (${lossGradient(model.loss)})${perSample} ⊙ ${DERIVATIVE[info.activation]}`;
      else if (isImageLayer(model.layers[k + 1]))
        delta =
          info.activation === 'linear'
            ? `${d} = ${imageGradient(model.layers[k + 1], k + 1)} (linear: f′ = 1)`
            : `${d} = (${imageGradient(model.layers[k + 1], k + 1)}) ⊙ f′(${named('z', k)}), f′ = ${DERIVATIVE[info.activation]}`;
      else if (isValueByValueLayer(model.layers[k + 1]))
        // What the norm or dropout layer above handed down, not δ·Wᵀ: it has no W.
        delta =
          info.activation === 'linear'
            ? `${d} = ${valueByValueGradient(model.layers[k + 1], k + 1)} (linear: f′ = 1)`
            : `${d} = (${valueByValueGradient(model.layers[k + 1], k + 1)}) ⊙ f′(${named('z', k)}), f′ = ${DERIVATIVE[info.activation]}`;
      else
        delta =
          info.activation === 'linear'
            ? `${d} = ${named('δ', k + 1)}·${named('W', k + 1)}ᵀ (linear: f′ = 1)`
            : `${d} = (${named('δ', k + 1)}·${named('W', k + 1)}ᵀ) ⊙ f′(${named('z', k)}), f′ = ${DERIVATIVE[info.activation]}`;
      const frozen = info.frozen ? ` (${info.name} is frozen: δ flows on to the layers below, its weights stay)` : '';
      if (info.type === 'maxpool2d' || info.type === 'flatten')
        return `backward · ${info.name}: ${delta}${shown(trace?.delta, digits, d)}; ${passBack(info, k)}.`;
      if (info.type === 'dropout')
        return `backward · ${info.name}: ${delta}${shown(trace?.delta, digits, d)}; ${valueByValueBackward(info, trace, k, digits)}.`;
      if (isValueByValueLayer(info)) {
        const kept = info.frozen ? ` (${info.name} is frozen: δ flows on to the layers below, its γ and β stay)` : '';
        return `backward · ${info.name}: ${delta}${shown(trace?.delta, digits, d)}, then ${valueByValueBackward(info, trace, k, digits)}${kept}.`;
      }
      if (info.type === 'conv2d')
        return `backward · ${info.name}: ${delta}${shown(trace?.delta, digits, d)}, then ${convBackward(info, trace, k, digits)}${frozen}.`;
      const l2 = model.l2 > 0 && !info.frozen ? ` + (λ/m)·${named('W', k)}` : '';
      const dW = `${named('dW', k)} = ${inputName(k)}ᵀ·${d}${l2}${shown(trace?.dW, digits, named('dW', k))}`;
      const db = info.bias ? `, ${named('db', k)} = Σ ${d}${shown(trace?.db, digits, named('db', k))}` : '';
      return `backward · ${info.name}: ${delta}${shown(trace?.delta, digits, d)}, then ${dW}${db}${frozen}.`;
    }
    case 'update': {
      const clip =
        record.clipScale !== undefined && record.clipScale < 1
          ? ` after scaling every gradient by ${formatNumber(record.clipScale, digits)} (clip)`
          : '';
      const steps = record.layers
        .filter((layer) => !layer.frozen && layer.weights.rows * layer.weights.cols > 0)
        .map((layer) => {
          // A convolution's weights are its kernels: ΔK, as dK and K; a norm layer's its scales γ.
          const name = named(
            layer.type === 'conv2d' ? 'ΔK' : layer.type === 'batchnorm' || layer.type === 'layernorm' ? 'Δγ' : 'ΔW',
            layer.index,
          );
          return `${name}${shown(layer.deltaW, digits, name)}`;
        });
      return `update (${model.optimizer.type}): ${UPDATE_RULE[model.optimizer.type]} with α = ${formatNumber(record.lr, digits)}${clip}, a step against the gradient: ${steps.join(', ')}.`;
    }
  }
}

/** For one sample and one output of a squared or absolute error, the loss with its numbers: "½(2.162 − 1)² = ". */
function plugged(record: TraceRecord, model: ModelInfo, digits: number): string {
  const yHat = record.layers[record.layers.length - 1]?.a?.data;
  const y = record.targets?.data;
  if (!yHat || !y || y.length !== 1 || yHat.length !== 1) return '';
  const difference = `${formatNumber(yHat[0], digits)} − ${factor(y[0], digits)}`;
  if (model.loss.type === 'mse') return `½(${difference})² = `;
  if (model.loss.type === 'mae') return `|${difference}| = `;
  return '';
}

// ---------------------------------------------------------------------------------------------
// One cell

/** `name[i][j]`, or `name[j]` for a one-sample batch (as the slides write a single sample). */
function cell(name: string, m: number, i: number, j: number): string {
  return m === 1 ? `${name}[${j}]` : `${name}[${i}][${j}]`;
}

/** Σ of terms "a·b", the numbers multiplied out, and the total: "x[0]·W1[0][0] + … = 2 × (−0.78) + … = 0.99". */
function sumOfProducts(
  symbols: string[],
  pairs: [number | undefined, number | undefined][],
  result: number | undefined,
  digits: number,
  shownTerms = 4,
): string {
  const more = symbols.length > shownTerms ? ' + …' : '';
  const formula = symbols.slice(0, shownTerms).join(' + ') + more;
  if (result === undefined || pairs.some(([a, b]) => a === undefined || b === undefined)) return formula;
  const numbers = pairs
    .slice(0, shownTerms)
    .map(([a, b]) => `${factor(a!, digits)} × ${factor(b!, digits)}`)
    .join(' + ');
  return `${formula} = ${numbers}${more} = ${formatNumber(result, digits)}`;
}

/**
 * The formula of one cell filled in with its numbers, e.g. "dW2[0][0] = a1[0]·δ2[0] = 0.99 × 1.162 = 1.15038".
 * `row` and `col` index the tensor as the panel shows it ([input][unit] for W, dW, ΔW; [sample][unit] for z, a, δ;
 * col alone for b, db). A convolution's W, dW and ΔW are its kernels, [filter][c·kh·kw], written K[f][c][u][v];
 * the z, a and δ of an image layer are [sample][c·h·w], written z[c][y][x]. Without the tensors' entries in the
 * record (trace level summary), the formula alone.
 */
export function explainCell(
  record: TraceRecord,
  model: ModelInfo,
  layer: number,
  tensorName: CellTensor,
  row: number,
  col: number,
  digits = 4,
): string {
  const trace = record.layers[layer];
  const info = model.layers[layer];
  if (!trace || !info) return '';
  const k = layer;
  const m = record.inputs?.rows ?? record.samples.length;
  const f = (x: number | undefined) => (x === undefined ? '' : formatNumber(x, digits));
  const equals = (x: number | undefined) => (x === undefined ? '' : ` = ${f(x)}`);
  const input = k === 0 ? record.inputs : record.layers[k - 1]?.a;
  const i = row;
  const j = col;
  if (isImageLayer(info)) {
    const said = explainImageCell({ record, model, k, m, digits }, tensorName, row, col);
    if (said !== undefined) return said;
  }
  if (isValueByValueLayer(info)) {
    const said = explainValueByValueCell({ record, model, k, m, digits }, tensorName, row, col);
    if (said !== undefined) return said;
  }
  switch (tensorName) {
    case 'z': {
      const n = trace.inputSize;
      const symbols = Array.from(
        { length: n },
        (_, p) => `${cell(inputName(k), m, i, p)}·${named('W', k)}[${p}][${j}]`,
      );
      const pairs = Array.from({ length: n }, (_, p): [number | undefined, number | undefined] => [
        at(input, i, p),
        weightsBefore(trace, p, j),
      ]);
      const bias = info.bias ? at(trace.biases, 0, j) : 0;
      const biasStep = info.bias && trace.computed.update ? at(trace.deltaB, 0, j) : 0;
      const b = bias === undefined || biasStep === undefined ? undefined : bias - biasStep;
      const z = at(trace.z, i, j);
      if (!info.bias) return `${cell(named('z', k), m, i, j)} = ${sumOfProducts(symbols, pairs, z, digits)}`;
      const products = sumOfProducts(symbols, pairs, undefined, digits);
      const numbers = pairs.every(([x, w]) => x !== undefined && w !== undefined) && b !== undefined && z !== undefined;
      return `${cell(named('z', k), m, i, j)} = ${products} + ${named('b', k)}[${j}]${
        numbers
          ? ` = ${pairs
              .slice(0, 4)
              .map(([x, w]) => `${factor(x!, digits)} × ${factor(w!, digits)}`)
              .join(' + ')}${n > 4 ? ' + …' : ''} + ${factor(b, digits)} = ${f(z)}`
          : ''
      }`;
    }
    case 'a': {
      const z = at(trace.z, i, j);
      const a = at(trace.a, i, j);
      const name = valueName(info, named('a', k), m, i, j);
      const zName = valueName(info, named('z', k), m, i, j);
      if (info.activation === 'softmax') {
        const row = m === 1 ? '' : `[${i}]`;
        return `${name} = e^${cell(named('z', k), m, i, j)} / Σₖ e^${named('z', k)}${row}[k]${z === undefined ? '' : ` = e^${factor(z, digits)} / Σₖ e^${named('z', k)}${row}[k]`}${equals(a)}`;
      }
      if (info.activation === 'linear') return `${name} = ${zName}${equals(a)} (linear)`;
      const rule = ACTIVATION[info.activation];
      return `${name} = f(${zName}) = ${rule.replace(/z/g, z === undefined ? 'z' : factor(z, digits))}${equals(a)}`;
    }
    case 'δ': {
      const name = valueName(info, named('δ', k), m, i, j);
      const delta = at(trace.delta, i, j);
      const last = k === model.layers.length - 1;
      const over = m === 1 ? '' : '/m';
      if (last) {
        const yHat = at(trace.a, i, j);
        const y = at(record.targets, i, j);
        const prediction = foldsDerivative(model) ? 'p' : 'ŷ';
        const gradient = lossGradient(model.loss).replace('ŷ', prediction);
        const difference =
          model.loss.type === 'mse' || foldsDerivative(model)
            ? yHat === undefined || y === undefined
              ? ''
              : m === 1
                ? ` = ${f(yHat)} − ${factor(y, digits)}`
                : ` = (${f(yHat)} − ${factor(y, digits)})/${m}`
            : '';
        const withSlope =
          foldsDerivative(model) || info.activation === 'linear' ? '' : ` · f′(z), f′ = ${DERIVATIVE[info.activation]}`;
        const formula = `${cell(prediction, m, i, j)} − ${cell('y', m, i, j)}`;
        const written = gradient === 'ŷ − y' || gradient === 'p − y' ? formula : gradient;
        return `${name} = ${over ? `(${written})${over}` : written}${withSlope}${withSlope ? '' : difference}${equals(delta)}`;
      }
      const slope =
        info.activation === 'linear'
          ? ''
          : ` · f′(${valueName(info, named('z', k), m, i, j)}), f′ = ${DERIVATIVE[info.activation]}`;
      if (isImageLayer(model.layers[k + 1])) {
        // ∂L/∂a as the image layer above hands it down, then f′ as for any layer.
        const gradient = gradientFromImageAbove({ record, model, k, m, digits }, i, j);
        if (!slope || gradient.formula === '0')
          return `${name} = ${gradient.withNumbers || gradient.formula}${gradient.note}`;
        const { value } = gradient;
        const fPrime = value !== undefined && delta !== undefined && value !== 0 ? delta / value : undefined;
        const numbers = fPrime !== undefined ? ` = ${factor(value!, digits)} × ${factor(fPrime, digits)}` : '';
        return `${name} = (${gradient.formula})${slope}${numbers}${equals(delta)}${gradient.note}`;
      }
      if (isValueByValueLayer(model.layers[k + 1])) {
        // ∂L/∂a as the norm or dropout layer above hands it down (it has no W), then f′.
        const gradient = gradientFromValueByValueAbove({ record, model, k, m, digits }, i, j);
        if (!slope) return `${name} = ${gradient.withNumbers || gradient.formula}`;
        const { value } = gradient;
        const fPrime = value !== undefined && delta !== undefined && value !== 0 ? delta / value : undefined;
        const numbers =
          fPrime !== undefined && gradient.numbers ? ` = (${gradient.numbers}) × ${factor(fPrime, digits)}` : '';
        return `${name} = (${gradient.formula})${slope}${numbers}${equals(delta)}`;
      }
      const next = record.layers[k + 1];
      const units = next?.units ?? 0;
      const symbols = Array.from(
        { length: units },
        (_, q) => `${cell(named('δ', k + 1), m, i, q)}·${named('W', k + 1)}[${j}][${q}]`,
      );
      const pairs = Array.from({ length: units }, (_, q): [number | undefined, number | undefined] => [
        at(next?.delta, i, q),
        next ? weightsBefore(next, j, q) : undefined,
      ]);
      let g: number | undefined = 0;
      for (const [a, b] of pairs) g = a === undefined || b === undefined || g === undefined ? undefined : g + a * b;
      const fPrime = g !== undefined && delta !== undefined && g !== 0 ? delta / g : undefined;
      const slopeNumber =
        slope && fPrime !== undefined && g !== undefined ? ` = ${factor(g, digits)} × ${factor(fPrime, digits)}` : '';
      if (!slope) return `${name} = ${sumOfProducts(symbols, pairs, delta, digits)}`;
      return `${name} = (${sumOfProducts(symbols, pairs, undefined, digits)})${slope}${slopeNumber}${equals(delta)}`;
    }
    case 'dW': {
      const name = `${named('dW', k)}[${i}][${j}]`;
      const samples = m;
      const symbols = Array.from(
        { length: samples },
        (_, s) => `${cell(inputName(k), m, s, i)}·${cell(named('δ', k), m, s, j)}`,
      );
      const pairs = Array.from({ length: samples }, (_, s): [number | undefined, number | undefined] => [
        at(input, s, i),
        at(trace.delta, s, j),
      ]);
      const l2 = model.l2 > 0 && !info.frozen ? ` + (λ/m)·${named('W', k)}[${i}][${j}]` : '';
      if (l2) return `${name} = ${sumOfProducts(symbols, pairs, undefined, digits)}${l2}${equals(at(trace.dW, i, j))}`;
      return `${name} = ${sumOfProducts(symbols, pairs, at(trace.dW, i, j), digits)}`;
    }
    case 'db': {
      const symbols = Array.from({ length: m }, (_, s) => cell(named('δ', k), m, s, j));
      const values = Array.from({ length: m }, (_, s) => at(trace.delta, s, j));
      const db = at(trace.db, 0, j);
      const numbers = values.every((v) => v !== undefined) && db !== undefined;
      return `${named('db', k)}[${j}] = ${symbols.slice(0, 4).join(' + ')}${m > 4 ? ' + …' : ''}${
        numbers
          ? ` = ${values
              .slice(0, 4)
              .map((v) => factor(v!, digits))
              .join(' + ')}${m > 4 ? ' + …' : ''} = ${f(db)}`
          : ''
      }`;
    }
    case 'ΔW': {
      const name = `${named('ΔW', k)}[${i}][${j}]`;
      const step = at(trace.deltaW, i, j);
      const dW = at(trace.dW, i, j);
      if (model.optimizer.type === 'sgd')
        return `${name} = −α·${named('dW', k)}[${i}][${j}]${dW === undefined ? '' : ` = −${f(record.lr)} × ${factor(dW, digits)}`}${equals(step)}`;
      return `${name} = the ${model.optimizer.type} step (${UPDATE_RULE[model.optimizer.type]}) from ${named('dW', k)}[${i}][${j}]${equals(dW)} with α = ${f(record.lr)}${equals(step)}`;
    }
    case 'W':
    case 'b': {
      const isW = tensorName === 'W';
      const name = isW ? `${named('W', k)}[${i}][${j}]` : `${named('b', k)}[${j}]`;
      const now = isW ? at(trace.weights, i, j) : at(trace.biases, 0, j);
      const step = isW ? at(trace.deltaW, i, j) : at(trace.deltaB, 0, j);
      const what = isW
        ? `the weight from ${inputName(k)}[${i}] into unit ${j} of ${info.name}`
        : `the bias of unit ${j} of ${info.name}`;
      if (trace.computed.update && now !== undefined && step !== undefined)
        return `${name} = ${f(now - step)} + ${factor(step, digits)} = ${f(now)}: ${what}, after the update`;
      return `${name}${equals(now)}: ${what}`;
    }
    default:
      // γ, β, x̂, μ, σ² or a mask asked of a layer that has none.
      return '';
  }
}
