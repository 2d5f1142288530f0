// A model's browser bundle (pipeline/build/bundles.py) run with onnxruntime-web: the
// preprocessing graph on the whole sample, the network on the whole test sample or block by
// block as `zoo predict` plans them, the postprocessing graph on the whole output.

import { runBlocks } from "./blocks.mjs";
import { array, asFloat32, size } from "./ndarray.mjs";
import { ModelSizes, blockCount, checkFixedAxes, describePlan, plan } from "./plan.mjs";

const RAW = "raw.";
const PRE = "pre.";
const NET = "net.";
const OUT = "out.";

function toNd(tensor) {
  return array(tensor.data, tensor.dims.map(Number), tensor.type);
}

export class Bundle {
  // ort: the onnxruntime-web module; base: URL of the bundle folder; manifest: its bundle.json
  constructor(ort, base, manifest, sessions) {
    Object.assign(this, { ort, base, manifest, sessions });
    this.sizes = new ModelSizes(manifest.sizes);
    this.inputs = manifest.inputs.map((t) => ({ ...t, ids: t.axes.map((a) => a.id) }));
    this.outputs = manifest.outputs.map((t) => ({ ...t, ids: t.axes.map((a) => a.id) }));
  }

  static async open(ort, base, fetchBytes) {
    const manifest = JSON.parse(new TextDecoder().decode(await fetchBytes(new URL("bundle.json", base))));
    const sessions = {};
    for (const [name, file] of Object.entries(manifest.graphs)) {
      const bytes = await fetchBytes(new URL(file, base));
      sessions[name] = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ["wasm"] });
    }
    return new Bundle(ort, base, manifest, sessions);
  }

  tensor(x, dtype) {
    const data = dtype === "float32" ? asFloat32(x).data : x.data;
    return new this.ort.Tensor(dtype || x.dtype, data, x.shape);
  }

  async preprocess(sample) {
    const feeds = {};
    for (const t of this.inputs) feeds[RAW + t.id] = this.tensor(sample[t.id], "float32");
    const results = await this.sessions.preprocess.run(feeds);
    return Object.fromEntries(this.inputs.map((t) => [t.id, toNd(results[PRE + t.id])]));
  }

  async network(pre) {
    const session = this.sessions.network;
    const feeds = {};
    this.inputs.forEach((t, i) => { feeds[session.inputNames[i]] = this.tensor(pre[t.id]); });
    const results = await session.run(feeds);
    if (session.outputNames.length !== this.outputs.length) {
      throw new Error(`the network returned ${session.outputNames.length} outputs, the description declares ${this.outputs.length}`);
    }
    return Object.fromEntries(this.outputs.map((t, i) => [t.id, toNd(results[session.outputNames[i]])]));
  }

  async postprocess(raw, sample) {
    const feeds = {};
    for (const t of this.outputs) {
      if (raw[t.id].dtype !== "float32") {
        throw new Error(`the network's output '${t.id}' is ${raw[t.id].dtype}; the bundle's postprocessing takes float32`);
      }
      feeds[NET + t.id] = this.tensor(raw[t.id]);
    }
    for (const id of this.manifest.post_inputs) feeds[RAW + id] = this.tensor(sample[id], "float32");
    const results = await this.sessions.postprocess.run(feeds);
    return Object.fromEntries(this.outputs.map((t) => [t.id, toNd(results[OUT + t.id])]));
  }

  // The checks and plan for a sample ({id: ndarray on the model's axes}), before any work
  plan(sample) {
    const shapes = Object.fromEntries(Object.entries(sample).map(([k, x]) => [k, x.shape]));
    checkFixedAxes(this.sizes, shapes);
    return plan(this.sizes, shapes, this.manifest.budget);
  }

  // As `zoo test`: the whole sample in one network call
  async runWhole(sample, say) {
    say("preprocessing", 0, 1);
    const pre = await this.preprocess(sample);
    say("network", 0, 1);
    const raw = await this.network(pre);
    say("postprocessing", 1, 1);
    return this.postprocess(raw, sample);
  }

  // As `zoo predict`: whole-sample processing, the network block by block
  async runTiled(sample, say) {
    const p = this.plan(sample);
    say(`preprocessing (blocks: ${describePlan(p)})`, 0, blockCount(p));
    const pre = await this.preprocess(sample);
    const raw = await runBlocks(pre, p, this.inputs, this.outputs, (blocks) => this.network(blocks),
      (done, total) => say(`block ${done}/${total}`, done, total));
    say("postprocessing", blockCount(p), blockCount(p));
    return { outputs: await this.postprocess(raw, sample), plan: describePlan(p) };
  }
}

// Does `actual` reproduce `expected` within a tolerance {rtol, atol, ppm}? (runner/compare.py)
export function compare(actual, expected, tolerance) {
  if (actual.shape.join() !== expected.shape.join()) {
    return { passed: false, maxDifference: null, mismatched: size(actual.shape), ppm: 1e6,
      note: `shape (${actual.shape}) differs from the test tensor's (${expected.shape})` };
  }
  let worst = 0;
  let bad = 0;
  const n = actual.data.length;
  for (let i = 0; i < n; i++) {
    const a = Number(actual.data[i]);
    const e = Number(expected.data[i]);
    const aNaN = Number.isNaN(a);
    const eNaN = Number.isNaN(e);
    if (aNaN && eNaN) continue;
    const d = aNaN || eNaN ? Infinity : Math.abs(Math.fround(a) - Math.fround(e));
    if (d > worst) worst = d;
    if (d > tolerance.atol + tolerance.rtol * Math.abs(e)) bad += 1;
  }
  const ppm = (bad / Math.max(n, 1)) * 1e6;
  return { passed: bad === 0 || ppm <= tolerance.ppm, maxDifference: worst, mismatched: bad, ppm };
}
