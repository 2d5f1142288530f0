// "Try it" on a model page: run the model's browser bundle on its own test input or on the
// visitor's files, in a Web Worker (worker.mjs), with progress, cancel, per-channel views with
// contrast controls and downloads. zoo.js imports this module only when the visitor asks.

import { tiffAxes } from "./axes.mjs";
import { writeNpy } from "./npy.mjs";
import { writeTiff } from "./tiff.mjs";
import { draw, percentiles, plane } from "./view.mjs";

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function shapeText(x) {
  return x.shape.join(" × ");
}

function number(v) {
  if (v === null || v === undefined) return "–";
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(Math.round(v * 1e4) / 1e4);
}

class TryIt {
  constructor(section) {
    this.section = section;
    this.bundle = new URL(section.dataset.bundle, location.href).href;
    this.name = section.dataset.name || "output";
    this.worker = null;
    this.busy = false;
    this.started = 0;
    this.progress = section.querySelector("#try-progress");
    this.bar = this.progress.querySelector("progress");
    this.status = this.progress.querySelector(".status");
    this.message = section.querySelector("#try-message");
    this.results = section.querySelector("#try-results");
    this.urls = [];
    section.querySelector("#try-test").addEventListener("click", () => this.run({ type: "test" }));
    section.querySelector("#try-form").addEventListener("submit", (e) => { e.preventDefault(); this.runFiles(); });
    section.querySelector("#try-cancel").addEventListener("click", () => this.cancel());
  }

  runFiles() {
    const files = {};
    const axes = {};
    for (const input of this.section.querySelectorAll("input[type=file][data-input]")) {
      if (input.files.length) files[input.dataset.input] = input.files[0];
    }
    for (const input of this.section.querySelectorAll("input[data-axes]")) {
      if (input.value.trim()) axes[input.dataset.axes] = input.value.trim().toLowerCase();
    }
    this.run({ type: "files", files, axes });
  }

  run(job) {
    if (this.busy) this.cancel(false);  // a new request replaces a running one
    this.busy = true;
    this.started = performance.now();
    this.section.dataset.state = "running";
    this.message.textContent = "";
    this.progress.hidden = false;
    this.bar.removeAttribute("value");
    this.status.textContent = "starting";
    if (!this.worker) {  // an idle worker is reused: its runtime and model stay loaded
      this.worker = new Worker(new URL("worker.mjs", import.meta.url), { type: "module" });
      this.worker.onmessage = (event) => this.receive(event.data);
      this.worker.onerror = (event) => this.fail(`the model could not run: ${event.message || "the worker stopped"}`);
    }
    this.worker.postMessage({ ...job, bundle: this.bundle });
  }

  cancel(say = true) {
    if (this.worker && this.busy) {
      this.worker.terminate();  // the only way to stop WebAssembly mid-block
      this.worker = null;
      this.busy = false;
      if (say) {
        this.progress.hidden = true;
        this.message.textContent = "Cancelled.";
        this.section.dataset.state = "cancelled";
      }
    }
  }

  receive(data) {
    if (data.type === "progress") {
      this.status.textContent = data.stage;
      if (data.total > 1) { this.bar.max = data.total; this.bar.value = data.done; } else this.bar.removeAttribute("value");
    } else if (data.type === "error") {
      this.busy = false;
      this.fail(data.message);
    } else if (data.type === "result") {
      this.busy = false;
      this.progress.hidden = true;
      this.show(data);
      this.section.dataset.ms = String(Math.round(performance.now() - this.started));
      this.section.dataset.state = "done";
    }
  }

  fail(message) {
    this.progress.hidden = true;
    this.message.textContent = message;
    this.section.dataset.state = "error";
    if (this.busy && this.worker) { this.worker.terminate(); this.worker = null; }
    this.busy = false;
  }

  show(result) {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    this.results.replaceChildren();
    const heading = result.mode === "test" ? "On the model's test input" : "On your file";
    this.results.append(el("h3", {}, heading));
    const facts = `${number(result.seconds)} s in this browser` + (result.plan ? `; blocks: ${result.plan}` : "");
    this.results.append(el("p", { class: "try-facts" }, facts));
    if (result.comparison) this.results.append(this.comparison(result.comparison));
    const gallery = el("div", { class: "try-gallery" });
    for (const t of result.tensors.inputs) gallery.append(this.figure(`input '${t.id}'`, result.inputs[t.id], t, false));
    for (const t of result.tensors.outputs) gallery.append(this.figure(`output '${t.id}'`, result.outputs[t.id], t, true));
    this.results.append(gallery);
  }

  comparison(rows) {
    const table = el("table", { class: "try-compare" });
    table.append(el("caption", {}, "Compared with the expected test output (the RDF's tolerance)"));
    const head = el("tr");
    for (const h of ["Output", "Largest difference", "Elements off", "Allowed (per million)", "Result"]) head.append(el("th", { scope: "col" }, h));
    const thead = el("thead");
    thead.append(head);
    table.append(thead);
    const body = el("tbody");
    for (const r of rows) {
      const tr = el("tr", { "data-output": r.id, "data-passed": String(r.passed), "data-max-difference": String(r.maxDifference) });
      tr.append(el("td", {}, r.id), el("td", {}, number(r.maxDifference)), el("td", {}, String(r.mismatched)),
        el("td", {}, String(r.tolerance.ppm)), el("td", { class: `state ${r.passed ? "passed" : "failed"}` },
          r.passed ? "pass" : "fail"));
      body.append(tr);
    }
    table.append(body);
    return table;
  }

  figure(label, x, tensor, downloadable) {
    const ids = tensor.axes.map((a) => a.id);
    const figure = el("figure", { class: "try-image", "data-tensor": label });
    const canvas = el("canvas", { "aria-label": `${label}, ${shapeText(x)}` });
    const caption = el("figcaption", {}, `${label} (${ids.join(", ")}): ${shapeText(x)} ${x.dtype}`);
    const controls = el("div", { class: "try-view" });
    const at = {};
    const redraw = () => {
      const p = plane(x, ids, at);
      const [lo, hi] = percentiles(p.values, [Number(low.value), Number(high.value)]);
      draw(canvas, p, lo, hi);
      range.textContent = `${number(lo)} – ${number(hi)}`;
    };
    ids.forEach((id, k) => {
      if (id === "y" || id === "x" || x.shape[k] <= 1) return;
      const names = (tensor.axes[k].channels || []);
      const select = el("select", { "aria-label": `${label}: ${id}`, "data-axis": id });
      for (let i = 0; i < x.shape[k]; i++) select.append(el("option", { value: String(i) }, names[i] ? `${id} ${i}: ${names[i]}` : `${id} ${i}`));
      select.addEventListener("change", () => { at[id] = Number(select.value); redraw(); });
      controls.append(select);
    });
    const low = el("input", { type: "range", min: "0", max: "50", step: "0.5", value: "0.5", "aria-label": `${label}: low contrast percentile` });
    const high = el("input", { type: "range", min: "50", max: "100", step: "0.5", value: "99.5", "aria-label": `${label}: high contrast percentile` });
    const range = el("span", { class: "try-range" });
    low.addEventListener("input", redraw);
    high.addEventListener("input", redraw);
    const contrast = el("label", {}, "Contrast ");
    contrast.append(low, high, range);
    controls.append(contrast);
    figure.append(canvas, caption, controls);
    if (downloadable) figure.append(this.downloads(x, tensor));
    redraw();
    return figure;
  }

  downloads(x, tensor) {
    const links = el("p", { class: "try-downloads" });
    const base = `${this.name}-${tensor.id}`.replace(/[^A-Za-z0-9._-]+/g, "_");
    const add = (blob, suffix, text) => {
      const url = URL.createObjectURL(blob);
      this.urls.push(url);
      links.append(el("a", { class: "button", href: url, download: base + suffix, "data-format": suffix.slice(1) }, text), " ");
    };
    add(writeNpy(x), ".npy", "Download .npy");
    try {
      add(writeTiff(x, tiffAxes(tensor)), ".tif", "Download .tif");
    } catch (e) {
      links.append(el("span", {}, e.message));
    }
    return links;
  }
}

export function start(section) {
  if (!section.tryIt) section.tryIt = new TryIt(section);
  return section.tryIt;
}
