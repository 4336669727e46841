// The Backprop panel: keeps the PanelState the host sends (and saves it, so the panel survives being hidden
// or a window reload), and redraws its parts from it.

import {
  SLOW_MOTION_SPEEDS,
  type DecisionBoundary,
  type PanelCommand,
  type PanelState,
  type ToWebviewMessage,
  type TrainingUpdate,
} from '../src/protocol';
import { explainStep } from '../src/engine/explain';
import { applyHistoryDelta } from '../src/engine/historyView';
import { renderBoundary } from './boundary';
import { CHART_COUNT, renderChart } from './charts';
import { DrawQueue, type PanelPart } from './drawQueue';
import { formatNumber, formulaFor, parseWeight, sourceName } from './format';
import { kernelEntryLines, renderGraph, selectedWeightName, type GraphSelection } from './graph';
import './style.css';
import { renderTables } from './tables';
import { describeLoss, describePosition, renderToolbar, updateToolbar } from './toolbar';
import { vscode } from './vscodeApi';
import { renderGradCheck, renderWarnings } from './warnings';

const app = document.getElementById('app')!;
app.innerHTML = `
  <header class="top">
    <div class="title"><span class="codicon codicon-graph"></span> <span id="model-name">Backprop</span> <span id="live-badge"></span></div>
    <div id="toolbar" class="toolbar"></div>
    <label class="speed" title="Train runs at full speed, or in slow motion so a class can watch the boundary form">Train speed <select id="speed"></select></label>
    <div class="status"><span id="position"></span><span id="loss"></span></div>
    <div id="explain" class="explain" aria-live="polite"></div>
  </header>
  <main class="layout">
    <section class="panel graph-panel"><h2>Network</h2><div id="graph"></div><div id="selection" class="selection"><div id="selection-lines"></div><div id="weight-editor"></div></div></section>
    <section class="panel side-panel"><h2>Warnings</h2><div id="warnings"></div><div id="grad-check-host"></div><div id="boundary-host"><h2>Decision boundary</h2><div id="boundary"></div></div></section>
    <section class="panel tables-panel"><h2>Layer</h2><div id="layer-tabs" class="tabs"></div><div id="tables"></div></section>
    <section class="panel charts-panel"><h2>Training curves</h2><div id="charts" class="charts"></div></section>
  </main>
  <p id="empty" class="placeholder">Open a *.nn.yaml model and run <b>Backprop: Train</b>.</p>`;

const $ = (id: string) => document.getElementById(id)!;
let state: PanelState | undefined = vscode.getState();
let selection: GraphSelection | undefined;
let frame = 0;
let lastSaved = 0;
/** The user picked a layer to look at; otherwise the tables follow the layer being computed. */
let pinned = false;
/** An update arrived that the host waits to hear has been drawn. */
let awaitingDraw = false;
/** The weight editor's last answer from the host, shown under its input. */
let weightMessage: { text: string; ok: boolean } | undefined;
/** Pause was clicked and the run has not stopped yet. */
let pausing = false;
/** Which edge the weight editor is built for (rebuilt only when that changes, so typing is never interrupted). */
let editorFor = '';

const speed = $('speed') as HTMLSelectElement;
speed.append(
  new Option('full speed', '0'),
  ...[...SLOW_MOTION_SPEEDS]
    .reverse()
    .map((rate) => new Option(`slow: ${rate} epoch${rate === 1 ? '' : 's'}/s`, String(rate))),
);
speed.addEventListener('change', () => {
  const epochsPerSecond = Number(speed.value);
  if (state) state = { ...state, trainSpeed: epochsPerSecond };
  vscode.postMessage({ type: 'speed', epochsPerSecond });
});
renderToolbar($('toolbar'), (command: PanelCommand) => {
  vscode.postMessage({ type: 'command', command });
  // Said at once, in the next frame: on a busy machine the stop itself can take a moment to come back.
  pausing = command === 'pause' && !!state?.update.running;
  if (pausing) schedule();
});
if (state) {
  speed.value = String(state.trainSpeed ?? 0);
  // A restored panel shows its last state until the host says whether the session is still alive.
  state = { ...state, live: false };
  schedule();
}
window.addEventListener('message', (event: MessageEvent) => receive(event.data));
window.addEventListener('resize', () => schedule());
// A theme change restyles the CSS at once, but the charts and the decision boundary paint canvases with the colours
// they read: redraw them (VS Code changes the body's class and the root's custom properties).
const redrawOnTheme = new MutationObserver(() => schedule());
redrawOnTheme.observe(document.body, { attributes: true, attributeFilter: ['class'] });
redrawOnTheme.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
vscode.postMessage({ type: 'ready' });

function receive(message: ToWebviewMessage): void {
  if (!message || typeof message !== 'object' || typeof message.type !== 'string') return;
  switch (message.type) {
    case 'state':
      awaitingDraw = true;
      if (!isPanelState(message.state)) return;
      // A clicked unit belongs to the model it was clicked in.
      if (state && (state.model.name !== message.state.model.name || state.model.file !== message.state.model.file))
        selection = undefined;
      state = message.state;
      speed.value = String(state.trainSpeed ?? 0);
      break;
    case 'update': {
      awaitingDraw = true;
      if (!state || !isUpdate(message.update)) return;
      // The tables follow the layer just computed, unless the user picked one.
      const did = message.update.record.did;
      if (!pinned && !message.update.running && did && did.layer >= 0 && did.layer !== state.selectedLayer) {
        state = { ...state, selectedLayer: did.layer };
        vscode.postMessage({ type: 'selectLayer', layer: did.layer });
      }
      if (!message.update.running) pausing = false;
      state = {
        ...state,
        history: applyHistoryDelta(state.history, message.update.history),
        update: message.update,
        live: true,
      };
      break;
    }
    case 'boundary':
      if (!state) return;
      state = { ...state, boundary: message.boundary as DecisionBoundary | null };
      break;
    case 'gradCheck':
      if (!state) return;
      state = { ...state, gradCheck: message.result };
      break;
    case 'select':
      if (!state || !Number.isInteger(message.layer)) return;
      state = { ...state, selectedLayer: message.layer };
      break;
    case 'error':
      $('loss').textContent = `Error: ${String(message.message)}`;
      return;
    case 'weightEdited':
      weightMessage = { text: String(message.message), ok: !!message.ok };
      schedule('graph');
      return;
    default:
      return;
  }
  // Saving the whole state is not free: during a run, about once a second is enough to survive a reload.
  if (!state?.update.running || Date.now() - lastSaved > 1000) {
    vscode.setState(state);
    lastSaved = Date.now();
  }
  schedule();
}

// During a run the numbers change faster than anyone reads them: the header follows every update, the curves
// four times a second, the graph, tables and boundary once (as the worker computes the boundary); each part is
// drawn in a task of its own, so a click on Pause is seen between two parts. At a stop everything is drawn. (The
// graph is rebuilt whole, 35 ms a time on a 2-core machine, 150 ms when it is busy: the window's thread is shared
// with the whole workbench, which also relays the Pause.)
const HEAVY_PART_MS = 1000;
const CHART_MS = 250;
const parts: PanelPart[] = [
  { name: 'graph', everyMsWhileRunning: HEAVY_PART_MS, draw: () => drawIfState(renderNetwork) },
  {
    name: 'tables',
    everyMsWhileRunning: HEAVY_PART_MS,
    draw: () => drawIfState((current) => renderTables($('tables'), current, current.model.l2 > 0)),
  },
  {
    name: 'warnings',
    everyMsWhileRunning: HEAVY_PART_MS,
    draw: () =>
      drawIfState((current) => {
        renderWarnings($('warnings'), current.update.diagnostics, select);
        renderGradCheck($('grad-check-host'), current.gradCheck, current.model.inputNames);
      }),
  },
  {
    name: 'boundary',
    everyMsWhileRunning: HEAVY_PART_MS,
    draw: () =>
      drawIfState((current) => {
        renderBoundary($('boundary'), current.boundary, current.model.inputNames);
        $('boundary-host').hidden = !current.boundary;
      }),
  },
  ...Array.from({ length: CHART_COUNT }, (_, index) => ({
    name: `chart ${index}`,
    everyMsWhileRunning: CHART_MS,
    draw: () => drawIfState((current) => renderChart($('charts'), current, index)),
  })),
];
const drawQueue = new DrawQueue(parts, (drawMs) => {
  // For the latency bench and tests: how long the last whole draw took, and that everything asked for is drawn.
  document.body.dataset.renderMs = drawMs.toFixed(1);
  document.body.dataset.drawing = 'false';
  if (awaitingDraw) {
    awaitingDraw = false;
    vscode.postMessage({ type: 'rendered', drawMs });
  }
});

function drawIfState(draw: (current: PanelState) => void): void {
  if (state) draw(state);
}

/** Parts a click of the user's changed: drawn at the next frame even during a run. */
const forcedParts = new Set<string>();

/** Coalesces bursts of messages into one header redraw per animation frame; the rest follows part by part. */
function schedule(...force: string[]): void {
  for (const part of force) forcedParts.add(part);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const started = performance.now();
    renderHeader();
    document.body.dataset.drawing = 'true';
    drawQueue.addBusy(performance.now() - started);
    drawQueue.request(!!state?.update.running, [...forcedParts]);
    forcedParts.clear();
  });
}

function renderHeader(): void {
  document.body.classList.toggle('has-state', !!state);
  if (!state) return;
  const current = state;
  $('model-name').textContent = current.model.name;
  const pace = current.update.running ? current.update.epochsPerSecond : undefined;
  $('live-badge').textContent = current.live
    ? pausing
      ? 'pausing…'
      : pace !== undefined
        ? `slow motion: ${pace} epoch${pace === 1 ? '' : 's'}/s`
        : current.update.running
          ? 'running…'
          : ''
    : 'session ended: press Train to start again';
  $('position').textContent = describePosition(current);
  const record = current.update.record;
  $('explain').textContent = record.did
    ? explainStep(record, current.model, current.digits)
    : 'Nothing has run yet: Step Into Layer runs the first layer’s forward pass.';
  $('loss').textContent = describeLoss(current);
  document.body.dataset.running = String(current.update.running);
  const cursor = current.update.record.cursor;
  document.body.dataset.step = String(cursor.step);
  // What is drawn, for tests and the latency bench: changes with every micro-step.
  document.body.dataset.position = `${cursor.step}:${cursor.phase}:${cursor.layer}`;
  updateToolbar($('toolbar'), current);
}

function renderNetwork(current: PanelState): void {
  renderGraph(
    $('graph'),
    current,
    (picked) => {
      selection = picked;
      pick(picked.layer);
    },
    selection,
  );
  renderSelection();
  renderLayerTabs();
}

/** The user picked a layer: the tables stay on it instead of following the steps (until they pick "follow"). */
function pick(layer: number): void {
  pinned = true;
  select(layer);
}

function select(layer: number): void {
  if (!state) return;
  state = { ...state, selectedLayer: layer };
  vscode.setState(state);
  vscode.postMessage({ type: 'selectLayer', layer });
  schedule('graph', 'tables');
}

function renderLayerTabs(): void {
  const host = $('layer-tabs');
  host.replaceChildren(
    ...state!.model.layers.map((layer, k) => {
      const tab = document.createElement('button');
      tab.className = `tab${k === state!.selectedLayer ? ' selected' : ''}`;
      tab.textContent = layer.name;
      tab.dataset.layer = String(k);
      tab.addEventListener('click', () => pick(k));
      return tab;
    }),
    ...(pinned ? [followButton()] : []),
  );
}

function followButton(): HTMLElement {
  const follow = document.createElement('button');
  follow.className = 'tab follow';
  follow.textContent = 'follow steps';
  follow.title = 'Show the layer each step computes';
  follow.addEventListener('click', () => {
    pinned = false;
    const did = state?.update.record.did;
    if (did && did.layer >= 0) select(did.layer);
    else schedule('graph');
  });
  return follow;
}

/** The numbers behind a clicked unit or edge, and for an edge an input to change its weight. */
function renderSelection(): void {
  const host = $('selection-lines');
  if (!selection || !state) {
    host.textContent = 'Click a unit or an edge to see its numbers; click an edge to change its weight.';
    renderWeightEditor();
    return;
  }
  const trace = state.update.record.layers[selection.layer];
  const info = state.model.layers[selection.layer];
  const digits = state.digits;
  const context = {
    layer: selection.layer,
    activation: info.activation,
    isOutput: selection.layer === state.model.layers.length - 1,
    loss: state.model.loss,
    l2: state.model.l2 > 0,
  };
  const lines: string[] = [];
  if (selection.kind === 'edge' && info.type === 'conv2d') lines.push(...kernelEntryLines(state, selection));
  else if (selection.kind === 'edge') {
    const { from: i, to: j } = selection;
    const at = (t?: { data?: number[]; cols: number }) =>
      t?.data ? formatNumber(t.data[i * t.cols + j], digits) : '—';
    lines.push(
      `${info.name}: edge ${sourceName(selection.layer, i, state.model.inputNames)} → ${j}`,
      `w = ${at(trace.weights)}`,
      `dW = ${at(trace.dW)}   (${formulaFor('dW', i, j, context)})`,
      `ΔW = ${at(trace.deltaW)}`,
    );
  } else {
    const j = selection.unit;
    const column = (t?: { data?: number[]; rows: number; cols: number }) =>
      t?.data
        ? Array.from({ length: Math.min(t.rows, 6) }, (_, n) => formatNumber(t.data![n * t.cols + j], digits)).join(
            ', ',
          ) + (t.rows > 6 ? ', …' : '')
        : '—';
    lines.push(
      `${info.name}: unit ${j}`,
      `z = [${column(trace.z)}]`,
      `a = [${column(trace.a)}]`,
      `δ = [${column(trace.delta)}]   (${formulaFor('δ', 0, j, context)})`,
    );
    lines.push(
      `b = ${trace.biases.data ? formatNumber(trace.biases.data[j], digits) : '—'}, db = ${trace.db?.data ? formatNumber(trace.db.data[j], digits) : '—'}`,
    );
  }
  host.replaceChildren(...lines.map((line) => Object.assign(document.createElement('div'), { textContent: line })));
  renderWeightEditor();
}

/** Playground's what-if: type a new weight for the clicked edge; the engine takes it (step back stays exact). */
function renderWeightEditor(): void {
  const host = $('weight-editor');
  if (!state || selection?.kind !== 'edge') {
    host.replaceChildren();
    editorFor = '';
    return;
  }
  const edge = selection;
  const key = `${state.model.file}:${edge.layer}:${edge.from}:${edge.to}`;
  const weights = state.update.record.layers[edge.layer]?.weights;
  const current = weights?.data?.[edge.from * weights.cols + edge.to];
  if (editorFor !== key) {
    editorFor = key;
    weightMessage = undefined;
    const form = document.createElement('form');
    form.className = 'weight-form';
    const label = document.createElement('label');
    label.htmlFor = 'weight-input';
    label.textContent = `set ${selectedWeightName(state, edge)} to`;
    const input = document.createElement('input');
    input.id = 'weight-input';
    input.type = 'text';
    input.inputMode = 'decimal';
    input.spellcheck = false;
    input.size = 10;
    const apply = document.createElement('button');
    apply.type = 'submit';
    apply.textContent = 'Apply';
    const message = document.createElement('div');
    message.id = 'weight-message';
    message.setAttribute('aria-live', 'polite');
    form.append(label, input, apply, message);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const parsed = parseWeight(input.value);
      if ('error' in parsed) {
        weightMessage = { text: parsed.error, ok: false };
        renderWeightEditor();
        return;
      }
      weightMessage = { text: 'Applying…', ok: true };
      vscode.postMessage({ type: 'setWeight', layer: edge.layer, from: edge.from, to: edge.to, value: parsed.value });
      renderWeightEditor();
    });
    host.replaceChildren(form);
  }
  const input = host.querySelector<HTMLInputElement>('#weight-input')!;
  // Never overwrite what the user is typing; otherwise show the weight as it is now.
  if (document.activeElement !== input && current !== undefined && current !== null) input.value = String(current);
  const message = host.querySelector<HTMLElement>('#weight-message')!;
  message.textContent = weightMessage?.text ?? '';
  message.classList.toggle('refused', weightMessage?.ok === false);
}

function isPanelState(value: unknown): value is PanelState {
  const candidate = value as PanelState;
  return (
    !!candidate &&
    typeof candidate === 'object' &&
    !!candidate.model &&
    Array.isArray(candidate.model.layers) &&
    isUpdate(candidate.update) &&
    !!candidate.history &&
    Array.isArray(candidate.history.steps)
  );
}

function isUpdate(value: unknown): value is TrainingUpdate {
  const candidate = value as TrainingUpdate;
  return (
    !!candidate &&
    typeof candidate === 'object' &&
    !!candidate.record &&
    Array.isArray(candidate.record.layers) &&
    !!candidate.history &&
    Array.isArray(candidate.history.steps)
  );
}
