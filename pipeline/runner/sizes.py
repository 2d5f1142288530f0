"""The axis sizes a model description declares, checked for contradictions (model 0.5 shape, normalised).

Every input and output axis becomes one `Size`: batch, channel, fixed, parameterized (`min` + n*`step`),
a reference to another axis (`floor(ref * ref_scale / scale + offset)`), or data dependent. References
are resolved here once, so the tiling planner never follows a chain or meets a cycle. Only the standard
library is imported: the worker uses this in per-model environments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from pipeline.runner.axes import LETTER_IDS, axis_id

TILE_TYPES = ("space", "time")


class SizeError(ValueError):
    """The description's axis sizes contradict each other or the given data; `loc` names the field."""

    def __init__(self, msg: str, loc: str):
        super().__init__(f"{loc}: {msg}")
        self.loc = loc


@dataclass(frozen=True)
class Size:
    """One axis of one tensor: how its size is declared and where it lives."""

    tensor: str
    axis: str
    index: int
    type: str
    kind: str  # batch | channel | fixed | param | ref | data
    loc: str
    fixed: int | None = None
    min: int | None = None
    step: int | None = None
    ref: tuple[str, str] | None = None
    offset: Fraction = Fraction(0)
    scale: Fraction = Fraction(1)
    halo: int = 0
    batch_one: bool = False  # a batch axis declared with size 1

    def valid(self, n: int) -> bool:
        """True when n is a size this axis allows by itself (references are checked by the caller)."""
        if self.kind == "fixed":
            return n == self.fixed
        if self.kind == "param":
            return n >= self.min and (n - self.min) % self.step == 0 if self.step else n == self.min
        return n >= 1

    def describe(self) -> str:
        """The allowed sizes in words, for error messages."""
        if self.kind == "fixed":
            return f"exactly {self.fixed}"
        if self.kind == "param":
            return f"{self.min} + n*{self.step}" if self.step else f"exactly {self.min}"
        if self.kind == "ref":
            return f"floor({self.ref[0]}.{self.ref[1]} * scale ratio + {self.offset})"
        return "any size"


def _fraction(value: Any, loc: str, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SizeError(f"{what} must be a finite number, got {value!r}", loc)
    return Fraction(value).limit_denominator(10**6)


def _int(value: Any, loc: str, lowest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise SizeError(f"expected an integer >= {lowest}, got {value!r}", loc)
    return value


def _axis_size(tensor_id: str, k: int, axis: dict, loc: str, output: bool) -> Size:
    kind_of = axis.get("type", "space")
    aid = axis_id(axis)
    size = axis.get("size")
    base = {"tensor": tensor_id, "axis": aid, "index": k, "type": kind_of, "loc": loc}
    raw_scale = 1 if axis.get("scale") is None else axis.get("scale")
    scale = _fraction(raw_scale, f"{loc}.scale", "scale") if kind_of in TILE_TYPES else Fraction(1)
    if scale <= 0:
        raise SizeError(f"scale must be positive, got {axis.get('scale')!r}", f"{loc}.scale")
    halo = axis.get("halo") or 0
    if halo:
        halo = _int(halo, f"{loc}.halo", 0)
        if not (isinstance(size, dict) and "tensor_id" in size):
            raise SizeError("a halo needs a size that references an input axis", f"{loc}.halo")
    if kind_of == "batch":
        if size not in (None, 1):
            raise SizeError(f"a batch axis has size null or 1, got {size!r}", f"{loc}.size")
        return Size(**base, kind="batch", batch_one=size == 1)
    if kind_of == "channel" and not isinstance(size, dict):
        names = axis.get("channel_names") or []
        count = len(names) if names else size
        return Size(**base, kind="channel", fixed=_int(count, f"{loc}.size", 1))
    if isinstance(size, int) and not isinstance(size, bool):
        return Size(**base, kind="fixed", fixed=_int(size, f"{loc}.size", 1), scale=scale, halo=halo)
    if isinstance(size, dict) and "tensor_id" in size:
        ref = (str(size.get("tensor_id")), str(LETTER_IDS.get(size.get("axis_id"), size.get("axis_id"))))
        offset = _fraction(size.get("offset") or 0, f"{loc}.size.offset", "offset")
        return Size(**base, kind="ref", ref=ref, offset=offset, scale=scale, halo=halo)
    if isinstance(size, dict) and "step" in size and "min" in size:
        return Size(**base, kind="param", min=_int(size["min"], f"{loc}.size.min", 1),
                    step=_int(size.get("step") or 0, f"{loc}.size.step", 0), scale=scale)
    if output and isinstance(size, dict) and ("min" in size or "max" in size):
        return Size(**base, kind="data", scale=scale)
    if isinstance(size, dict) and "min" in size:  # an input {min} without step: one size only
        return Size(**base, kind="param", min=_int(size["min"], f"{loc}.size.min", 1), step=0, scale=scale)
    raise SizeError(f"unusable size {size!r}", f"{loc}.size")


@dataclass
class ModelSizes:
    """All axis sizes of a model, by tensor id, in axis order; references checked."""

    inputs: dict[str, list[Size]]
    outputs: dict[str, list[Size]]

    def axis(self, tensor: str, aid: str) -> Size:
        for s in self.inputs.get(tensor) or self.outputs.get(tensor) or []:
            if s.axis == aid:
                return s
        raise KeyError((tensor, aid))

    def ratio(self, s: Size) -> Fraction:
        """ref_scale / scale of a reference size: output (or derived input) pixels per referenced pixel."""
        return self.axis(*s.ref).scale / s.scale

    def derived(self, s: Size, ref_size: int) -> int:
        """The size a reference axis takes when the referenced axis has `ref_size`."""
        return math.floor(ref_size * self.ratio(s) + s.offset)


def model_sizes(descr: dict[str, Any]) -> ModelSizes:
    """Parse and cross-check every axis size; a contradiction raises SizeError naming the field."""
    found: dict[str, dict[str, list[Size]]] = {"inputs": {}, "outputs": {}}
    for kind in ("inputs", "outputs"):
        for i, t in enumerate(descr.get(kind) or []):
            tid = str(t.get("id"))
            if tid in found["inputs"] or tid in found["outputs"]:
                raise SizeError(f"tensor id {tid!r} is used twice", f"{kind}[{i}].id")
            axes = t.get("axes") or []
            sizes = [_axis_size(tid, k, a, f"{kind}[{i}].axes[{k}]", kind == "outputs") for k, a in enumerate(axes)]
            ids = [s.axis for s in sizes]
            if len(set(ids)) != len(ids):
                raise SizeError(f"axis ids {ids} are not unique", f"{kind}[{i}].axes")
            found[kind][tid] = sizes
    ms = ModelSizes(found["inputs"], found["outputs"])
    for kind in ("inputs", "outputs"):
        for sizes in found[kind].values():
            for s in sizes:
                if s.kind == "ref":
                    _check_reference(ms, s, kind)
    _check_output_halos(ms)
    return ms


def _check_reference(ms: ModelSizes, s: Size, kind: str) -> None:
    tensor, aid = s.ref
    where = f"{s.loc}.size"
    if tensor not in ms.inputs:
        what = "an output" if tensor in ms.outputs else "no tensor of the model"
        raise SizeError(f"references {tensor!r}, which is {what}; sizes may only reference inputs",
                        f"{where}.tensor_id")
    if (tensor, aid) == (s.tensor, s.axis):
        raise SizeError("references itself", where)
    try:
        target = ms.axis(tensor, aid)
    except KeyError:
        raise SizeError(f"input {tensor!r} has no axis {aid!r}", f"{where}.axis_id") from None
    if target.kind == "batch":
        raise SizeError(f"references the batch axis of {tensor!r}", f"{where}.axis_id")
    if target.kind == "ref":
        raise SizeError(f"references {tensor}.{aid}, which is itself a reference", f"{where}.axis_id")
    if s.type in TILE_TYPES and target.type not in TILE_TYPES:
        raise SizeError(f"a {s.type} axis references the {target.type} axis {tensor}.{aid}", f"{where}.axis_id")


def smallest(ms: ModelSizes, s: Size) -> int | None:
    """The smallest size an input or output axis can take (None: data dependent or batch)."""
    if s.kind in ("fixed", "channel"):
        return s.fixed
    if s.kind == "param":
        return s.min
    if s.kind == "ref":
        ref = smallest(ms, ms.axis(*s.ref))
        return None if ref is None else ms.derived(s, ref)
    return None


def _check_output_halos(ms: ModelSizes) -> None:
    """The smallest output minus twice its halo must keep at least one pixel (docs/format.md §3)."""
    for sizes in ms.outputs.values():
        for s in sizes:
            low = smallest(ms, s)
            if s.kind == "ref" and low is not None and low < 1:
                raise SizeError(f"the smallest input makes this axis {low} pixels long", f"{s.loc}.size")
            if s.halo and low is not None and low - 2 * s.halo < 1:
                raise SizeError(f"halo {s.halo} leaves nothing of the smallest output ({low} pixels)",
                                f"{s.loc}.halo")
