// The 2-D datasets people know from TensorFlow Playground, and small images of shapes for a first CNN,
// generated from the model's seed so every machine sees the same samples. Class c of n: one output 0/1 for two
// classes, one-hot for more.

import { Random } from '../engine/random';
import type { Dataset } from './types';

export type DatasetKind = 'xor' | 'circle' | 'spiral' | 'gaussian' | 'moons' | 'shapes';

export interface GenerateSpec {
  kind: DatasetKind;
  samples: number;
  noise: number;
  classes: number;
  /** shapes: the images' height and width (default 8). */
  size?: number;
}

/** What `shapes` draws, class by class: with 2 classes the first two. */
export const SHAPE_CLASSES = ['bar', 'cross', 'circle'] as const;
export const DEFAULT_SHAPE_SIZE = 8;

/** Input columns of a generated dataset: x and y, or the pixels of a 1×size×size image. */
export function generatedInputs(spec: GenerateSpec): number {
  return spec.kind === 'shapes' ? (spec.size ?? DEFAULT_SHAPE_SIZE) ** 2 : 2;
}

/** Number of output columns a generated dataset has. */
export function generatedOutputs(spec: GenerateSpec): number {
  return spec.classes > 2 ? spec.classes : 1;
}

export function generateDataset(spec: GenerateSpec, seed: number): Dataset {
  const random = new Random(seed);
  const classes = spec.kind === 'spiral' || spec.kind === 'gaussian' || spec.kind === 'shapes' ? spec.classes : 2;
  const size = spec.size ?? DEFAULT_SHAPE_SIZE;
  const inputs: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < spec.samples; i++) {
    const { point, label } = samplers[spec.kind](random, i % classes, classes, size);
    inputs.push(point.map((x) => x + spec.noise * random.normal()));
    labels.push(label);
  }
  const targets = labels.map((label) =>
    classes > 2 ? Array.from({ length: classes }, (_, c) => (c === label ? 1 : 0)) : [label],
  );
  return { inputs, targets };
}

/** One sample of class `cls`: a point (x, y), or for shapes the pixels of a size×size image row by row. */
type Sampler = (random: Random, cls: number, classes: number, size: number) => { point: number[]; label: number };

const samplers: Record<DatasetKind, Sampler> = {
  // Label 1 where the signs of x and y differ, as in the XOR truth table; points kept off the axes.
  xor: (random) => {
    const away = (v: number) => v + (v > 0 ? 0.05 : -0.05);
    const x = away(random.uniform(-1, 1));
    const y = away(random.uniform(-1, 1));
    return { point: [x, y], label: x * y < 0 ? 1 : 0 };
  },
  // Class 1 inside radius 0.5, class 0 on a ring from 0.7 to 1.
  circle: (random, cls) => {
    const radius = cls === 1 ? random.uniform(0, 0.5) : random.uniform(0.7, 1);
    const angle = random.uniform(0, 2 * Math.PI);
    return { point: [radius * Math.cos(angle), radius * Math.sin(angle)], label: cls };
  },
  // Interleaved arms: radius grows along the arm while the angle turns.
  spiral: (random, cls, classes) => {
    const t = random.uniform(0.05, 1);
    const angle = (2 * Math.PI * cls) / classes + 4 * t;
    return { point: [t * Math.cos(angle), t * Math.sin(angle)], label: cls };
  },
  // Round blobs with centres spread evenly on a circle.
  gaussian: (random, cls, classes) => {
    const centre = (2 * Math.PI * cls) / classes + Math.PI / 4;
    return {
      point: [0.6 * Math.cos(centre) + 0.15 * random.normal(), 0.6 * Math.sin(centre) + 0.15 * random.normal()],
      label: cls,
    };
  },
  // Two interleaving half circles.
  moons: (random, cls) => {
    const t = random.uniform(0, Math.PI);
    const point = cls === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    return { point: [(point[0] - 0.5) / 1.5, (point[1] - 0.25) / 1.5], label: cls };
  },
  shapes: (random, cls, _classes, size) => ({ point: drawShape(random, SHAPE_CLASSES[cls], size), label: cls }),
};

/**
 * A bar (one stroke), a cross (two perpendicular strokes through one point) or a circle (a ring), drawn
 * anti-aliased on a size×size image with what keeps it from being trivial: any orientation, a centre shifted by
 * up to 15% of the side each way, a length or radius and a brightness of its own. Pixels are 0 (background) up
 * to about 1 (on the stroke); the generator then adds the `noise`.
 */
function drawShape(random: Random, shape: (typeof SHAPE_CLASSES)[number], size: number): number[] {
  const cx = size / 2 + random.uniform(-0.15, 0.15) * size;
  const cy = size / 2 + random.uniform(-0.15, 0.15) * size;
  const angle = random.uniform(0, Math.PI);
  const brightness = random.uniform(0.6, 1);
  const reach = random.uniform(0.25, 0.4) * size;
  const [ux, uy] = [Math.cos(angle), Math.sin(angle)];
  // Distance from (x, y) to the segment through the centre along (dx, dy), `reach` to either side.
  const toStroke = (x: number, y: number, dx: number, dy: number) => {
    const along = Math.max(-reach, Math.min(reach, (x - cx) * dx + (y - cy) * dy));
    return Math.hypot(x - cx - along * dx, y - cy - along * dy);
  };
  const distance = (x: number, y: number): number =>
    shape === 'bar'
      ? toStroke(x, y, ux, uy)
      : shape === 'cross'
        ? Math.min(toStroke(x, y, ux, uy), toStroke(x, y, -uy, ux))
        : Math.abs(Math.hypot(x - cx, y - cy) - 0.8 * reach);
  const pixels: number[] = [];
  // Pixel (row, column) is sampled at its centre; a stroke is full within half a pixel and fades over the next.
  for (let row = 0; row < size; row++)
    for (let column = 0; column < size; column++)
      pixels.push(brightness * Math.min(1, Math.max(0, 1.5 - distance(column + 0.5, row + 0.5))));
  return pixels;
}

/** A seeded hold-out: shuffle the indices, keep the last `fraction` for validation, keep file order within each part. */
export function splitValidation(
  data: Dataset,
  fraction: number,
  seed: number,
): { train: Dataset; validation: Dataset } {
  const count = data.inputs.length;
  const held = Math.min(count - 1, Math.max(1, Math.round(fraction * count)));
  const order = new Random(seed ^ 0x5eed).permutation(count);
  const validationIndices = order.slice(count - held).sort((a, b) => a - b);
  const trainIndices = order.slice(0, count - held).sort((a, b) => a - b);
  const pick = (indices: number[]): Dataset => ({
    inputs: indices.map((i) => data.inputs[i]),
    targets: indices.map((i) => data.targets[i]),
  });
  return { train: pick(trainIndices), validation: pick(validationIndices) };
}
