"""Model descriptions of format 0.5 (0.5.0 .. 0.5.14): weights, config and the model (docs/format.md §4)."""

from __future__ import annotations

from typing import Any

from pipeline.spec.descr_general import (
    AUTHOR03, DOCUMENTATION03, ID03, PACKAGED_FILE, fair, general03, maintainers_exist, not_own_parent,
    plain_files_to_objects, resource02, resource03, version_number_to_version,
)
from pipeline.spec.descr_model04 import RUN_MODE
from pipeline.spec.descr_model05_tensors import INPUT, OUTPUT, axis_id_of
from pipeline.spec.fieldtypes import (
    AnyOf, AnyValue, Bool, Ctx, DictOf, Field, Float, Int, Invalid, ListOf, Lit, Loc, Model, Obj, Opt, Str, Then,
    TupleOf, Warn,
)
from pipeline.spec.report import WARNING
from pipeline.spec.values import (
    FILE_SOURCE, HTTP_URL, IDENTIFIER, SHA256, TENSOR_ID, TIMESTAMP, VERSION, file_name, not_rdf_name, with_suffix,
)

WEIGHTS_FORMATS = ("keras_hdf5", "keras_v3", "onnx", "pytorch_state_dict", "tensorflow_js",
                   "tensorflow_saved_model_bundle", "torchscript")
LATEST = "0.5.14"
VERSION_HELP = "a known format version of three numbers (model 0.3.x, 0.4.x or 0.5.x; latest {latest})"
WEIGHTS_SOURCE = Then(FILE_SOURCE, not_rdf_name)


def _keras3(value: str) -> str:
    from packaging.version import Version

    if Version(value) < Version("3"):
        raise Invalid(f"expected a Keras version >= 3, got {value!r}", "version")
    return value


def _external_data_name(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    data = obj.get("external_data")
    if data is not None and file_name(data["source"]) == file_name(obj["source"]):
        ctx.error(loc + ("external_data", "source"), "the external data file needs another name than the model file",
                  "weights")


_FILE_ARCH = Model("ArchitectureFromFile", {
    "source": Field(WEIGHTS_SOURCE), "sha256": Field(Opt(SHA256), None), "callable": Field(IDENTIFIER),
    "kwargs": Field(DictOf(AnyValue()), dict)})
_LIBRARY_ARCH = Model("ArchitectureFromLibrary", {
    "import_from": Field(Str()), "callable": Field(IDENTIFIER), "kwargs": Field(DictOf(AnyValue()), dict)})
ARCHITECTURE = AnyOf(_FILE_ARCH, _LIBRARY_ARCH, expected="{source, sha256, callable, kwargs} or "
                     "{import_from, callable, kwargs}")
DEPENDENCIES = Opt(Then(PACKAGED_FILE, with_suffix((".yaml", ".yml"))))


def _entry(fmt: str, extra: dict[str, Field], *after: Any, source: Any = WEIGHTS_SOURCE) -> Model:
    fields = {"source": Field(source), "sha256": Field(Opt(SHA256), None),
              "authors": Field(Opt(ListOf(AUTHOR03)), None),
              "parent": Field(Opt(Lit(*WEIGHTS_FORMATS)), None), "comment": Field(Str(), ""), **extra}
    return Model(f"{fmt}-weights05", fields, after=[not_own_parent(fmt), *after])


ENTRIES = {
    "keras_hdf5": _entry("keras_hdf5", {"tensorflow_version": Field(VERSION)}),
    "keras_v3": _entry("keras_v3", {"keras_version": Field(Then(VERSION, _keras3)),
                                    "backend": Field(TupleOf(Lit("tensorflow", "jax", "torch"), VERSION))},
                       source=Then(WEIGHTS_SOURCE, with_suffix((".keras",)))),
    "onnx": _entry("onnx", {"opset_version": Field(Int(ge=7)),
                            "external_data": Field(Opt(Then(PACKAGED_FILE, with_suffix((".data",)))), None)},
                   _external_data_name),
    "pytorch_state_dict": _entry("pytorch_state_dict", {
        "architecture": Field(ARCHITECTURE), "pytorch_version": Field(VERSION),
        "dependencies": Field(DEPENDENCIES, None), "strict": Field(Bool(), True)}),
    "tensorflow_js": _entry("tensorflow_js", {"tensorflow_version": Field(VERSION)}),
    "tensorflow_saved_model_bundle": _entry("tensorflow_saved_model_bundle", {
        "tensorflow_version": Field(VERSION), "dependencies": Field(DEPENDENCIES, None)}),
    "torchscript": _entry("torchscript", {"pytorch_version": Field(VERSION)}),
}


def _weights_entries(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    present = [fmt for fmt in WEIGHTS_FORMATS if obj.get(fmt) is not None]
    if not present:
        ctx.error(loc, "expected at least one weights entry", "weights")
        return
    roots = [fmt for fmt in present if obj[fmt].get("parent") is None]
    if len(roots) != 1:
        ctx.warn(loc, f"exactly one weights entry should have no `parent` (the original weights), got {len(roots)}",
                 "weights_parent", WARNING)
    for fmt in present:
        parent = obj[fmt].get("parent")
        if parent is not None and parent not in present:
            ctx.error(loc + (fmt, "parent"), f"parent {parent!r} is not among the weights", "weights_parent")
            return
    for fmt in present:
        seen, current = {fmt}, obj[fmt].get("parent")
        while current is not None and current in present and current not in seen:
            seen.add(current)
            current = obj[current].get("parent")
        if current == fmt:
            ctx.warn(loc + (fmt, "parent"), "the weights' parents form a cycle: none of them is the original",
                     "weights_parent", WARNING)
            return


WEIGHTS = Model("Weights05", {fmt: Field(Opt(entry), None) for fmt, entry in ENTRIES.items()},
                after=[_weights_entries], hints={"*": "not a weights format; known: " + ", ".join(WEIGHTS_FORMATS)})


# ---- config ----------------------------------------------------------------------------------

_PPM = Int(ge=0, le=30000)
_TOLERANCE_BASE = {"mismatched_elements_per_million": Field(_PPM, 100),
                   "weights_formats": Field(ListOf(Lit(*WEIGHTS_FORMATS)), list)}
TOLERANCE = AnyOf(
    Model("ReproducibilityTolerance", {**_TOLERANCE_BASE, "output_ids": Field(ListOf(TENSOR_ID), list),
                                       "relative_tolerance": Field(Float(ge=0, le=0.01), 1e-3),
                                       "absolute_tolerance": Field(Float(ge=0), 1e-3)}, extra="allow"),
    Model("ContinuousTolerance", {**_TOLERANCE_BASE, "output_ids": Field(Lit("any_continuous_output"),
                                                                         "any_continuous_output"),
                                  "relative_tolerance": Field(Float(ge=0, le=0.01), 1e-3),
                                  "absolute_tolerance": Field(Float(ge=0), 1e-3)}, extra="allow"),
    Model("DiscreteTolerance", {**_TOLERANCE_BASE, "output_ids": Field(Lit("any_discrete_output"),
                                                                       "any_discrete_output"),
                                "relative_tolerance": Field(Lit(0), 0), "absolute_tolerance": Field(Lit(0), 0),
                                "mismatched_elements_per_million": Field(_PPM, 1000)}, extra="allow"),
    expected="a reproducibility tolerance {relative_tolerance, absolute_tolerance, ...}")
_S = Opt(Str())
_FREE = {"extra": "allow"}
EVALUATION = Model("Evaluation", {
    "model_id": Field(Opt(ID03), None), "dataset_id": Field(ID03), "dataset_source": Field(HTTP_URL),
    "dataset_role": Field(Lit("train", "validation", "test", "independent", "unknown")),
    "sample_count": Field(Int()), "evaluation_factors": Field(ListOf(Str(max_len=16))),
    "evaluation_factors_long": Field(ListOf(Str())), "metrics": Field(ListOf(Str(max_len=16))),
    "metrics_long": Field(ListOf(Str())), "results": Field(ListOf(ListOf(AnyOf(Str(), Float(), Int())))),
    "results_summary": Field(_S, None)}, extra="allow", after=[lambda o, l, c: _evaluation_tables(o, l, c)])


def _evaluation_tables(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    if len(obj["evaluation_factors"]) != len(obj["evaluation_factors_long"]):
        ctx.error(loc, "`evaluation_factors` and `evaluation_factors_long` must have the same length", "evaluation")
    elif len(obj["metrics"]) != len(obj["metrics_long"]):
        ctx.error(loc, "`metrics` and `metrics_long` must have the same length", "evaluation")
    elif len(obj["results"]) != len(obj["metrics"]) or any(len(r) != len(obj["evaluation_factors"])
                                                            for r in obj["results"]):
        ctx.error(loc + ("results",), "`results` needs one row per metric and one column per evaluation factor",
                  "evaluation")


ZOO_CONFIG = Model("BioimageioConfig05", {
    "reproducibility_tolerance": Field(ListOf(TOLERANCE), list),
    "funded_by": Field(_S, None), "architecture_type": Field(Opt(Str(max_len=32)), None),
    "architecture_description": Field(_S, None), "modality": Field(_S, None),
    "target_structure": Field(ListOf(Str()), list), "task": Field(_S, None), "new_version": Field(Opt(ID03), None),
    "out_of_scope_use": Field(_S, None),
    "bias_risks_limitations": Field(Model("BiasRisksLimitations", {
        "known_biases": Field(Str(), ""), "risks": Field(Str(), ""), "limitations": Field(_S, None),
        "recommendations": Field(Str(), "")}, **_FREE), dict),
    "model_parameter_count": Field(Opt(Int()), None),
    "training": Field(Model("TrainingDetails", {
        "training_preprocessing": Field(_S, None), "training_epochs": Field(Opt(Float()), None),
        "training_batch_size": Field(Opt(Float()), None), "initial_learning_rate": Field(Opt(Float()), None),
        "learning_rate_schedule": Field(_S, None), "loss_function": Field(_S, None),
        "loss_function_kwargs": Field(DictOf(AnyValue()), dict), "optimizer": Field(_S, None),
        "optimizer_kwargs": Field(DictOf(AnyValue()), dict), "regularization": Field(_S, None),
        "training_duration": Field(Opt(Float()), None)}, **_FREE), dict),
    "inference_time": Field(_S, None), "memory_requirements_inference": Field(_S, None),
    "memory_requirements_training": Field(_S, None), "evaluations": Field(ListOf(EVALUATION), list),
    "environmental_impact": Field(Model("EnvironmentalImpact", {
        "hardware_type": Field(_S, None), "hours_used": Field(Opt(Float()), None), "cloud_provider": Field(_S, None),
        "compute_region": Field(_S, None), "co2_emitted": Field(Opt(Float()), None)}, **_FREE), dict),
}, extra="allow")
CONFIG = Model("Config05", {"bioimageio": Field(ZOO_CONFIG, dict), "stardist": Field(AnyValue(), None)},
               extra="allow")


# ---- the model -------------------------------------------------------------------------------

def _independent_sizes(tensors: list, group: str) -> dict[tuple[str, str], tuple[str, dict]]:
    """(tensor id, axis id) -> (group, axis) for axes whose size is given (a number or {min, step})."""
    out = {}
    for tensor in tensors:
        for axis in tensor["axes"]:
            size = axis.get("size")
            if axis["type"] != "batch" and axis["type"] != "channel" and (isinstance(size, int) or (
                    isinstance(size, dict) and "step" in size)):
                out[(tensor["id"], axis_id_of(axis))] = (group, axis)
            elif axis["type"] == "channel":
                out[(tensor["id"], axis_id_of(axis))] = (group, axis)
    return out


def _ref_size(axis: dict) -> int:
    size = axis.get("size")
    if axis["type"] == "channel":
        return len(axis["channel_names"])
    return size if isinstance(size, int) else size["min"]


def _why_not(key: tuple[str, str], group: str, everything: dict[str, tuple[str, dict]]) -> tuple[tuple, str]:
    """(sub-loc, reason) for a size reference that does not name an axis with a given size."""
    tensor_id, axis_id = key
    if tensor_id not in everything:
        return ("tensor_id",), f"unknown tensor {tensor_id!r}" + (" (inputs may only reference inputs)"
                                                                  if group == "inputs" else "")
    ref_group, axes = everything[tensor_id]
    if group == "inputs" and ref_group == "outputs":
        return ("tensor_id",), f"inputs may only reference inputs, {tensor_id!r} is an output"
    if axis_id not in axes:
        return ("axis_id",), f"tensor {tensor_id!r} has no axis {axis_id!r}"
    if axes[axis_id]["type"] == "batch":
        return ("axis_id",), "a size may not reference a batch axis"
    return (), f"{tensor_id}.{axis_id} is itself sized by a reference or by the data; reference an axis with a " \
               f"given size (a number or {{min, step}})"


def _check_axes(group: str, tensors: list, refs: dict, loc: Loc, ctx: Ctx, everything: dict) -> None:
    for i, tensor in enumerate(tensors):
        tid = tensor["id"]
        own = {k: v for k, v in _independent_sizes([tensor], group).items()}
        valid = {**own, **refs}
        for a, axis in enumerate(tensor["axes"]):
            size = axis.get("size")
            if axis["type"] in ("batch", "channel") or not (isinstance(size, dict) and "tensor_id" in size):
                continue
            where = loc + (group, i, "axes", a, "size")
            key = (size["tensor_id"], size["axis_id"])
            if key not in valid:
                sub, reason = _why_not(key, group, everything)
                ctx.error(where + sub, reason, "size_reference")
                continue
            if key == (tid, axis_id_of(axis)):
                ctx.error(where, "an axis cannot reference itself", "size_reference")
                continue
            ref_axis = valid[key][1]
            if axis.get("unit") != ref_axis.get("unit"):
                ctx.error(where, f"the unit {axis.get('unit')!r} differs from the referenced axis' unit "
                          f"{ref_axis.get('unit')!r}", "size_reference")
                continue
            halo = axis.get("halo")
            if halo is not None:
                scale, ref_scale = axis.get("scale", 1.0), ref_axis.get("scale", 1.0)
                smallest = int(_ref_size(ref_axis) * ref_scale / scale + size.get("offset", 0))
                if smallest - 2 * halo < 1:
                    ctx.error(where[:-1] + ("halo",), f"halo {halo} leaves nothing of the smallest output size "
                              f"{smallest} (size - 2*halo must be >= 1)", "halo")
                elif (halo * scale / ref_scale) != int(halo * scale / ref_scale):
                    ctx.error(where[:-1] + ("halo",), f"the halo in the referenced axis' pixels "
                              f"({halo * scale / ref_scale:g}) is not a whole number", "halo")


def _all_axes(*groups: tuple[str, list]) -> dict[str, tuple[str, dict]]:
    out: dict[str, tuple[str, dict]] = {}
    for group, tensors in groups:
        for tensor in tensors:
            out.setdefault(tensor["id"], (group, {axis_id_of(a): a for a in tensor["axes"]}))
    return out


def _input_axes(value: list, fields: dict) -> list:
    seen: set[str] = set()
    for i, tensor in enumerate(value):
        if tensor["id"] in seen:
            raise Invalid(f"duplicate input id {tensor['id']!r}", "duplicate_id", (i, "id"))
        seen.add(tensor["id"])
    ctx = Ctx()
    _check_axes("inputs", value, _independent_sizes(value, "inputs"), (), ctx, _all_axes(("inputs", value)))
    if ctx.issues:
        first = ctx.issues[0]
        raise Invalid(first.msg, first.type, first.loc[1:])
    return value


def _outputs(value: list, fields: dict) -> list:
    if "inputs" not in fields:
        return value  # the inputs failed: references into them would only repeat that
    inputs = fields["inputs"]
    seen: set[str] = set()
    for i, tensor in enumerate(value):
        if tensor["id"] in seen:  # a deliberate difference (docs/format.md): outputs are looked up by id
            raise Invalid(f"duplicate output id {tensor['id']!r}", "duplicate_id", (i, "id"))
        seen.add(tensor["id"])
    ctx = Ctx()
    refs = {**_independent_sizes(inputs, "inputs"), **_independent_sizes(value, "outputs")}
    _check_axes("outputs", value, refs, (), ctx, _all_axes(("inputs", inputs), ("outputs", value)))
    if ctx.issues:
        first = ctx.issues[0]
        raise Invalid(first.msg, first.type, first.loc[1:])
    return value


def _proc_references(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    inputs = {t["id"] for t in obj["inputs"]}
    for group, key in (("inputs", "preprocessing"), ("outputs", "postprocessing")):
        for i, tensor in enumerate(obj[group]):
            for n, step in enumerate(tensor[key]):
                kwargs = step.get("kwargs")
                ref = kwargs.get("reference_tensor") if isinstance(kwargs, dict) else None
                if ref is not None and ref not in inputs:
                    ctx.error(loc + (group, i, key, n, "kwargs", "reference_tensor"),
                              f"expected the id of an input ({', '.join(sorted(inputs))}), got {ref!r}",
                              "reference_tensor")


def _shared_ids(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    inputs = {t["id"] for t in obj["inputs"]}
    for i, tensor in enumerate(obj["outputs"]):
        if tensor["id"] in inputs:
            ctx.warn(loc + ("outputs", i, "id"), f"output {tensor['id']!r} shares its id with an input; the format "
                     "allows it, but tools that look tensors up by id may confuse the two", "shared_id", WARNING)


def _parent_not_self(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    parent = obj.get("parent")
    if parent is not None and parent["id"] == obj.get("id"):
        ctx.error(loc + ("parent", "id"), "a model cannot be its own parent", "parent")


def _discrete(dtype: str) -> bool:
    return dtype.startswith(("int", "uint", "bool"))


def _dtype(tensor: dict) -> str:
    data = tensor["data"]
    item = data[0] if isinstance(data, list) else data
    return item["type"] if isinstance(item, Obj) else item.get("type", "float32")


def _tolerance_outputs(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    zoo = obj["config"].get("bioimageio") or {}
    dtypes = {t["id"]: _dtype(t) for t in obj["outputs"]}
    seen: set[str] = set()
    for n, tol in enumerate(zoo.get("reproducibility_tolerance") or []):
        ids = tol["output_ids"]
        if not ids:
            continue
        if ids == "any_discrete_output":
            ids = [k for k, d in dtypes.items() if _discrete(d)]
        elif ids == "any_continuous_output":
            ids = [k for k, d in dtypes.items() if d.startswith("float")]
        where = loc + ("config", "bioimageio", "reproducibility_tolerance", n)
        for out_id in ids:
            if out_id in seen:
                continue
            seen.add(out_id)
            if out_id not in dtypes:
                ctx.error(where + ("output_ids",), f"unknown output {out_id!r}", "tolerance")
                return
            if _discrete(dtypes[out_id]) and (tol["relative_tolerance"] != 0 or tol["absolute_tolerance"] != 0):
                ctx.error(where, f"output {out_id!r} is discrete: its tolerances must be 0", "tolerance")
                return


def convert05(data: dict, loc: Loc = (), ctx: Ctx | None = None) -> None:
    """Older 0.5 patches into 0.5.14: before 0.5.11 files were plain text, not {source, sha256}."""
    version = data.get("format_version")
    if data.get("type") != "model" or not isinstance(version, str) or version.count(".") != 2:
        return
    parts = version.split(".")
    if not all(p.isdigit() for p in parts) or parts[:2] != ["0", "5"]:
        return
    data["format_version"] = LATEST
    if int(parts[2]) < 11:
        plain_files_to_objects(data)


def _linked(name: str) -> Model:
    return Model(name, {"id": Field(ID03), "version": Field(Opt(VERSION), None)}, before=[version_number_to_version])


def _run_mode_given(value: Any) -> None:
    if value is not None:
        raise Invalid("run modes have limited support across consumer software", "run_mode")


def model05() -> Model:
    """The model 0.5.14 description."""
    fields = {"format_version": Field(Lit(LATEST, expected=VERSION_HELP.format(latest=LATEST))),
              "type": Field(Lit("model")), **general03()}
    fields.update({
        "id": Field(Opt(ID03), None),
        "authors": Field(fair(ListOf(AUTHOR03)), list),
        "documentation": Field(fair(Opt(DOCUMENTATION03)), None),
        "inputs": Field(ListOf(INPUT, min_len=1), after=_input_axes),
        "outputs": Field(ListOf(OUTPUT, min_len=1), after=_outputs),
        "packaged_by": Field(ListOf(AUTHOR03), list),
        "parent": Field(Opt(_linked("LinkedModel05")), None),
        "run_mode": Field(Warn(Opt(RUN_MODE), _run_mode_given), None),
        "timestamp": Field(TIMESTAMP, None),
        "training_data": Field(Opt(AnyOf(_linked("LinkedDataset05"), resource03("dataset"), resource02("dataset"),
                                         ordered=True)), None),
        "weights": Field(WEIGHTS),
        "config": Field(CONFIG, dict),
    })
    return Model("model-0.5", fields, before=[convert05, version_number_to_version],
                 after=[maintainers_exist, _proc_references, _shared_ids, _parent_not_self, _tolerance_outputs])


MODEL05 = model05()
