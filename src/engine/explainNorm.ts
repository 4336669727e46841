// The words and cell formulas of the layers that work value by value, in CS231n's notation. Batch norm and layer
// norm standardize with a mean μ and a variance σ², x̂ = (x − μ)/σ with σ = √(σ² + ε), then scale and shift,
// z = γ·x̂ + β; backward, dγ = Σ δ·x̂ and dβ = Σ δ, and ∂L/∂x flows through μ and σ² as well as through x̂, which
// CS231n writes compactly as dx = (γ/σ)·(δ − mean(δ) − x̂·mean(δ·x̂)), the means over whatever μ was the mean of.
// Batch norm takes them per feature over the batch, or after an image per channel over the batch and the
// channel's h×w positions (BatchNorm2d: value j of a sample is in channel ⌊j/(h·w)⌋); layer norm per sample over
// its features, where γ differs across the mean, so it goes inside: g = δ·γ = ∂L/∂x̂. Inverted dropout multiplies by
// its mask and 1/(1 − p) both ways. Layer k's γ, β, x̂, μ and σ are numbered like its W: γ2, x̂2, μ2, σ2² for layer 2.

import type { LayerInfo, LayerTrace, Tensor } from '../protocol';
import {
  cellScope,
  sumOfTerms,
  valueName,
  type GradientFromAbove,
  type ImageCellContext,
  type Term,
} from './explainImage';
import { formatNumber } from './format';
import { at, biasBefore, factor, inputName, named, shown, weightsBefore } from './notation';

const VALUE_BY_VALUE_TYPES = new Set(['batchnorm', 'layernorm', 'dropout']);

/** Batch norm, layer norm or dropout: the layers whose words and cells are written here. */
export function isValueByValueLayer(info: LayerInfo | undefined): boolean {
  return !!info && VALUE_BY_VALUE_TYPES.has(info.type ?? 'dense');
}

/** How many values of one sample share a γ and β: a batch norm after an image's h·w, 1 otherwise. */
export function positionsPerParameter(info: LayerInfo): number {
  return info.type === 'batchnorm' && info.shape ? info.shape[1] * info.shape[2] : 1;
}

/** The γ and β that value `index` of a sample is scaled and shifted by: its channel ⌊index/(h·w)⌋ after an image. */
export function parameterIndex(info: LayerInfo, index: number): number {
  return Math.floor(index / positionsPerParameter(info));
}

/** σ2², the variance of layer 2 (the square after the layer's number, so it does not read as σ to the 2²). */
function varianceName(k: number): string {
  return `${named('σ', k)}²`;
}

function dropRate(info: LayerInfo): string {
  return info.rate === undefined ? 'p' : formatNumber(info.rate);
}

/** What the layer computes going forward, before its activation. */
export function valueByValueForward(info: LayerInfo, k: number): string {
  const z = named('z', k);
  const x = inputName(k);
  if (info.type === 'dropout')
    return `${z} = ${x} ⊙ mask/(1 − p)${info.rate === undefined ? '' : ` (p = ${info.rate})`}`;
  const standardized = `x̂ = (${x} − μ)/√(σ² + ε)`;
  if (info.type === 'layernorm') return `${z} = γ·x̂ + β, ${standardized} with μ, σ² over each sample's features`;
  if (info.shape) {
    const [channels, height, width] = info.shape;
    return `${z} = γ·x̂ + β per channel, ${standardized} with one μ, σ², γ and β for each of the ${channels} channels, μ and σ² over the batch and the channel's ${height}×${width} positions`;
  }
  return `${z} = γ·x̂ + β, ${standardized} with μ, σ² over the batch`;
}

/** What the means of the input gradient are taken over, and whether γ and σ are a channel's. */
function meansOver(info: LayerInfo): string {
  if (info.type === 'layernorm') return "means over each sample's features";
  return info.shape ? "per channel, means over the batch and the channel's positions" : 'means over the batch';
}

/** ∂L/∂a_k as the batch-norm, layer-norm or dropout layer above (layer `above`) hands it down. */
export function valueByValueGradient(info: LayerInfo, above: number): string {
  const d = named('δ', above);
  const xhat = named('x̂', above);
  if (info.type === 'dropout') return `${d} ⊙ mask/(1 − ${dropRate(info)})`;
  if (info.type === 'layernorm')
    return `(1/${named('σ', above)})·(g − mean(g) − ${xhat}·mean(g·${xhat})), g = ${d}·${named('γ', above)}, ${meansOver(info)}`;
  return `(${named('γ', above)}/${named('σ', above)})·(${d} − mean(${d}) − ${xhat}·mean(${d}·${xhat})), ${meansOver(info)}`;
}

/** What a norm or dropout layer's backward computes from δ: dγ, dβ, and ∂L/∂input for the layer below. */
export function valueByValueBackward(
  info: LayerInfo,
  trace: LayerTrace | undefined,
  k: number,
  digits: number,
): string {
  const d = named('δ', k);
  const x = inputName(k);
  const handedDown = `∂L/∂${x}`;
  const gradient = shown(trace?.gradInput, digits, handedDown);
  if (info.type === 'dropout') {
    const scale =
      info.rate === undefined ? '' : ` (kept entries × ${formatNumber(1 / (1 - info.rate))}, dropped ones 0)`;
    const below = k > 0 ? `, ${handedDown} = ${valueByValueGradient(info, k)}${scale}${gradient}` : '';
    return `dropout has no weights: it passes ${d} back through the mask it drew going forward${below}`;
  }
  const xhat = named('x̂', k);
  const sums =
    info.type === 'batchnorm' && info.shape ? "over the batch and each channel's positions" : 'over the batch';
  const dgamma = `${named('dγ', k)} = Σ ${d}·${xhat}${shown(trace?.dgamma ?? trace?.dW, digits, named('dγ', k))}`;
  const dbeta = `${named('dβ', k)} = Σ ${d}${shown(trace?.dbeta ?? trace?.db, digits, named('dβ', k))}`;
  const sigma = `${named('σ', k)} = √(${varianceName(k)} + ε)`;
  const below =
    k > 0 ? `, and ${handedDown} = ${valueByValueGradient(info, k)}, ${sigma}${gradient}, for the layer below` : '';
  return `${dgamma}, ${dbeta} (sums ${sums})${below}`;
}

// ---------------------------------------------------------------------------------------------
// One cell

/** The entries of a sample's row that share parameter `parameter` (one, or a channel's h·w positions). */
function entriesOf(info: LayerInfo, parameter: number): number[] {
  const positions = positionsPerParameter(info);
  return Array.from({ length: positions }, (_, p) => parameter * positions + p);
}

/** Every (sample, entry) a batch-norm statistic or a dγ, dβ of parameter `parameter` sums over. */
function sumsOver(info: LayerInfo, m: number, parameter: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let sample = 0; sample < m; sample++)
    for (const index of entriesOf(info, parameter)) pairs.push([sample, index]);
  return pairs;
}

/** A layer's μ or σ² for entry (sample, index): batch norm's per feature or channel, layer norm's per sample. */
function statistic(info: LayerInfo, tensor: Tensor | undefined, sample: number, index: number): number | undefined {
  return info.type === 'layernorm' ? at(tensor, sample, 0) : at(tensor, 0, parameterIndex(info, index));
}

/** The index a statistic is written with: [sample] for layer norm, [feature or channel] for batch norm. */
function statisticIndex(info: LayerInfo, sample: number, index: number): number {
  return info.type === 'layernorm' ? sample : parameterIndex(info, index);
}

/**
 * The formula of one cell of a norm or dropout layer's γ (W), β (b), dγ (dW), dβ (db), x̂, μ, σ², mask or z, with
 * its numbers; undefined for the cells the dense formulas already say right (a = f(z), δ from the layer above).
 */
export function explainValueByValueCell(
  context: ImageCellContext,
  tensorName: string,
  row: number,
  col: number,
): string | undefined {
  const { k, m, digits } = context;
  const { info, trace, input, f } = cellScope(context);
  const entry = (name: string, sample: number, index: number) => valueName(info, name, m, sample, index);
  const x = inputName(k);
  const positions = positionsPerParameter(info);
  if (info.type === 'dropout') {
    const rate = dropRate(info);
    const kept = at(trace.mask, row, col);
    if (tensorName === 'mask') {
      if (kept === undefined) return `${entry(named('mask', k), row, col)}: 1 where ${x} is kept, 0 where dropped`;
      return kept !== 0
        ? `${entry(named('mask', k), row, col)} = 1: ${entry(x, row, col)} is kept, and scaled by 1/(1 − ${rate}) both ways`
        : `${entry(named('mask', k), row, col)} = 0: ${entry(x, row, col)} is dropped in this batch, and no δ goes back to it`;
    }
    if (tensorName !== 'z') return undefined;
    const value = at(input, row, col);
    const numbers =
      value === undefined || kept === undefined ? '' : ` = ${factor(value, digits)} × ${kept}/(1 − ${rate})`;
    return `${entry(named('z', k), row, col)} = ${entry(x, row, col)}·${entry(named('mask', k), row, col)}/(1 − ${rate})${numbers}${f(at(trace.z, row, col))}`;
  }
  const each =
    positions > 1
      ? `channel ${col} of ${info.name}, used at all ${positions} positions of its map`
      : `unit ${col} of ${info.name}`;
  const over =
    info.type === 'layernorm'
      ? 'over the batch'
      : positions > 1
        ? "over the batch and the channel's positions"
        : 'over the batch';
  switch (tensorName) {
    case 'γ':
    case 'W':
    case 'β':
    case 'b': {
      const isGamma = tensorName === 'γ' || tensorName === 'W';
      const name = `${named(isGamma ? 'γ' : 'β', k)}[${col}]`;
      const now = at(isGamma ? trace.weights : trace.biases, 0, col);
      const step = at(isGamma ? trace.deltaW : trace.deltaB, 0, col);
      const what = isGamma ? `the scale of ${each}` : `the shift of ${each}`;
      if (trace.computed.update && now !== undefined && step !== undefined)
        return `${name} = ${formatNumber(now - step, digits)} + ${factor(step, digits)} = ${formatNumber(now, digits)}: ${what}, after the update`;
      return `${name}${f(now)}: ${what}`;
    }
    case 'dγ':
    case 'dW':
    case 'dβ':
    case 'db': {
      const isGamma = tensorName === 'dγ' || tensorName === 'dW';
      const terms: Term[] = sumsOver(info, m, col).map(([sample, index]) => ({
        symbol: isGamma
          ? `${entry(named('δ', k), sample, index)}·${entry(named('x̂', k), sample, index)}`
          : entry(named('δ', k), sample, index),
        factors: isGamma
          ? [at(trace.delta, sample, index), at(trace.xhat, sample, index)]
          : [at(trace.delta, sample, index)],
      }));
      const sum = isGamma ? at(trace.dgamma ?? trace.dW, 0, col) : at(trace.dbeta ?? trace.db, 0, col);
      const name = `${named(isGamma ? 'dγ' : 'dβ', k)}[${col}]`;
      return `${name} = Σ ${isGamma ? 'δ·x̂' : 'δ'} ${over} = ${sumOfTerms(terms, sum, digits)}`;
    }
    case 'x̂': {
      const index = statisticIndex(info, row, col);
      const mu = statistic(info, trace.mu, row, col);
      const variance = statistic(info, trace.var, row, col);
      const value = at(input, row, col);
      // ε as written in the model (1e-5 would format as 1.0000e-5).
      const epsilon = info.epsilon === undefined ? 'ε' : String(info.epsilon);
      const numbers =
        value === undefined || mu === undefined || variance === undefined
          ? ''
          : ` = (${formatNumber(value, digits)} − ${factor(mu, digits)})/√(${formatNumber(variance, digits)} + ${epsilon})`;
      return `${entry(named('x̂', k), row, col)} = (${entry(x, row, col)} − ${named('μ', k)}[${index}])/√(${varianceName(k)}[${index}] + ε)${numbers}${f(at(trace.xhat, row, col))}`;
    }
    case 'μ':
    case 'σ²': {
      // μ and σ² are [1][feature or channel] for batch norm and [sample][1] for layer norm.
      const cells: [number, number][] =
        info.type === 'layernorm'
          ? Array.from({ length: info.units }, (_, j): [number, number] => [row, j])
          : sumsOver(info, m, col);
      const index = info.type === 'layernorm' ? row : col;
      const mu = info.type === 'layernorm' ? at(trace.mu, row, 0) : at(trace.mu, 0, col);
      const isMean = tensorName === 'μ';
      const value = isMean ? mu : info.type === 'layernorm' ? at(trace.var, row, 0) : at(trace.var, 0, col);
      const shownCells = cells.slice(0, 4);
      const more = cells.length > shownCells.length ? ` + … (${cells.length} terms)` : '';
      const muName = `${named('μ', k)}[${index}]`;
      const symbols = shownCells
        .map(([sample, j]) => (isMean ? entry(x, sample, j) : `(${entry(x, sample, j)} − ${muName})²`))
        .join(' + ');
      const inputs = cells.map(([sample, j]) => at(input, sample, j));
      const complete = value !== undefined && mu !== undefined && inputs.every((v) => v !== undefined);
      const numbers = complete
        ? ` = (${inputs
            .slice(0, 4)
            .map((v) => (isMean ? factor(v!, digits) : `(${formatNumber(v!, digits)} − ${factor(mu, digits)})²`))
            .join(' + ')}${cells.length > 4 ? ' + …' : ''})/${cells.length}${f(value)}`
        : '';
      const name = isMean ? muName : `${varianceName(k)}[${index}]`;
      return `${name} = (${symbols}${more})/${cells.length}${numbers}`;
    }
    case 'z': {
      const parameter = parameterIndex(info, col);
      const gamma = weightsBefore(trace, 0, parameter);
      const beta = biasBefore(trace, parameter);
      const xhat = at(trace.xhat, row, col);
      const numbers =
        gamma === undefined || beta === undefined || xhat === undefined
          ? ''
          : ` = ${factor(gamma, digits)} × ${factor(xhat, digits)} + ${factor(beta, digits)}`;
      return `${entry(named('z', k), row, col)} = ${named('γ', k)}[${parameter}]·${entry(named('x̂', k), row, col)} + ${named('β', k)}[${parameter}]${numbers}${f(at(trace.z, row, col))}`;
    }
  }
  return undefined;
}

/**
 * ∂L/∂a_k[sample][index] as the norm or dropout layer above hands it down, written for that one entry: its δ
 * through the mask, or the compact form of the normalization's backward with that entry's γ, σ, x̂ and the means.
 */
export function gradientFromValueByValueAbove(
  context: ImageCellContext,
  sample: number,
  index: number,
): GradientFromAbove {
  const { record, model, k, m, digits } = context;
  const info = model.layers[k + 1];
  const above = record.layers[k + 1];
  const number = (x: number) => formatNumber(x, digits);
  const entry = (name: string, s: number, j: number) => valueName(info, name, m, s, j);
  const d = entry(named('δ', k + 1), sample, index);
  const delta = at(above?.delta, sample, index);
  const written = (formula: string, numbers: string | undefined, value: number | undefined): GradientFromAbove => ({
    formula,
    withNumbers: numbers === undefined || value === undefined ? '' : `${formula} = ${numbers} = ${number(value)}`,
    value,
    note: '',
    ...(numbers === undefined ? {} : { numbers }),
  });
  if (info.type === 'dropout') {
    const rate = dropRate(info);
    const kept = at(above?.mask, sample, index);
    const formula = `${d}·${entry(named('mask', k + 1), sample, index)}/(1 − ${rate})`;
    if (delta === undefined || kept === undefined || info.rate === undefined)
      return written(formula, undefined, undefined);
    return written(formula, `${factor(delta, digits)} × ${kept}/(1 − ${rate})`, (delta * kept) / (1 - info.rate));
  }
  const xhat = entry(named('x̂', k + 1), sample, index);
  const xhatValue = at(above?.xhat, sample, index);
  const epsilon = info.epsilon ?? 0;
  if (info.type === 'layernorm') {
    // g = δ·γ per feature; the means run over this sample's features.
    const sigma = `${named('σ', k + 1)}[${sample}]`;
    const row = m === 1 ? '' : `[${sample}]`;
    const formula = `(1/${sigma})·(g[${index}] − mean(g) − ${xhat}·mean(g·${named('x̂', k + 1)}${row})), g = ${named('δ', k + 1)}${row}·${named('γ', k + 1)}`;
    const variance = at(above?.var, sample, 0);
    const features = Array.from({ length: info.units }, (_, j) => {
      const g = at(above?.delta, sample, j);
      const gamma = above ? weightsBefore(above, 0, j) : undefined;
      return { g: g === undefined || gamma === undefined ? undefined : g * gamma, xhat: at(above?.xhat, sample, j) };
    });
    if (
      variance === undefined ||
      xhatValue === undefined ||
      features.some((e) => e.g === undefined || e.xhat === undefined)
    )
      return written(formula, undefined, undefined);
    const meanG = features.reduce((sum, e) => sum + e.g!, 0) / info.units;
    const meanGXhat = features.reduce((sum, e) => sum + e.g! * e.xhat!, 0) / info.units;
    const std = Math.sqrt(variance + epsilon);
    const g = features[index].g!;
    const value = (g - meanG - xhatValue * meanGXhat) / std;
    return written(
      formula,
      `(1/${number(std)}) × (${number(g)} − ${factor(meanG, digits)} − ${factor(xhatValue, digits)} × ${factor(meanGXhat, digits)})`,
      value,
    );
  }
  // Batch norm: the means run over every (sample, position) of this entry's feature or channel.
  const parameter = parameterIndex(info, index);
  const channelDelta = `${named('δ', k + 1)}[·][${parameter}]`;
  const channelXhat = `${named('x̂', k + 1)}[·][${parameter}]`;
  const formula = `(${named('γ', k + 1)}[${parameter}]/${named('σ', k + 1)}[${parameter}])·(${d} − mean(${channelDelta}) − ${xhat}·mean(${channelDelta}·${channelXhat}))`;
  const gamma = above ? weightsBefore(above, 0, parameter) : undefined;
  const variance = at(above?.var, 0, parameter);
  const cells = sumsOver(info, m, parameter).map(([s, j]) => [at(above?.delta, s, j), at(above?.xhat, s, j)]);
  if (
    gamma === undefined ||
    variance === undefined ||
    delta === undefined ||
    xhatValue === undefined ||
    cells.some(([dv, xv]) => dv === undefined || xv === undefined)
  )
    return written(formula, undefined, undefined);
  const meanDelta = cells.reduce((sum, [dv]) => sum + dv!, 0) / cells.length;
  const meanDeltaXhat = cells.reduce((sum, [dv, xv]) => sum + dv! * xv!, 0) / cells.length;
  const std = Math.sqrt(variance + epsilon);
  const value = (gamma / std) * (delta - meanDelta - xhatValue * meanDeltaXhat);
  return written(
    formula,
    `(${number(gamma)}/${number(std)}) × (${number(delta)} − ${factor(meanDelta, digits)} − ${factor(xhatValue, digits)} × ${factor(meanDeltaXhat, digits)})`,
    value,
  );
}
