// For 2-input models, the output over the input plane with the training points on top, like TensorFlow
// Playground: blue where the model says 1 (or class 0), orange where it says 0, class colours for softmax.

import type { DecisionBoundary } from '../src/protocol';
import { NEGATIVE, POSITIVE } from './format';

const CLASS_COLORS: [number, number, number][] = [
  POSITIVE,
  NEGATIVE,
  [63, 185, 80],
  [210, 168, 255],
  [248, 81, 73],
  [227, 179, 65],
];
const SIZE = 220;

/** What the boundary was last drawn from: it changes about once a second in a run, the panel redraws far more often. */
let drawn:
  | { host: HTMLElement; boundary: DecisionBoundary | null | undefined; names?: readonly string[]; theme: string }
  | undefined;

export function renderBoundary(
  host: HTMLElement,
  boundary: DecisionBoundary | null | undefined,
  inputNames?: readonly string[],
): void {
  const theme = document.body.className;
  if (
    drawn &&
    drawn.host === host &&
    drawn.boundary === boundary &&
    drawn.names === inputNames &&
    drawn.theme === theme
  )
    return;
  drawn = { host, boundary, names: inputNames, theme };
  if (!boundary) {
    host.replaceChildren();
    host.hidden = true;
    return;
  }
  host.hidden = false;
  const canvas = (host.querySelector('#decision-boundary') as HTMLCanvasElement | null) ?? newCanvas(SIZE, SIZE);
  canvas.id = 'decision-boundary';
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, SIZE, SIZE);
  // The plane is a few hundred cells: paint them as pixels of a tiny image and let drawImage scale it up (one
  // call, where a fillRect per cell cost ~100 ms a second of a run in a software-rendered window).
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(cellImage(boundary), 0, 0, SIZE, SIZE);
  // The training points do not move during a run: they are drawn once onto a layer of their own.
  ctx.drawImage(pointLayer(boundary), 0, 0);
  const caption = document.createElement('p');
  caption.className = 'caption';
  const [across, up] = [inputNames?.[0] ?? 'x', inputNames?.[1] ?? 'y'];
  caption.textContent = `Output over the input plane: ${across} ∈ [${boundary.xMin.toFixed(2)}, ${boundary.xMax.toFixed(2)}] across, ${up} ∈ [${boundary.yMin.toFixed(2)}, ${boundary.yMax.toFixed(2)}] up`;
  host.replaceChildren(canvas, caption);
}

function newCanvas(width: number, height: number): HTMLCanvasElement {
  return Object.assign(document.createElement('canvas'), { width, height });
}

/** One pixel per cell, row 0 (the bottom of the plane, y = yMin) at the bottom of the image. */
function cellImage(boundary: DecisionBoundary): HTMLCanvasElement {
  const { resolution, values, classOf } = boundary;
  const image = new ImageData(resolution, resolution);
  const [low, high] = boundary.classes === 1 ? range(values) : [0, 1];
  for (let row = 0; row < resolution; row++) {
    for (let col = 0; col < resolution; col++) {
      const index = row * resolution + col;
      let rgb: [number, number, number];
      let alpha: number;
      if (boundary.classes > 1) {
        rgb = CLASS_COLORS[classOf[index] % CLASS_COLORS.length];
        alpha = 0.15 + 0.55 * values[index];
      } else {
        const t = high > low ? (values[index] - low) / (high - low) : 0.5;
        rgb = t >= 0.5 ? POSITIVE : NEGATIVE;
        alpha = 0.1 + 0.7 * Math.abs(t - 0.5) * 2;
      }
      const pixel = ((resolution - 1 - row) * resolution + col) * 4;
      image.data.set([...rgb, Math.round(alpha * 255)], pixel);
    }
  }
  const canvas = newCanvas(resolution, resolution);
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

let points: { key: string; canvas: HTMLCanvasElement } | undefined;

function pointLayer(boundary: DecisionBoundary): HTMLCanvasElement {
  // Points carry their class's colour; a ring in the theme's text colour keeps an orange point visible on an
  // orange region (and a blue one on blue), in light and dark themes alike.
  const ring = getComputedStyle(document.body).getPropertyValue('--vscode-editor-foreground').trim() || '#808080';
  const key = [
    ring,
    boundary.classes,
    boundary.xMin,
    boundary.xMax,
    boundary.yMin,
    boundary.yMax,
    ...boundary.points.flatMap((point) => [point.x, point.y, point.label]),
  ].join(',');
  if (points?.key === key) return points.canvas;
  const canvas = newCanvas(SIZE, SIZE);
  const ctx = canvas.getContext('2d')!;
  const x = (v: number) => ((v - boundary.xMin) / (boundary.xMax - boundary.xMin)) * SIZE;
  const y = (v: number) => SIZE - ((v - boundary.yMin) / (boundary.yMax - boundary.yMin)) * SIZE;
  for (const point of boundary.points) {
    const rgb =
      boundary.classes > 1 ? CLASS_COLORS[point.label % CLASS_COLORS.length] : point.label >= 0.5 ? POSITIVE : NEGATIVE;
    ctx.beginPath();
    ctx.arc(x(point.x), y(point.y), boundary.points.length > 100 ? 3 : 5, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${rgb.join(',')})`;
    ctx.strokeStyle = ring;
    ctx.lineWidth = 1.5;
    ctx.fill();
    ctx.stroke();
  }
  points = { key, canvas };
  return canvas;
}

function range(values: number[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) if (Number.isFinite(v)) [low, high] = [Math.min(low, v), Math.max(high, v)];
  // Sigmoid outputs are probabilities: keep 0.5 the boundary rather than stretching to the data.
  return low >= 0 && high <= 1 ? [0, 1] : [low, high];
}
