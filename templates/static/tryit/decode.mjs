// The visitor's file as an array and the axes it names, read as `zoo predict` reads it
// (pipeline/runner/images.read_file): PNG (pngjs, 8 and 16 bits), JPEG (the browser's decoder),
// TIFF (geotiff; tifffile's and ImageJ's axes), .npy. Every header is checked against the size
// limit before pixels are decoded, so a file claiming 30000 x 30000 pixels is refused, not tried.

import { array } from "./ndarray.mjs";
import { readNpy } from "./npy.mjs";

export class DecodeError extends Error {}

function claim(name, shape, limit) {
  const n = shape.reduce((a, b) => a * b, 1);
  if (!Number.isFinite(n) || n > limit) {
    throw new DecodeError(`${name}: its header claims ${shape.join(" x ")} values, more than the limit of `
      + `${limit} values a browser tab is asked to hold`);
  }
}

// --- PNG ------------------------------------------------------------------------------------
function pngHeader(bytes, name) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 33 || signature.some((b, i) => bytes[i] !== b)) throw new DecodeError(`${name} is not a PNG file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const header = { width: view.getUint32(16), height: view.getUint32(20), depth: bytes[24], color: bytes[25],
    transparency: false };
  for (let at = 8; at + 8 <= bytes.length;) {  // is there a tRNS chunk (palette transparency)?
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === "tRNS") header.transparency = true;
    if (type === "IDAT" || type === "IEND") break;
    at += 12 + length;
  }
  return header;
}

// pngjs reads node Buffers; its browser build carries the Buffer polyfill without exporting it,
// so it is taken from the data of a one-pixel image
function nodeBuffer() {
  return new self.png.PNG({ width: 1, height: 1 }).data.constructor;
}

function readPng(buffer, name, limit) {
  const bytes = new Uint8Array(buffer);
  const h = pngHeader(bytes, name);
  const samples = { 0: 1, 2: 3, 3: h.transparency ? 4 : 3, 4: 2, 6: 4 }[h.color];
  if (!samples) throw new DecodeError(`${name}: PNG colour type ${h.color} is not supported`);
  claim(name, [h.height, h.width, samples], limit);
  let decoded;
  try {
    decoded = self.png.PNG.sync.read(nodeBuffer().from(bytes), { skipRescale: true });
  } catch (e) {
    throw new DecodeError(`${name} is not a readable PNG (${e.message})`);
  }
  const rgba = decoded.data;  // pngjs always returns 4 samples per pixel
  const sixteen = h.depth === 16;
  // Pillow reads 16-bit greyscale as 16 bits and 16-bit colour as 8 bits per sample
  const keep16 = sixteen && (h.color === 0);
  const kind = keep16 ? Uint16Array : Uint8Array;
  const shift = sixteen && !keep16 ? 8 : 0;
  const n = h.width * h.height;
  const out = new kind(n * samples);
  const pick = { 1: [0], 2: [0, 3], 3: [0, 1, 2], 4: [0, 1, 2, 3] }[samples];
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < samples; s++) out[i * samples + s] = rgba[i * 4 + pick[s]] >> shift;
  }
  const shape = samples === 1 ? [h.height, h.width] : [h.height, h.width, samples];
  return { x: array(out, shape, keep16 ? "uint16" : "uint8"), axes: samples === 1 ? "yx" : "yxs" };
}

// --- JPEG -----------------------------------------------------------------------------------
function jpegHeader(bytes, name) {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new DecodeError(`${name} is not a JPEG file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let at = 2; at + 9 < bytes.length;) {
    if (bytes[at] !== 0xff) throw new DecodeError(`${name} is not a readable JPEG (damaged marker)`);
    const marker = bytes[at + 1];
    const length = view.getUint16(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7), components: bytes[at + 9] };
    }
    at += 2 + length;
  }
  throw new DecodeError(`${name} is not a readable JPEG (no frame header)`);
}

async function readJpeg(buffer, name, limit) {
  const bytes = new Uint8Array(buffer);
  const h = jpegHeader(bytes, name);
  if (![1, 3].includes(h.components)) throw new DecodeError(`${name}: JPEGs with ${h.components} components are not supported`);
  claim(name, [h.height, h.width, h.components], limit);
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }),
      { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  } catch (e) {
    throw new DecodeError(`${name} is not a readable JPEG (${e.message || e})`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const n = bitmap.width * bitmap.height;
  const samples = h.components;
  const out = new Uint8Array(n * samples);
  for (let i = 0; i < n; i++) for (let s = 0; s < samples; s++) out[i * samples + s] = rgba[i * 4 + s];
  const shape = samples === 1 ? [bitmap.height, bitmap.width] : [bitmap.height, bitmap.width, samples];
  return { x: array(out, shape, "uint8"), axes: samples === 1 ? "yx" : "yxs" };
}

// --- TIFF -----------------------------------------------------------------------------------
// The series' shape and axes as tifffile names them: its own JSON description, ImageJ's, or a
// plain stack of pages (I), each page Y, X and maybe samples (S)
function tiffLayout(description, pages, height, width, samples, planar) {
  const page = samples > 1 ? (planar === 2 ? [[samples, "S"], [height, "Y"], [width, "X"]]
    : [[height, "Y"], [width, "X"], [samples, "S"]]) : [[height, "Y"], [width, "X"]];
  const planeSize = height * width * samples;
  if (description && description.startsWith("{")) {
    try {
      const meta = JSON.parse(description.replace(/\0+$/, ""));
      if (Array.isArray(meta.shape) && meta.shape.reduce((a, b) => a * b, 1) === pages * planeSize) {
        const axes = typeof meta.axes === "string" && meta.axes.length === meta.shape.length ? meta.axes
          : "Q".repeat(meta.shape.length - page.length) + page.map(([, a]) => a).join("");
        return { shape: meta.shape, axes };
      }
    } catch (e) { /* not tifffile's: fall through to the page structure */ }
  }
  if (description && description.startsWith("ImageJ=")) {
    const value = (key) => Number((new RegExp(`^${key}=(\\d+)`, "m").exec(description) || [])[1] || 1);
    const dims = [[value("frames"), "T"], [value("slices"), "Z"], [value("channels"), "C"]].filter(([n]) => n > 1);
    if (dims.reduce((a, [n]) => a * n, 1) === pages) {
      const all = [...dims, ...page];
      return { shape: all.map(([n]) => n), axes: all.map(([, a]) => a).join("") };
    }
  }
  const all = pages > 1 ? [[pages, "I"], ...page] : page;
  return { shape: all.map(([n]) => n), axes: all.map(([, a]) => a).join("") };
}

async function readTiff(buffer, name, limit) {
  let tiff;
  let first;
  let pages;
  try {
    tiff = await self.GeoTIFF.fromArrayBuffer(buffer);
    pages = await tiff.getImageCount();
    first = await tiff.getImage(0);
  } catch (e) {
    throw new DecodeError(`${name} is not a readable TIFF (${e.message || e})`);
  }
  const width = first.getWidth();
  const height = first.getHeight();
  const samples = first.getSamplesPerPixel();
  claim(name, [pages, height, width, samples], limit);
  let description = "";
  try {
    description = String((await first.fileDirectory.loadValue("ImageDescription")) || "");
  } catch (e) { /* no description */ }
  const planar = Number(first.fileDirectory.getValue("PlanarConfiguration") || 1);
  const layout = tiffLayout(description, pages, height, width, samples, planar);
  let data = null;
  const plane = width * height * samples;
  try {
    for (let p = 0; p < pages; p++) {
      const image = p === 0 ? first : await tiff.getImage(p);
      if (image.getWidth() !== width || image.getHeight() !== height || image.getSamplesPerPixel() !== samples) {
        throw new Error(`page ${p} differs in size from the first page`);
      }
      const raster = await image.readRasters({ interleave: planar !== 2 });
      const values = planar === 2 ? concat(raster) : raster;
      if (data === null) data = new values.constructor(pages * plane);
      data.set(values, p * plane);
    }
  } catch (e) {
    throw new DecodeError(`${name} is not a readable TIFF (${e.message || e})`);
  }
  return { x: array(data, layout.shape), axes: layout.axes.toLowerCase() };
}

function concat(rasters) {
  const out = new rasters[0].constructor(rasters.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rasters) { out.set(r, at); at += r.length; }
  return out;
}

// {x: ndarray, axes: letters or null} of a file, by its name's suffix
export async function readFile(file, limit) {
  const name = file.name;
  const suffix = name.toLowerCase().replace(/^.*(\.[a-z]+)$/, "$1");
  const readers = { ".png": readPng, ".jpg": readJpeg, ".jpeg": readJpeg, ".tif": readTiff, ".tiff": readTiff };
  if (suffix === ".npy") {
    try {
      return { x: readNpy(await file.arrayBuffer(), limit), axes: null };
    } catch (e) {
      throw new DecodeError(`${name}: ${e.message}`);
    }
  }
  if (!readers[suffix]) throw new DecodeError(`${name}: inputs must be .png, .jpg, .jpeg, .tif, .tiff or .npy files`);
  return readers[suffix](await file.arrayBuffer(), name, limit);
}

export { tiffLayout };
