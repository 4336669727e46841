// Loss per batch and per epoch, ‖dW‖ per layer on a log scale, and ‖ΔW‖/‖W‖ per layer against the 1e-3
// rule of thumb, drawn with uPlot (small and fast enough to redraw 30 times a second).

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { PanelState } from '../src/protocol';

const PALETTE = ['#2182d6', '#f59322', '#3fb950', '#d2a8ff', '#f85149', '#e3b341', '#56d4dd', '#db61a2'];

interface ChartSlot {
  plot: uPlot;
  key: string;
}

const slots = new Map<string, ChartSlot>();

export function renderCharts(host: HTMLElement, state: PanelState): void {
  const { history } = state;
  const names = state.model.layers.map((layer) => layer.name);
  const { steps, epochs } = history;
  const positive = (series: number[]) => series.map((v) => (v > 0 && Number.isFinite(v) ? v : null));
  chart(host, 'chart-batch-loss', 'Loss per batch step', ['batch loss'], [steps, history.batchLoss], false);
  chart(
    host,
    'chart-epoch-loss',
    'Loss per epoch',
    history.validationLoss.length > 0 ? ['train', 'validation'] : ['train'],
    history.validationLoss.length > 0
      ? [epochs, history.epochLoss, history.validationLoss]
      : [epochs, history.epochLoss],
    false,
  );
  chart(host, 'chart-grad-norm', '‖dW‖ per layer (log)', names, [steps, ...history.gradNorm.map(positive)], true);
  chart(
    host,
    'chart-update-ratio',
    '‖ΔW‖/‖W‖ per layer (log; healthy ≈ 1e-3)',
    [...names, '1e-3'],
    [steps, ...history.updateRatio.map(positive), steps.map(() => 1e-3)],
    true,
  );
}

function chart(
  host: HTMLElement,
  id: string,
  title: string,
  labels: string[],
  data: (number | null)[][],
  log: boolean,
): void {
  const width = Math.max(260, Math.min(560, host.clientWidth / 2 - 24 || 320));
  const key = `${labels.join('|')}:${width}`;
  let slot = slots.get(id);
  if (slot && (slot.key !== key || !host.contains(slot.plot.root))) {
    slot.plot.destroy();
    slot = undefined;
  }
  const aligned = data as uPlot.AlignedData;
  if (!slot) {
    const wrapper = document.createElement('div');
    wrapper.className = 'chart';
    wrapper.id = id;
    host.append(wrapper);
    const foreground = getComputedStyle(document.body).getPropertyValue('--vscode-foreground').trim() || '#ccc';
    const grid = getComputedStyle(document.body).getPropertyValue('--vscode-editorWidget-border').trim() || '#444';
    const axis = { stroke: foreground, grid: { stroke: grid, width: 0.5 }, ticks: { show: false } };
    const plot = new uPlot(
      {
        title,
        width,
        height: 170,
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        axes: [axis, { ...axis, size: 56 }],
        legend: { show: true },
        series: [
          { label: id === 'chart-epoch-loss' ? 'epoch' : 'step' },
          ...labels.map((label, i) => ({
            label,
            stroke: label === '1e-3' ? grid : PALETTE[i % PALETTE.length],
            width: label === '1e-3' ? 1 : 1.5,
            dash: label === '1e-3' ? [4, 4] : undefined,
            points: { show: false },
          })),
        ],
      },
      aligned,
      wrapper,
    );
    slot = { plot, key };
    slots.set(id, slot);
  } else {
    slot.plot.setData(aligned);
  }
  slot.plot.root.dataset.points = String(data[0].length);
}
