"""The source of the model 0.4 and 0.5 JSON Schemas (see schema_defs for how files are made)."""

from __future__ import annotations

from typing import Any

from pipeline.spec.schema_defs import ANY_OBJ, BOOL, INT, NUMBER, STR, arr, general_props, obj, ref

WEIGHTS_FORMATS_04 = ["keras_hdf5", "onnx", "pytorch_state_dict", "tensorflow_js",
                      "tensorflow_saved_model_bundle", "torchscript"]
WEIGHTS_FORMATS_05 = WEIGHTS_FORMATS_04 + ["keras_v3"]
DTYPES = ["float32", "float64", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64",
          "int64", "bool"]
NUM_OR_LIST = {"anyOf": [NUMBER, arr(NUMBER)], "x-expected": "a number or a list of numbers"}
VERSION = {"type": ["string", "number", "integer"], "x-expected": "a version like '2.1'"}


def _ops(ops: dict[str, dict | None], key: str) -> dict:
    """A processing step `{<key>: op, kwargs}` whose kwargs schema depends on the op."""
    branches = []
    for name, kwargs in ops.items():
        then = {"properties": {"kwargs": kwargs}} if kwargs is not None else \
            {"properties": {"kwargs": {"type": "object", "maxProperties": 0,
                                       "x-expected": f"no kwargs for {name}"}}}
        branches.append({"if": {"properties": {key: {"const": name}}, "required": [key]}, "then": then})
    return {
        "type": "object",
        "properties": {key: {"enum": list(ops), "x-expected": "one of " + ", ".join(ops)}, "kwargs": ANY_OBJ},
        "required": [key],
        "additionalProperties": False,
        "allOf": branches,
    }


def _weights(formats: list[str], entry: dict[str, dict], common: dict, required: dict[str, list]) -> dict:
    props = {}
    for fmt in formats:
        fields = {**common, **entry.get(fmt, {}), "parent": {"enum": [f for f in formats if f != fmt],
                                                              "x-expected": "another weights format"}}
        props[fmt] = obj(fields, ("source", *required.get(fmt, [])))
    return {"type": "object", "properties": props, "additionalProperties": False, "minProperties": 1,
            "x-expected": "a mapping of weights formats (" + ", ".join(formats) + ") with at least one entry"}


# ---- model 0.4 -------------------------------------------------------------------------------

_AXES04 = {"type": "string", "pattern": "^[bitczyx]+$", "x-expected": "a string of axis letters from bitczyx"}
_NAME04 = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "x-expected": "a lower-case identifier"}
_MODE = {"enum": ["per_dataset", "per_sample"]}
_OPS04_COMMON = {
    "binarize": obj({"threshold": NUMBER}, ("threshold",)),
    "clip": obj({"min": NUMBER, "max": NUMBER}, ("min", "max")),
    "scale_linear": obj({"axes": STR, "gain": NUM_OR_LIST, "offset": NUM_OR_LIST}),
    "sigmoid": None,
    "zero_mean_unit_variance": obj({"mode": {"enum": ["fixed", "per_dataset", "per_sample"]}, "axes": STR,
                                    "mean": NUM_OR_LIST, "std": NUM_OR_LIST,
                                    "eps": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.1}},
                                   ("axes",)),
    "scale_range": obj({"mode": _MODE, "axes": STR,
                        "min_percentile": {"type": "number", "minimum": 0, "exclusiveMaximum": 100},
                        "max_percentile": {"type": "number", "exclusiveMinimum": 1, "maximum": 100},
                        "eps": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.1},
                        "reference_tensor": STR}, ("mode", "axes")),
}
_OPS04_POST = {**_OPS04_COMMON,
               "scale_mean_variance": obj({"mode": _MODE, "reference_tensor": STR, "axes": STR,
                                           "eps": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.1}},
                                          ("mode", "reference_tensor"))}
_INPUT04 = obj({
    "name": _NAME04, "description": STR, "axes": _AXES04,
    "data_type": {"enum": ["float32", "uint8", "uint16"]},
    "data_range": arr({"type": ["number", "null"]}, minItems=2, maxItems=2),
    "shape": {"anyOf": [arr(INT), obj({"min": arr(INT), "step": arr(INT)}, ("min", "step"))],
              "x-expected": "a list of integers or {min: [...], step: [...]}"},
    "preprocessing": arr(_ops(_OPS04_COMMON, "name")),
}, ("name", "axes", "data_type", "shape"))
_OUTPUT04 = obj({
    "name": _NAME04, "description": STR, "axes": _AXES04,
    "data_type": {"enum": DTYPES},
    "data_range": arr({"type": ["number", "null"]}, minItems=2, maxItems=2),
    "shape": {"anyOf": [arr(INT), obj({"reference_tensor": STR, "scale": arr({"type": ["number", "null"]}),
                                        "offset": arr(NUMBER)}, ("reference_tensor", "scale", "offset"))],
              "x-expected": "a list of integers or {reference_tensor, scale: [...], offset: [...]}"},
    "halo": arr(INT),
    "postprocessing": arr(_ops(_OPS04_POST, "name")),
}, ("name", "axes", "data_type", "shape"))
_DEPENDENCIES04 = {"type": "string", "pattern": "^(conda|pip):.+",
                   "x-expected": "'conda:<file>' or 'pip:<file>'"}
_WEIGHTS04 = _weights(
    WEIGHTS_FORMATS_04,
    {"onnx": {"opset_version": {"type": "integer", "minimum": 7}},
     "pytorch_state_dict": {"architecture": STR, "architecture_sha256": ref("sha256"), "kwargs": ANY_OBJ,
                            "pytorch_version": VERSION},
     "torchscript": {"pytorch_version": VERSION},
     "keras_hdf5": {"tensorflow_version": VERSION},
     "tensorflow_saved_model_bundle": {"tensorflow_version": VERSION},
     "tensorflow_js": {"tensorflow_version": VERSION}},
    {"source": ref("path"), "sha256": ref("sha256"), "attachments": ref("attachments02"),
     "authors": arr(ref("author02")), "dependencies": _DEPENDENCIES04},
    {"pytorch_state_dict": ["architecture"]},
)


def model04_schema() -> dict:
    """Schema of model RDFs 0.4.x."""
    props = general_props(2)
    for removed in ("badges", "source", "download_url"):
        props.pop(removed, None)
    props.update({
        "type": {"const": "model"},
        "inputs": arr(_INPUT04, minItems=1), "outputs": arr(_OUTPUT04, minItems=1),
        "test_inputs": arr(ref("path"), minItems=1), "test_outputs": arr(ref("path"), minItems=1),
        "sample_inputs": arr(ref("path")), "sample_outputs": arr(ref("path")),
        "timestamp": ref("timestamp"), "weights": _WEIGHTS04,
        "packaged_by": arr(ref("author02")),
        "parent": {"type": ["object", "string"]},
        "run_mode": obj({"name": STR, "kwargs": ANY_OBJ}, ("name",)),
        "training_data": {"type": ["object", "string"]},
        "download_url": STR,
    })
    required = ("format_version", "type", "name", "description", "authors", "documentation", "license",
                "inputs", "outputs", "test_inputs", "test_outputs", "timestamp", "weights")
    return obj(props, required)


# ---- model 0.5 -------------------------------------------------------------------------------

_ID05 = {"type": "string", "pattern": "^[a-z0-9_]{1,32}$",
         "x-expected": "a lower-case identifier of at most 32 characters (a-z 0-9 _)"}
_AXIS_ID = {"type": "string", "pattern": "^[a-z0-9_]{1,16}$", "x-expected": "a lower-case axis id"}
_REF_SIZE = obj({"tensor_id": _ID05, "axis_id": _AXIS_ID, "offset": INT}, ("tensor_id", "axis_id"))
_PARAM_SIZE = obj({"min": {"type": "integer", "minimum": 1}, "step": {"type": "integer", "minimum": 0}},
                  ("min", "step"))
_DATA_DEP_SIZE = obj({"min": {"type": "integer", "minimum": 1}, "max": {"type": "integer", "minimum": 1}})
_SIZE_IN = {"anyOf": [{"type": "integer", "minimum": 1}, _PARAM_SIZE, _REF_SIZE],
            "x-expected": "a positive integer, {min, step} or {tensor_id, axis_id, offset}"}
_SIZE_OUT = {"anyOf": [{"type": "integer", "minimum": 1}, _PARAM_SIZE, _REF_SIZE, _DATA_DEP_SIZE],
             "x-expected": "a positive integer, {min, step}, {tensor_id, axis_id, offset} or {min, max}"}


def _axis(output: bool) -> dict:
    size = _SIZE_OUT if output else _SIZE_IN
    base = {"type": {"enum": ["batch", "channel", "index", "time", "space"]}, "id": _AXIS_ID, "description": STR}
    spatial = {**base, "size": size, "unit": STR, "scale": {"type": "number", "exclusiveMinimum": 0},
               "concatenable": BOOL}
    if output:
        spatial["halo"] = {"type": "integer", "minimum": 0}
    shapes = {
        "batch": obj({**base, "size": {"type": ["null", "integer"], "enum": [None, 1],
                                       "x-expected": "null or 1"}, "concatenable": BOOL}),
        "channel": obj({**base, "channel_names": arr(STR, minItems=1), "size": size}, ("channel_names",)),
        "index": obj({**base, "size": size, "concatenable": BOOL}),
        "time": obj(spatial),
        "space": obj(spatial),
    }
    return {"type": "object", "required": ["type"], "properties": {"type": base["type"]},
            "allOf": [{"if": {"properties": {"type": {"const": k}}, "required": ["type"]}, "then": v}
                      for k, v in shapes.items()]}


_DATA_ITEM = {"type": "object", "properties": {
    "type": {"enum": DTYPES}, "range": arr({"type": ["number", "null"]}, minItems=2, maxItems=2),
    "unit": STR, "scale": NUMBER, "offset": {"type": ["number", "null"]},
    "values": arr({"type": ["number", "string", "boolean"]}, minItems=1)}, "additionalProperties": False}
_DATA = {"anyOf": [_DATA_ITEM, arr(_DATA_ITEM, minItems=1)],
         "x-expected": "a data description {type, range, ...} or a list of them, one per channel"}
_EPS = {"type": "number", "exclusiveMinimum": 0, "maximum": 0.1}
_PCT_LO = {"type": "number", "minimum": 0, "exclusiveMaximum": 100}
_PCT_HI = {"type": "number", "exclusiveMinimum": 1, "maximum": 100}
_AXES05 = {"type": ["array", "null"], "items": _AXIS_ID}
_OPS05_PRE = {
    "binarize": obj({"threshold": NUM_OR_LIST, "axis": _AXIS_ID}, ("threshold",)),
    "clip": obj({"min": NUMBER, "max": NUMBER, "min_percentile": _PCT_LO, "max_percentile": _PCT_HI,
                 "axes": _AXES05}),
    "ensure_dtype": obj({"dtype": {"enum": DTYPES}}, ("dtype",)),
    "scale_linear": obj({"gain": NUM_OR_LIST, "offset": NUM_OR_LIST, "axis": _AXIS_ID}),
    "sigmoid": None,
    "softmax": obj({"axis": _AXIS_ID}),
    "fixed_zero_mean_unit_variance": obj({"mean": NUM_OR_LIST, "std": NUM_OR_LIST, "axis": _AXIS_ID},
                                         ("mean", "std")),
    "zero_mean_unit_variance": obj({"axes": _AXES05, "eps": _EPS}),
    "scale_range": obj({"axes": _AXES05, "min_percentile": _PCT_LO, "max_percentile": _PCT_HI, "eps": _EPS,
                        "reference_tensor": _ID05}),
}
_OPS05_POST = {
    **_OPS05_PRE,
    "scale_mean_variance": obj({"reference_tensor": _ID05, "axes": _AXES05, "eps": _EPS}, ("reference_tensor",)),
    "stardist_postprocessing": ANY_OBJ,
    "cellpose_flow_dynamics": ANY_OBJ,
    "custom": obj({"source": ref("path"), "sha256": ref("sha256"), "callable": STR, "kwargs": ANY_OBJ},
                  ("source", "callable")),
}
_TENSOR05 = {"id": _ID05, "description": STR, "test_tensor": ref("file"), "sample_tensor": ref("file"),
             "data": _DATA}
_INPUT05 = obj({**_TENSOR05, "axes": arr(_axis(False), minItems=1), "optional": BOOL,
                "preprocessing": arr(_ops(_OPS05_PRE, "id")), "output_of": STR,
                "pad": obj({"mode": {"enum": ["constant", "edge", "reflect", "symmetric"]}, "value": NUMBER},
                           ("mode",))}, ("axes", "test_tensor"))
_OUTPUT05 = obj({**_TENSOR05, "axes": arr(_axis(True), minItems=1),
                 "postprocessing": arr(_ops(_OPS05_POST, "id"))}, ("axes", "test_tensor"))
_ARCH05 = {"anyOf": [
    obj({"source": ref("path"), "sha256": ref("sha256"), "callable": STR, "kwargs": ANY_OBJ},
        ("source", "callable")),
    obj({"import_from": STR, "callable": STR, "kwargs": ANY_OBJ}, ("import_from", "callable"))],
    "x-expected": "{source, sha256, callable, kwargs} or {import_from, callable, kwargs}"}
_WEIGHTS05 = _weights(
    WEIGHTS_FORMATS_05,
    {"onnx": {"opset_version": {"type": "integer", "minimum": 7}, "external_data": ref("file")},
     "pytorch_state_dict": {"architecture": _ARCH05, "pytorch_version": VERSION, "dependencies": ref("file"),
                            "strict": BOOL},
     "torchscript": {"pytorch_version": VERSION},
     "keras_hdf5": {"tensorflow_version": VERSION},
     "tensorflow_saved_model_bundle": {"tensorflow_version": VERSION, "dependencies": ref("file")},
     "tensorflow_js": {"tensorflow_version": VERSION},
     "keras_v3": {"keras_version": VERSION, "backend": {"type": ["object", "string"]}}},
    {"source": ref("path"), "sha256": ref("sha256"), "authors": arr(ref("author03")), "comment": STR},
    {"onnx": ["opset_version"], "pytorch_state_dict": ["architecture", "pytorch_version"],
     "torchscript": ["pytorch_version"], "keras_hdf5": ["tensorflow_version"],
     "tensorflow_saved_model_bundle": ["tensorflow_version"], "tensorflow_js": ["tensorflow_version"],
     "keras_v3": ["keras_version"]},
)
_TOLERANCE = obj({
    "relative_tolerance": {"type": "number", "minimum": 0, "maximum": 0.01},
    "absolute_tolerance": {"type": "number", "minimum": 0},
    "mismatched_elements_per_million": {"type": "integer", "minimum": 0, "maximum": 1000},
    "output_ids": arr(STR), "weights_formats": arr({"enum": WEIGHTS_FORMATS_05}),
})


def model05_schema() -> dict:
    """Schema of model RDFs 0.5.x."""
    props: dict[str, Any] = general_props(3)
    for removed in ("badges", "source"):
        props.pop(removed, None)
    props.update({
        "type": {"const": "model"},
        "inputs": arr(_INPUT05, minItems=1), "outputs": arr(_OUTPUT05, minItems=1),
        "timestamp": ref("timestamp"), "weights": _WEIGHTS05,
        "packaged_by": arr(ref("author03")),
        "parent": {"type": ["object", "string"]},
        "run_mode": obj({"name": STR, "kwargs": ANY_OBJ}, ("name",)),
        "training_data": {"type": ["object", "string"]},
        "config": {"type": "object", "properties": {"bioimageio": {"type": "object", "properties": {
            "reproducibility_tolerance": arr(_TOLERANCE)}}}},
    })
    return obj(props, ("format_version", "type", "name", "inputs", "outputs", "weights"))
