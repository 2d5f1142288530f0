"""Model descriptions of format 0.4 (0.4.0 .. 0.4.10; 0.3 is converted first): docs/format.md §3."""

from __future__ import annotations

import keyword
from typing import Any

from pipeline.spec.descr_general import (
    ATTACHMENTS02, AUTHOR02, ID02, general02, linked_dataset02, names_without_slashes, nickname_to_id, not_own_parent,
    percentiles_ordered, resource02, strip_prefixes,
)
from pipeline.spec.fieldtypes import (
    AnyOf, AnyValue, Ctx, DictOf, Field, Float, Int, Invalid, ListOf, Lit, Loc, Model, Obj, Opt, Str, Tagged, Then,
    Warn,
)
from pipeline.spec.report import ALERT, INFO, WARNING
from pipeline.spec.values import (
    FILE_SOURCE, LOWER_IDENTIFIER, PACKAGED_SOURCE, SHA256, TIMESTAMP, VERSION, is_license, relative_path_problem,
    url_problem, with_suffix,
)

WEIGHTS_FORMATS = ("keras_hdf5", "onnx", "pytorch_state_dict", "tensorflow_js", "tensorflow_saved_model_bundle",
                   "torchscript")
OUTPUT_DTYPES = ("float32", "float64", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64",
                 "bool")


def _unique_letters(value: str) -> str:
    if len(set(value)) == len(value):
        return value
    repeated = sorted({a for a in value if value.count(a) > 1})
    if repeated:
        raise Invalid(f"axis letters must be unique, repeated: {''.join(repeated)}", "axes")
    return value


AXES = Then(Str(chars="bitczyx", expected="a string of axis letters from bitczyx"), _unique_letters)
OP_AXES = Then(Str(chars="czyx", expected="axis letters from czyx"), _unique_letters)
NAME = LOWER_IDENTIFIER
FLOAT_OR_LIST = AnyOf(Float(), ListOf(Float()))
FLOAT_OR_LIST1 = AnyOf(Float(), ListOf(Float(), min_len=1))
EPS = Float(gt=0, le=0.1)
MODE = Lit("per_dataset", "per_sample")


def _not_trivial(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    gain, offset = obj["gain"], obj["offset"]
    if (gain == 1.0 or (isinstance(gain, list) and all(g == 1.0 for g in gain))) and \
            (offset == 0.0 or (isinstance(offset, list) and all(o == 0.0 for o in offset))):
        ctx.error(loc, "scale_linear with gain 1 and offset 0 does nothing", "processing_kwargs")


def _mean_std_match_mode(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    fixed = obj["mode"] == "fixed"
    for key in ("mean", "std"):
        if fixed and obj.get(key) is None:
            ctx.error(loc + (key,), "field required when mode is fixed", "missing")
        elif not fixed and obj.get(key) is not None:
            ctx.error(loc + (key,), f"not allowed for mode {obj['mode']}", "processing_kwargs")


KWARGS = {
    "binarize": Model("Binarize04", {"threshold": Field(Float())}),
    "clip": Model("Clip04", {"min": Field(Float()), "max": Field(Float())}),
    "scale_linear": Model("ScaleLinear04", {"axes": Field(Opt(OP_AXES), None), "gain": Field(FLOAT_OR_LIST, 1.0),
                                            "offset": Field(FLOAT_OR_LIST, 0.0)}, after=[_not_trivial]),
    "zero_mean_unit_variance": Model("ZeroMeanUnitVariance04", {
        "mode": Field(Lit("fixed", "per_dataset", "per_sample"), "fixed"), "axes": Field(OP_AXES),
        "mean": Field(Opt(FLOAT_OR_LIST1), None), "std": Field(Opt(FLOAT_OR_LIST1), None),
        "eps": Field(EPS, 1e-6)}, after=[_mean_std_match_mode]),
    "scale_range": Model("ScaleRange04", {
        "mode": Field(MODE), "axes": Field(OP_AXES),
        "min_percentile": Field(Float(ge=0, lt=100), 0.0), "max_percentile": Field(Float(gt=1, le=100), 100.0),
        "eps": Field(EPS, 1e-6), "reference_tensor": Field(Opt(NAME), None)}, after=[percentiles_ordered]),
    "scale_mean_variance": Model("ScaleMeanVariance04", {
        "mode": Field(MODE), "reference_tensor": Field(NAME), "axes": Field(Opt(OP_AXES), None),
        "eps": Field(EPS, 1e-6)}),
}


def _step(name: str) -> Model:
    fields = {"name": Field(Lit(name))}
    if name != "sigmoid":  # sigmoid takes no kwargs at all: even `kwargs: {}` is refused, as by the reference
        fields["kwargs"] = Field(KWARGS[name])
    return Model(f"{name}-step04", fields, hints={"kwargs": "sigmoid takes no kwargs, not even an empty mapping"})


PRE_OPS = ("binarize", "clip", "scale_linear", "sigmoid", "zero_mean_unit_variance", "scale_range")
POST_OPS = PRE_OPS + ("scale_mean_variance",)
PRE_STEP = Tagged("name", {n: _step(n) for n in PRE_OPS}, expected="a processing step {name, kwargs}")
POST_STEP = Tagged("name", {n: _step(n) for n in POST_OPS}, expected="a processing step {name, kwargs}")
INT_LIST = ListOf(Int())


def _same_lengths(a: str, b: str) -> Any:
    def hook(obj: Obj, loc: Loc, ctx: Ctx) -> None:
        if len(obj[a]) != len(obj[b]):
            ctx.error(loc + (b,), f"expected as many {b} values as {a} values ({len(obj[a])}), got {len(obj[b])}",
                      "shape")
    return hook


def _scale_null_needs_offset(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    for k, (scale, offset) in enumerate(zip(obj["scale"], obj["offset"])):
        if scale is None and not offset:
            ctx.error(loc + ("offset", k), "a new axis (scale null) needs a non-zero offset", "shape")
            return


def _half_multiple(value: float) -> float:
    if not float(2 * value).is_integer():
        raise Invalid(f"expected a multiple of 0.5, got {value:g}", "shape")
    return value


PARAM_SHAPE = Model("ParameterizedInputShape04", {"min": Field(ListOf(Int(), min_len=1)),
                                                 "step": Field(ListOf(Int(), min_len=1))},
                    after=[_same_lengths("min", "step")])
IMPLICIT_SHAPE = Model("ImplicitOutputShape04", {
    "reference_tensor": Field(NAME), "scale": Field(ListOf(Opt(Float()), min_len=1)),
    "offset": Field(ListOf(AnyOf(Int(), Then(Float(), _half_multiple)), min_len=1))},
    after=[_same_lengths("scale", "offset"), _scale_null_needs_offset])
TENSOR = {"name": Field(NAME), "description": Field(Str(), ""), "axes": Field(AXES),
          "data_range": Field(Opt(ListOf(Float(allow_inf=True), min_len=2, max_len=2)), None)}


def shape_of(tensor: dict) -> list:
    """The explicit shape, the `min` of a parameterized one, or the scale list of an implicit one."""
    shape = tensor["shape"]
    if isinstance(shape, list):
        return shape
    return shape["min"] if "min" in shape else shape["scale"]


def _batch_size_one(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    axes, shape = obj["axes"], obj["shape"]
    k = axes.find("b")
    if k == -1:
        return
    if isinstance(shape, dict):
        if k >= len(shape["step"]) or shape["step"][k] != 0:
            ctx.error(loc + ("shape", "step"), "the batch axis must have step 0", "shape")
            return
        sizes = shape["min"]
    else:
        sizes = shape
    if k >= len(sizes) or sizes[k] != 1:
        ctx.error(loc + ("shape",), f"the batch axis (b, at {k}) must have size 1", "shape")


def _op_axes_in_tensor(steps_key: str) -> Any:
    def hook(obj: Obj, loc: Loc, ctx: Ctx) -> None:
        for n, step in enumerate(obj[steps_key]):
            axes = step.get("kwargs", {}).get("axes")
            if isinstance(axes, str) and any(a not in obj["axes"] for a in axes):
                ctx.error(loc + (steps_key, n, "kwargs", "axes"), f"expected axes of the tensor "
                          f"({obj['axes']!r}), got {axes!r}", "processing_axes")
    return hook


def _post_axes_given(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    # The reference refuses a 0.4 postprocessing step of a kind with an `axes` option unless
    # `axes` is given as letters (even where it is optional, e.g. scale_linear): say so plainly.
    for n, step in enumerate(obj["postprocessing"]):
        if step["name"] in AXES_OPTION and not isinstance(step["kwargs"].get("axes"), str):
            ctx.error(loc + ("postprocessing", n, "kwargs", "axes"), f"a 0.4 postprocessing {step['name']} step "
                      f"needs `axes` as axis letters (e.g. {obj['axes'].replace('b', '')!r}): the format's "
                      f"reference refuses it without", "processing_axes")
            return


AXES_OPTION = ("scale_linear", "zero_mean_unit_variance", "scale_range", "scale_mean_variance")


def _halo_length(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    halo = obj.get("halo")
    if halo and len(halo) != len(shape_of(obj)):
        ctx.error(loc + ("halo",), f"expected {len(shape_of(obj))} values (one per axis), got {len(halo)}", "halo")


INPUT = Model("InputTensor04", {
    **TENSOR, "data_type": Field(Lit("float32", "uint8", "uint16")),
    "shape": Field(AnyOf(INT_LIST, PARAM_SHAPE, expected="a list of integers or {min, step}")),
    "preprocessing": Field(ListOf(PRE_STEP), list)}, after=[_batch_size_one, _op_axes_in_tensor("preprocessing")])
OUTPUT = Model("OutputTensor04", {
    **TENSOR, "data_type": Field(Lit(*OUTPUT_DTYPES)),
    "shape": Field(AnyOf(INT_LIST, IMPLICIT_SHAPE, expected="a list of integers or {reference_tensor, scale, offset}")),
    "halo": Field(Opt(INT_LIST), None),
    "postprocessing": Field(ListOf(POST_STEP), list)},
    after=[_halo_length, _post_axes_given, _op_axes_in_tensor("postprocessing")])


# ---- weights -------------------------------------------------------------------------------

def _python_name(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)


def is_file_callable(text: str) -> bool:
    """'<relative path or URL>:<Callable>' (the architecture comes from a file)."""
    source, sep, name = text.strip().rpartition(":")
    if not sep or not source or not _python_name(name):
        return False
    return url_problem(source) is None or relative_path_problem(source) is None


def _module_callable(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) >= 2 and all(_python_name(p) for p in parts)


class _Raise(Ctx):
    """A Ctx that turns the first error into Invalid (for reusing a type inside a value check)."""

    def error(self, loc: Loc, msg: str, kind: str) -> Any:
        raise Invalid(msg, kind)


_RAISE = _Raise()


def _callable(value: str) -> str:
    text = value.strip()
    if is_file_callable(text) or _module_callable(text):
        return text
    raise Invalid(f"expected 'file.py:Callable' (a relative path or an http(s) URL) or 'package.module.Callable', "
                  f"got {value!r}", "architecture")


ARCHITECTURE = Then(Str(), _callable, expected="'file.py:Callable' or 'package.module.Callable'")


def _dependencies(value: str) -> str:
    manager, sep, file = value.strip().partition(":")
    if not sep or not manager or not file:
        raise Invalid(f"expected '<manager>:<file>' such as 'conda:environment.yaml', got {value!r}", "dependencies")
    FILE_SOURCE.check(file, (), _RAISE)
    return value.strip()


def _warn_given(msg: str) -> Any:
    def check(value: Any) -> None:
        if value is not None:
            raise Invalid(msg, "discouraged")
    return check


def _version_given(field: str, what: str) -> Any:
    def check(value: Any) -> None:
        if value is None:
            raise Invalid(f"missing: please give the {what} version these weights were made with", field)
    return check


def _architecture_sha(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    from_file = is_file_callable(obj["architecture"])
    if from_file and obj.get("architecture_sha256") is None:
        ctx.error(loc + ("architecture_sha256",), "field required for an architecture from a file", "missing")
    elif not from_file and obj.get("architecture_sha256") is not None:
        ctx.error(loc + ("architecture_sha256",), "only allowed for an architecture from a file", "architecture")


def _entry(fmt: str, extra: dict[str, Field], *after: Any) -> Model:
    fields = {
        "source": Field(PACKAGED_SOURCE), "sha256": Field(Opt(SHA256), None),
        "attachments": Field(Warn(Opt(ATTACHMENTS02), _warn_given("the weights need extra attachments"),
                                  severity=ALERT), None),
        "authors": Field(Opt(ListOf(AUTHOR02)), None),
        "dependencies": Field(Warn(Opt(Then(Str(), _dependencies)), _warn_given(
            "custom dependencies limit where the model can run; avoid them when possible")), None),
        "parent": Field(Opt(Lit(*WEIGHTS_FORMATS)), None),
        **extra,
    }
    return Model(f"{fmt}-weights04", fields, after=[not_own_parent(fmt), *after])


def _versioned(field: str, what: str, type_: Any = VERSION) -> dict[str, Field]:
    return {field: Field(Warn(Opt(type_), _version_given(field, what), severity=ALERT), None)}


WEIGHTS_ENTRIES = {
    "keras_hdf5": _entry("keras_hdf5", _versioned("tensorflow_version", "TensorFlow")),
    "onnx": _entry("onnx", _versioned("opset_version", "ONNX opset", Int(ge=7))),
    "pytorch_state_dict": _entry("pytorch_state_dict", {
        "architecture": Field(ARCHITECTURE), "architecture_sha256": Field(Opt(SHA256), None),
        "kwargs": Field(DictOf(AnyValue()), dict), **_versioned("pytorch_version", "PyTorch")}, _architecture_sha),
    "tensorflow_js": _entry("tensorflow_js", _versioned("tensorflow_version", "TensorFlow")),
    "tensorflow_saved_model_bundle": _entry("tensorflow_saved_model_bundle",
                                            _versioned("tensorflow_version", "TensorFlow")),
    "torchscript": _entry("torchscript", _versioned("pytorch_version", "PyTorch")),
}


def _some_weights(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    if not any(obj.get(fmt) is not None for fmt in WEIGHTS_FORMATS):
        ctx.error(loc, "expected at least one weights entry", "weights")


WEIGHTS = Model("Weights04", {fmt: Field(Opt(entry), None) for fmt, entry in WEIGHTS_ENTRIES.items()},
                after=[_some_weights],
                hints={"*": "not a weights format of model 0.4; known: " + ", ".join(WEIGHTS_FORMATS),
                       "keras_v3": "keras_v3 weights need model format 0.5"})


# ---- the model -----------------------------------------------------------------------------

def _unique_names(value: list, _: dict) -> list:
    names = [t["name"] for t in value]
    if len(set(names)) != len(names):
        raise Invalid(f"duplicate tensor names: {sorted({n for n in names if names.count(n) > 1})}", "duplicate_id")
    return value


def _unique_across(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    inputs = {t["name"] for t in obj["inputs"]}
    for i, tensor in enumerate(obj["outputs"]):
        if tensor["name"] in inputs:
            ctx.error(loc + ("outputs", i, "name"), f"{tensor['name']!r} is also the name of an input",
                      "duplicate_id")


def min_shape(tensor: dict, tensors: dict, depth: int = 0) -> list[int]:
    """The smallest shape of a tensor, following implicit output shapes (the reference's arithmetic)."""
    shape = tensor["shape"]
    if isinstance(shape, list):
        return shape
    if "min" in shape:
        return shape["min"]
    ref = tensors.get(shape["reference_tensor"])
    if ref is None or depth > 8:
        raise Invalid(f"unknown reference tensor {shape['reference_tensor']!r}", "reference_tensor",
                      ("shape", "reference_tensor"))
    ref_shape = min_shape(ref, tensors, depth + 1)
    scale = shape["scale"]
    if None in scale:
        added = [k for k, s in enumerate(scale) if s is None]
        ref_shape = [1 if k in added else ref_shape[k - sum(a < k for a in added)] for k in range(len(scale))]
    return [int(r * (s or 0.0) + 2 * o) for r, s, o in zip(ref_shape, scale, shape["offset"])]


def _outputs_fit(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    tensors = {t["name"]: t for t in obj["inputs"] + obj["outputs"]}
    for i, out in enumerate(obj["outputs"]):
        where = loc + ("outputs", i)
        shape = out["shape"]
        try:
            if isinstance(shape, dict):
                ref = tensors.get(shape["reference_tensor"])
                if ref is None:
                    raise Invalid(f"unknown reference tensor {shape['reference_tensor']!r}", "reference_tensor",
                                  ("shape", "reference_tensor"))
                dims = len([s for s in shape["scale"] if s is not None])
                if len(shape_of(ref)) != dims:
                    raise Invalid(f"the reference tensor {shape['reference_tensor']!r} has {len(shape_of(ref))} "
                                  f"axes, this output {dims} (not counting new axes with scale null)", "shape",
                                  ("shape",))
            smallest = min_shape(out, tensors)
        except (Invalid, IndexError) as e:
            msg, kind, sub = (e.msg, e.kind, e.loc) if isinstance(e, Invalid) else \
                ("the shape does not fit the reference tensor's axes", "shape", ("shape",))
            ctx.error(where + sub, msg, kind)
            continue
        halo = out.get("halo") or [0] * len(smallest)
        for k, (size, h) in enumerate(zip(smallest, halo)):
            if size - 2 * h < 1:
                what = f"halo {h} leaves nothing of" if h else "too small:"
                ctx.error(where + ("halo", k) if h else where + ("shape",),
                          f"{what} the smallest output size {size} (size - 2*halo must be >= 1)", "halo")
                break


def _references(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    inputs = {t["name"] for t in obj["inputs"]}
    for group, key in (("inputs", "preprocessing"), ("outputs", "postprocessing")):
        for i, tensor in enumerate(obj[group]):
            for n, step in enumerate(tensor[key]):
                ref = step.get("kwargs", {}).get("reference_tensor")
                where = loc + (group, i, key, n, "kwargs", "reference_tensor")
                if ref is not None and ref not in inputs:
                    ctx.error(where, f"expected the name of an input, got {ref!r}", "reference_tensor")
                elif ref is not None and group == "inputs" and ref == tensor["name"]:
                    ctx.error(where, "a tensor cannot reference itself", "reference_tensor")


def _counts_and_lengths(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    # The reference checks neither, but the model's test cannot run when they do not fit: warn.
    for group, key in (("inputs", "test_inputs"), ("outputs", "test_outputs")):
        if len(obj[key]) != len(obj[group]):
            ctx.warn(loc + (key,), f"expected {len(obj[group])} file(s), one per {group[:-1]}, got {len(obj[key])}",
                     "test_tensors", WARNING)
    for group in ("inputs", "outputs"):
        for i, tensor in enumerate(obj[group]):
            shape = tensor["shape"]
            parts = {(): shape} if isinstance(shape, list) else {(k,): shape[k] for k in ("min", "step", "scale",
                                                                                          "offset") if k in shape}
            for sub, values in parts.items():
                if len(values) != len(tensor["axes"]):
                    ctx.warn(loc + (group, i, "shape") + sub, f"expected {len(tensor['axes'])} values (one per axis "
                             f"of {tensor['axes']!r}), got {len(values)}", "shape", WARNING)


def _license_known(value: str) -> None:
    if not is_license(value):
        raise Invalid(f"{value!r} is not a current SPDX license id (see https://spdx.org/licenses/)", "license")


def _name_length(value: str) -> None:
    if len(value) < 5:
        raise Invalid("shorter than 5 characters", "name_length")
    if len(value) > 64:
        raise Invalid("longer than 64 characters", "name_length")


def _dict_parent_ignored(raw: Any) -> Any:
    return None if isinstance(raw, dict) else raw


def _run_mode_known(value: str) -> None:
    if value != "deepimagej":
        raise Invalid(f"unknown run mode {value!r}", "run_mode")


RUN_MODE = Model("RunMode", {"name": Field(Warn(Str(), _run_mode_known)), "kwargs": Field(DictOf(AnyValue()), dict)})
NPY = Then(PACKAGED_SOURCE, with_suffix((".npy",)))


def convert04(data: dict, loc: Loc = (), ctx: Ctx | None = None) -> None:
    """Older 0.4 patches (and 0.3, see `convert03_model`) into 0.4.10, as the reference converts them."""
    version = data.get("format_version")
    if not isinstance(version, str):
        return
    if version.startswith("0.3."):
        convert03_model(data)
        version = data.get("format_version")
    if version == "0.4.0":
        # a top-level `dependencies` moved into the pytorch_state_dict entry in 0.4.1
        deps, weights = data.pop("dependencies", None), data.get("weights")
        if deps and isinstance(weights, dict) and isinstance(weights.get("pytorch_state_dict"), dict):
            data["weights"] = dict(weights, pytorch_state_dict=dict(weights["pytorch_state_dict"], dependencies=deps))
        version = "0.4.1"
    if version in ("0.4.1", "0.4.2", "0.4.3", "0.4.4"):
        parent = data.pop("parent", None)
        if isinstance(parent, dict) and "uri" in parent:
            data["parent"] = parent["uri"]
        version = "0.4.5"
    if version in ("0.4.5", "0.4.6"):
        names_without_slashes(data)
        version = "0.4.7"
    if version in ("0.4.7", "0.4.8"):
        version = "0.4.9"
    if version == "0.4.9":
        nickname_to_id(data)
        version = "0.4.10"
    if version.startswith("0.4."):
        data["format_version"] = version
        strip_prefixes(data)
        config = data.get("config")
        if isinstance(config, dict) and config.get("future") == {}:
            data["config"] = config = {k: v for k, v in config.items() if k != "future"}
        if data.get("config") == {}:
            del data["config"]


def _reference_input_renamed(out: Any) -> Any:
    shape = out.get("shape") if isinstance(out, dict) else None
    if not (isinstance(shape, dict) and "reference_input" in shape):
        return out
    shape = {("reference_tensor" if k == "reference_input" else k): v for k, v in shape.items()}
    return dict(out, shape=shape)


def convert03_model(data: dict) -> None:
    """Model 0.3.x into 0.4.0 as the reference converts it: the architecture moves into the
    pytorch_state_dict entry, `pytorch_script` becomes `torchscript`, 0.3.1 author names become {name}."""
    version = data.get("format_version")
    if version == "0.3.0":
        version = "0.3.1"
    if version == "0.3.1":
        data["type"] = "model"
        for key in ("authors", "packaged_by"):
            if isinstance(data.get(key), list):
                data[key] = [{"name": name} for name in data[key]]
        version = "0.3.2"
    if version == "0.3.2" and isinstance(data.get("outputs"), list):
        data["outputs"] = [_reference_input_renamed(out) for out in data["outputs"]]
        version = "0.3.3"
    elif version == "0.3.2":
        version = "0.3.3"
    if version in ("0.3.3", "0.3.4", "0.3.5"):
        version = "0.3.6"
    data["format_version"] = version
    if version != "0.3.6":
        return
    config = data.get("config")
    if isinstance(config, dict) and config.get("future") == {}:
        data["config"] = config = {k: v for k, v in config.items() if k != "future"}
    if data.get("config") == {}:
        del data["config"]
    for key in ("language", "framework"):
        data.pop(key, None)
    moved = {"architecture": data.pop("source", None), "architecture_sha256": data.pop("sha256", None),
             "kwargs": data.pop("kwargs", None)}
    weights = data.get("weights")
    if isinstance(weights, dict):
        weights = data["weights"] = dict(weights)
        if isinstance(weights.get("pytorch_state_dict"), dict):
            weights["pytorch_state_dict"] = dict(weights["pytorch_state_dict"],
                                                 **{k: v for k, v in moved.items() if v is not None})
        if "pytorch_script" in weights:
            weights["torchscript"] = weights.pop("pytorch_script")
    data["format_version"] = "0.4.0"


def model04() -> Model:
    """The model 0.4.10 description."""
    fields = general02()
    fields.update({
        "format_version": Field(Lit("0.4.10", expected="a model 0.4 version of three numbers, 0.4.0 to 0.4.10")),
        "type": Field(Lit("model")),
        "id": Field(Opt(ID02), None),
        "authors": Field(ListOf(AUTHOR02, min_len=1), before=fields["authors"].before),
        "documentation": Field(PACKAGED_SOURCE),
        "inputs": Field(ListOf(INPUT, min_len=1), after=_unique_names),
        "license": Field(Warn(Str(), _license_known)),
        "name": Field(Warn(Str(min_len=1), _name_length, severity=INFO)),
        "outputs": Field(ListOf(OUTPUT, min_len=1), after=_unique_names),
        "packaged_by": Field(ListOf(AUTHOR02), list),
        "parent": Field(Opt(Model("LinkedModel04", {"id": Field(ID02), "version_number": Field(Opt(Int()), None)})),
                        None, before=_dict_parent_ignored),
        "run_mode": Field(Opt(RUN_MODE), None),
        "sample_inputs": Field(ListOf(PACKAGED_SOURCE), list),
        "sample_outputs": Field(ListOf(PACKAGED_SOURCE), list),
        "test_inputs": Field(ListOf(NPY, min_len=1)),
        "test_outputs": Field(ListOf(NPY, min_len=1)),
        "timestamp": Field(TIMESTAMP),
        "training_data": Field(Opt(AnyOf(linked_dataset02(), resource02("dataset"))), None),
        "weights": Field(WEIGHTS),
    })
    return Model("model-0.4", fields, before=[convert04],
                 after=[_unique_across, _outputs_fit, _references, _counts_and_lengths])


MODEL04 = model04()
