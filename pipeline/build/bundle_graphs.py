"""The processing of a model as ONNX graphs, so the browser computes it as `zoo predict` does.

`zoo predict` preprocesses the whole sample, runs the network block by block and postprocesses
the whole output (runner/tiling.py). A browser bundle splits at the same two seams: a
preprocessing graph (raw inputs -> network inputs) and a postprocessing graph (network outputs
and raw inputs -> outputs), built here with the `onnx` library from the description's processing
ops, one node sequence per op of runner/processing.py. Per-sample statistics (means, standard
deviations, percentiles) are reductions inside these graphs over the whole image, exactly where
the runner computes them; the browser's own code only cuts, pads and stitches blocks.

Raw inputs enter as float32 (exact for 8- and 16-bit and float32 images) and are cast to their
declared type first, like the runner's implicit `ensure_dtype`; integer tensors are processed in
float32 where the runner lets numpy promote them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.runner.axes import axis_ids, reduce_axes
from pipeline.runner.execute import data_type
from pipeline.runner.processing import REFERENCE_EPS, op_name, with_implicit_steps

OPSET = 17  # ReduceMean keeps `axes` as an attribute until 18; onnxruntime-web runs 17 everywhere
IR_VERSION = 8  # the IR of opset 17
RAW, PRE, NET, OUT = "raw.", "pre.", "net.", "out."  # graph tensor names: prefix + tensor id


class Unsupported(Exception):
    """The description uses processing the bundle cannot express (reported as a skipped test)."""


@dataclass(frozen=True)
class Value:
    """A tensor inside a graph being built: its name, numpy dtype and axis ids."""

    name: str
    dtype: np.dtype
    ids: tuple[str, ...]


class Builder:
    """Nodes and constants of one graph, with fresh names."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes: list[Any] = []
        self.constants: list[Any] = []
        self.count = 0

    def fresh(self, hint: str) -> str:
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, value: Any, dtype: Any = np.float32) -> str:
        name = self.fresh("c")
        self.constants.append(self.numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, kind: str, *inputs: str, **attrs: Any) -> str:
        out = self.fresh(kind.lower())
        self.nodes.append(self.helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def cast(self, x: Value, dtype: Any) -> Value:
        dtype = np.dtype(dtype)
        if x.dtype == dtype:
            return x
        return Value(self.op("Cast", x.name, to=onnx_type(dtype)), dtype, x.ids)

    def floating(self, x: Value) -> Value:
        """x as a float tensor (integer and bool tensors become float32, as numpy promotes them)."""
        return x if x.dtype.kind == "f" else self.cast(x, np.float32)


def onnx_type(dtype: Any) -> int:
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _along(b: Builder, values: Any, axis: str | None, x: Value, what: str) -> str:
    """A constant broadcasting along `axis` of x (a scalar when `values` is one number)."""
    arr = np.asarray(values, dtype=np.float32)
    if arr.ndim == 0:
        return b.const(arr, x.dtype)
    if axis is None or axis not in x.ids:
        raise ValueError(f"{what}: a list of values needs `axis` naming one of {list(x.ids)}")
    shape = [1] * len(x.ids)
    shape[x.ids.index(axis)] = arr.size
    return b.const(arr.reshape(shape), x.dtype)


def _reduce(b: Builder, kind: str, x: str, axes: tuple[int, ...]) -> str:
    return b.op(kind, x, axes=list(axes), keepdims=1)


def _mean_std(b: Builder, x: Value, axes: tuple[int, ...]) -> tuple[str, str]:
    """Mean and population standard deviation over `axes`, kept as size-1 axes."""
    mean = _reduce(b, "ReduceMean", x.name, axes)
    centered = b.op("Sub", x.name, mean)
    var = _reduce(b, "ReduceMean", b.op("Mul", centered, centered), axes)
    return mean, b.op("Sqrt", var)


def _quantile(b: Builder, x: Value, axes: tuple[int, ...], q: float, method: str) -> str:
    """numpy.quantile(x, q, axis=axes, keepdims=True) for method `linear` or `inverted_cdf`:
    the reduced axes are moved last and flattened, sorted with TopK, and indexed in float64."""
    rank = len(x.ids)
    kept = [k for k in range(rank) if k not in axes]
    perm = kept + list(axes)
    moved = b.op("Transpose", x.name, perm=perm)
    if kept:
        lead = b.op("Slice", b.op("Shape", moved), b.const([0], np.int64), b.const([len(kept)], np.int64))
        flat_shape = b.op("Concat", lead, b.const([-1], np.int64), axis=0)
    else:
        flat_shape = b.const([-1], np.int64)
    flat = b.op("Reshape", moved, flat_shape)
    n = b.op("Slice", b.op("Shape", flat), b.const([-1], np.int64), b.const([2**62], np.int64))
    values = b.fresh("sorted")
    b.nodes.append(b.helper.make_node("TopK", [flat, n], [values, b.fresh("order")], axis=-1, largest=0, sorted=1))
    n_f = b.op("Cast", n, to=onnx_type(np.float64))
    q_c = b.const(q, np.float64)
    last = b.op("Sub", n_f, b.const(1.0, np.float64))
    if method == "inverted_cdf":
        # numpy: virtual index n*q - 1, rounded up when it has a fraction
        index = b.op("Sub", b.op("Ceil", b.op("Mul", n_f, q_c)), b.const(1.0, np.float64))
        index = b.op("Min", b.op("Max", index, b.const(0.0, np.float64)), last)
        picked = b.op("Gather", values, b.op("Cast", index, to=onnx_type(np.int64)), axis=-1)
    else:
        # numpy's linear method: virtual index n*q + (1 - q) - 1, then its own lerp
        pos = b.op("Sub", b.op("Add", b.op("Mul", n_f, q_c), b.const(1.0 - q, np.float64)), b.const(1.0, np.float64))
        pos = b.op("Min", b.op("Max", pos, b.const(0.0, np.float64)), last)
        below = b.op("Floor", pos)
        above = b.op("Min", b.op("Add", below, b.const(1.0, np.float64)), last)
        lo = b.op("Gather", values, b.op("Cast", below, to=onnx_type(np.int64)), axis=-1)
        hi = b.op("Gather", values, b.op("Cast", above, to=onnx_type(np.int64)), axis=-1)
        t = b.op("Cast", b.op("Sub", pos, below), to=onnx_type(x.dtype))
        diff = b.op("Sub", hi, lo)
        one = b.const(1.0, x.dtype)
        up = b.op("Sub", hi, b.op("Mul", diff, b.op("Sub", one, t)))
        down = b.op("Add", lo, b.op("Mul", diff, t))
        picked = b.op("Where", b.op("GreaterOrEqual", t, b.const(0.5, x.dtype)), up, down)
    # picked: the kept axes and one of size 1; back to the original order with size-1 axes
    if len(axes) > 1:
        picked = b.op("Unsqueeze", picked, b.const(list(range(len(kept) + 1, rank)), np.int64))
    inverse = [perm.index(k) for k in range(rank)]
    return b.op("Transpose", picked, perm=inverse)


class Context:
    """The raw inputs a reference_tensor may name, for one graph."""

    def __init__(self, b: Builder, raw: dict[str, Value], where: str):
        self.b, self.raw, self.where = b, raw, where

    def reference(self, tensor_id: str | None, own: Value) -> Value:
        if tensor_id is None:
            return own
        if tensor_id not in self.raw:
            raise ValueError(f"{self.where}: reference_tensor {tensor_id!r} is not an input of the model")
        return self.b.floating(self.raw[tensor_id])


def _axes(names: Any, ids: tuple[str, ...], where: str) -> tuple[int, ...]:
    return reduce_axes(names, list(ids), where)


def _apply(b: Builder, op: dict[str, Any], x: Value, ctx: Context) -> Value:
    """One processing op as graph nodes, following runner/processing.py."""
    name, kw = op_name(op), op.get("kwargs") or {}
    where = ctx.where
    if name == "ensure_dtype":
        return b.cast(x, kw["dtype"])
    xf = b.floating(x)
    out = lambda node: Value(node, xf.dtype, x.ids)  # noqa: E731 - the op's result keeps x's axes
    if name == "binarize":
        return Value(b.op("Greater", xf.name, _along(b, kw["threshold"], kw.get("axis"), xf, where)),
                     np.dtype(bool), x.ids)
    if name == "clip":
        axes = _axes(kw.get("axes"), x.ids, where)
        lo = _quantile(b, xf, axes, kw["min_percentile"] / 100.0, "inverted_cdf") \
            if kw.get("min_percentile") is not None else (b.const(kw["min"], xf.dtype) if kw.get("min") is not None else None)
        hi = _quantile(b, xf, axes, kw["max_percentile"] / 100.0, "inverted_cdf") \
            if kw.get("max_percentile") is not None else (b.const(kw["max"], xf.dtype) if kw.get("max") is not None else None)
        node = xf.name
        if lo is not None:
            node = b.op("Max", node, lo)
        if hi is not None:
            node = b.op("Min", node, hi)
        return out(node)
    if name == "scale_linear":
        gain = _along(b, kw.get("gain", 1.0), kw.get("axis"), xf, where)
        offset = _along(b, kw.get("offset", 0.0), kw.get("axis"), xf, where)
        return out(b.op("Add", b.op("Mul", xf.name, gain), offset))
    if name == "sigmoid":
        return out(b.op("Sigmoid", xf.name))
    if name == "softmax":
        (axis,) = _axes([kw.get("axis", "channel")], x.ids, where)
        return out(b.op("Softmax", xf.name, axis=axis))
    if name == "fixed_zero_mean_unit_variance":
        eps = np.float32(kw.get("eps", 1e-6))
        mean = np.asarray(kw["mean"], dtype=np.float32)
        std = np.asarray(kw["std"], dtype=np.float32) + eps  # as the runner: std + eps in float32
        return out(b.op("Div", b.op("Sub", xf.name, _along(b, mean, kw.get("axis"), xf, where)),
                        _along(b, std, kw.get("axis"), xf, where)))
    if name == "zero_mean_unit_variance":
        mean, std = _mean_std(b, xf, _axes(kw.get("axes"), x.ids, where))
        return out(b.op("Div", b.op("Sub", xf.name, mean), b.op("Add", std, b.const(REFERENCE_EPS, xf.dtype))))
    if name == "scale_range":
        ref = ctx.reference(kw.get("reference_tensor"), xf)
        axes = _axes(kw.get("axes"), ref.ids, where)
        lo = _quantile(b, ref, axes, kw.get("min_percentile", 0.0) / 100.0, "linear")
        hi = _quantile(b, ref, axes, kw.get("max_percentile", 100.0) / 100.0, "linear")
        lo, hi = (b.cast(Value(v, ref.dtype, ref.ids), xf.dtype).name for v in (lo, hi))
        span = b.op("Add", b.op("Sub", hi, lo), b.const(REFERENCE_EPS, xf.dtype))
        return out(b.op("Div", b.op("Sub", xf.name, lo), span))
    if name == "scale_mean_variance":
        ref = b.cast(ctx.reference(kw["reference_tensor"], xf), xf.dtype)
        eps = b.const(kw.get("eps", 1e-6), xf.dtype)
        m, s = _mean_std(b, xf, _axes(kw.get("axes"), x.ids, where))
        rm, rs = _mean_std(b, ref, _axes(kw.get("axes"), ref.ids, where))
        scaled = b.op("Div", b.op("Sub", xf.name, m), b.op("Add", s, eps))
        return out(b.op("Add", b.op("Mul", scaled, b.op("Add", rs, eps)), rm))
    raise Unsupported(f"{where}: processing op {name!r} has no ONNX form in the browser bundle")


def _run_ops(b: Builder, ops: list[dict[str, Any]], x: Value, ctx: Context) -> Value:
    for i, op in enumerate(ops):
        before = x.dtype
        try:
            x = _apply(b, op, x, ctx)
        except (KeyError, TypeError) as e:
            raise ValueError(f"{ctx.where}[{i}] ({op_name(op)}): bad kwargs ({e})") from None
        if x.dtype == np.float64 and before == np.float32:
            x = b.cast(x, np.float32)  # float32 stays float32, as the runner's apply_op keeps it
    return x


def _tensor_info(name: str, dtype: Any, ids: tuple[str, ...], tid: str) -> Any:
    from onnx import helper

    return helper.make_tensor_value_info(name, onnx_type(dtype), [f"{tid}.{i}" for i in ids])


def _model(b: Builder, inputs: list[Any], outputs: list[Any], name: str) -> bytes:
    from onnx import checker, helper

    graph = helper.make_graph(b.nodes, name, inputs, outputs, initializer=b.constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name="bioimage-zoo-pipeline")
    checker.check_model(model)
    return model.SerializeToString()


def _raw_inputs(b: Builder, descr: dict[str, Any]) -> tuple[list[Any], dict[str, Value]]:
    """Graph inputs `raw.<id>` (float32) and each cast to its declared type."""
    infos, raw = [], {}
    for t in descr["inputs"]:
        ids = tuple(axis_ids(t))
        infos.append(_tensor_info(RAW + t["id"], np.float32, ids, t["id"]))
        raw[t["id"]] = b.cast(Value(RAW + t["id"], np.dtype(np.float32), ids), data_type(t))
    return infos, raw


def preprocessing_graph(descr: dict[str, Any]) -> bytes:
    """raw.<id> (float32) -> pre.<id> (the declared type) for every input, as ModelRunner.preprocess."""
    b = Builder()
    infos, raw = _raw_inputs(b, descr)
    outputs = []
    for i, t in enumerate(descr["inputs"]):
        ops = with_implicit_steps(t.get("preprocessing") or [], data_type(t), data_type(t))
        result = _run_ops(b, ops, raw[t["id"]], Context(b, raw, f"inputs[{i}].preprocessing"))
        b.nodes.append(b.helper.make_node("Identity", [result.name], [PRE + t["id"]]))
        outputs.append(_tensor_info(PRE + t["id"], result.dtype, result.ids, t["id"]))
    return _model(b, infos, outputs, "preprocessing")


def referenced_inputs(descr: dict[str, Any]) -> list[str]:
    """Ids of the inputs the postprocessing reads (its reference tensors), in input order."""
    named = {str((op.get("kwargs") or {}).get("reference_tensor")) for t in descr["outputs"]
             for op in t.get("postprocessing") or [] if (op.get("kwargs") or {}).get("reference_tensor")}
    return [t["id"] for t in descr["inputs"] if t["id"] in named]


def postprocessing_graph(descr: dict[str, Any]) -> bytes:
    """net.<id> (float32, the network's outputs) and the referenced raw.<id> inputs -> out.<id>,
    as ModelRunner.postprocess."""
    b = Builder()
    infos, raw = _raw_inputs(b, {"inputs": [t for t in descr["inputs"] if t["id"] in referenced_inputs(descr)]})
    outputs = []
    for i, t in enumerate(descr["outputs"]):
        ids = tuple(axis_ids(t))
        infos.append(_tensor_info(NET + t["id"], np.float32, ids, t["id"]))
        ops = with_implicit_steps(t.get("postprocessing") or [], None, data_type(t))
        x = Value(NET + t["id"], np.dtype(np.float32), ids)
        result = _run_ops(b, ops, x, Context(b, raw, f"outputs[{i}].postprocessing"))
        b.nodes.append(b.helper.make_node("Identity", [result.name], [OUT + t["id"]]))
        outputs.append(_tensor_info(OUT + t["id"], result.dtype, result.ids, t["id"]))
    return _model(b, infos, outputs, "postprocessing")
