// Blockwise prediction as `zoo predict` runs it (pipeline/runner/tiling.py, padding.py): every
// block of the preprocessed sample cut from a virtually padded array, the network on it, the
// halo-free inner part of each output written into the whole output.

import { Fraction, mod } from "./fraction.mjs";
import { copyBox, gather, zeros } from "./ndarray.mjs";
import { axisKey, blockCount } from "./plan.mjs";

export const DEFAULT_PAD = { mode: "symmetric" };

// Indices into an axis of `size` for virtual positions start..start+length-1, and which of them
// lie outside (constant padding only), as numpy.pad places them
export function sourceIndices(start, length, n, mode) {
  const index = new Int32Array(length);
  let outside = null;
  for (let i = 0; i < length; i++) {
    const p = start + i;
    if (mode === "constant" || mode === "edge" || n === 1) {
      index[i] = Math.min(Math.max(p, 0), n - 1);
      if (mode === "constant" && (p < 0 || p >= n)) (outside = outside || new Uint8Array(length))[i] = 1;
    } else if (mode === "reflect") {
      const period = 2 * (n - 1);
      const r = mod(p, period);
      index[i] = r < n ? r : period - r;
    } else if (mode === "symmetric") {
      const period = 2 * n;
      const r = mod(p, period);
      index[i] = r < n ? r : period - 1 - r;
    } else {
      throw new Error(`unknown padding mode '${mode}'`);
    }
  }
  return { index, outside };
}

// The block of x at `windows` ({axis: [start, length]} in padded coordinates); other axes whole
export function cut(x, windows, pad) {
  const mode = String((pad && pad.mode) || "symmetric");
  const index = x.shape.map(() => null);
  const masks = [];
  for (const [axis, [start, length]] of Object.entries(windows)) {
    const k = Number(axis);
    const found = sourceIndices(start, length, x.shape[k], mode);
    index[k] = found.index;
    if (found.outside) masks.push([k, found.outside]);
  }
  const block = gather(x, index);
  if (masks.length) fillOutside(block, masks, Number((pad && pad.value) || 0));
  return block;
}

function fillOutside(block, masks, value) {
  const rank = block.shape.length;
  const pos = new Array(rank).fill(0);
  for (let i = 0; i < block.data.length; i++) {
    if (masks.some(([k, mask]) => mask[pos[k]])) block.data[i] = value;
    for (let k = rank - 1; k >= 0; k--) {
      pos[k] += 1;
      if (pos[k] < block.shape[k]) break;
      pos[k] = 0;
    }
  }
}

// Per input tensor: {axis index: [start, length]} of the block at `grid`
export function windows(p, grid) {
  const out = {};
  p.components.forEach((comp, c) => {
    const lay = p.layouts[c];
    const s = lay.first + grid[c] * lay.stride;
    for (const m of comp.members) {
      (out[m.size.tensor] = out[m.size.tensor] || {})[m.size.index] = [new Fraction(s).mul(m.a).add(m.b).floor(),
        m.length(lay.block)];
    }
  });
  return out;
}

// [source box in the block output, destination box in the whole output] of output `tid`
export function keep(p, grid, tid, outShape, ids) {
  const src = outShape.map((n) => [0, n]);
  const dst = outShape.map((n) => [0, n]);
  p.components.forEach((comp, c) => {
    const lay = p.layouts[c];
    for (const f of comp.followers) {
      if (f.size.tensor !== tid) continue;
      const k = f.size.index;
      if (outShape[k] !== f.length(lay.block)) {
        throw new Error(`output '${tid}' axis '${ids[k]}' is ${outShape[k]} long for an input block of ${lay.block}, `
          + `its description makes it ${f.length(lay.block)} (${f.size.loc}.size)`);
      }
      const kept = new Fraction(lay.stride).mul(f.a).trunc();
      const j0 = lay.inner.get(axisKey(tid, k));
      const start = new Fraction(lay.first + grid[c] * lay.stride).mul(f.a).trunc() + j0;
      const total = f.length(comp.anchor.actual);
      const lo = Math.max(start, 0);
      const hi = Math.min(start + kept, total);
      src[k] = [j0 + lo - start, j0 + hi - start];
      dst[k] = [lo, hi];
    }
  });
  return [src, dst];
}

function finalShape(p, tid, first) {
  const shape = [...first];
  for (const comp of p.components) {
    for (const f of comp.followers) if (f.size.tensor === tid) shape[f.size.index] = f.length(comp.anchor.actual);
  }
  return shape;
}

function* grids(p) {
  const counts = p.layouts.map((lay) => lay.count);
  const grid = counts.map(() => 0);
  if (counts.some((n) => n === 0)) return;
  for (;;) {
    yield [...grid];
    let k = counts.length - 1;
    for (; k >= 0; k--) {
      grid[k] += 1;
      if (grid[k] < counts[k]) break;
      grid[k] = 0;
    }
    if (k < 0) return;
  }
}

// The network on every block of the preprocessed sample `pre` ({id: ndarray}), stitched into
// whole raw outputs. `network(blocks)` resolves to {output id: ndarray}; `outputs` lists
// {id, ids} in order; `progress(done, total)` after each block.
export async function runBlocks(pre, p, inputs, outputs, network, progress) {
  const pads = Object.fromEntries(inputs.map((t) => [t.id, t.pad || DEFAULT_PAD]));
  const assembled = {};
  const total = blockCount(p);
  let done = 0;
  for (const grid of grids(p)) {
    const win = windows(p, grid);
    const blocks = {};
    for (const [tid, x] of Object.entries(pre)) blocks[tid] = cut(x, win[tid] || {}, pads[tid]);
    const outs = await network(blocks);
    for (const t of outputs) {
      const out = outs[t.id];
      if (out.shape.length !== t.ids.length) {
        throw new Error(`output '${t.id}': the network returned ${out.shape.length} dimensions (${out.shape.join(", ")}), `
          + `the description has axes (${t.ids.join(", ")})`);
      }
      const [src, dst] = keep(p, grid, t.id, out.shape, t.ids);
      if (!assembled[t.id]) assembled[t.id] = zeros(finalShape(p, t.id, out.shape), out.dtype);
      const target = assembled[t.id];
      if (dst.some(([a, b], k) => a === 0 && b === out.shape[k] && !isFollowed(p, t.id, k) && out.shape[k] !== target.shape[k])) {
        throw new Error(`output '${t.id}' changes shape (${out.shape.join(", ")}) from block to block`);
      }
      copyBox(out, src, target, dst);
    }
    done += 1;
    if (progress) progress(done, total);
  }
  return assembled;
}

function isFollowed(p, tid, k) {
  return p.components.some((c) => c.followers.some((f) => f.size.tensor === tid && f.size.index === k));
}
