// The block plan of `zoo predict` (pipeline/runner/blocking.py and tiling.check_fixed_axes), in
// the browser: which axes move together, which block sizes are valid, where each block goes.
// The axis sizes come from the bundle's manifest, resolved and cross-checked at build time; this
// module repeats the planner's arithmetic with exact fractions, so every block lands on the same
// pixel as in Python (tests/site/test_tryit_js.py compares the two on thousands of cases).

import { Fraction, floorDiv, mod } from "./fraction.mjs";

export const MAX_CANDIDATES = 100000;
const TILE_TYPES = ["space", "time"];

export class PlanError extends Error {
  constructor(message, loc) {
    super(loc ? `${loc}: ${message}` : message);
    this.loc = loc;
  }
}

// One axis size of the manifest, with the methods of runner/sizes.Size
export class Size {
  constructor(raw) {
    Object.assign(this, raw);
    this.offset = Fraction.of(raw.offset);
    this.scale = Fraction.of(raw.scale);
  }

  valid(n) {
    if (this.kind === "fixed") return n === this.fixed;
    if (this.kind === "param") return this.step ? n >= this.min && (n - this.min) % this.step === 0 : n === this.min;
    return n >= 1;
  }

  describe() {
    if (this.kind === "fixed") return `exactly ${this.fixed}`;
    if (this.kind === "param") return this.step ? `${this.min} + n*${this.step}` : `exactly ${this.min}`;
    if (this.kind === "ref") return `floor(${this.ref[0]}.${this.ref[1]} * scale ratio + ${fmt(this.offset)})`;
    return "any size";
  }
}

function fmt(f) {
  return f.d === 1 ? String(f.n) : `${f.n}/${f.d}`;
}

export class ModelSizes {
  constructor(manifestSizes) {
    this.inputs = new Map(Object.entries(manifestSizes.inputs).map(([t, ss]) => [t, ss.map((s) => new Size(s))]));
    this.outputs = new Map(Object.entries(manifestSizes.outputs).map(([t, ss]) => [t, ss.map((s) => new Size(s))]));
  }

  axis(tensor, aid) {
    const sizes = (this.inputs.get(tensor) || []).length ? this.inputs.get(tensor) : this.outputs.get(tensor) || [];
    const found = sizes.find((s) => s.axis === aid);
    if (!found) throw new Error(`no axis ${tensor}.${aid}`);
    return found;
  }

  ratio(s) {
    return this.axis(s.ref[0], s.ref[1]).scale.div(s.scale);
  }
}

class Member {
  constructor(size, actual, a = new Fraction(1), b = new Fraction(0), ratio = null) {
    Object.assign(this, { size, actual, a, b, ratio });
  }

  length(block) {
    return this.ratio === null ? block : new Fraction(block).mul(this.ratio).add(this.size.offset).floor();
  }
}

class Follower {
  constructor(size, member, a, c, ratio) {
    Object.assign(this, { size, member, a, c, ratio });
  }

  length(block) {
    return new Fraction(this.member.length(block)).mul(this.ratio).add(this.size.offset).floor();
  }
}

class Component {
  constructor(members) {
    this.members = members;
    this.followers = [];
    this.tileable = true;
    this.reason = "";
  }

  get anchor() { return this.members[0]; }
  get name() { return `${this.anchor.size.tensor}.${this.anchor.size.axis}`; }
}

const key = (t, a) => `${t}\u0000${a}`;

export function components(ms, shapes) {
  const comps = [];
  const where = new Map();
  for (const [tid, sizes] of ms.inputs) {
    for (const s of sizes) {
      if (!TILE_TYPES.includes(s.type) || s.kind === "ref" || !shapes[tid]) continue;
      const actual = shapes[tid][s.index];
      let home = comps.find((c) => c.anchor.size.axis === s.axis && c.anchor.actual === actual
        && c.members.every((m) => m.size.tensor !== tid));
      const member = new Member(s, actual);
      if (!home) {
        home = new Component([member]);
        comps.push(home);
      } else {
        home.members.push(member);
      }
      where.set(key(tid, s.axis), home);
    }
  }
  for (const [tid, sizes] of ms.inputs) {
    for (const s of sizes) {
      if (!TILE_TYPES.includes(s.type) || s.kind !== "ref" || !shapes[tid]) continue;
      const home = where.get(key(...s.ref));
      if (!home) continue;
      const target = home.members.find((m) => m.size.tensor === s.ref[0] && m.size.axis === s.ref[1]);
      const ratio = ms.ratio(s);
      const member = new Member(s, shapes[tid][s.index], target.a.mul(ratio),
        target.b.mul(ratio).add(s.offset.div(2)), ratio);
      const expected = member.length(target.actual);
      if (member.actual !== expected) {
        throw new PlanError(`input '${tid}' axis '${s.axis}' is ${member.actual} long; its size reference makes it `
          + `${expected} for ${s.ref[0]}.${s.ref[1]} = ${target.actual}`, `${s.loc}.size`);
      }
      home.members.push(member);
      where.set(key(tid, s.axis), home);
    }
  }
  attachOutputs(ms, comps, where);
  return comps;
}

function attachOutputs(ms, comps, where) {
  for (const sizes of ms.outputs.values()) {
    for (const s of sizes) {
      const f = follower(ms, s, where);
      if (f) where.get(key(f.member.size.tensor, f.member.size.axis)).followers.push(f);
    }
  }
  for (const comp of comps) {
    for (const [tid, sizes] of ms.outputs) {
      const mine = comp.followers.filter((f) => f.size.tensor === tid);
      if (sizes.some((s) => s.kind === "data")) {
        comp.tileable = false;
        comp.reason = `output '${tid}' has a data-dependent size`;
      } else if (mine.length !== 1) {
        comp.tileable = false;
        comp.reason = `output '${tid}' has no axis whose size follows input axis ${comp.name}`;
      }
    }
    for (const f of comp.followers) {
      if (f.a.cmp(0) <= 0) throw new PlanError("the size reference maps no pixel", `${f.size.loc}.size`);
    }
  }
}

function follower(ms, s, where) {
  if (!TILE_TYPES.includes(s.type)) return null;
  if (s.kind === "ref" && where.has(key(...s.ref))) {
    const member = where.get(key(...s.ref)).members.find((m) => m.size.tensor === s.ref[0] && m.size.axis === s.ref[1]);
    const ratio = ms.ratio(s);
    return new Follower(s, member, member.a.mul(ratio), member.b.mul(ratio).add(s.offset.div(2)), ratio);
  }
  if (s.kind === "fixed") {
    // a fixed output axis with the id and length of a fixed input axis is that axis (0.4 models)
    const same = [...where].filter(([k]) => k.split("\u0000")[1] === s.axis).map(([, c]) => c);
    const matches = same.flatMap((c) => c.members).filter((m) => m.size.axis === s.axis && m.size.kind === "fixed"
      && m.size.fixed === s.fixed && m.ratio === null);
    if (matches.length === 1) return new Follower(s, matches[0], matches[0].a, matches[0].b, new Fraction(1));
  }
  return null;
}

function lcm(values) {
  let out = 1;
  for (const v of values) {
    let a = out;
    let b = v;
    while (b) [a, b] = [b, a % b];
    out = (out * v) / a;
  }
  return out;
}

// Where blocks of `block` anchor pixels go so that the outputs' inner parts tile them; null: unusable
function layout(comp, block, needOne) {
  if (comp.members.some((m) => m.length(block) < 1)) return null;
  if (!comp.followers.length) {
    if (block < comp.anchor.actual) return null;
    return { block, stride: block, first: 0, count: 1, inner: new Map() };
  }
  const step = lcm([...comp.followers.map((f) => f.a.d), ...comp.members.map((m) => m.a.d)]);
  let stride = null;
  for (const f of comp.followers) {
    const room = f.length(block) - 2 * f.size.halo;
    if (room < 1) return null;
    const most = new Fraction(room).div(f.a).floor();
    stride = stride === null ? most : Math.min(stride, most);
  }
  stride -= mod(stride, step);
  if (stride < step) return null;
  const inner = new Map();
  let firstLimit = null;
  for (const f of comp.followers) {
    const n = f.length(block);
    const keep = new Fraction(stride).mul(f.a).trunc();
    const j0 = Math.min(Math.max(floorDiv(n - keep, 2), f.size.halo), n - f.size.halo - keep);
    inner.set(key(f.size.tensor, f.size.index), j0);
    const limit = new Fraction(-j0).div(f.a);
    firstLimit = firstLimit === null || limit.cmp(firstLimit) < 0 ? limit : firstLimit;
  }
  const first = step * firstLimit.div(step).floor();
  let count = 1;
  for (const f of comp.followers) {
    const outLen = f.length(comp.anchor.actual);
    const coveredFrom = new Fraction(first).mul(f.a).add(inner.get(key(f.size.tensor, f.size.index)));
    count = Math.max(count, new Fraction(outLen).sub(coveredFrom).div(new Fraction(stride).mul(f.a)).ceil());
  }
  if (needOne && count > 1) return null;
  return { block, stride, first, count, inner };
}

function candidates(comp) {
  const s = comp.anchor.size;
  let sizes;
  if (s.kind === "fixed") {
    sizes = [s.fixed];
  } else {
    const step = s.step || 0;
    const top = Math.max(s.min, 4 * comp.anchor.actual + 64);
    const count = step === 0 ? 1 : Math.min(MAX_CANDIDATES, floorDiv(top - s.min, step) + 2);
    sizes = Array.from({ length: count }, (_, k) => s.min + k * step);
  }
  return sizes.filter((b) => comp.members.every((m) => m.ratio !== null || m.size.valid(b)));
}

function blockBytes(ms, shapes, comps, blocks) {
  const lengths = new Map();
  comps.forEach((comp, i) => {
    for (const m of comp.members) lengths.set(key(m.size.tensor, m.size.axis), m.length(blocks[i]));
    for (const f of comp.followers) lengths.set(key(f.size.tensor, f.size.axis), f.length(blocks[i]));
  });
  let total = 0;
  for (const [tid, sizes] of ms.inputs) {
    if (!shapes[tid]) continue;
    total += sizes.reduce((p, s) => p * (lengths.has(key(tid, s.axis)) ? lengths.get(key(tid, s.axis)) : shapes[tid][s.index]), 1);
  }
  let batch = 1;
  outer: for (const [tid, sizes] of ms.inputs) {
    if (!shapes[tid]) continue;
    for (const s of sizes) {
      if (s.kind === "batch") { batch = shapes[tid][s.index]; break outer; }
    }
  }
  for (const [tid, sizes] of ms.outputs) {
    total += sizes.reduce((p, s) => p * (lengths.get(key(tid, s.axis)) || (s.kind === "batch" ? batch : s.fixed || 1)), 1);
  }
  return 4 * total;
}

// The plan for preprocessed inputs of these shapes ({tensor id: shape}); PlanError when none fits
export function plan(ms, shapes, budget) {
  const comps = components(ms, shapes);
  const options = [];
  const chosen = [];
  const fixed = [];
  for (const comp of comps) {
    const usable = [];
    for (const b of candidates(comp)) {
      const lay = layout(comp, b, !comp.tileable);
      if (lay) usable.push([b, lay]);
    }
    if (!usable.length) throw new PlanError(noBlockReason(comp), `${comp.anchor.size.loc}.size`);
    const whole = usable.findIndex(([, lay]) => lay.count === 1);
    options.push(usable);
    chosen.push(whole === -1 ? usable.length - 1 : whole);
    fixed.push(!comp.tileable);
  }
  while (blockBytes(ms, shapes, comps, options.map((o, i) => o[chosen[i]][0])) > budget) {
    const shrinkable = chosen.map((k, i) => i).filter((i) => chosen[i] > 0 && !fixed[i]);
    if (!shrinkable.length) break;
    let pick = shrinkable[0];
    for (const i of shrinkable) if (options[i][chosen[i]][0] > options[pick][chosen[pick]][0]) pick = i;
    chosen[pick] -= 1;
  }
  const notes = comps.filter((c) => !c.tileable && c.reason).map((c) => `${c.name} is predicted whole: ${c.reason}`);
  return { components: comps, layouts: options.map((o, i) => o[chosen[i]][1]), notes };
}

function noBlockReason(comp) {
  const s = comp.anchor.size;
  if (!comp.tileable) {
    return `the image is ${comp.anchor.actual} pixels along '${s.axis}', the model takes ${s.describe()} `
      + `and cannot be tiled along it (${comp.reason})`;
  }
  return `no valid block size (${s.describe()}) leaves room for the outputs' halo along '${s.axis}'`;
}

export function blockCount(p) {
  return p.layouts.reduce((n, lay) => n * lay.count, 1);
}

export function describePlan(p) {
  const parts = p.components.map((c, i) => `${c.anchor.size.axis}: ${p.layouts[i].count} x ${p.layouts[i].block}`
    + (c.tileable ? "" : " (whole)"));
  return parts.join(", ") || "one block";
}

// Channel, index and batch axes are never tiled or padded: they must fit as they are
export function checkFixedAxes(ms, shapes) {
  for (const [tid, sizes] of ms.inputs) {
    const shape = shapes[tid];
    if (!shape) continue;
    if (shape.length !== sizes.length) {
      throw new PlanError(`the array has ${shape.length} dimensions (${shape.join(", ")}), the model expects axes `
        + `(${sizes.map((x) => x.axis).join(", ")})`, tid);
    }
    for (const s of sizes) {
      const n = shape[s.index];
      if (s.kind === "channel" && n !== s.fixed) {
        throw new PlanError(`input '${tid}' has ${n} channel${n === 1 ? "" : "s"}, the model expects ${s.fixed} `
          + `(axes ${sizes.map((x) => x.axis).join(", ")}; a file with its axes in another order needs the Axes field)`,
        `${s.loc}.channel_names`);
      }
      if (!TILE_TYPES.includes(s.type) && (s.kind === "fixed" || s.kind === "param") && !s.valid(n)) {
        throw new PlanError(`input '${tid}' axis '${s.axis}' is ${n} long, the model takes ${s.describe()}`, `${s.loc}.size`);
      }
    }
  }
}

export { key as axisKey };
