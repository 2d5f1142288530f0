// One image of a result on a canvas: a 2D plane (y, x) of an array, with a channel and a plane
// chosen for the other axes, and contrast limits as percentiles of what is shown.

import { strides } from "./ndarray.mjs";

const SAMPLE = 200000;  // values looked at for the contrast percentiles of large planes

// The plane of x (ids: its axis ids) at `at` ({axis id: index}) as float values, width, height
export function plane(x, ids, at) {
  let yk = ids.indexOf("y");
  let xk = ids.indexOf("x");
  if (yk < 0 || xk < 0) [yk, xk] = [x.shape.length - 2, x.shape.length - 1];
  const height = x.shape[yk] || 1;
  const width = x.shape[xk] || 1;
  const st = strides(x.shape);
  let base = 0;
  ids.forEach((id, k) => { if (k !== yk && k !== xk) base += Math.min(at[id] || 0, x.shape[k] - 1) * st[k]; });
  const values = new Float32Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) values[r * width + c] = Number(x.data[base + r * st[yk] + c * st[xk]]);
  }
  return { values, width, height };
}

// The q-th percentiles (0..100) of finite values, from a sample of at most SAMPLE of them
export function percentiles(values, qs) {
  const step = Math.max(1, Math.floor(values.length / SAMPLE));
  const picked = [];
  for (let i = 0; i < values.length; i += step) if (Number.isFinite(values[i])) picked.push(values[i]);
  picked.sort((a, b) => a - b);
  if (!picked.length) return qs.map(() => 0);
  return qs.map((q) => picked[Math.min(picked.length - 1, Math.max(0, Math.round((q / 100) * (picked.length - 1))))]);
}

export function draw(canvas, p, lo, hi) {
  canvas.width = p.width;
  canvas.height = p.height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(p.width, p.height);
  const span = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < p.values.length; i++) {
    const v = p.values[i];
    const g = Number.isFinite(v) ? (span ? (v - lo) * span : v > lo ? 255 : 0) : 0;
    const o = i * 4;
    image.data[o] = image.data[o + 1] = image.data[o + 2] = g;
    image.data[o + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}
