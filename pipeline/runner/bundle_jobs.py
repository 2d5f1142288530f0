"""Worker jobs for browser bundles, run in the sandbox like every model test (model files are
hostile): export torch weights to ONNX, and run a bundle on the test inputs as the browser
will, with onnxruntime: the preprocessing graph on the whole sample, the network (on the whole
test sample as `zoo test` runs it, then block by block as `zoo predict` plans them), the
postprocessing graph on the whole output.

numpy, torch (export only) and onnxruntime (check only): the worker's own imports.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.contracts.results import BROWSER_BUNDLE
from pipeline.runner.adapters import WeightsError, load_adapter, torch_module
from pipeline.runner.axes import NotRunnable, axis_ids
from pipeline.runner.checks import Check, guarded, load_test_sample
from pipeline.runner.compare import mismatch, tolerance_for
from pipeline.runner.execute import ModelRunner, TensorError
from pipeline.runner.tiling import DEFAULT_BLOCK_BYTES, predict_tiled

EXPORT = "export weights to ONNX"
NETWORK = "network.onnx"  # the export's one output, copied out of the sandbox by zoo
# graph tensor names (pipeline/build/bundle_graphs.py): prefix + tensor id
RAW, PRE, NET, OUT = "raw.", "pre.", "net.", "out."
DYNAMIC_TYPES = ("batch", "space", "time")
UNSUPPORTED_WORDS = ("not implemented", "could not find an implementation", "unrecognized", "no opset import",
                     "is not a registered function/op", "unsupported")


def run_export(job: dict[str, Any]) -> Check:
    """Trace the torch weights on the preprocessed test inputs into `NETWORK` in the job's outputs (ONNX),
    with batch, space and time axes left dynamic."""
    import torch

    descr, fmt = job["descr"], job["weights_format"]
    files = {k: Path(v) for k, v in job["files"].items()}

    def export(check: Check) -> None:
        module = torch_module(fmt, descr["weights"][fmt], files)
        sample = load_test_sample(descr, {k: Path(v) for k, v in job["test_inputs"].items()}, "inputs")
        pre = ModelRunner(descr, None).preprocess(sample)
        names = [f"input{i}" for i in range(len(descr["inputs"]))]
        dynamic = {}
        for name, t in zip(names, descr["inputs"]):
            dynamic[name] = {k: f"{t['id']}.{aid}" for k, (a, aid) in enumerate(zip(t["axes"], axis_ids(t)))
                             if a.get("type", "space") in DYNAMIC_TYPES}
        args = tuple(torch.from_numpy(np.ascontiguousarray(pre[t["id"]])) for t in descr["inputs"])
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the legacy exporter's deprecation notice
            torch.onnx.export(module, args, str(Path(job["outputs_dir"]) / NETWORK), dynamo=False, opset_version=job["opset"],
                              input_names=names, output_names=[f"output{i}" for i in range(len(descr["outputs"]))],
                              dynamic_axes=dynamic, do_constant_folding=True)

    return guarded(EXPORT, export)


def _session(path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as e:
        message = f"{path.name}: onnxruntime cannot load it: {e}"
        if any(word in str(e).lower() for word in UNSUPPORTED_WORDS):
            raise NotRunnable(message) from None  # an op onnxruntime has no kernel for
        raise WeightsError(message) from None


class BundleRunner(ModelRunner):
    """A model run through its bundle: processing graphs on whole tensors, the network per block."""

    def __init__(self, descr: dict[str, Any], graphs: dict[str, Path]):
        network = load_adapter("onnx", {"source": graphs["network"].name}, {graphs["network"].name: graphs["network"]},
                               [t["id"] for t in descr["outputs"]], [t["id"] for t in descr["inputs"]])
        super().__init__(descr, network)
        self.pre, self.post = _session(graphs["preprocess"]), _session(graphs["postprocess"])
        self.post_inputs = {i.name for i in self.post.get_inputs()}

    def preprocess(self, sample: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        results = self.pre.run(None, {RAW + k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sample.items()})
        return {o.name.removeprefix(PRE): r for o, r in zip(self.pre.get_outputs(), results)}

    def postprocess(self, raw_out: dict[str, np.ndarray], sample: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        feeds = {}
        for tid, x in raw_out.items():
            if x.dtype != np.float32:
                raise TensorError(f"the network's output {tid!r} is {x.dtype}; the browser bundle's postprocessing "
                                  f"takes float32")
            feeds[NET + tid] = x
        feeds.update({RAW + k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sample.items()
                      if RAW + k in self.post_inputs})
        results = self.post.run(None, feeds)
        return {o.name.removeprefix(OUT): r for o, r in zip(self.post.get_outputs(), results)}


def run_check(job: dict[str, Any]) -> Check:
    """The bundle on the test inputs as `zoo test` runs a model (the whole sample in one network
    call), every output within the RDF's tolerance of its expected test tensor; then once more
    tiled as `zoo predict` plans it, so the network is known to run at its block sizes too.
    Warnings carry the largest differences and the block plan."""
    descr = job["descr"]
    fmt = job.get("tolerance_format") or job["weights_format"]  # the weights the network came from
    graphs = {k: Path(v) for k, v in job["graphs"].items()}

    def check(c: Check) -> None:
        runner = BundleRunner(descr, graphs)
        sample = load_test_sample(descr, {k: Path(v) for k, v in job["test_inputs"].items()}, "inputs")
        expected = load_test_sample(descr, {k: Path(v) for k, v in job["test_outputs"].items()}, "outputs")
        actual = runner.run(sample)
        problems = []
        for t in descr["outputs"]:
            got, want = actual[t["id"]], expected[t["id"]]
            problem = mismatch(t["id"], got, want, tolerance_for(descr, fmt, t["id"]))
            if problem:
                problems.append(problem)
            elif got.size:
                diff = float(np.nanmax(np.abs(got.astype(np.float64) - want.astype(np.float64))))
                c.warnings.append(f"{t['id']}: largest difference {diff:.3g}")
        if problems:
            raise AssertionError("; ".join(problems))
        try:
            predict_tiled(runner, sample, budget=job.get("budget") or DEFAULT_BLOCK_BYTES, notes=c.warnings.append)
        except (TensorError, ValueError) as e:
            raise AssertionError(f"the bundle reproduces the test outputs but cannot run the blocks `zoo predict` "
                                 f"plans for them: {e}") from None

    return guarded(BROWSER_BUNDLE, check)
