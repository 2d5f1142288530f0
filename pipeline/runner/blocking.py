"""Plan a blockwise prediction: which axes move together, which block sizes are valid, where blocks go.

Space and time axes of the inputs are grouped into components: axes joined by size references, and
axes with the same id and the same length in several inputs (tiled together). Each component has an
anchor axis whose coordinates the others follow linearly (`node = anchor * a + b`), and the output
axes whose sizes reference it (`out = anchor * a + c`, so upsampling, downsampling and size offsets
are all one case). A component can be tiled when every output follows it; otherwise it is predicted
in one block, padded up to a valid size. Blocks are placed so that every output's halo-free inner
part tiles the output exactly; borders are padded. Only the standard library is imported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from pipeline.runner.sizes import TILE_TYPES, ModelSizes, Size, SizeError

DEFAULT_BLOCK_BYTES = 64 * 1024**2
MAX_CANDIDATES = 100_000  # valid sizes tried per axis before giving up (a step of 1 on a huge image)


@dataclass(frozen=True)
class Member:
    """An input axis in a component: its position and its coordinates as a function of the anchor's."""

    size: Size
    actual: int
    a: Fraction = Fraction(1)
    b: Fraction = Fraction(0)
    ratio: Fraction | None = None  # for references: derived length = floor(anchor length * ratio + offset)

    def length(self, block: int) -> int:
        if self.ratio is None:
            return block
        return math.floor(block * self.ratio + self.size.offset)


@dataclass(frozen=True)
class Follower:
    """An output axis following a component: out coordinate = anchor coordinate * a + c."""

    size: Size
    member: Member
    a: Fraction
    c: Fraction
    ratio: Fraction

    def length(self, block: int) -> int:
        return math.floor(self.member.length(block) * self.ratio + self.size.offset)


@dataclass
class Component:
    """Input axes that move together, the output axes that follow them, and whether blocks may split them."""

    members: list[Member]
    followers: list[Follower] = field(default_factory=list)
    tileable: bool = True
    reason: str = ""

    @property
    def anchor(self) -> Member:
        return self.members[0]

    @property
    def name(self) -> str:
        return f"{self.anchor.size.tensor}.{self.anchor.size.axis}"


@dataclass(frozen=True)
class Layout:
    """Blocks of `block` anchor pixels, starting at `first`, every `stride`; `count` of them."""

    block: int
    stride: int
    first: int
    count: int
    inner_start: dict[tuple[str, int], int]  # per output axis: first halo-free index kept in a block

    def start(self, i: int) -> int:
        return self.first + i * self.stride


@dataclass
class Plan:
    """The components with their layouts; blocks are the product of the per-component block indices."""

    components: list[Component]
    layouts: list[Layout]
    notes: list[str] = field(default_factory=list)

    @property
    def blocks(self) -> int:
        return math.prod(lay.count for lay in self.layouts)

    def describe(self) -> str:
        parts = [f"{c.anchor.size.axis}: {lay.count} x {lay.block}" + ("" if c.tileable else " (whole)")
                 for c, lay in zip(self.components, self.layouts)]
        return ", ".join(parts) or "one block"


def _lcm(values: list[int]) -> int:
    out = 1
    for v in values:
        out = out * v // math.gcd(out, v)
    return out


def components(ms: ModelSizes, shapes: dict[str, tuple[int, ...]]) -> list[Component]:
    """Group the inputs' space/time axes into components (sample sizes decide same-id grouping)."""
    comps: list[Component] = []
    where: dict[tuple[str, str], Component] = {}
    # first the independent axes (fixed or parameterized): same id and same length join a component
    for tid, sizes in ms.inputs.items():
        for s in sizes:
            if s.type not in TILE_TYPES or s.kind == "ref" or tid not in shapes:
                continue
            actual = shapes[tid][s.index]
            home = next((c for c in comps if c.anchor.size.axis == s.axis and c.anchor.actual == actual
                         and all(m.size.tensor != tid for m in c.members)), None)
            member = Member(s, actual)
            if home is None:
                home = Component([member])
                comps.append(home)
            else:
                home.members.append(member)
            where[(tid, s.axis)] = home
    # then the references, which follow the axis they name
    for tid, sizes in ms.inputs.items():
        for s in sizes:
            if s.type not in TILE_TYPES or s.kind != "ref" or tid not in shapes:
                continue
            home = where.get(s.ref)
            if home is None:
                continue  # the referenced input is optional and absent
            target = next(m for m in home.members if (m.size.tensor, m.size.axis) == s.ref)
            ratio = ms.ratio(s)
            member = Member(s, shapes[tid][s.index], a=target.a * ratio, b=target.b * ratio + s.offset / 2,
                            ratio=ratio)
            expected = member.length(target.actual)
            if member.actual != expected:
                raise SizeError(f"input {tid!r} axis {s.axis!r} is {member.actual} long; its size reference "
                                f"makes it {expected} for {s.ref[0]}.{s.ref[1]} = {target.actual}", f"{s.loc}.size")
            home.members.append(member)
            where[(tid, s.axis)] = home
    _attach_outputs(ms, comps, where)
    return comps


def _attach_outputs(ms: ModelSizes, comps: list[Component], where: dict[tuple[str, str], Component]) -> None:
    for tid, sizes in ms.outputs.items():
        for s in sizes:
            follower = _follower(ms, s, where)
            if follower is not None:
                where[follower.member.size.tensor, follower.member.size.axis].followers.append(follower)
    for comp in comps:
        for tid, sizes in ms.outputs.items():
            mine = [f for f in comp.followers if f.size.tensor == tid]
            if any(s.kind == "data" for s in sizes):
                comp.tileable, comp.reason = False, f"output {tid!r} has a data-dependent size"
            elif len(mine) != 1:
                comp.tileable = False
                comp.reason = f"output {tid!r} has no axis whose size follows input axis {comp.name}"
        for f in comp.followers:
            if f.a <= 0:
                raise SizeError("the size reference maps no pixel", f"{f.size.loc}.size")


def _follower(ms: ModelSizes, s: Size, where: dict[tuple[str, str], Component]) -> Follower | None:
    if s.type not in TILE_TYPES:
        return None
    if s.kind == "ref" and s.ref in where:
        member = next(m for m in where[s.ref].members if (m.size.tensor, m.size.axis) == s.ref)
        ratio = ms.ratio(s)
        return Follower(s, member, a=member.a * ratio, c=member.b * ratio + s.offset / 2, ratio=ratio)
    if s.kind == "fixed":
        # a fixed output axis with the id and length of a fixed input axis is read as that axis
        # (0.4 models wrote `shape: [1, 1, 256, 256]` for both): identity, no offset
        same = [c for (tid, aid), c in where.items() if aid == s.axis]
        matches = [m for c in same for m in c.members if m.size.axis == s.axis and m.size.kind == "fixed"
                   and m.size.fixed == s.fixed and m.ratio is None]
        if len(matches) == 1:
            m = matches[0]
            return Follower(s, m, a=m.a, c=m.b, ratio=Fraction(1))
    return None


def _layout(comp: Component, block: int, need_one: bool) -> Layout | None:
    """Where blocks of `block` anchor pixels go so that the outputs' inner parts tile them; None: unusable."""
    if any(m.length(block) < 1 for m in comp.members):
        return None
    if not comp.followers:
        if block < comp.anchor.actual:
            return None
        return Layout(block, block, 0, 1, {})
    step = _lcm([f.a.denominator for f in comp.followers] + [m.a.denominator for m in comp.members])
    stride = None
    for f in comp.followers:
        room = f.length(block) - 2 * f.size.halo
        if room < 1:
            return None
        most = math.floor(room / f.a)
        stride = most if stride is None else min(stride, most)
    stride -= stride % step
    if stride < step:
        return None
    inner, first_limit = {}, None
    for f in comp.followers:
        n, keep = f.length(block), int(stride * f.a)
        j0 = min(max((n - keep) // 2, f.size.halo), n - f.size.halo - keep)
        inner[(f.size.tensor, f.size.index)] = j0
        limit = Fraction(-j0) / f.a
        first_limit = limit if first_limit is None else min(first_limit, limit)
    first = step * math.floor(first_limit / step)
    count = 1
    for f in comp.followers:
        out_len = f.length(comp.anchor.actual)
        covered_from = first * f.a + inner[(f.size.tensor, f.size.index)]
        count = max(count, math.ceil((out_len - covered_from) / (stride * f.a)))
    if need_one and count > 1:
        return None
    return Layout(block, stride, first, count, inner)


def candidates(comp: Component) -> list[int]:
    """The anchor block sizes every member allows, ascending (bounded)."""
    s = comp.anchor.size
    if s.kind == "fixed":
        sizes = [s.fixed]
    else:
        step = s.step or 0
        top = max(s.min, 4 * comp.anchor.actual + 64)
        count = 1 if step == 0 else min(MAX_CANDIDATES, (top - s.min) // step + 2)
        sizes = [s.min + k * step for k in range(count)]
    return [b for b in sizes if all(m.ratio is not None or m.size.valid(b) for m in comp.members)]


def block_bytes(ms: ModelSizes, shapes: dict[str, tuple[int, ...]], comps: list[Component], blocks: list[int]) -> int:
    """Bytes of one block's input and output tensors (float32)."""
    lengths: dict[tuple[str, str], int] = {}
    for comp, b in zip(comps, blocks):
        for m in comp.members:
            lengths[(m.size.tensor, m.size.axis)] = m.length(b)
        for f in comp.followers:
            lengths[(f.size.tensor, f.size.axis)] = f.length(b)
    total = 0
    for tid, sizes in ms.inputs.items():
        if tid in shapes:
            total += math.prod(lengths.get((tid, s.axis), shapes[tid][s.index]) for s in sizes)
    batch = next((shapes[t][s.index] for t, ss in ms.inputs.items() if t in shapes for s in ss if s.kind == "batch"), 1)
    for tid, sizes in ms.outputs.items():
        total += math.prod(lengths.get((tid, s.axis)) or (batch if s.kind == "batch" else s.fixed or 1) for s in sizes)
    return 4 * total


def plan(ms: ModelSizes, shapes: dict[str, tuple[int, ...]], request: dict[str, int] | None = None,
         budget: int = DEFAULT_BLOCK_BYTES) -> Plan:
    """Choose a block size per component: the whole image when it fits the budget, else smaller blocks."""
    comps = components(ms, shapes)
    request = request or {}
    options: list[list[tuple[int, Layout]]] = []
    chosen: list[int] = []
    fixed_by_user: list[bool] = []
    for comp in comps:
        usable = [(b, lay) for b in candidates(comp) if (lay := _layout(comp, b, not comp.tileable)) is not None]
        if not usable:
            raise SizeError(_no_block_reason(comp), comp.anchor.size.loc + ".size")
        wanted = request.get(comp.anchor.size.axis) or request.get("*")
        whole = next((k for k, (_, lay) in enumerate(usable) if lay.count == 1), len(usable) - 1)
        if wanted and comp.tileable:
            pick = next((k for k, (b, _) in enumerate(usable) if b >= wanted), len(usable) - 1)
            pick = min(pick, whole)
        else:
            pick = whole
        options.append(usable)
        chosen.append(pick)
        fixed_by_user.append(bool(wanted) or not comp.tileable)
    while block_bytes(ms, shapes, comps, [options[i][k][0] for i, k in enumerate(chosen)]) > budget:
        shrinkable = [i for i, k in enumerate(chosen) if k > 0 and not fixed_by_user[i]]
        if not shrinkable:
            break
        i = max(shrinkable, key=lambda j: options[j][chosen[j]][0])
        chosen[i] -= 1
    result = Plan(comps, [options[i][k][1] for i, k in enumerate(chosen)])
    for comp in comps:
        if not comp.tileable and comp.reason:
            result.notes.append(f"{comp.name} is predicted whole: {comp.reason}")
    return result


def _no_block_reason(comp: Component) -> str:
    s = comp.anchor.size
    if not comp.tileable:
        return (f"the image is {comp.anchor.actual} pixels along {s.axis!r}, the model takes {s.describe()} "
                f"and cannot be tiled along it ({comp.reason})")
    return f"no valid block size ({s.describe()}) leaves room for the outputs' halo along {s.axis!r}"
