// N-dimensional arrays as the browser code passes them around: a typed array in C order, its
// shape and its numpy dtype name. Only indexing lives here (copies, transposes, boxes); every
// value the bundle computes comes from its ONNX graphs.

export const TYPED = {
  float32: Float32Array, float64: Float64Array, uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array,
  int16: Int16Array, uint32: Uint32Array, int32: Int32Array, bool: Uint8Array,
  int64: BigInt64Array, uint64: BigUint64Array,
};

export function dtypeOf(data) {
  for (const [name, kind] of Object.entries(TYPED)) if (data instanceof kind && name !== "bool") return name;
  throw new Error(`unsupported array type ${data && data.constructor && data.constructor.name}`);
}

export function size(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

export function strides(shape) {
  const out = new Array(shape.length);
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    out[k] = s;
    s *= shape[k];
  }
  return out;
}

export function array(data, shape, dtype) {
  if (data.length !== size(shape)) throw new Error(`${data.length} values for shape (${shape.join(", ")})`);
  return { data, shape: [...shape], dtype: dtype || dtypeOf(data) };
}

export function zeros(shape, dtype) {
  return array(new TYPED[dtype](size(shape)), shape, dtype);
}

// Visit every index of `shape` but the last axis, calling fn(outerOffsets...) with running offsets
// into two arrays described by their strides; the caller loops over the last axis itself.
function eachRow(shape, stridesA, stridesB, fn) {
  const rank = shape.length;
  if (rank === 0) { fn(0, 0); return; }
  if (shape.some((n) => n === 0)) return;
  const index = new Array(rank - 1).fill(0);
  let a = 0;
  let b = 0;
  for (;;) {
    fn(a, b);
    let k = rank - 2;
    for (; k >= 0; k--) {
      index[k] += 1;
      a += stridesA[k];
      b += stridesB[k];
      if (index[k] < shape[k]) break;
      a -= stridesA[k] * shape[k];
      b -= stridesB[k] * shape[k];
      index[k] = 0;
    }
    if (k < 0) return;
  }
}

// x with its axes in the order `order` (numpy.transpose)
export function transpose(x, order) {
  if (order.every((k, i) => k === i)) return x;
  const shape = order.map((k) => x.shape[k]);
  const src = strides(x.shape);
  const from = order.map((k) => src[k]);
  const out = new TYPED[x.dtype](x.data.length);
  const last = shape.length - 1;
  const n = shape[last];
  const step = from[last];
  eachRow(shape, strides(shape), from, (o, i) => {
    for (let j = 0; j < n; j++) out[o + j] = x.data[i + j * step];
  });
  return array(out, shape, x.dtype);
}

// x with a new size-1 axis at position k (numpy.expand_dims)
export function expand(x, k) {
  const shape = [...x.shape];
  shape.splice(k, 0, 1);
  return array(x.data, shape, x.dtype);
}

// x without its size-1 axis k (numpy.squeeze)
export function squeeze(x, k) {
  if (x.shape[k] !== 1) throw new Error(`axis ${k} has size ${x.shape[k]}`);
  const shape = [...x.shape];
  shape.splice(k, 1);
  return array(x.data, shape, x.dtype);
}

// A gather: out[i0, i1, ...] = x[index[0][i0], index[1][i1], ...]; `index[k]` may be null (whole axis)
export function gather(x, index) {
  const shape = x.shape.map((n, k) => (index[k] ? index[k].length : n));
  const out = new TYPED[x.dtype](size(shape));
  const src = strides(x.shape);
  const rank = shape.length;
  if (rank === 0) { out[0] = x.data[0]; return array(out, shape, x.dtype); }
  const offsets = index.map((idx, k) => (idx ? Int32Array.from(idx, (i) => i * src[k]) : null));
  const last = rank - 1;
  const lastOffsets = offsets[last] || Int32Array.from({ length: shape[last] }, (_, i) => i * src[last]);
  const pos = new Array(rank).fill(0);
  let o = 0;
  if (shape.some((n) => n === 0)) return array(out, shape, x.dtype);
  for (;;) {
    let base = 0;
    for (let k = 0; k < last; k++) base += offsets[k] ? offsets[k][pos[k]] : pos[k] * src[k];
    for (let j = 0; j < shape[last]; j++) out[o++] = x.data[base + lastOffsets[j]];
    let k = last - 1;
    for (; k >= 0; k--) {
      pos[k] += 1;
      if (pos[k] < shape[k]) break;
      pos[k] = 0;
    }
    if (k < 0) break;
  }
  return array(out, shape, x.dtype);
}

// target[dst] = source[src] for boxes given as [start, stop) per axis
export function copyBox(source, src, target, dst) {
  const shape = src.map(([a, b]) => b - a);
  if (shape.some((n, k) => n !== dst[k][1] - dst[k][0])) throw new Error("boxes of different shapes");
  const ss = strides(source.shape);
  const ts = strides(target.shape);
  const s0 = src.reduce((o, [a], k) => o + a * ss[k], 0);
  const t0 = dst.reduce((o, [a], k) => o + a * ts[k], 0);
  const n = shape[shape.length - 1];
  eachRow(shape, ss, ts, (i, o) => {
    target.data.set(source.data.subarray(s0 + i, s0 + i + n), t0 + o);
  });
}

// Values as float32 (exact for 8- and 16-bit integers and float32)
export function asFloat32(x) {
  if (x.dtype === "float32") return x;
  const data = x.data instanceof BigInt64Array || x.data instanceof BigUint64Array
    ? Float32Array.from(x.data, Number) : Float32Array.from(x.data);
  return array(data, x.shape, "float32");
}
