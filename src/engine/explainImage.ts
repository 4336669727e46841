// The words and cell formulas of the image layers, in CS231n's notation: a convolution's filter f slides its
// kernel K[f][c][u][v] over the input, z[f][i][j] = Σ K[f][c][u][v]·x[c][s·i+u−p][s·j+v−p] + b[f]; backward,
// dK is the sum over every position of δ times the window of x it read, and col2im adds δ·K back onto the
// pixels; max pooling passes δ back to the argmax of each window; flatten only lays the image out as one row.
// Image values are indexed as the trace stores them: [sample][c·h·w] read as [c][y][x], K as [filter][c·kh·kw].

import type { LayerInfo, LayerTrace, ModelInfo, TraceRecord } from '../protocol';
import { formatNumber } from './format';
import {
  insideImage,
  kernelEntry,
  pixelUnder,
  ravel,
  unravel,
  windowGeometry,
  type WindowGeometry,
} from './imageIndex';
import { at, biasBefore, factor, inputName, named, shown, weightsBefore } from './notation';

const IMAGE_TYPES = new Set(['conv2d', 'maxpool2d', 'flatten']);

/** A convolution, pooling or flatten layer: the ones whose words and cells are written here. */
export function isImageLayer(info: LayerInfo | undefined): boolean {
  return !!info && IMAGE_TYPES.has(info.type ?? 'dense');
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The input row (or column) a window at output row `i` reads with kernel row `u`: "i+u−1", "2i+u". */
function reads(i: string, u: string, stride: number, padding: number): string {
  return `${stride > 1 ? stride : ''}${i}+${u}${padding > 0 ? `−${padding}` : ''}`;
}

function paddingText(g: WindowGeometry): string {
  return g.paddingRows === g.paddingCols ? String(g.paddingRows) : `${g.paddingRows}×${g.paddingCols}`;
}

/** An entry of an image tensor: name[c][y][x], with the sample first when the batch has more than one. */
function pixel(name: string, m: number, sample: number, [c, y, x]: number[]): string {
  return `${name}${m === 1 ? '' : `[${sample}]`}[${c}][${y}][${x}]`;
}

/** The name of entry (sample, index) of a layer's z, a or δ: image-shaped when the layer outputs an image. */
export function valueName(info: LayerInfo, name: string, m: number, sample: number, index: number): string {
  if (info.shape && info.type !== 'flatten') return pixel(name, m, sample, unravel(index, info.shape));
  return m === 1 ? `${name}[${index}]` : `${name}[${sample}][${index}]`;
}

/** The name of entry (sample, index) of layer k's input. */
function inputValueName(info: LayerInfo, k: number, m: number, sample: number, index: number): string {
  if (info.inputShape) return pixel(inputName(k), m, sample, unravel(index, info.inputShape));
  return m === 1 ? `${inputName(k)}[${index}]` : `${inputName(k)}[${sample}][${index}]`;
}

// ---------------------------------------------------------------------------------------------
// Sentences

/** What an image layer computes going forward, before its activation: z with its settings and its formula. */
export function imageForward(info: LayerInfo, k: number): string {
  const z = named('z', k);
  const x = inputName(k);
  const g = windowGeometry(info);
  if (info.type === 'flatten' || !g) {
    const [, h, w] = info.inputShape ?? [1, 1, 1];
    const term = (coefficient: number, name: string) => (coefficient === 1 ? name : `${coefficient}${name}`);
    return `${z} = ${x} laid out as one row of ${info.units}, channel by channel and row by row: ${z}[${term(h * w, 'c')} + ${term(w, 'y')} + x] = ${x}[c][y][x]`;
  }
  const [channels, height, width] = g.input;
  const [maps, outHeight, outWidth] = g.output;
  const row = reads('i', 'u', g.stride, g.paddingRows);
  const col = reads('j', 'v', g.stride, g.paddingCols);
  if (info.type === 'maxpool2d')
    return `each ${g.kernelHeight}×${g.kernelWidth} window of ${x} (stride ${g.stride}) keeps its largest value, channel by channel: ${z}[c][i][j] = max over u, v < ${g.kernelHeight} of ${x}[c][${row}][${col}], ${plural(maps, 'map')} of ${outHeight}×${outWidth}`;
  const bias = info.bias ? ` + ${named('b', k)}[f]` : '';
  return `each of ${plural(maps, 'filter')} (${g.kernelHeight}×${g.kernelWidth} over ${plural(channels, 'channel')}, stride ${g.stride}, padding ${paddingText(g)}) slides over the ${height}×${width} input ${x}: ${z}[f][i][j] = Σ ${named('K', k)}[f][c][u][v]·${x}[c][${row}][${col}]${bias}, ${plural(maps, 'feature map')} of ${outHeight}×${outWidth}`;
}

/** ∂L/∂a_k as the image layer above (layer `above`) hands it down. */
export function imageGradient(info: LayerInfo, above: number): string {
  const d = named('δ', above);
  if (info.type === 'flatten') return `${d} reshaped back to ${(info.inputShape ?? []).join('×')}`;
  if (info.type === 'maxpool2d') {
    const size = info.kernel?.[0] ?? 1;
    return `${d} passed back to the argmax of each ${size}×${size} window (0 to the others)`;
  }
  return `col2im(${d}·${named('K', above)}): each window's δ·K added back onto the pixels it read`;
}

/** What a convolution's backward computes from δ: dK, db, and ∂L/∂input for the layer below. */
export function convBackward(info: LayerInfo, trace: LayerTrace | undefined, k: number, digits: number): string {
  const g = windowGeometry(info)!;
  const d = named('δ', k);
  const x = inputName(k);
  const window = `${x}[c][${reads('i', 'u', g.stride, g.paddingRows)}][${reads('j', 'v', g.stride, g.paddingCols)}]`;
  const dK = `${named('dK', k)}[f][c][u][v] = Σ over samples and positions (i, j) of ${d}[f][i][j]·${window}, each position's δ times the window of ${x} it read (${named('dK', k)} = ${d}ᵀ·im2col(${x}))${shown(trace?.dK ?? trace?.dW, digits, named('dK', k))}`;
  const db = info.bias
    ? `, ${named('db', k)}[f] = Σ ${d}[f][i][j] over samples and positions${shown(trace?.db, digits, named('db', k))}`
    : '';
  const below = k > 0 ? `, and ∂L/∂${x} = col2im(${d}·${named('K', k)}) for the layer below` : '';
  return `${dK}${db}${below}`;
}

/** What a pooling or flatten layer does going backward, having no weights. */
export function passBack(info: LayerInfo, k: number): string {
  const d = named('δ', k);
  const x = inputName(k);
  if (info.type === 'maxpool2d') {
    const size = info.kernel?.[0] ?? 1;
    return `max pooling has no weights: it passes ${d} back to the argmax of each ${size}×${size} window (the other ${size * size - 1} values of the window get 0) as ∂L/∂${x}`;
  }
  return `flatten has no weights: it hands ${d} back reshaped to ${(info.inputShape ?? []).join('×')} as ∂L/∂${x}`;
}

// ---------------------------------------------------------------------------------------------
// One cell

type Numbers = (number | undefined)[];
export interface Term {
  symbol: string;
  /** The numbers multiplied in this term (one or two). */
  factors: Numbers;
}

/**
 * A sum written out: its first terms as symbols, then the same terms with their numbers, then the total, and
 * "… (N terms)" when it has more terms than it shows. The numbers are left out when any is missing.
 */
export function sumOfTerms(terms: Term[], total: number | undefined, digits: number, shownTerms = 4): string {
  if (terms.length === 0) return '0';
  const more = terms.length > shownTerms ? ` + … (${terms.length} terms)` : '';
  const formula =
    terms
      .slice(0, shownTerms)
      .map((t) => t.symbol)
      .join(' + ') + more;
  const complete = total !== undefined && terms.every((t) => t.factors.every((v) => v !== undefined));
  if (!complete) return formula;
  if (terms.length === 1 && terms[0].factors.length === 1) return `${formula} = ${formatNumber(total, digits)}`;
  const numbers = terms
    .slice(0, shownTerms)
    .map((t) => t.factors.map((v) => factor(v!, digits)).join(' × '))
    .join(' + ');
  return `${formula} = ${numbers}${terms.length > shownTerms ? ' + …' : ''} = ${formatNumber(total, digits)}`;
}

/** Σ of the terms' products, or undefined when a number is missing. */
function total(terms: Term[]): number | undefined {
  let sum = 0;
  for (const term of terms) {
    let product = 1;
    for (const v of term.factors) {
      if (v === undefined) return undefined;
      product *= v;
    }
    sum += product;
  }
  return sum;
}

export interface ImageCellContext {
  record: TraceRecord;
  model: ModelInfo;
  /** The layer (0-based). */
  k: number;
  /** Samples in the batch. */
  m: number;
  digits: number;
}

/** What every cell formula of layer k reads: its info and trace, the input it saw, and "= value" with the digits. */
export function cellScope(context: ImageCellContext) {
  const { record, model, k, digits } = context;
  return {
    info: model.layers[k],
    trace: record.layers[k],
    input: k === 0 ? record.inputs : record.layers[k - 1]?.a,
    f: (x: number | undefined) => (x === undefined ? '' : ` = ${formatNumber(x, digits)}`),
  };
}

/**
 * The formula of one cell of an image layer's W (K), dW (dK), ΔW (ΔK), b, db or z, with its numbers; undefined
 * for the cells a dense layer's formula already says right (a = f(z)).
 */
export function explainImageCell(
  context: ImageCellContext,
  tensorName: string,
  row: number,
  col: number,
): string | undefined {
  const { record, model, k, m, digits } = context;
  const { info, trace, input, f } = cellScope(context);
  if (info.type === 'flatten' && tensorName === 'z') {
    const from = inputValueName(info, k, m, row, col);
    return `${valueName(info, named('z', k), m, row, col)} = ${from}${f(at(trace.z, row, col))} (the same number, laid out in one row)`;
  }
  const g = windowGeometry(info);
  if (!g) return undefined;
  if (info.type === 'maxpool2d') {
    if (tensorName !== 'z') return undefined;
    const [c, i, j] = unravel(col, g.output);
    const window: [string, number | undefined][] = [];
    for (let u = 0; u < g.kernelHeight; u++)
      for (let v = 0; v < g.kernelWidth; v++) {
        const [y, x] = pixelUnder(g, i, j, u, v);
        const index = ravel([c, y, x], g.input);
        window.push([inputValueName(info, k, m, row, index), at(input, row, index)]);
      }
    const shownValues = window.slice(0, 9);
    const more = window.length > shownValues.length ? ', …' : '';
    const z = at(trace.z, row, col);
    const values = window.every(([, v]) => v !== undefined)
      ? ` = max(${shownValues.map(([, v]) => formatNumber(v!, digits)).join(', ')}${more})${f(z)}`
      : '';
    const argmax = at(trace.argmax, row, col);
    const where =
      argmax === undefined ? '' : `, at ${inputValueName(info, k, m, row, argmax)} (the argmax δ goes back to)`;
    return `${valueName(info, named('z', k), m, row, col)} = max(${shownValues.map(([name]) => name).join(', ')}${more})${values}${where}`;
  }
  // conv2d
  const positions = g.output[1] * g.output[2];
  const kernelName = (name: string, filter: number, column: number) =>
    `${named(name, k)}[${filter}]${kernelEntry(column, g.kernelHeight, g.kernelWidth)
      .map((n) => `[${n}]`)
      .join('')}`;
  switch (tensorName) {
    case 'z': {
      const [filter, i, j] = unravel(col, g.output);
      const terms: Term[] = [];
      for (let c = 0; c < g.input[0]; c++)
        for (let u = 0; u < g.kernelHeight; u++)
          for (let v = 0; v < g.kernelWidth; v++) {
            const [y, x] = pixelUnder(g, i, j, u, v);
            if (!insideImage(g, y, x)) continue;
            const entry = (c * g.kernelHeight + u) * g.kernelWidth + v;
            const index = ravel([c, y, x], g.input);
            terms.push({
              symbol: `${kernelName('K', filter, entry)}·${inputValueName(info, k, m, row, index)}`,
              factors: [weightsBefore(trace, filter, entry), at(input, row, index)],
            });
          }
      const name = valueName(info, named('z', k), m, row, col);
      if (!info.bias) return `${name} = ${sumOfTerms(terms, at(trace.z, row, col), digits)}`;
      const b = biasBefore(trace, filter);
      const products = sumOfTerms(terms, total(terms), digits);
      return `${name} = (${products}) + ${named('b', k)}[${filter}]${b === undefined ? '' : ` = ${formatNumber(total(terms), digits)} + ${factor(b, digits)}`}${f(at(trace.z, row, col))}`;
    }
    case 'dW': {
      const [c, u, v] = kernelEntry(col, g.kernelHeight, g.kernelWidth);
      const terms: Term[] = [];
      for (let sample = 0; sample < m; sample++)
        for (let i = 0; i < g.output[1]; i++)
          for (let j = 0; j < g.output[2]; j++) {
            const [y, x] = pixelUnder(g, i, j, u, v);
            if (!insideImage(g, y, x)) continue;
            const out = ravel([row, i, j], g.output);
            const index = ravel([c, y, x], g.input);
            terms.push({
              symbol: `${valueName(info, named('δ', k), m, sample, out)}·${inputValueName(info, k, m, sample, index)}`,
              factors: [at(trace.delta, sample, out), at(input, sample, index)],
            });
          }
      return `${kernelName('dK', row, col)} = Σ over samples and positions of δ·x-window = ${sumOfTerms(terms, at(trace.dK ?? trace.dW, row, col), digits)}`;
    }
    case 'db': {
      const terms: Term[] = [];
      for (let sample = 0; sample < m; sample++)
        for (let p = 0; p < positions; p++) {
          const out = col * positions + p;
          terms.push({
            symbol: valueName(info, named('δ', k), m, sample, out),
            factors: [at(trace.delta, sample, out)],
          });
        }
      return `${named('db', k)}[${col}] = Σ over samples and positions = ${sumOfTerms(terms, at(trace.db, 0, col), digits)}`;
    }
    case 'ΔW': {
      const step = at(trace.deltaW, row, col);
      const dK = at(trace.dK ?? trace.dW, row, col);
      if (model.optimizer.type === 'sgd')
        return `${kernelName('ΔK', row, col)} = −α·${kernelName('dK', row, col)}${dK === undefined ? '' : ` = −${formatNumber(record.lr, digits)} × ${factor(dK, digits)}`}${f(step)}`;
      return `${kernelName('ΔK', row, col)} = the ${model.optimizer.type} step from ${kernelName('dK', row, col)}${f(dK)} with α = ${formatNumber(record.lr, digits)}${f(step)}`;
    }
    case 'W': {
      const [c, u, v] = kernelEntry(col, g.kernelHeight, g.kernelWidth);
      const now = at(trace.weights, row, col);
      const step = at(trace.deltaW, row, col);
      const what = `entry (${u}, ${v}) of filter ${row}'s kernel over channel ${c}, used at all ${positions} positions of its feature map`;
      const name = kernelName('K', row, col);
      if (trace.computed.update && now !== undefined && step !== undefined)
        return `${name} = ${formatNumber(now - step, digits)} + ${factor(step, digits)} = ${formatNumber(now, digits)}: ${what}, after the update`;
      return `${name}${f(now)}: ${what}`;
    }
    case 'b': {
      const now = at(trace.biases, 0, col);
      return `${named('b', k)}[${col}]${f(now)}: the bias of filter ${col}, added at all ${positions} positions of its feature map`;
    }
  }
  return undefined;
}

/** ∂L/∂a_k of one entry as the image layer above hands it down: the sum written out, with and without numbers. */
export interface GradientFromAbove {
  /** The sum's first terms as symbols ("0" when nothing reaches the entry). */
  formula: string;
  /** The same with its numbers and total, when the record has them. */
  withNumbers: string;
  value: number | undefined;
  /** Why the sum is what it is (pooling: whether the entry won its window). */
  note: string;
  /** The numbers of a formula that is not a plain sum (a normalization's), without the total. */
  numbers?: string;
}

/**
 * ∂L/∂a_k[sample][index] as the image layer above hands it down: flatten's δ in place, the δ of the pooling
 * window whose argmax the entry is (or 0), or col2im's Σ δ·K over the windows that read it.
 */
export function gradientFromImageAbove(context: ImageCellContext, sample: number, index: number): GradientFromAbove {
  const { record, model, k, m, digits } = context;
  const info = model.layers[k];
  const aboveInfo = model.layers[k + 1];
  const above = record.layers[k + 1];
  const deltaAbove = named('δ', k + 1);
  const written = (terms: Term[], note = ''): GradientFromAbove => {
    const value = total(terms);
    return {
      formula: sumOfTerms(terms, undefined, digits),
      withNumbers: sumOfTerms(terms, value, digits),
      value,
      note,
    };
  };
  if (aboveInfo.type === 'flatten')
    return written([
      { symbol: valueName(aboveInfo, deltaAbove, m, sample, index), factors: [at(above?.delta, sample, index)] },
    ]);
  const g = windowGeometry(aboveInfo)!;
  if (aboveInfo.type === 'maxpool2d') {
    const argmax = above?.argmax;
    const self = valueName(info, named('a', k), m, sample, index);
    const window = `${g.kernelHeight}×${g.kernelWidth} window`;
    if (!argmax?.data)
      return {
        formula: `${deltaAbove} of the window whose argmax it is, else 0`,
        withNumbers: '',
        value: undefined,
        note: '',
      };
    const terms: Term[] = [];
    for (let out = 0; out < argmax.cols; out++)
      if (at(argmax, sample, out) === index)
        terms.push({
          symbol: valueName(aboveInfo, deltaAbove, m, sample, out),
          factors: [at(above.delta, sample, out)],
        });
    if (terms.length === 0)
      return {
        formula: '0',
        withNumbers: '0',
        value: 0,
        note: ` (${self} is the largest of no ${window}, so no δ comes back to it)`,
      };
    return written(terms, ` (${self} is the largest of its ${window})`);
  }
  // A convolution above: col2im gathers δ·K from every window that read this pixel.
  const [c, y, x] = unravel(index, g.input);
  const terms: Term[] = [];
  for (let filter = 0; filter < g.output[0]; filter++)
    for (let i = 0; i < g.output[1]; i++)
      for (let j = 0; j < g.output[2]; j++) {
        const [top, left] = pixelUnder(g, i, j, 0, 0);
        const u = y - top;
        const v = x - left;
        if (u < 0 || u >= g.kernelHeight || v < 0 || v >= g.kernelWidth) continue;
        const entry = (c * g.kernelHeight + u) * g.kernelWidth + v;
        const out = ravel([filter, i, j], g.output);
        terms.push({
          symbol: `${valueName(aboveInfo, deltaAbove, m, sample, out)}·${named('K', k + 1)}[${filter}][${c}][${u}][${v}]`,
          factors: [at(above?.delta, sample, out), above ? weightsBefore(above, filter, entry) : undefined],
        });
      }
  return written(terms, ' (col2im: every window that read it)');
}
