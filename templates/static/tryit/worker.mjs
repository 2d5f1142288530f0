// The Web Worker that runs a bundle, so the page stays responsive: it loads onnxruntime-web and
// the decoders (served from the site's own static/vendor/, never a CDN) on the first request.
// Messages in: {type: "test"} | {type: "files", files: {input id: File}, axes: {input id: letters}},
// each with `bundle` (URL of the bundle folder). Messages out: progress, result, error.
// Cancelling is the page terminating this worker.

import { AxesError, fitToModel } from "./axes.mjs";
import { Bundle, compare } from "./bundle.mjs";
import { DecodeError, readFile } from "./decode.mjs";
import { readNpy } from "./npy.mjs";
import { PlanError } from "./plan.mjs";

// What one tab is asked to hold per input: 2^26 values (8192 x 8192 pixels); the float32 copies
// the bundle makes of it stay near a gigabyte, within what a 32-bit WebAssembly runtime can use
export const MAX_VALUES = 2 ** 26;
const VENDOR = new URL("../vendor/", import.meta.url);

let opened = null;  // {url, bundle}
let runtime = null;

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

function say(stage, done, total) {
  postMessage({ type: "progress", stage, done, total });
}

async function loadRuntime() {
  if (!runtime) {
    say("loading the runtime", 0, 1);
    const ort = await import(new URL("ort.wasm.min.mjs", VENDOR).href);
    ort.env.wasm.wasmPaths = VENDOR.href;
    ort.env.wasm.numThreads = 1;  // threads need cross-origin isolation, which a static host may not give
    ort.env.wasm.proxy = false;
    runtime = ort;
  }
  return runtime;
}

async function open(url) {
  if (!opened || opened.url !== url) {
    const ort = await loadRuntime();
    say("loading the model", 0, 1);
    opened = { url, bundle: await Bundle.open(ort, new URL(url), fetchBytes) };
  }
  return opened.bundle;
}

function transferable(...groups) {
  return [...new Set(groups.flatMap((arrays) => Object.values(arrays).map((x) => x.data.buffer)))];
}

function tensors(bundle) {
  const view = (t) => ({ id: t.id, axes: t.axes, dtype: t.dtype, description: t.description });
  return { inputs: bundle.inputs.map(view), outputs: bundle.outputs.map(view) };
}

const testFiles = new Map();  // the test tensors' bytes, fetched once (each run parses fresh copies)

async function testTensor(bundle, name) {
  const url = new URL(name, bundle.base).href;
  if (!testFiles.has(url)) testFiles.set(url, await fetchBytes(new URL(url)));
  return readNpy(testFiles.get(url), MAX_VALUES);
}

async function runTest(bundle) {
  const inputs = {};
  for (const t of bundle.inputs) inputs[t.id] = await testTensor(bundle, t.test);
  const started = performance.now();
  const outputs = await bundle.runWhole(inputs, say);
  const seconds = (performance.now() - started) / 1000;
  const comparison = [];
  for (const t of bundle.outputs) {
    const expected = await testTensor(bundle, t.test);
    comparison.push({ id: t.id, tolerance: t.tolerance, ...compare(outputs[t.id], expected, t.tolerance) });
  }
  return { mode: "test", inputs, outputs, comparison, seconds };
}

async function runFiles(bundle, files, axes) {
  await Promise.all([import(new URL("geotiff.js", VENDOR).href), import(new URL("pngjs.js", VENDOR).href)]);
  const inputs = {};
  for (const t of bundle.inputs) {
    const file = files[t.id];
    if (!file) throw new DecodeError(`choose a file for input '${t.id}'`);
    say(`reading ${file.name}`, 0, 1);
    const { x, axes: fileAxes } = await readFile(file, MAX_VALUES);
    inputs[t.id] = fitToModel(x, fileAxes, t, `input '${t.id}' (${file.name})`, axes[t.id] || null);
  }
  const started = performance.now();
  const { outputs, plan } = await bundle.runTiled(inputs, say);
  return { mode: "files", inputs, outputs, plan, seconds: (performance.now() - started) / 1000 };
}

onmessage = async (event) => {
  const job = event.data;
  try {
    const bundle = await open(job.bundle);
    const result = job.type === "test" ? await runTest(bundle) : await runFiles(bundle, job.files, job.axes || {});
    postMessage({ type: "result", tensors: tensors(bundle), ...result }, transferable(result.inputs, result.outputs));
  } catch (e) {
    const known = e instanceof DecodeError || e instanceof AxesError || e instanceof PlanError;
    postMessage({ type: "error", message: known ? e.message : `the model could not run: ${e.message || e}` });
  }
};
