// The network as a graph: one column per layer (inputs first), laid out by dagre, edges coloured and sized
// by weight like TensorFlow Playground, units filled by activation (or by δ during the backward pass).
// Wide layers collapse into one block with a small heatmap of W.

import dagre from '@dagrejs/dagre';
import { explainCell } from '../src/engine/explain';
import {
  edgeWeight,
  pixelUnder,
  ravel,
  unravel,
  weightName,
  weightShape,
  windowGeometry,
} from '../src/engine/imageIndex';
import type { LayerTrace, PanelState } from '../src/protocol';
import { elementwiseEdgeParts } from './elementwise';
import {
  collapses,
  divergingColor,
  formatNumber,
  graphScale,
  MAX_DRAWN_EDGES,
  maxAbs,
  readableScale,
  sourceName,
} from './format';

const SVG = 'http://www.w3.org/2000/svg';
/** Unit diameter: full size for small layers, smaller so a 24-unit column still fits the panel's height. */
function unitSize(sizes: number[]): number {
  const tallest = Math.max(...sizes.map((size) => (collapses(size) ? 1 : size)));
  return Math.max(10, Math.min(26, 380 / tallest));
}
const BLOCK = { width: 56, height: 120 };
/** The unit counts, activations and input names are this fraction of the column names' size. */
const SUB_LABEL = 0.85;

/**
 * What was clicked. An edge selects the weight behind it, as entry [from][to] of the layer's W as the tables lay it
 * out: for dense the weight from unit `from` to unit `to`; for a convolution kernel entry `to` (c·kh·kw) of filter
 * `from`, which many edges share (every position of the filter's map), so all of them light up.
 */
export type GraphSelection =
  { kind: 'unit'; layer: number; unit: number } | { kind: 'edge'; layer: number; from: number; to: number };

interface Layout {
  key: string;
  unit: number;
  width: number;
  height: number;
  /** Font size of the column names (layout units); the smaller labels are SUB_LABEL of it. */
  labelSize: number;
  /** Per column (0 = inputs, k+1 = layer k): unit centres, or one block. */
  columns: { x: number; ys: number[]; block: boolean; top: number }[];
}

let layout: Layout | undefined;
/** What a click in the graph does, kept so a kernel image can select a kernel entry the same way (a conv layer
 * wide enough to be drawn as a block has no edges to click). */
let selectHandler: ((selection: GraphSelection) => void) | undefined;

/** Selects entry [row][col] of a layer's W as a click on its edge would (for a convolution: filter, c·kh·kw). */
export function selectWeight(layer: number, row: number, col: number): void {
  selectHandler?.({ kind: 'edge', layer, from: row, to: col });
}

/** Font size of the column names for a drawing this tall (layout units). */
function labelSizeFor(height: number): number {
  return Math.max(11, Math.min(22, height / 28));
}

/**
 * Lays the model out once per model shape and panel width; dagre ranks the columns left to right. Columns close up
 * in a narrow panel (so the graph fits with its labels at 10 px), down to a gap below which it scrolls instead.
 */
function layoutFor(state: PanelState, hostWidth: number): Layout {
  const sizes = [state.model.inputSize, ...state.model.layers.map((l) => l.units)];
  const names = collapses(state.model.inputSize) ? [] : (state.model.inputNames ?? []);
  const UNIT = unitSize(sizes);
  // The height does not depend on the gaps between columns, so the label size is known before dagre runs.
  const columnHeight = (size: number) => (collapses(size) ? BLOCK.height : size * UNIT + (size - 1) * UNIT * 0.3);
  const estimatedLabel = labelSizeFor(Math.max(...sizes.map(columnHeight)) + 2 * 24 + 30);
  const estimatedNameRoom = names.length
    ? Math.max(...names.map((n) => n.length)) * 0.6 * estimatedLabel * SUB_LABEL + 6
    : 0;
  const fixedWidth =
    2 * 20 + 40 + estimatedNameRoom + sizes.reduce((sum, size) => sum + (collapses(size) ? BLOCK.width : UNIT), 0);
  // Two pixels spare: the drawing's size is rounded up.
  const readableWidth = hostWidth > 0 ? (hostWidth - 2) / readableScale(estimatedLabel * SUB_LABEL) : Infinity;
  const fitting = (readableWidth - fixedWidth) / Math.max(1, sizes.length - 1);
  // Deep nets get tighter columns so the whole network stays readable in a side panel.
  const ranksep = Math.round(Math.max(40, Math.min(160, 640 / sizes.length, fitting)));
  const key = `${sizes.join('-')}:${names.join(',')}:${ranksep}`;
  if (layout?.key === key) return layout;
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({
    rankdir: 'LR',
    nodesep: UNIT * 0.3,
    ranksep,
    marginx: 20,
    marginy: 24,
  });
  graph.setDefaultEdgeLabel(() => ({}));
  const id = (column: number, unit: number) => `${column}:${unit}`;
  sizes.forEach((size, column) => {
    if (collapses(size)) graph.setNode(id(column, 0), { width: BLOCK.width, height: BLOCK.height });
    else for (let unit = 0; unit < size; unit++) graph.setNode(id(column, unit), { width: UNIT, height: UNIT });
  });
  for (let column = 1; column < sizes.length; column++) {
    const from = collapses(sizes[column - 1]) ? 1 : sizes[column - 1];
    const to = collapses(sizes[column]) ? 1 : sizes[column];
    // Ranking only needs one edge per unit pair to the next column; dagre keeps insertion order within a rank.
    for (let i = 0; i < from; i++)
      for (let j = 0; j < to; j++) if (i === 0 || j === 0) graph.setEdge(id(column - 1, i), id(column, j));
  }
  dagre.layout(graph);
  const info = graph.graph();
  const centre = (info.height ?? 200) / 2;
  const height = (info.height ?? 200) + 30;
  const labelSize = labelSizeFor(height);
  // Room on the left for the inputs' names, drawn beside their units (about 0.6 em per character).
  const nameRoom = names.length ? Math.max(...names.map((n) => n.length)) * 0.6 * labelSize * SUB_LABEL + 6 : 0;
  const columns = sizes.map((size, column) => {
    const block = collapses(size);
    const nodes = Array.from({ length: block ? 1 : size }, (_, unit) => graph.node(id(column, unit)));
    // dagre gives each column its x and its extent; within it, units go in index order top to bottom at even
    // gaps (so row i of W lines up with unit i), and every column is centred on the same line.
    const sorted = nodes.map((node) => node.y).sort((a, b) => a - b);
    const extent = sorted[sorted.length - 1] - sorted[0];
    const ys = sorted.map((_, i) => centre + (sorted.length > 1 ? (i / (sorted.length - 1) - 0.5) * extent : 0));
    return { x: nodes[0].x + nameRoom, ys, block, top: Math.min(...ys) - (block ? BLOCK.height / 2 : UNIT / 2) };
  });
  layout = { key, unit: UNIT, width: (info.width ?? 400) + 40 + nameRoom, height, labelSize, columns };
  return layout;
}

export function renderGraph(
  host: HTMLElement,
  state: PanelState,
  onSelect: (selection: GraphSelection) => void,
  selected?: GraphSelection,
): void {
  selectHandler = onSelect;
  const shape = layoutFor(state, host.clientWidth);
  const { width, height, columns, unit: UNIT, labelSize } = shape;
  // The drawing fills the panel's width, but never so small that a label falls below 10 px: a narrow panel
  // scrolls the graph sideways instead.
  const scale = graphScale(host.clientWidth, shape, labelSize * SUB_LABEL);
  const { record, diagnostics } = state.update;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  // Rounded up: rounding down would draw a 10 px label at 9.95 px.
  svg.setAttribute('width', String(Math.ceil(width * scale)));
  svg.setAttribute('height', String(Math.ceil(height * scale)));
  svg.setAttribute('id', 'network-graph');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Network graph');
  const warned = new Set(diagnostics.map((d) => d.layer));
  const backward = record.did?.phase === 'backward' || record.did?.phase === 'update' || record.did?.phase === 'loss';
  const active = record.did && record.did.layer >= 0 ? record.did.layer : -1;
  const edgeLayer = document.createElementNS(SVG, 'g');
  const unitLayer = document.createElementNS(SVG, 'g');
  svg.append(edgeLayer, unitLayer);

  state.model.layers.forEach((info, k) => {
    const trace = record.layers[k];
    const from = columns[k];
    const to = columns[k + 1];
    if (info.add)
      edgeLayer.append(
        skipEdge(columns, state.model.layers.findIndex((l) => l.name === info.add) + 1, k + 1, info.add),
      );
    if (info.type === 'conv2d' || info.type === 'maxpool2d' || info.type === 'flatten') {
      edgeLayer.append(...imageEdges(state, k, from, to, UNIT, onSelect, selected));
      return;
    }
    if (info.type && info.type !== 'dense') {
      edgeLayer.append(...elementwiseEdges(info, trace, from, to, UNIT, state.digits));
      return;
    }
    const weights = trace?.weights.data;
    const scale = maxAbs(weights);
    if (from.block || to.block || info.inputSize * info.units > MAX_DRAWN_EDGES || !weights) {
      const bundle = line(from.x, mid(from), to.x, mid(to), 'var(--vscode-descriptionForeground)', 6, 0.35);
      bundle.classList.add('edge-bundle');
      edgeLayer.append(bundle);
      return;
    }
    for (let i = 0; i < info.inputSize; i++) {
      for (let j = 0; j < info.units; j++) {
        const w = weights[i * info.units + j];
        const edge = line(
          from.x + UNIT / 2,
          from.ys[i],
          to.x - UNIT / 2,
          to.ys[j],
          divergingColor(w, scale),
          // A non-finite weight (training stopped on it) is drawn at full width in the red divergingColor gives it.
          Number.isFinite(w) ? 0.6 + 4 * (scale > 0 ? Math.abs(w) / scale : 0) : 4.6,
          1,
        );
        edge.classList.add('edge');
        if (selected?.kind === 'edge' && selected.layer === k && selected.from === i && selected.to === j)
          edge.classList.add('selected');
        edge.dataset.layer = String(k);
        edge.dataset.from = String(i);
        edge.dataset.to = String(j);
        edge.addEventListener('click', () => onSelect({ kind: 'edge', layer: k, from: i, to: j }));
        const title = document.createElementNS(SVG, 'title');
        title.textContent = `W[${i}][${j}] = ${formatNumber(w, state.digits)}: ${k === 0 ? `input ${sourceName(0, i, state.model.inputNames)}` : `${state.model.layers[k - 1].name} unit ${i}`} → ${info.name} unit ${j} (click to change it)`;
        edge.append(title);
        edgeLayer.append(edge);
      }
    }
  });

  columns.forEach((column, c) => {
    const k = c - 1;
    const info = k >= 0 ? state.model.layers[k] : undefined;
    const trace = k >= 0 ? record.layers[k] : undefined;
    const group = document.createElementNS(SVG, 'g');
    group.classList.add('column');
    if (active >= 0 && k === active) group.classList.add('active', backward ? 'backward' : 'forward');
    if (k >= 0 && warned.has(k)) group.classList.add('warned');
    const label = text(column.x, 6 + labelSize, k < 0 ? 'input' : info!.name, 'column-label', labelSize);
    const sub = text(
      column.x,
      height - 6,
      // Deep nets have no room for the activation under every column; the unit tooltips still name it.
      k < 0 || columns.length > 6
        ? `${k < 0 ? state.model.inputSize : info!.units}${info?.frozen ? ' 🔒' : ''}`
        : `${info!.units} ${info!.activation}${info!.frozen ? ' 🔒' : ''}`,
      'column-sub',
      labelSize * SUB_LABEL,
    );
    group.append(label, sub);
    if (k >= 0 && warned.has(k)) group.append(text(column.x, 8 + 2.2 * labelSize, '⚠', 'warn-badge', labelSize));
    if (column.block) {
      group.append(blockNode(column, trace, state));
    } else {
      const values = unitValues(state, k, backward && k >= active);
      const scale = maxAbs(values);
      column.ys.forEach((y, unit) => {
        const circle = document.createElementNS(SVG, 'circle');
        circle.setAttribute('cx', String(column.x));
        circle.setAttribute('cy', String(y));
        circle.setAttribute('r', String(UNIT / 2 - 2));
        circle.setAttribute(
          'fill',
          values ? divergingColor(values[unit] ?? 0, scale) : 'var(--vscode-editor-background)',
        );
        circle.classList.add('unit');
        circle.dataset.layer = String(k);
        circle.dataset.unit = String(unit);
        const title = document.createElementNS(SVG, 'title');
        title.textContent =
          k < 0
            ? `input ${state.model.inputNames?.[unit] ?? unit}`
            : `${info!.name} unit ${unit}: ${values ? formatNumber(values[unit], state.digits) : 'not computed yet'}`;
        circle.append(title);
        if (k >= 0) circle.addEventListener('click', () => onSelect({ kind: 'unit', layer: k, unit }));
        group.append(circle);
        const name = k < 0 ? state.model.inputNames?.[unit] : undefined;
        if (name !== undefined) {
          const label = text(column.x - UNIT / 2 - 4, y, name, 'input-label', labelSize * SUB_LABEL);
          label.setAttribute('text-anchor', 'end');
          label.setAttribute('dominant-baseline', 'central');
          group.append(label);
        }
      });
    }
    unitLayer.append(group);
  });
  host.replaceChildren(svg);
}

/** Mean over the batch of a (forward) or δ (backward) for each unit, or the inputs for column −1. */
function unitValues(state: PanelState, layer: number, useDelta: boolean): (number | null)[] | undefined {
  const { record } = state.update;
  const tensor =
    layer < 0
      ? record.inputs
      : useDelta && record.layers[layer].delta
        ? record.layers[layer].delta
        : record.layers[layer].a;
  if (!tensor?.data) return undefined;
  const means: number[] = new Array(tensor.cols).fill(0);
  for (let i = 0; i < tensor.rows; i++)
    for (let j = 0; j < tensor.cols; j++) means[j] += (tensor.data[i * tensor.cols + j] ?? 0) / tensor.rows;
  return means;
}

function blockNode(column: Layout['columns'][number], trace: LayerTrace | undefined, state: PanelState): SVGElement {
  const group = document.createElementNS(SVG, 'g');
  const rect = document.createElementNS(SVG, 'rect');
  rect.setAttribute('x', String(column.x - BLOCK.width / 2));
  rect.setAttribute('y', String(column.top));
  rect.setAttribute('width', String(BLOCK.width));
  rect.setAttribute('height', String(BLOCK.height));
  rect.setAttribute('rx', '6');
  rect.classList.add('block');
  group.append(rect);
  const weights = trace?.weights;
  if (weights?.data) {
    // A coarse heatmap of W: at most 12×6 cells, each the mean of the weights it covers.
    const rows = Math.min(12, weights.rows);
    const cols = Math.min(6, weights.cols);
    const cells: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let sum = 0;
        let count = 0;
        for (let i = Math.floor((r * weights.rows) / rows); i < Math.floor(((r + 1) * weights.rows) / rows); i++) {
          for (let j = Math.floor((c * weights.cols) / cols); j < Math.floor(((c + 1) * weights.cols) / cols); j++) {
            sum += weights.data[i * weights.cols + j] ?? 0;
            count++;
          }
        }
        cells.push(count ? sum / count : 0);
      }
    }
    const scale = maxAbs(cells);
    const cw = (BLOCK.width - 8) / cols;
    const ch = (BLOCK.height - 8) / rows;
    cells.forEach((value, index) => {
      const cell = document.createElementNS(SVG, 'rect');
      cell.setAttribute('x', String(column.x - BLOCK.width / 2 + 4 + (index % cols) * cw));
      cell.setAttribute('y', String(column.top + 4 + Math.floor(index / cols) * ch));
      cell.setAttribute('width', String(cw));
      cell.setAttribute('height', String(ch));
      cell.setAttribute('fill', divergingColor(value, scale));
      group.append(cell);
    });
  }
  const title = document.createElementNS(SVG, 'title');
  title.textContent = trace
    ? `${trace.name}: ${trace.inputSize}×${trace.units} weights, ‖W‖ = ${formatNumber(trace.norms.weights, state.digits)}`
    : 'inputs';
  group.append(title);
  return group;
}

function mid(column: Layout['columns'][number]): number {
  return column.block ? column.top + BLOCK.height / 2 : (column.ys[0] + column.ys[column.ys.length - 1]) / 2;
}

function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  stroke: string,
  width: number,
  opacity: number,
): SVGLineElement {
  const element = document.createElementNS(SVG, 'line');
  element.setAttribute('x1', String(x1));
  element.setAttribute('y1', String(y1));
  element.setAttribute('x2', String(x2));
  element.setAttribute('y2', String(y2));
  element.setAttribute('stroke', stroke);
  element.setAttribute('stroke-width', width.toFixed(2));
  element.setAttribute('stroke-opacity', String(opacity));
  return element;
}

function text(x: number, y: number, content: string, className: string, size: number): SVGTextElement {
  const element = document.createElementNS(SVG, 'text');
  element.setAttribute('x', String(x));
  element.setAttribute('y', String(y));
  element.setAttribute('text-anchor', 'middle');
  element.classList.add(className);
  // Rounded up, never down: the scale keeps the smallest label at 10 px on screen, not 9.95.
  element.setAttribute('font-size', String(Math.ceil(size * 100) / 100));
  element.textContent = content;
  return element;
}

type Column = { x: number; ys: number[]; block: boolean; top: number };

/**
 * A norm or dropout layer works unit by unit: one edge from each unit to the same unit, sized by the γ that scales it
 * for a norm layer (its channel's after an image), and for dropout solid where the unit was kept in the first sample
 * of the batch and faint where dropped.
 */
function elementwiseEdges(
  info: PanelState['model']['layers'][number],
  trace: PanelState['update']['record']['layers'][number] | undefined,
  from: Column,
  to: Column,
  unit: number,
  digits: number,
): SVGElement[] {
  if (from.block || to.block) {
    const bundle = line(from.x, mid(from), to.x, mid(to), 'var(--vscode-descriptionForeground)', 6, 0.35);
    bundle.classList.add('edge-bundle');
    return [bundle];
  }
  const scale = maxAbs(trace?.gamma?.data);
  const count = Math.min(info.units, from.ys.length, to.ys.length);
  return elementwiseEdgeParts(info, trace, count, digits).map(({ unit: j, gamma: g, kept, title: said }) => {
    const edge = line(
      from.x + unit / 2,
      from.ys[j],
      to.x - unit / 2,
      to.ys[j],
      g !== undefined ? divergingColor(g, scale) : 'var(--vscode-descriptionForeground)',
      g !== undefined ? 0.6 + 4 * (scale > 0 ? Math.abs(g) / scale : 0) : 1.5,
      kept ? 1 : 0.15,
    );
    edge.classList.add('edge', 'elementwise');
    if (!kept) edge.setAttribute('stroke-dasharray', '3 3');
    const title = document.createElementNS(SVG, 'title');
    title.textContent = said;
    edge.append(title);
    return edge;
  });
}

/** The weight a selected edge stands for, as the weight editor names it: W[x1][0], or K[f][c][u][v] for a kernel. */
export function selectedWeightName(state: PanelState, edge: { layer: number; from: number; to: number }): string {
  const info = state.model.layers[edge.layer];
  if (info.type === 'conv2d') return weightName(info, edge.from, edge.to);
  return `W[${sourceName(edge.layer, edge.from, state.model.inputNames)}][${edge.to}]`;
}

/** The selection lines of a kernel entry picked from the graph: K, dK with its formula, ΔK. */
export function kernelEntryLines(state: PanelState, edge: { layer: number; from: number; to: number }): string[] {
  const info = state.model.layers[edge.layer];
  const trace = state.update.record.layers[edge.layer];
  const positions = (info.shape?.[1] ?? 1) * (info.shape?.[2] ?? 1);
  const at = (t?: { data?: number[]; cols: number }) =>
    t?.data ? formatNumber(t.data[edge.from * t.cols + edge.to], state.digits) : '—';
  const record = state.update.record;
  return [
    `${info.name}: ${weightName(info, edge.from, edge.to)}, one kernel entry of filter ${edge.from}, used at all ${positions} positions of its feature map`,
    `K = ${at(trace.weights)}`,
    trace.dW ? explainCell(record, state.model, edge.layer, 'dW', edge.from, edge.to, state.digits) : 'dK = —',
    `ΔK = ${at(trace.deltaW)}`,
  ];
}

/** One line of the graph's edges, with its tooltip. */
function edgeLine(
  from: Column,
  to: Column,
  i: number,
  j: number,
  unit: number,
  stroke: string,
  width: number,
  opacity: number,
  title: string,
): SVGLineElement {
  const edge = line(from.x + unit / 2, from.ys[i], to.x - unit / 2, to.ys[j], stroke, width, opacity);
  edge.classList.add('edge');
  const tooltip = document.createElementNS(SVG, 'title');
  tooltip.textContent = title;
  edge.append(tooltip);
  return edge;
}

/**
 * The image layers drawn unit to unit (small images only): a convolution's output value joined to each pixel of its
 * window, coloured by the kernel entry that multiplies it (clicking selects that entry, shared by every position);
 * pooling's outputs joined to their window, solid from the first sample's argmax; flatten one to one.
 */
function imageEdges(
  state: PanelState,
  k: number,
  from: Column,
  to: Column,
  unit: number,
  onSelect: (selection: GraphSelection) => void,
  selected: GraphSelection | undefined,
): SVGElement[] {
  const info = state.model.layers[k];
  const trace = state.update.record.layers[k];
  const kernels = trace?.weights.data;
  const edges = info.type === 'flatten' ? info.units : info.units * (info.kernel?.[0] ?? 1) * (info.kernel?.[1] ?? 1);
  if (from.block || to.block || edges > MAX_DRAWN_EDGES || (info.type === 'conv2d' && !kernels)) {
    const bundle = line(from.x, mid(from), to.x, mid(to), 'var(--vscode-descriptionForeground)', 6, 0.35);
    bundle.classList.add('edge-bundle');
    return [bundle];
  }
  const neutral = 'var(--vscode-descriptionForeground)';
  const source = (i: number) =>
    k === 0 ? `input ${sourceName(0, i, state.model.inputNames)}` : `${state.model.layers[k - 1].name} unit ${i}`;
  if (info.type === 'flatten')
    return Array.from({ length: Math.min(info.units, from.ys.length, to.ys.length) }, (_, j) =>
      edgeLine(
        from,
        to,
        j,
        j,
        unit,
        neutral,
        1.5,
        1,
        `${source(j)} → ${info.name} unit ${j}: the same number, laid out in one row`,
      ),
    );
  const g = windowGeometry(info)!;
  const out: SVGElement[] = [];
  if (info.type === 'maxpool2d') {
    const argmax = trace?.argmax?.data;
    for (let j = 0; j < info.units; j++) {
      const [c, y, x] = unravel(j, g.output);
      for (let u = 0; u < g.kernelHeight; u++)
        for (let v = 0; v < g.kernelWidth; v++) {
          const [row, col] = pixelUnder(g, y, x, u, v);
          const i = ravel([c, row, col], g.input);
          const won = argmax?.[j] === i;
          const title = `${source(i)} → ${info.name} unit ${j}: in window (${y}, ${x}) of channel ${c}${argmax ? (won ? ', its largest value in sample 1 (δ comes back here)' : '') : ''}`;
          out.push(edgeLine(from, to, i, j, unit, neutral, won ? 2.5 : 1, won ? 1 : 0.3, title));
        }
    }
    return out;
  }
  const scale = maxAbs(kernels);
  const cols = weightShape(info)[1];
  for (let j = 0; j < info.units; j++)
    for (let i = 0; i < info.inputSize; i++) {
      const entry = edgeWeight(info, i, j);
      if (!entry) continue;
      const [filter, column] = entry;
      const w = kernels![filter * cols + column];
      const edge = edgeLine(
        from,
        to,
        i,
        j,
        unit,
        divergingColor(w, scale),
        Number.isFinite(w) ? 0.6 + 4 * (scale > 0 ? Math.abs(w) / scale : 0) : 4.6,
        1,
        `${weightName(info, filter, column)} = ${formatNumber(w, state.digits)}: ${source(i)} → ${info.name} unit ${j} (filter ${filter}); every position of filter ${filter}'s map shares it (click to change it)`,
      );
      if (selected?.kind === 'edge' && selected.layer === k && selected.from === filter && selected.to === column)
        edge.classList.add('selected');
      edge.dataset.layer = String(k);
      edge.dataset.from = String(filter);
      edge.dataset.to = String(column);
      edge.addEventListener('click', () => onSelect({ kind: 'edge', layer: k, from: filter, to: column }));
      out.push(edge);
    }
  return out;
}

/** A residual connection: a dashed arc over the columns it skips, from the added layer's output to this layer. */
function skipEdge(columns: Column[], fromColumn: number, toColumn: number, name: string): SVGElement {
  const from = columns[fromColumn];
  const to = columns[toColumn];
  const top = Math.max(4, Math.min(from.top, to.top) - 14);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', `M ${from.x} ${from.top} C ${from.x} ${top - 10}, ${to.x} ${top - 10}, ${to.x} ${to.top}`);
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'var(--vscode-charts-purple, #b180d7)');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-dasharray', '5 3');
  path.classList.add('skip-edge');
  const title = document.createElementNS(SVG, 'title');
  const skipped = toColumn - fromColumn - 1;
  title.textContent = `residual: ${name}'s output is added to this layer's (skipping ${skipped} layer${skipped === 1 ? '' : 's'})`;
  path.append(title);
  return path;
}
