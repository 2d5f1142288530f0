// An output as a .tif download: baseline little-endian TIFF, one uncompressed page per 2D plane,
// with tifffile's JSON description ({"shape": ..., "axes": ...}) on the first page, so tifffile
// (and `zoo predict`) read back exactly the array and its axes. (geotiff's writer writes one
// georeferenced image; a stack of planes with their axes is what microscopy tools open.)

const SAMPLE_FORMAT = { uint8: 1, uint16: 1, uint32: 1, int8: 2, int16: 2, int32: 2, float32: 3, float64: 3 };
const SHORT = 3;
const LONG = 4;
const ASCII = 2;

export function writeTiff(x, axes) {
  let { data, dtype } = x;
  if (dtype === "bool") dtype = "uint8";
  if (!(dtype in SAMPLE_FORMAT)) throw new Error(`a ${dtype} array cannot be written as TIFF here; download the .npy`);
  const shape = x.shape.length >= 2 ? x.shape : [1, ...x.shape];
  const height = shape[shape.length - 2];
  const width = shape[shape.length - 1];
  const pages = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const bytesPer = data.BYTES_PER_ELEMENT;
  const planeBytes = width * height * bytesPer;
  const description = new TextEncoder().encode(JSON.stringify({ shape: x.shape, axes }) + "\0");
  const entries = (first) => 12 + (first ? 1 : 0);
  let size = 8;
  for (let p = 0; p < pages; p++) size += 2 + entries(p === 0) * 12 + 4 + (p === 0 ? description.length : 0) + planeBytes;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0], 0);
  view.setUint32(4, 8, true);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let at = 8;
  for (let p = 0; p < pages; p++) {
    const first = p === 0;
    const n = entries(first);
    const ifd = at;
    const extra = ifd + 2 + n * 12 + 4;
    const pixels = extra + (first ? description.length : 0);
    const tags = [
      [254, LONG, 1, 0], [256, LONG, 1, width], [257, LONG, 1, height], [258, SHORT, 1, bytesPer * 8],
      [259, SHORT, 1, 1], [262, SHORT, 1, 1],
      ...(first ? [[270, ASCII, description.length, extra]] : []),
      [273, LONG, 1, pixels], [277, SHORT, 1, 1], [278, LONG, 1, height], [279, LONG, 1, planeBytes],
      [284, SHORT, 1, 1], [339, SHORT, 1, SAMPLE_FORMAT[dtype]],
    ];
    view.setUint16(ifd, n, true);
    tags.forEach(([tag, type, count, value], i) => {
      const e = ifd + 2 + i * 12;
      view.setUint16(e, tag, true);
      view.setUint16(e + 2, type, true);
      view.setUint32(e + 4, count, true);
      if (type === SHORT) view.setUint16(e + 8, value, true);
      else view.setUint32(e + 8, value, true);
    });
    const next = pixels + planeBytes;
    view.setUint32(ifd + 2 + n * 12, p + 1 < pages ? next : 0, true);
    if (first) out.set(description, extra);
    out.set(bytes.subarray(p * planeBytes, (p + 1) * planeBytes), pixels);
    at = next;
  }
  return new Blob([out], { type: "image/tiff" });
}
