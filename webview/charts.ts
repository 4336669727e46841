// Loss per batch and per epoch, ‖dW‖ per layer on a log scale, and ‖ΔW‖/‖W‖ per layer against the 1e-3
// rule of thumb, drawn with uPlot (small and fast enough to redraw 30 times a second). uPlot paints on a canvas
// with the colours it was made with, so a chart is made again when the theme changes.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { PanelState } from '../src/protocol';
import { chartNote, logTickLabels, tickLabel, type ChartKind } from './format';

const PALETTE = ['#2182d6', '#f59322', '#3fb950', '#d2a8ff', '#f85149', '#e3b341', '#56d4dd', '#db61a2'];

interface ChartSlot {
  plot: uPlot;
  key: string;
  note: HTMLElement;
}

const slots = new Map<string, ChartSlot>();

/** The four charts, in the order they stand in the panel; each can be drawn on its own. */
const CHART_IDS = ['chart-batch-loss', 'chart-epoch-loss', 'chart-grad-norm', 'chart-update-ratio'];
export const CHART_COUNT = CHART_IDS.length;

export function renderChart(host: HTMLElement, state: PanelState, index: number): void {
  const { history } = state;
  const names = state.model.layers.map((layer) => layer.name);
  const { steps, epochs } = history;
  const positive = (series: number[]) => series.map((v) => (v > 0 && Number.isFinite(v) ? v : null));
  const digits = state.digits;
  switch (index) {
    case 0:
      return chart(
        host,
        'chart-batch-loss',
        'Loss per batch step',
        ['batch loss'],
        [steps, history.batchLoss],
        false,
        'batch',
        digits,
      );
    case 1: {
      const validation = history.validationLoss.length > 0;
      return chart(
        host,
        'chart-epoch-loss',
        'Loss per epoch',
        validation ? ['train', 'validation'] : ['train'],
        validation ? [epochs, history.epochLoss, history.validationLoss] : [epochs, history.epochLoss],
        false,
        'epoch',
        digits,
      );
    }
    case 2:
      return chart(
        host,
        'chart-grad-norm',
        '‖dW‖ per layer (log)',
        names,
        [steps, ...history.gradNorm.map(positive)],
        true,
        'batch',
        digits,
      );
    default:
      return chart(
        host,
        'chart-update-ratio',
        '‖ΔW‖/‖W‖ per layer (log; healthy ≈ 1e-3)',
        [...names, '1e-3'],
        [steps, ...history.updateRatio.map(positive), steps.map(() => 1e-3)],
        true,
        'batch',
        digits,
      );
  }
}

/** Colours the charts paint with, from the theme: text at full foreground strength so it reads in light themes. */
function themeColours(): { text: string; grid: string; reference: string; signature: string } {
  const style = getComputedStyle(document.body);
  const text =
    style.getPropertyValue('--vscode-editor-foreground').trim() ||
    style.getPropertyValue('--vscode-foreground').trim() ||
    style.color;
  const signature = `${document.body.className}|${text}`;
  // Grid lines recede: the text colour, faint (a high-contrast theme's border colour at full strength was a cage).
  if (colourCache?.signature !== signature)
    colourCache = { text, grid: withAlpha(text, 0.18), reference: withAlpha(text, 0.6), signature };
  return colourCache;
}
let colourCache: ReturnType<typeof themeColours> | undefined;

/** A CSS colour at `alpha`, resolved by the browser (themes give hex, rgb or names). */
function withAlpha(colour: string, alpha: number): string {
  const probe = document.createElement('span');
  probe.style.color = colour;
  document.body.append(probe);
  const resolved = getComputedStyle(probe).color;
  probe.remove();
  const channels = /rgba?\(([^)]+)\)/
    .exec(resolved)?.[1]
    .split(/[,\s/]+/)
    .filter(Boolean)
    .slice(0, 3);
  return channels?.length === 3 ? `rgba(${channels.join(', ')}, ${alpha})` : colour;
}

/** Whole-number steps for the x axis (batch steps and epochs are counted). */
const COUNT_INCREMENTS = [1, 2, 5]
  .flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].map((p) => m * p))
  .sort((a, b) => a - b);

function chart(
  host: HTMLElement,
  id: string,
  title: string,
  labels: string[],
  data: (number | null)[][],
  log: boolean,
  kind: ChartKind,
  digits: number,
): void {
  const width = Math.max(260, Math.min(560, host.clientWidth / 2 - 24 || 320));
  const colours = themeColours();
  const key = `${labels.join('|')}:${width}:${colours.signature}`;
  let slot = slots.get(id);
  if (slot && (slot.key !== key || !host.contains(slot.plot.root))) {
    slot.plot.destroy();
    slot.note.parentElement?.remove();
    slot = undefined;
  }
  const aligned = data as uPlot.AlignedData;
  const points = data[0].length;
  if (!slot) {
    const wrapper = document.createElement('div');
    wrapper.className = 'chart';
    wrapper.id = id;
    // A chart made again (new series, new width, new theme) goes back to its place among the others.
    const next = [...host.children].find((other) => CHART_IDS.indexOf(other.id) > CHART_IDS.indexOf(id));
    host.insertBefore(wrapper, next ?? null);
    const note = document.createElement('p');
    note.className = 'chart-note';
    const ticks: string[] = [];
    const axis = {
      stroke: colours.text,
      grid: { stroke: colours.grid, width: 0.5 },
      ticks: { show: false },
      font: '11px sans-serif',
    };
    const plot = new uPlot(
      {
        title,
        width,
        height: 170,
        scales: {
          // One point has no extent: give the axis one around it so the point is drawn, not lost at an edge.
          x: { time: false, range: (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]) },
          y: log ? { distr: 3 } : {},
        },
        axes: [
          {
            ...axis,
            incrs: COUNT_INCREMENTS,
            values: (_u, splits) => splits.map((v) => (v === null ? '' : tickLabel(v))),
          },
          {
            ...axis,
            size: 56,
            values: (_u, splits) => {
              const shown = log ? logTickLabels(splits) : splits.map((v) => (v === null ? '' : tickLabel(v)));
              ticks.splice(0, ticks.length, ...shown.filter(Boolean));
              return shown;
            },
          },
        ],
        legend: { show: true },
        series: [
          { label: kind === 'epoch' ? 'epoch' : 'step' },
          ...labels.map((label, i) => ({
            label,
            stroke: label === '1e-3' ? colours.reference : PALETTE[i % PALETTE.length],
            width: label === '1e-3' ? 1 : 1.5,
            dash: label === '1e-3' ? [4, 4] : undefined,
            // A line needs two points: with fewer, draw the points themselves.
            points: { show: (u: uPlot) => u.data[0].length < 2, size: 7 },
          })),
        ],
        hooks: { draw: [(u) => (u.root.dataset.yTicks = ticks.join('|'))] },
      },
      aligned,
      wrapper,
    );
    // For tests: the colour the tick labels are painted with (they are on a canvas, out of reach of CSS).
    plot.root.dataset.axisColor = colours.text;
    wrapper.append(note);
    slot = { plot, key, note };
    slots.set(id, slot);
  } else {
    slot.plot.setData(aligned);
  }
  slot.plot.root.dataset.points = String(points);
  const last = points > 0 ? (data[1][points - 1] as number | null) : undefined;
  slot.note.textContent = chartNote(points, kind, last, digits);
}
