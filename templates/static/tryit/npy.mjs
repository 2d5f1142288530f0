// .npy files (numpy's format 1.0-3.0) read and written without pickle: the model's test tensors
// come as .npy, and an output downloads as one. Headers are checked before anything is allocated.

import { TYPED, array, size, transpose } from "./ndarray.mjs";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];  // \x93NUMPY
const CODES = {
  "<f4": "float32", "<f8": "float64", "|u1": "uint8", "|i1": "int8", "<u2": "uint16", "<i2": "int16",
  "<u4": "uint32", "<i4": "int32", "<i8": "int64", "<u8": "uint64", "|b1": "bool",
};
const DESCR = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k]));

export class NpyError extends Error {}

export function readNpy(buffer, maxValues) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyError("not a .npy file");
  const major = bytes[6];
  const view = new DataView(buffer);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (headerLen > 65536 || start + headerLen > bytes.length) throw new NpyError("damaged .npy header");
  const header = new TextDecoder("latin1").decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const order = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !order || !shape) throw new NpyError("unreadable .npy header");
  const dtype = CODES[descr[1].replace("=", "<")];
  if (!dtype) throw new NpyError(`dtype ${descr[1]} is not supported`);
  const dims = shape[1].split(",").map((d) => d.trim()).filter(Boolean).map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new NpyError("bad shape in the .npy header");
  const n = size(dims);
  if (n > maxValues) throw new NpyError(`its header claims ${dims.join(" x ")} values, more than ${maxValues}`);
  const offset = start + headerLen;
  const kind = TYPED[dtype];
  if (bytes.length - offset < n * kind.BYTES_PER_ELEMENT) throw new NpyError("the file holds less data than its header says");
  const data = new kind(buffer.slice(offset, offset + n * kind.BYTES_PER_ELEMENT));
  let x = array(data, dims, dtype);
  if (order[1] === "True") x = fortran(x);
  return x;
}

function fortran(x) {
  // a Fortran-order array is its reversed-shape C-order transpose
  const reversed = array(x.data, [...x.shape].reverse(), x.dtype);
  const order = x.shape.map((_, k) => x.shape.length - 1 - k);
  return transpose(reversed, order);
}

export function writeNpy(x) {
  const dtype = x.dtype === "bool" ? "uint8" : x.dtype;  // as `zoo predict` writes boolean outputs
  const shape = x.shape.length === 1 ? `(${x.shape[0]},)` : `(${x.shape.join(", ")})`;
  let header = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = new Uint8Array(10 + header.length);
  head.set(MAGIC, 0);
  head[6] = 1;
  head[7] = 0;
  new DataView(head.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) head[10 + i] = header.charCodeAt(i);
  const body = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  return new Blob([head, body], { type: "application/octet-stream" });
}
