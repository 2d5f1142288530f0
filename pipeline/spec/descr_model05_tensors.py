"""Model 0.5 tensors: axes and their sizes, data descriptions, processing steps (docs/format.md §4)."""

from __future__ import annotations

from typing import Any

from pipeline.spec.descr_general import PACKAGED_FILE, fair, percentiles_ordered
from pipeline.spec.fieldtypes import (
    AnyOf, AnyValue, Bool, Ctx, DictOf, Field, Float, Int, Invalid, ListOf, Lit, Loc, Model, Obj, Opt, Str, Tagged,
    Then, TupleOf, Type,
)
from pipeline.spec.report import WARNING
from pipeline.spec.values import (
    AXIS_ID, DEFAULT_AXIS_ID, FILE_SOURCE, NON_BATCH_AXIS_ID, SHA256, SI_UNIT, TENSOR_ID, axis_id_of, not_rdf_name,
    resource_id,
)

DTYPES = ("float32", "float64", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "bool")
SPACE_UNITS = ("attometer", "angstrom", "centimeter", "decimeter", "exameter", "femtometer", "foot", "gigameter",
               "hectometer", "inch", "kilometer", "megameter", "meter", "micrometer", "mile", "millimeter",
               "nanometer", "parsec", "petameter", "picometer", "terameter", "yard", "yoctometer", "yottameter",
               "zeptometer", "zettameter")
TIME_UNITS = ("attosecond", "centisecond", "day", "decisecond", "exasecond", "femtosecond", "gigasecond",
              "hectosecond", "hour", "kilosecond", "megasecond", "microsecond", "millisecond", "minute", "nanosecond",
              "petasecond", "picosecond", "second", "terasecond", "yoctosecond", "yottasecond", "zeptosecond",
              "zettasecond")
DTYPE_LIMITS = {"float32": (-3.4028235e38, 3.4028235e38), "float64": (-1.7976931348623157e308, 1.7976931348623157e308),
                "uint8": (0, 255), "int8": (-128, 127), "uint16": (0, 65535), "int16": (-32768, 32767),
                "uint32": (0, 4294967295), "int32": (-2147483648, 2147483647), "uint64": (0, 18446744073709551615),
                "int64": (-9223372036854775808, 9223372036854775807)}


class StrictInt(Type):
    """An integer given as an integer (size reference offsets: no '5', no 5.0, no true)."""

    expected = "an integer"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        return value if type(value) is int else self.fail(value, loc, ctx)

    def json_schema(self, defs: dict) -> dict:
        return {"type": "integer"}


def _min_below_max(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    if obj.get("max") is not None and obj["min"] >= obj["max"]:
        ctx.error(loc + ("max",), f"expected max > min ({obj['min']}), got {obj['max']}", "size")


PARAMETERIZED = Model("ParameterizedSize", {"min": Field(Int(gt=0)), "step": Field(Int(gt=0))},
                      doc="valid sizes are min + n*step, n >= 0")
DATA_DEPENDENT = Model("DataDependentSize", {"min": Field(Int(gt=0), 1), "max": Field(Opt(Int(gt=1)), None)},
                       after=[_min_below_max])
SIZE_REFERENCE = Model("SizeReference", {"tensor_id": Field(TENSOR_ID), "axis_id": Field(AXIS_ID),
                                         "offset": Field(StrictInt(), 0)})
SIZE_REFERENCE_HALO = SIZE_REFERENCE.extend(
    "SizeReference", expected="a size reference {tensor_id, axis_id, offset}: an axis with a halo is sized by one")
POSITIVE = Int(gt=0)
INPUT_SIZE = AnyOf(POSITIVE, PARAMETERIZED, SIZE_REFERENCE,
                   expected="a positive integer, {min, step} or {tensor_id, axis_id, offset}")
OUTPUT_SIZE = AnyOf(POSITIVE, SIZE_REFERENCE, expected="a positive integer or {tensor_id, axis_id, offset}")
INDEX_OUTPUT_SIZE = AnyOf(POSITIVE, SIZE_REFERENCE, DATA_DEPENDENT,
                          expected="a positive integer, {tensor_id, axis_id, offset} or {min, max}")


def _axis_id(default: str, *, batch: bool = False) -> Field:
    if batch:
        return Field(Then(AXIS_ID, lambda v: v if v == "batch" else _raise("the batch axis has the id 'batch'")),
                     "batch")
    return Field(NON_BATCH_AXIS_ID, default)


def _raise(msg: str) -> Any:
    raise Invalid(msg, "axis_id")


def _axis(kind: str, fields: dict[str, Field], name: str, **options: Any) -> Model:
    return Model(name, {"type": Field(Lit(kind)), "id": _axis_id(DEFAULT_AXIS_ID[kind], batch=kind == "batch"),
                        "description": Field(Str(max_len=128), ""), **fields}, **options)


_SCALE = Field(Float(gt=0), 1.0)
_SPACE_UNIT = Field(Opt(Lit(*SPACE_UNITS, expected="a length unit such as micrometer")), None)
_TIME_UNIT = Field(Opt(Lit(*TIME_UNITS, expected="a time unit such as second")), None)
BATCH = _axis("batch", {"size": Field(Opt(Lit(1)), None)}, "BatchAxis")
CHANNEL = _axis("channel", {"channel_names": Field(ListOf(Str(), min_len=1))}, "ChannelAxis",
                hints={"size": "a channel axis' size is the number of its channel_names; remove `size`"})
_CONCAT = {"concatenable": Field(Bool(), False)}
INPUT_AXIS = Tagged("type", {
    "batch": BATCH, "channel": CHANNEL,
    "index": _axis("index", {"size": Field(INPUT_SIZE), **_CONCAT}, "IndexInputAxis"),
    "time": _axis("time", {"unit": _TIME_UNIT, "scale": _SCALE, "size": Field(INPUT_SIZE), **_CONCAT},
                  "TimeInputAxis"),
    "space": _axis("space", {"unit": _SPACE_UNIT, "scale": _SCALE, "size": Field(INPUT_SIZE), **_CONCAT},
                   "SpaceInputAxis"),
}, expected="an axis {type: batch|channel|index|time|space, ...}")


def _with_or_without_halo(kind: str, unit: Field) -> Tagged:
    plain = _axis(kind, {"unit": unit, "scale": _SCALE, "size": Field(OUTPUT_SIZE)}, f"{kind.title()}OutputAxis")
    halo = _axis(kind, {"unit": unit, "scale": _SCALE, "halo": Field(Int(ge=1)), "size": Field(SIZE_REFERENCE_HALO)},
                 f"{kind.title()}OutputAxisWithHalo")
    return Tagged("halo", {"with": halo, "without": plain}, choose=lambda d: "with" if "halo" in d else "without")


OUTPUT_AXIS = Tagged("type", {
    "batch": BATCH, "channel": CHANNEL,
    "index": _axis("index", {"size": Field(INDEX_OUTPUT_SIZE)}, "IndexOutputAxis"),
    "time": _with_or_without_halo("time", _TIME_UNIT),
    "space": _with_or_without_halo("space", _SPACE_UNIT),
}, expected="an axis {type: batch|channel|index|time|space, ...}")


# ---- data descriptions ---------------------------------------------------------------------

def _values_fit_type(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    kind, bad = obj["type"], []
    for value in obj["values"]:
        if kind == "bool":
            ok = isinstance(value, bool)
        else:
            lo, hi = DTYPE_LIMITS[kind]
            ok = not ((isinstance(value, (int, float)) and not lo <= value <= hi)
                      or (isinstance(value, str) and "uint" not in kind)
                      or (isinstance(value, float) and "int" in kind))
        if not ok:
            bad.append(value)
    if bad:
        ctx.error(loc + ("values",), f"data type {kind!r} does not fit the values {bad[:5]}", "data")


_VALUES = AnyOf(*(ListOf(t, min_len=1) for t in (Int(), Float(), Bool(), Str())), expected="a non-empty list of values")
_UNIT = AnyOf(Lit("arbitrary unit"), SI_UNIT, expected="'arbitrary unit' or an SI unit")
NOMINAL = Model("NominalOrOrdinalData", {"values": Field(_VALUES), "type": Field(Lit(*DTYPES), "uint8"),
                                         "unit": Field(Opt(_UNIT), None)}, after=[_values_fit_type])
_INFINITE = ("inf", "-inf", ".inf", "-.inf", float("inf"), float("-inf"))


def replace_infinite_range(data: dict, loc: Loc, ctx: Ctx) -> None:
    """An infinite range bound means 'open': the reference replaces it by null (and warns)."""
    bounds = data.get("range")
    if isinstance(bounds, list) and any(isinstance(v, (str, float)) and v in _INFINITE for v in bounds):
        data["range"] = [None if isinstance(v, (str, float)) and v in _INFINITE else v for v in bounds]
        ctx.warn(loc + ("range",), "an infinite bound is written as null", "data_range", WARNING)


INTERVAL = Model("IntervalOrRatioData", {
    "type": Field(Lit(*DTYPES[:-1]), "float32"),
    "range": Field(TupleOf(Opt(Float()), Opt(Float())), lambda: [None, None]),
    "unit": Field(_UNIT, "arbitrary unit"), "scale": Field(Float(), 1.0), "offset": Field(Opt(Float()), None)},
    before=[replace_infinite_range])
DATA_ITEM = AnyOf(NOMINAL, INTERVAL, expected="a data description {type, range, ...} or {values, type}")


def _one_dtype(value: Any, _: dict) -> Any:
    if isinstance(value, list) and len({d["type"] for d in value}) > 1:
        raise Invalid("per-channel data descriptions must share one `type`", "data")
    return value


DATA = AnyOf(DATA_ITEM, ListOf(DATA_ITEM, min_len=1), expected="a data description or a list of them, one per channel")


# ---- processing ----------------------------------------------------------------------------

EPS = Float(gt=0, le=0.1)
OP_AXES = Opt(ListOf(AXIS_ID))
_PCT_LO, _PCT_HI = Float(ge=0, lt=100), Float(gt=1, le=100)


def _kw(name: str, fields: dict[str, Field], *after: Any, extra: str = "forbid") -> Model:
    return Model(name, fields, after=after, extra=extra)


def _not_trivial(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    if obj["gain"] == 1.0 and obj["offset"] == 0.0:
        ctx.error(loc, "scale_linear with gain 1 and offset 0 does nothing", "processing_kwargs")


def _along_axis(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    gain, offset = obj["gain"], obj["offset"]
    if not isinstance(gain, list) and not isinstance(offset, list):
        ctx.error(loc + ("axis",), "`axis` is only for lists of gains or offsets; give scalars without it",
                  "processing_kwargs")
        return
    if isinstance(gain, list) and isinstance(offset, list) and len(gain) != len(offset):
        ctx.error(loc + ("offset",), f"expected {len(gain)} offsets (one per gain), got {len(offset)}",
                  "processing_kwargs")
        return
    gains = gain if isinstance(gain, list) else [gain]
    offsets = offset if isinstance(offset, list) else [offset]
    if all(g == 1.0 for g in gains) and all(o == 0.0 for o in offsets):
        ctx.error(loc, "scale_linear with gain 1 and offset 0 does nothing", "processing_kwargs")


def _clip_bounds(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    has = {k: obj.get(k) is not None for k in ("min", "min_percentile", "max", "max_percentile")}
    if has["min"] and has["min_percentile"]:
        ctx.error(loc, "give `min` or `min_percentile`, not both", "processing_kwargs")
    elif has["max"] and has["max_percentile"]:
        ctx.error(loc, "give `max` or `max_percentile`, not both", "processing_kwargs")
    elif not any(has.values()):
        ctx.error(loc, "clip needs at least one of min, min_percentile, max, max_percentile", "processing_kwargs")
    elif obj.get("axes") is not None and not (has["min_percentile"] or has["max_percentile"]):
        ctx.error(loc + ("axes",), "`axes` only applies to percentile bounds", "processing_kwargs")


def _mean_std_lengths(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    if len(obj["mean"]) != len(obj["std"]):
        ctx.error(loc + ("std",), f"expected {len(obj['mean'])} values (one per mean), got {len(obj['std'])}",
                  "processing_kwargs")


STD = Float(ge=1e-6)
_STARDIST = {"prob_threshold": Field(Float()), "nms_threshold": Field(Float()), "n_rays": Field(Int())}
_PAIR = TupleOf(Int(), Int())
KWARGS: dict[str, Type] = {
    "binarize": AnyOf(_kw("Binarize", {"threshold": Field(Float())}),
                      _kw("BinarizeAlongAxis", {"threshold": Field(ListOf(Float(), min_len=1)),
                                                "axis": Field(NON_BATCH_AXIS_ID)})),
    "clip": _kw("Clip", {"min": Field(Opt(Float()), None), "min_percentile": Field(Opt(_PCT_LO), None),
                         "max": Field(Opt(Float()), None), "max_percentile": Field(Opt(_PCT_HI), None),
                         "axes": Field(OP_AXES, None)}, _clip_bounds),
    "ensure_dtype": _kw("EnsureDtype", {"dtype": Field(Lit(*DTYPES))}),
    "scale_linear": AnyOf(
        _kw("ScaleLinear", {"gain": Field(Float(), 1.0), "offset": Field(Float(), 0.0)}, _not_trivial),
        _kw("ScaleLinearAlongAxis", {"axis": Field(NON_BATCH_AXIS_ID),
                                     "gain": Field(AnyOf(Float(), ListOf(Float(), min_len=1)), 1.0),
                                     "offset": Field(AnyOf(Float(), ListOf(Float(), min_len=1)), 0.0)}, _along_axis)),
    "softmax": _kw("Softmax", {"axis": Field(NON_BATCH_AXIS_ID, "channel")}),
    "fixed_zero_mean_unit_variance": AnyOf(
        _kw("FixedZeroMeanUnitVariance", {"mean": Field(Float()), "std": Field(STD)}),
        _kw("FixedZeroMeanUnitVarianceAlongAxis", {"mean": Field(ListOf(Float(), min_len=1)),
                                                   "std": Field(ListOf(STD, min_len=1)),
                                                   "axis": Field(NON_BATCH_AXIS_ID)}, _mean_std_lengths)),
    "zero_mean_unit_variance": _kw("ZeroMeanUnitVariance", {"axes": Field(OP_AXES, None), "eps": Field(EPS, 1e-6)}),
    "scale_range": _kw("ScaleRange", {"axes": Field(OP_AXES, None), "min_percentile": Field(_PCT_LO, 0.0),
                                      "max_percentile": Field(_PCT_HI, 100.0), "eps": Field(EPS, 1e-6),
                                      "reference_tensor": Field(Opt(TENSOR_ID), None)}, percentiles_ordered),
    "scale_mean_variance": _kw("ScaleMeanVariance", {"reference_tensor": Field(TENSOR_ID),
                                                     "axes": Field(OP_AXES, None), "eps": Field(EPS, 1e-6)}),
    "stardist_postprocessing": AnyOf(
        _kw("Stardist2D", {**_STARDIST, "grid": Field(_PAIR),
                           "b": Field(AnyOf(Int(), TupleOf(_PAIR, _PAIR)))}),
        _kw("Stardist3D", {**_STARDIST, "grid": Field(TupleOf(Int(), Int(), Int())),
                           "b": Field(AnyOf(Int(), TupleOf(_PAIR, _PAIR, _PAIR))),
                           "anisotropy": Field(TupleOf(Float(), Float(), Float())),
                           "overlap_label": Field(Opt(Int()), None)})),
    "cellpose_flow_dynamics": _kw("CellposeFlowDynamics", {
        "cellprob_threshold": Field(Float()), "flow_threshold": Field(Float()), "do_3D": Field(Bool()),
        "min_size": Field(Int(), 15), "output_dtype": Field(Lit("uint16", "uint32"), "uint16")}),
}
KWARGS_REQUIRED = ("binarize", "clip", "ensure_dtype", "scale_linear", "fixed_zero_mean_unit_variance",
                   "scale_mean_variance", "stardist_postprocessing", "cellpose_flow_dynamics")
CUSTOM = Model("custom-step05", {
    "id": Field(Lit("custom")), "callable": Field(Str()), "source": Field(Then(FILE_SOURCE, not_rdf_name)),
    "sha256": Field(Opt(SHA256), None), "kwargs": Field(DictOf(AnyValue()), dict)},
    doc="a callable from a Python file: untrusted code, never run by the validator")


def _step(op: str) -> Model:
    fields = {"id": Field(Lit(op))}
    if op != "sigmoid":  # sigmoid takes no kwargs: even `kwargs: {}` is refused, as by the reference
        fields["kwargs"] = Field(KWARGS[op]) if op in KWARGS_REQUIRED else Field(KWARGS[op], dict)
    return Model(f"{op}-step05", fields, hints={"kwargs": "sigmoid takes no kwargs, not even an empty mapping"})


PRE_OPS = ("binarize", "clip", "ensure_dtype", "fixed_zero_mean_unit_variance", "scale_linear", "scale_range",
           "sigmoid", "softmax", "zero_mean_unit_variance")
POST_OPS = PRE_OPS + ("scale_mean_variance", "stardist_postprocessing", "cellpose_flow_dynamics")
PRE_STEP = Tagged("id", {op: _step(op) for op in PRE_OPS}, expected="a processing step {id, kwargs}")
POST_STEP = Tagged("id", {**{op: _step(op) for op in POST_OPS}, "custom": CUSTOM},
                   expected="a processing step {id, kwargs}")


# ---- tensors -------------------------------------------------------------------------------

def _axes_ok(value: list, _: dict) -> list:
    if sum(1 for a in value if a["type"] == "batch") > 1:
        raise Invalid("at most one batch axis per tensor", "batch_axis")
    ids = [axis_id_of(a) for a in value]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise Invalid(f"duplicate axis ids: {repeated}", "duplicate_id")
    return value


def _data_fits_channels(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    data = obj["data"]
    if not isinstance(data, list):
        return
    channels = [a for a in obj["axes"] if a["type"] == "channel"]
    if channels and len(data) != len(channels[0]["channel_names"]):
        ctx.error(loc + ("data",), f"expected {len(channels[0]['channel_names'])} data descriptions (one per "
                  f"channel), got {len(data)}", "data")


PER_AXIS_KWARGS = ("gain", "offset", "mean", "std", "threshold")


def _op_axes_in_tensor(steps_key: str) -> Any:
    def hook(obj: Obj, loc: Loc, ctx: Ctx) -> None:
        axes = {axis_id_of(a): a for a in obj["axes"]}
        for n, step in enumerate(obj[steps_key]):
            kwargs = step.get("kwargs") if isinstance(step.get("kwargs"), dict) else {}
            where = loc + (steps_key, n, "kwargs")
            for m, name in enumerate(kwargs.get("axes") or []):
                if name not in axes:
                    ctx.error(where + ("axes", m), f"the tensor has no axis {name!r} (axes: {', '.join(sorted(axes))})",
                              "processing_axes")
                    return
            _per_axis_warnings(kwargs, axes, where, ctx)
    return hook


def _per_axis_warnings(kwargs: dict, axes: dict, where: Loc, ctx: Ctx) -> None:
    # The reference does not check these, but a model that breaks them cannot run: warn.
    axis = kwargs.get("axis")
    if axis is not None and axis not in axes:
        ctx.warn(where + ("axis",), f"the tensor has no axis {axis!r} (axes: {', '.join(sorted(axes))}); "
                 "the model cannot run like this", "processing_axes", WARNING)
        return
    target = axes.get(axis) if axis is not None else None
    count = len(target["channel_names"]) if target is not None and target["type"] == "channel" else \
        target.get("size") if target is not None else None
    for key in PER_AXIS_KWARGS:
        values = kwargs.get(key)
        if isinstance(values, list) and isinstance(count, int) and len(values) not in (1, count):
            ctx.warn(where + (key,), f"expected {count} values (one per {axis} index), got {len(values)}; "
                     "the model cannot run like this", "processing_kwargs", WARNING)


PADDING = AnyOf(
    Model("ConstantPadding", {"mode": Field(Lit("constant"), "constant"),
                              "value": Field(AnyOf(Int(), Float()), 0)}),
    *(Model(f"{m.title()}Padding", {"mode": Field(Lit(m), m)}) for m in ("edge", "reflect", "symmetric")),
    expected="a padding {mode: constant|edge|reflect|symmetric}")
_TENSOR = {"description": Field(Str(max_len=128), ""),
           "test_tensor": Field(fair(Opt(PACKAGED_FILE)), None), "sample_tensor": Field(fair(Opt(PACKAGED_FILE)), None),
           "data": Field(DATA, dict, after=_one_dtype)}
INPUT = Model("InputTensor05", {
    "id": Field(TENSOR_ID, "input"), **_TENSOR, "axes": Field(ListOf(INPUT_AXIS, min_len=1), after=_axes_ok),
    "output_of": Field(Opt(resource_id(lowercase=False)), None), "optional": Field(Bool(), False),
    "pad": Field(Opt(PADDING), None), "preprocessing": Field(ListOf(PRE_STEP), list)},
    after=[_data_fits_channels, _op_axes_in_tensor("preprocessing")])
OUTPUT = Model("OutputTensor05", {
    "id": Field(TENSOR_ID, "output"), **_TENSOR, "axes": Field(ListOf(OUTPUT_AXIS, min_len=1), after=_axes_ok),
    "postprocessing": Field(ListOf(POST_STEP), list)},
    after=[_data_fits_channels, _op_axes_in_tensor("postprocessing")])
