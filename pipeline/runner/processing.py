"""Pre- and postprocessing ops with the math the reference runner uses (docs/format.md §3, §4, §6).

Statistics are computed from the tensors of the sample being processed: a per-sample op reduces
over its `axes`; `axes: None` reduces over every axis including batch (a dataset statistic, which
in a test comes from the test sample). Reference tensors are the sample's unprocessed inputs.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from pipeline.runner.axes import NotRunnable, reduce_axes

# The reference ignores a custom eps for these two ops; test outputs were made that way.
REFERENCE_EPS = 1e-6
DTYPES = {"float32", "float64", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "bool"}


class Context:
    """What an op may look at besides its own tensor: axis ids and the unprocessed reference tensors."""

    def __init__(self, ids: list[str], references: dict[str, tuple[np.ndarray, list[str]]], where: str):
        self.ids = ids
        self.references = references
        self.where = where

    def reference(self, tensor_id: str | None, own: np.ndarray) -> tuple[np.ndarray, list[str]]:
        if tensor_id is None:
            return own, self.ids
        if tensor_id not in self.references:
            raise ValueError(f"{self.where}: reference_tensor {tensor_id!r} is not an input of the model")
        return self.references[tensor_id]


def along(values: Any, axis: str | None, ids: list[str], what: str) -> np.ndarray:
    """A scalar, or a list of per-index values shaped to broadcast along `axis`."""
    arr = np.asarray(values, dtype=np.float32)
    if arr.ndim == 0:
        return arr
    if axis is None or axis not in ids:
        raise ValueError(f"{what}: a list of values needs `axis` naming one of {ids}")
    shape = [1] * len(ids)
    shape[ids.index(axis)] = arr.size
    return arr.reshape(shape)


def _check_len(x: np.ndarray, param: np.ndarray, ids: list[str], axis: str | None, what: str) -> None:
    if param.ndim and x.shape[ids.index(axis)] != param.size:
        raise ValueError(f"{what}: {param.size} values for axis {axis!r} of size {x.shape[ids.index(axis)]}")


def binarize(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    t = along(kw["threshold"], kw.get("axis"), ctx.ids, ctx.where)
    _check_len(x, t, ctx.ids, kw.get("axis"), ctx.where)
    return x > t


def clip(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    axes = reduce_axes(kw.get("axes"), ctx.ids, ctx.where)
    lo, hi = kw.get("min"), kw.get("max")
    if kw.get("min_percentile") is not None:
        lo = np.quantile(x, kw["min_percentile"] / 100.0, axis=axes, keepdims=True, method="inverted_cdf")
    if kw.get("max_percentile") is not None:
        hi = np.quantile(x, kw["max_percentile"] / 100.0, axis=axes, keepdims=True, method="inverted_cdf")
    return np.clip(x, lo, hi)


def ensure_dtype(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    dtype = kw["dtype"]
    if dtype not in DTYPES:
        raise ValueError(f"{ctx.where}: unknown dtype {dtype!r}")
    return x.astype(dtype, copy=False)


def scale_linear(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    gain = along(kw.get("gain", 1.0), kw.get("axis"), ctx.ids, ctx.where)
    offset = along(kw.get("offset", 0.0), kw.get("axis"), ctx.ids, ctx.where)
    for p in (gain, offset):
        _check_len(x, p, ctx.ids, kw.get("axis"), ctx.where)
    return x * gain + offset


def sigmoid(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(x.dtype if x.dtype.kind == "f" else np.float32)


def softmax(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    (axis,) = reduce_axes([kw.get("axis", "channel")], ctx.ids, ctx.where)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def fixed_zero_mean_unit_variance(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    mean = along(kw["mean"], kw.get("axis"), ctx.ids, ctx.where)
    std = along(kw["std"], kw.get("axis"), ctx.ids, ctx.where)
    for p in (mean, std):
        _check_len(x, p, ctx.ids, kw.get("axis"), ctx.where)
    return (x - mean) / (std + np.float32(kw.get("eps", 1e-6)))


def zero_mean_unit_variance(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    axes = reduce_axes(kw.get("axes"), ctx.ids, ctx.where)
    mean = x.mean(axis=axes, keepdims=True)
    std = x.std(axis=axes, keepdims=True)  # population std (ddof 0)
    return (x - mean) / (std + np.float32(REFERENCE_EPS))


def scale_range(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    ref, ref_ids = ctx.reference(kw.get("reference_tensor"), x)
    axes = reduce_axes(kw.get("axes"), ref_ids, ctx.where)
    lo = np.quantile(ref, kw.get("min_percentile", 0.0) / 100.0, axis=axes, keepdims=True, method="linear")
    hi = np.quantile(ref, kw.get("max_percentile", 100.0) / 100.0, axis=axes, keepdims=True, method="linear")
    return (x - lo) / (hi - lo + np.float32(REFERENCE_EPS))


def scale_mean_variance(x: np.ndarray, kw: dict, ctx: Context) -> np.ndarray:
    ref, ref_ids = ctx.reference(kw["reference_tensor"], x)
    axes = reduce_axes(kw.get("axes"), ctx.ids, ctx.where)
    ref_axes = reduce_axes(kw.get("axes"), ref_ids, ctx.where)
    eps = np.float32(kw.get("eps", 1e-6))
    m, s = x.mean(axis=axes, keepdims=True), x.std(axis=axes, keepdims=True)
    rm, rs = ref.mean(axis=ref_axes, keepdims=True), ref.std(axis=ref_axes, keepdims=True)
    return (x - m) / (s + eps) * (rs + eps) + rm


OPS: dict[str, Callable[[np.ndarray, dict, Context], np.ndarray]] = {
    "binarize": binarize, "clip": clip, "ensure_dtype": ensure_dtype, "scale_linear": scale_linear,
    "sigmoid": sigmoid, "softmax": softmax, "fixed_zero_mean_unit_variance": fixed_zero_mean_unit_variance,
    "zero_mean_unit_variance": zero_mean_unit_variance, "scale_range": scale_range,
    "scale_mean_variance": scale_mean_variance,
}


def op_name(op: dict) -> str:
    """The op's id (0.5 `id`, 0.4 `name`); a 0.4 fixed-mode zero_mean_unit_variance maps to its 0.5 op."""
    name = op.get("id") or op.get("name")
    if name == "zero_mean_unit_variance" and (op.get("kwargs") or {}).get("mode") == "fixed":
        return "fixed_zero_mean_unit_variance"
    return str(name)


def apply_op(op: dict, x: np.ndarray, ctx: Context) -> np.ndarray:
    """Apply one processing op; unknown or plugin ops (stardist, cellpose, custom) are not runnable."""
    name = op_name(op)
    fn = OPS.get(name)
    if fn is None:
        raise NotRunnable(f"{ctx.where}: processing op {name!r} is not supported by this runner")
    kwargs = op.get("kwargs") or {}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = fn(x, kwargs, ctx)
    if out.dtype == np.float64 and x.dtype == np.float32:
        out = out.astype(np.float32)  # float32 stays float32 like the reference's xarray ops
    return out


def with_implicit_steps(ops: list[dict], start: str | None, end: str | None) -> list[dict]:
    """Add the reference's implicit ensure_dtype at start/end unless the list already has one there."""
    ops = list(ops)
    if start and not (ops and op_name(ops[0]) == "ensure_dtype"):
        ops.insert(0, {"id": "ensure_dtype", "kwargs": {"dtype": start}})
    if end and not (ops and op_name(ops[-1]) in ("ensure_dtype", "binarize")):
        ops.append({"id": "ensure_dtype", "kwargs": {"dtype": end}})
    return ops


def run_ops(ops: list[dict], x: np.ndarray, ctx: Context) -> np.ndarray:
    """Apply ops in order, naming the failing op in any error."""
    for i, op in enumerate(ops):
        try:
            x = apply_op(op, x, ctx)
        except (KeyError, TypeError, ValueError) as e:
            msg = str(e).removeprefix(f"{ctx.where}: ")
            if isinstance(e, KeyError):
                msg = f"missing kwarg {e}"
            raise ValueError(f"{ctx.where}[{i}] ({op_name(op)}): {msg}") from None
    return x
