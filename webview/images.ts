// A convolution as a student pictures it: each kernel (one small image per filter and input channel) and each
// filter's feature map for the first sample of the batch, coloured like the heatmaps (blue positive, orange
// negative, one scale per picture grid), with the exact value of a pixel on hover.

import type { LayerTrace, Tensor } from '../src/protocol';
import { divergingColor, formatNumber, maxAbs } from './format';

const PIXEL = 10;

/**
 * Kernels K (or dK) as a grid: one row per filter, one small image per input channel. With `onPick`, clicking a
 * pixel picks that kernel entry (filter, column c·kh·kw + u·kw + v of K) to change it.
 */
export function kernelImages(
  id: string,
  title: string,
  tensor: Tensor | undefined,
  shape: LayerTrace['kernelShape'],
  digits: number,
  onPick?: (filter: number, column: number) => void,
): HTMLElement {
  const card = imageCard(id, title);
  if (!tensor?.data || !shape) {
    card.append(
      note(tensor ? 'too big to draw here: see the table below' : 'not computed yet: step backward to this layer'),
    );
    return card;
  }
  const [filters, channels, kh, kw] = shape;
  const scale = maxAbs(tensor.data);
  for (let f = 0; f < filters; f++) {
    const row = document.createElement('div');
    row.className = 'image-row';
    row.append(Object.assign(document.createElement('span'), { className: 'image-label', textContent: `filter ${f}` }));
    for (let c = 0; c < channels; c++) {
      const image = picture(tensor.data, f * channels * kh * kw + c * kh * kw, kh, kw, scale, digits, `K[${f}][${c}]`);
      if (onPick) {
        image.classList.add('pickable');
        image.addEventListener('click', (event) => {
          const [u, v] = pixelAt(image, event, kh, kw);
          if (u >= 0 && v >= 0 && u < kh && v < kw) onPick(f, (c * kh + u) * kw + v);
        });
      }
      row.append(image);
    }
    card.append(row);
  }
  return card;
}

/** Each filter's feature map for the first sample: what the kernel found where. */
export function featureMapImages(id: string, trace: LayerTrace, digits: number): HTMLElement {
  const card = imageCard(id, 'feature maps of sample 1 (a, one per filter)');
  const maps = trace.featureMaps ?? trace.a;
  const shape = trace.shape;
  if (!maps?.data || !shape) {
    card.append(
      note(maps ? 'too big to draw here: see the table below' : 'not computed yet: step forward to this layer'),
    );
    return card;
  }
  const [filters, h, w] = shape;
  const scale = maxAbs(maps.data.slice(0, filters * h * w));
  const row = document.createElement('div');
  row.className = 'image-row';
  for (let f = 0; f < filters; f++) row.append(picture(maps.data, f * h * w, h, w, scale, digits, `map ${f}`));
  card.append(row);
  return card;
}

function picture(
  data: number[],
  offset: number,
  rows: number,
  cols: number,
  scale: number,
  digits: number,
  name: string,
): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.className = 'image';
  canvas.width = cols * PIXEL;
  canvas.height = rows * PIXEL;
  canvas.dataset.name = name;
  const ctx = canvas.getContext('2d')!;
  for (let y = 0; y < rows; y++)
    for (let x = 0; x < cols; x++) {
      ctx.fillStyle = divergingColor(data[offset + y * cols + x] ?? NaN, scale);
      ctx.fillRect(x * PIXEL, y * PIXEL, PIXEL, PIXEL);
    }
  canvas.title = name;
  canvas.addEventListener('mousemove', (event) => {
    const [y, x] = pixelAt(canvas, event, rows, cols);
    if (x >= 0 && y >= 0 && x < cols && y < rows)
      canvas.title = `${name} (${y}, ${x}) = ${formatNumber(data[offset + y * cols + x], digits)}`;
  });
  return canvas;
}

/** The [row, column] of the picture's pixel under the mouse. */
function pixelAt(canvas: HTMLCanvasElement, event: MouseEvent, rows: number, cols: number): [number, number] {
  const rect = canvas.getBoundingClientRect();
  return [
    Math.floor(((event.clientY - rect.top) / rect.height) * rows),
    Math.floor(((event.clientX - rect.left) / rect.width) * cols),
  ];
}

function imageCard(id: string, title: string): HTMLElement {
  const card = document.createElement('section');
  card.className = 'tensor images';
  card.id = id;
  const header = document.createElement('header');
  header.append(Object.assign(document.createElement('strong'), { textContent: title }));
  card.append(header);
  return card;
}

function note(text: string): HTMLElement {
  return Object.assign(document.createElement('p'), { className: 'placeholder', textContent: text });
}
