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
  const canvas = document.createElement('canvas');
  canvas.id = 'decision-boundary';
  canvas.width = SIZE;
  canvas.height = SIZE;
  const ctx = canvas.getContext('2d')!;
  const { resolution, values, classOf } = boundary;
  const cell = SIZE / resolution;
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
      ctx.fillStyle = `rgba(${rgb.join(',')}, ${alpha})`;
      // Row 0 is the bottom of the plane (y = yMin). Whole-pixel edges so translucent cells never overlap.
      const [x0, x1] = [Math.round(col * cell), Math.round((col + 1) * cell)];
      const [y0, y1] = [Math.round(SIZE - (row + 1) * cell), Math.round(SIZE - row * cell)];
      ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    }
  }
  const x = (v: number) => ((v - boundary.xMin) / (boundary.xMax - boundary.xMin)) * SIZE;
  const y = (v: number) => SIZE - ((v - boundary.yMin) / (boundary.yMax - boundary.yMin)) * SIZE;
  // Points carry their class's colour; a ring in the theme's text colour keeps an orange point visible on an
  // orange region (and a blue one on blue), in light and dark themes alike.
  const ring = getComputedStyle(document.body).getPropertyValue('--vscode-editor-foreground').trim() || '#808080';
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
  const caption = document.createElement('p');
  caption.className = 'caption';
  const [across, up] = [inputNames?.[0] ?? 'x', inputNames?.[1] ?? 'y'];
  caption.textContent = `Output over the input plane: ${across} ∈ [${boundary.xMin.toFixed(2)}, ${boundary.xMax.toFixed(2)}] across, ${up} ∈ [${boundary.yMin.toFixed(2)}, ${boundary.yMax.toFixed(2)}] up`;
  host.replaceChildren(canvas, caption);
}

function range(values: number[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) if (Number.isFinite(v)) [low, high] = [Math.min(low, v), Math.max(high, v)];
  // Sigmoid outputs are probabilities: keep 0.5 the boundary rather than stretching to the data.
  return low >= 0 && high <= 1 ? [0, 1] : [low, high];
}
