// The selected layer's numbers as heatmap tables: W, dW, ΔW, b, db, z, a, δ. Small matrices are HTML tables
// (every cell carries its exact value in data-value); big ones are drawn on a canvas. Hovering any cell shows
// the exact value and the formula that produced it.

import type { LayerTrace, PanelState, Tensor } from '../src/protocol';
import { explainCell, type CellTensor } from '../src/engine/explain';
import { selectWeight } from './graph';
import { featureMapImages, kernelImages } from './images';
import { divergingColor, formatNumber, maxAbs, weightRowNames, type FormulaContext, type TensorName } from './format';

const MAX_HTML_CELLS = 400;
const CANVAS_CELL = 6;

export function renderTables(host: HTMLElement, state: PanelState, l2: boolean): void {
  const k = Math.min(state.selectedLayer, state.model.layers.length - 1);
  const trace = state.update.record.layers[k];
  const info = state.model.layers[k];
  const context: FormulaContext = {
    layer: k,
    activation: info.activation,
    isOutput: k === state.model.layers.length - 1,
    loss: state.model.loss,
    l2,
  };
  const tensors = cardsFor(info, trace);
  const heading = document.createElement('h3');
  const kind = info.type && info.type !== 'dense' ? `${info.type} ` : '';
  const residual = info.add ? `, plus ${info.add}'s output (residual)` : '';
  heading.textContent = `${info.name}: ${kind}${info.inputSize} → ${info.units} ${info.activation}${residual}${info.frozen ? ' (frozen)' : ''}`;
  const grid = document.createElement('div');
  grid.className = 'tensor-grid';
  if (info.type === 'conv2d' && trace)
    grid.append(
      kernelImages(
        `images-K-${k}`,
        'kernels K (one row per filter, one image per input channel; click a pixel to change it)',
        trace.kernels ?? trace.weights,
        trace.kernelShape,
        state.digits,
        // The weight editor under the graph takes it, as for a clicked edge.
        (filter, column) => selectWeight(k, filter, column),
      ),
      featureMapImages(`images-maps-${k}`, trace, state.digits),
      kernelImages(`images-dK-${k}`, 'dK = ∂L/∂K', trace.dK ?? trace.dW, trace.kernelShape, state.digits),
    );
  for (const [name, tensor, caption] of tensors) grid.append(tensorCard(name, tensor, caption, k, state, context));
  host.replaceChildren(heading, grid);
}

/** A card's name: a dense layer's tensors, or what a batch-norm, layer-norm or dropout layer computes instead. */
type CardName = TensorName | 'γ' | 'β' | 'dγ' | 'dβ' | 'μ' | 'σ²' | 'x̂' | 'mask' | 'running μ' | 'running σ²';
type Card = [CardName, Tensor | undefined, string];

/** The tables of a layer, by its type: a norm layer has no W to show, but μ, σ², x̂, γ and β; dropout its mask. */
function cardsFor(info: PanelState['model']['layers'][number], trace: LayerTrace | undefined): Card[] {
  const activations: Card[] = [
    [
      'z',
      trace?.z,
      info.type === 'dense' || !info.type
        ? 'pre-activation, one row per sample'
        : 'output before the activation, one row per sample',
    ],
    ['a', trace?.a, 'activation, one row per sample'],
    ['δ', trace?.delta, '∂L/∂z, one row per sample'],
  ];
  switch (info.type) {
    case 'batchnorm':
    case 'layernorm': {
      // After an image, batch norm keeps one γ, β, μ and σ² per channel (BatchNorm2d): a column per channel.
      const perChannel = info.type === 'batchnorm' && info.shape !== undefined;
      const over =
        info.type === 'layernorm'
          ? 'over the units, per sample'
          : perChannel
            ? 'over the batch and each feature map’s positions, one column per channel'
            : 'over the batch, per unit';
      const each = perChannel ? ', one per channel' : '';
      return [
        ['γ', trace?.gamma, `learned scale${each}`],
        ['β', trace?.beta, `learned shift${each}`],
        ['μ', trace?.mu, `mean ${over}`],
        ['σ²', trace?.var, `variance ${over}`],
        ['x̂', trace?.xhat, '(input − μ)/√(σ² + ε), one row per sample'],
        ...activations,
        ['dγ', trace?.dgamma, 'Σ δ·x̂ over the batch'],
        ['dβ', trace?.dbeta, 'Σ δ over the batch'],
        ...(info.type === 'batchnorm'
          ? ([
              ['running μ', trace?.runningMean, 'used in evaluation'],
              ['running σ²', trace?.runningVar, 'used in evaluation'],
            ] as Card[])
          : []),
      ];
    }
    case 'dropout':
      return [
        ['mask', trace?.mask, '0 = dropped, 1 = kept (and scaled by 1/(1 − rate)), one row per sample'],
        ...activations,
      ];
    default:
      return [
        ['W', trace?.weights, 'weights'],
        ['dW', trace?.dW, 'gradient used by the optimizer'],
        ['ΔW', trace?.deltaW, 'update applied'],
        // A layer without bias has no b or db worth a table of zeros.
        ...(info.bias
          ? ([
              ['b', trace?.biases, 'biases'],
              ['db', trace?.db, 'bias gradient'],
            ] as Card[])
          : []),
        ...activations,
      ];
  }
}

/** The tables whose cells explainCell writes out: a dense or conv layer's, and a norm or dropout layer's own. */
const EXPLAINED_NAMES: readonly string[] = [
  ...['W', 'dW', 'ΔW', 'b', 'db', 'z', 'a', 'δ'],
  ...['γ', 'β', 'dγ', 'dβ', 'x̂', 'μ', 'σ²', 'mask'],
];

/** The hover of one cell: the formula with its numbers where explainCell knows it, else the plain value. */
function cellTitle(name: CardName, i: number, j: number, value: number, state: PanelState, layer: number): string {
  const formula = EXPLAINED_NAMES.includes(name)
    ? explainCell(state.update.record, state.model, layer, name as CellTensor, i, j, state.digits)
    : '';
  return formula || `${name}[${i}][${j}] = ${formatNumber(value, state.digits)}`;
}

function tensorCard(
  name: CardName,
  tensor: Tensor | undefined,
  caption: string,
  layer: number,
  state: PanelState,
  context: FormulaContext,
): HTMLElement {
  const card = document.createElement('section');
  card.className = 'tensor';
  const title = document.createElement('header');
  title.innerHTML = `<strong></strong> <span class="caption"></span> <span class="norm"></span>`;
  title.querySelector('strong')!.textContent = name;
  title.querySelector('.caption')!.textContent = caption;
  if (tensor) title.querySelector('.norm')!.textContent = `‖·‖ ${formatNumber(tensor.summary.norm, state.digits)}`;
  card.append(title);
  if (!tensor) {
    card.append(
      placeholder(
        name === 'dW' || name === 'db' || name === 'δ' || name === 'dγ' || name === 'dβ'
          ? 'not computed yet: step backward to this layer'
          : name === 'ΔW'
            ? 'not computed yet: step through the update'
            : 'not computed yet: step forward to this layer',
      ),
    );
    return card;
  }
  if (!tensor.data && tensor.preview) {
    card.append(previewHeatmap(`table-${tensorId(name)}-${layer}`, tensor, state));
    return card;
  }
  if (!tensor.data) {
    const s = tensor.summary;
    card.append(
      placeholder(
        `${tensor.rows}×${tensor.cols}: min ${formatNumber(s.min, state.digits)} · mean ${formatNumber(s.mean, state.digits)} · max ${formatNumber(s.max, state.digits)} (select this layer to load every value)`,
      ),
    );
    return card;
  }
  const id = `table-${tensorId(name)}-${layer}`;
  card.append(
    tensor.rows * tensor.cols <= MAX_HTML_CELLS
      ? htmlTable(id, name, tensor, state, context)
      : canvasHeatmap(id, name, tensor, state, context),
  );
  return card;
}

const ASCII_IDS: Record<string, string> = {
  ΔW: 'deltaW',
  δ: 'delta',
  γ: 'gamma',
  β: 'beta',
  dγ: 'dgamma',
  dβ: 'dbeta',
  μ: 'mu',
  'σ²': 'var',
  x̂: 'xhat',
  'running μ': 'runningMean',
  'running σ²': 'runningVar',
};

/** ASCII ids for tests and CSS: ΔW → deltaW, δ → delta, x̂ → xhat. */
export function tensorId(name: CardName): string {
  return ASCII_IDS[name] ?? name;
}

function htmlTable(
  id: string,
  name: CardName,
  tensor: Tensor,
  state: PanelState,
  context: FormulaContext,
): HTMLElement {
  const data = tensor.data!;
  const scale = maxAbs(data);
  const table = document.createElement('table');
  table.id = id;
  table.className = 'heatmap';
  // The first dense layer's weights have one row per input: name them as the model file does (`input: [a, b]`).
  const inputNames = weightRowNames(state.model, context.layer);
  const named = (name === 'W' || name === 'dW' || name === 'ΔW') && !!inputNames;
  for (let i = 0; i < tensor.rows; i++) {
    const row = table.insertRow();
    if (named) {
      const label = document.createElement('th');
      label.className = 'row-label';
      label.scope = 'row';
      label.textContent = inputNames[i] ?? String(i);
      row.append(label);
    }
    for (let j = 0; j < tensor.cols; j++) {
      const value = data[i * tensor.cols + j];
      const cell = row.insertCell();
      cell.textContent = formatNumber(value, state.digits);
      cell.style.background = divergingColor(value ?? NaN, scale);
      cell.dataset.row = String(i);
      cell.dataset.col = String(j);
      cell.dataset.value = String(value);
    }
  }
  // The formula with a cell's numbers plugged in, rounded like every number here (no float noise), worked out when
  // the pointer reaches the cell: hundreds of them per table, redrawn several times a second in a run.
  table.addEventListener('mouseover', (event) => {
    const cell = (event.target as HTMLElement).closest('td');
    if (!cell || cell.title) return;
    const i = Number(cell.dataset.row);
    const j = Number(cell.dataset.col);
    cell.title = cellTitle(name, i, j, data[i * tensor.cols + j], state, context.layer);
  });
  return table;
}

function canvasHeatmap(
  id: string,
  name: CardName,
  tensor: Tensor,
  state: PanelState,
  context: FormulaContext,
): HTMLElement {
  const data = tensor.data!;
  const scale = maxAbs(data);
  const cell = Math.max(1, Math.min(CANVAS_CELL, Math.floor(640 / tensor.cols)));
  const canvas = document.createElement('canvas');
  canvas.id = id;
  canvas.className = 'heatmap-canvas';
  canvas.width = tensor.cols * cell;
  canvas.height = Math.min(tensor.rows * cell, 4000);
  const ctx = canvas.getContext('2d')!;
  for (let i = 0; i < tensor.rows && i * cell < canvas.height; i++) {
    for (let j = 0; j < tensor.cols; j++) {
      ctx.fillStyle = divergingColor(data[i * tensor.cols + j] ?? NaN, scale);
      ctx.fillRect(j * cell, i * cell, cell, cell);
    }
  }
  const tip = document.createElement('div');
  tip.className = 'canvas-tip';
  canvas.addEventListener('mousemove', (event) => {
    const rect = canvas.getBoundingClientRect();
    const j = Math.floor(((event.clientX - rect.left) / rect.width) * tensor.cols);
    const i = Math.floor(((event.clientY - rect.top) / rect.height) * (canvas.height / cell));
    if (i < 0 || j < 0 || i >= tensor.rows || j >= tensor.cols) return;
    tip.textContent = cellTitle(name, i, j, data[i * tensor.cols + j], state, context.layer);
  });
  const wrapper = document.createElement('div');
  wrapper.className = 'canvas-wrapper';
  tip.textContent = `${tensor.rows}×${tensor.cols}: hover a cell for its value · ${formatNumber(tensor.summary.min, state.digits)} … ${formatNumber(tensor.summary.max, state.digits)}`;
  wrapper.append(canvas, tip);
  return wrapper;
}

/** A big tensor as the worker down-sampled it: one pixel block per block of entries, its largest in magnitude. */
function previewHeatmap(id: string, tensor: Tensor, state: PanelState): HTMLElement {
  const picture = tensor.preview!;
  const scale = maxAbs(picture.data);
  const cell = Math.max(2, Math.min(CANVAS_CELL, Math.floor(512 / picture.cols)));
  const canvas = document.createElement('canvas');
  canvas.id = id;
  canvas.className = 'heatmap-canvas';
  canvas.dataset.preview = `${picture.blockRows}x${picture.blockCols}`;
  canvas.width = picture.cols * cell;
  canvas.height = picture.rows * cell;
  const ctx = canvas.getContext('2d')!;
  for (let i = 0; i < picture.rows; i++)
    for (let j = 0; j < picture.cols; j++) {
      ctx.fillStyle = divergingColor(picture.data[i * picture.cols + j] ?? NaN, scale);
      ctx.fillRect(j * cell, i * cell, cell, cell);
    }
  const tip = document.createElement('div');
  tip.className = 'canvas-tip';
  const summary = `${tensor.rows}×${tensor.cols} shown as ${picture.rows}×${picture.cols} blocks of ${picture.blockRows}×${picture.blockCols} (each its largest |value|) · ${formatNumber(tensor.summary.min, state.digits)} … ${formatNumber(tensor.summary.max, state.digits)}`;
  tip.textContent = summary;
  canvas.addEventListener('mousemove', (event) => {
    const rect = canvas.getBoundingClientRect();
    const j = Math.floor(((event.clientX - rect.left) / rect.width) * picture.cols);
    const i = Math.floor(((event.clientY - rect.top) / rect.height) * picture.rows);
    if (i < 0 || j < 0 || i >= picture.rows || j >= picture.cols) return;
    const rows = `${i * picture.blockRows}–${Math.min(tensor.rows, (i + 1) * picture.blockRows) - 1}`;
    const cols = `${j * picture.blockCols}–${Math.min(tensor.cols, (j + 1) * picture.blockCols) - 1}`;
    tip.textContent = `rows ${rows}, columns ${cols}: largest |value| ${formatNumber(picture.data[i * picture.cols + j], state.digits)}`;
  });
  canvas.addEventListener('mouseleave', () => (tip.textContent = summary));
  const wrapper = document.createElement('div');
  wrapper.className = 'canvas-wrapper';
  wrapper.append(canvas, tip);
  return wrapper;
}

function placeholder(message: string): HTMLElement {
  const element = document.createElement('p');
  element.className = 'placeholder';
  element.textContent = message;
  return element;
}
