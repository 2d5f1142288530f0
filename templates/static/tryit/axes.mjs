// A file's axes mapped onto a model input's axes, as `zoo predict` maps them
// (pipeline/runner/images.fit_to_model): from the Axes field, else from the file (TIFF axes, RGB
// samples of PNG/JPEG), else the model's order; size-1 batch and channel axes added or dropped.

import { expand, squeeze, transpose } from "./ndarray.mjs";

// file axis letters -> model axis ids; s = samples per pixel (RGB)
export const LETTERS = { b: "batch", c: "channel", s: "channel", t: "time", z: "z", y: "y", x: "x", i: "index" };
const SINGLETON_TYPES = ["batch", "channel", "index", "time"];

export class AxesError extends Error {}

function expected(tensor) {
  return "(" + tensor.axes.map((a) => a.id).join(", ") + ")";
}

function fileIds(letters, name, fromUser) {
  const ids = [];
  for (const c of letters) {
    if (!(c in LETTERS)) {
      if (fromUser) throw new AxesError(`${name}: axes letter '${c}' is not one of ${Object.keys(LETTERS).join("")}`);
      return null;
    }
    ids.push(LETTERS[c]);
  }
  if (new Set(ids).size !== ids.length) {
    if (fromUser) throw new AxesError(`${name}: axes '${letters}' name an axis twice`);
    return null;
  }
  return ids;
}

function declaredOne(axis) {
  if (axis.type === "channel") return !axis.channels || axis.channels.length === 1;
  return axis.type !== "index" || axis.size === null || axis.size === undefined || axis.size === 1;
}

// No axes known: the model's axes in order, leaving out size-1 batch/channel axes the array lacks
function guessIds(x, tensor) {
  let drop = tensor.axes.length - x.shape.length;
  const out = [];
  for (const a of tensor.axes) {
    if (drop > 0 && SINGLETON_TYPES.includes(a.type) && declaredOne(a)) {
      drop -= 1;
      continue;
    }
    out.push(a.id);
  }
  return out;
}

// x (an ndarray) transposed and expanded onto the tensor's axes; AxesError says why it cannot be
export function fitToModel(x, fileAxes, tensor, name, userAxes) {
  const model = tensor.axes.map((a) => a.id);
  const letters = (userAxes || "").toLowerCase() || fileAxes;
  let source = userAxes ? "the Axes field" : "the file";
  let ids = letters ? fileIds(letters, name, Boolean(userAxes)) : null;
  if (ids === null) {
    ids = guessIds(x, tensor);
    source = "the model's order (no axes known; fill in the Axes field)";
  }
  if (ids.length !== x.shape.length) {
    throw new AxesError(`${name}: an array of shape (${x.shape.join(", ")}) cannot be read as axes (${ids.join(", ")}) `
      + `from ${source}; the model expects ${expected(tensor)}; say which axes the file has in the Axes field `
      + "(letters of bctzyx)");
  }
  for (let k = x.shape.length - 1; k >= 0; k--) {  // size-1 axes the model has no place for go away
    if (!model.includes(ids[k]) && x.shape[k] === 1) {
      x = squeeze(x, k);
      ids = [...ids.slice(0, k), ...ids.slice(k + 1)];
    }
  }
  const extra = ids.map((id, k) => [id, k]).filter(([id]) => !model.includes(id)).map(([id, k]) => `${id} (${x.shape[k]})`);
  if (extra.length) {
    throw new AxesError(`${name}: the file's axes ${extra.join(", ")} (read from ${source}) are not axes of the `
      + `model, which expects ${expected(tensor)}`);
  }
  const order = [];
  const present = [];
  for (const id of model) {
    if (ids.includes(id)) {
      order.push(ids.indexOf(id));
      present.push(id);
    }
  }
  x = transpose(x, order);
  tensor.axes.forEach((a, k) => {
    if (present.includes(a.id)) return;
    if (!SINGLETON_TYPES.includes(a.type)) {
      throw new AxesError(`${name}: the file has no '${a.id}' axis (read as (${ids.join(", ")}) from ${source}); `
        + `the model expects ${expected(tensor)}`);
    }
    x = expand(x, k);
  });
  return x;
}

// Axis letters for a TIFF written from this tensor (as tifffile names them; batch and index Q)
export function tiffAxes(tensor) {
  const letters = { batch: "Q", channel: "C", time: "T", index: "Q", z: "Z", y: "Y", x: "X" };
  return tensor.axes.map((a) => letters[a.id] || "Q").join("");
}
