// Runs the browser's block planner, tiling and axis mapping (templates/static/tryit/) under Node
// on the cases tests/site/test_tryit_js.py sends on stdin, and prints what they give, so the
// test can compare them with pipeline/runner's answers. A fake network makes the stitching
// observable: every output value is its position in the block plus a checksum of the block's inputs.

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const base = pathToFileURL(process.argv[2] + "/");
const { ModelSizes, plan, PlanError, checkFixedAxes } = await import(new URL("plan.mjs", base));
const { runBlocks } = await import(new URL("blocks.mjs", base));
const { fitToModel, AxesError } = await import(new URL("axes.mjs", base));
const { array } = await import(new URL("ndarray.mjs", base));
const { readNpy, writeNpy } = await import(new URL("npy.mjs", base));
const { writeTiff } = await import(new URL("tiff.mjs", base));

function layoutJson(p) {
  return p.layouts.map((lay) => ({ block: lay.block, stride: lay.stride, first: lay.first, count: lay.count,
    inner: Object.fromEntries([...lay.inner].map(([k, v]) => [k.replace("\u0000", ","), v])) }));
}

function outputShape(t, sizes, blockShapes) {
  // the fake network's output shape: what the description promises for these block shapes
  return sizes.outputs.get(t.id).map((s) => {
    if (s.kind === "batch") return blockShapes[Object.keys(blockShapes)[0]][0];
    if (s.kind === "channel" || s.kind === "fixed") return s.fixed;
    const refIndex = sizes.inputs.get(s.ref[0]).find((r) => r.axis === s.ref[1]).index;
    return sizes.ratio(s).mul(blockShapes[s.ref[0]][refIndex]).add(s.offset).floor();
  });
}

async function stitch(c, sizes, p) {
  const pre = {};
  for (const [tid, x] of Object.entries(c.arrays)) pre[tid] = array(Float32Array.from(x.data), x.shape, "float32");
  const network = async (blocks) => {
    let sum = 0;  // weighted by position, so a block cut in another order sums differently
    for (const b of Object.values(blocks)) b.data.forEach((v, i) => { sum += v * ((i % 7) + 1); });
    const shapes = Object.fromEntries(Object.entries(blocks).map(([k, b]) => [k, b.shape]));
    const out = {};
    for (const t of c.outputs) {
      const shape = outputShape(t, sizes, shapes);
      const n = shape.reduce((a, b) => a * b, 1);
      out[t.id] = array(Float32Array.from({ length: n }, (_, i) => (i % 97) + (sum % 1000)), shape, "float32");
    }
    return out;
  };
  const result = await runBlocks(pre, p, c.inputs, c.outputs, network, null);
  return Object.fromEntries(Object.entries(result).map(([k, x]) => [k, { shape: x.shape, data: Array.from(x.data) }]));
}

async function planCase(c) {
  const sizes = new ModelSizes(c.sizes);
  try {
    checkFixedAxes(sizes, c.shapes);
    const p = plan(sizes, c.shapes, c.budget);
    const out = { layouts: layoutJson(p), notes: p.notes };
    if (c.arrays) out.outputs = await stitch(c, sizes, p);
    return out;
  } catch (e) {
    if (!(e instanceof PlanError)) return { crash: String(e.stack || e) };
    return { error: e.message, loc: e.loc };
  }
}

function fitCase(c) {
  const x = array(Float64Array.from({ length: c.shape.reduce((a, b) => a * b, 1) }, (_, i) => i), c.shape, "float64");
  try {
    const y = fitToModel(x, c.file_axes, c.tensor, "input", c.user_axes);
    return { shape: y.shape, data: Array.from(y.data) };
  } catch (e) {
    if (!(e instanceof AxesError)) return { crash: String(e.stack || e) };
    return { error: e.message };
  }
}

async function filesCase(c) {
  // .npy and .tif bytes the browser writes, and an .npy the browser reads back
  const x = array(Float32Array.from(c.data), c.shape, "float32");
  const npy = Buffer.from(await writeNpy(x).arrayBuffer()).toString("base64");
  const tif = Buffer.from(await writeTiff(x, c.axes).arrayBuffer()).toString("base64");
  const back = readNpy(Uint8Array.from(Buffer.from(npy, "base64")).buffer, 1e9);
  return { npy, tif, back: { shape: back.shape, data: Array.from(back.data) } };
}

const cases = JSON.parse(readFileSync(0, "utf8"));
const results = { plans: [], fits: [], files: [] };
for (const c of cases.plans || []) results.plans.push(await planCase(c));
for (const c of cases.fits || []) results.fits.push(fitCase(c));
for (const c of cases.files || []) results.files.push(await filesCase(c));
process.stdout.write(JSON.stringify(results));
