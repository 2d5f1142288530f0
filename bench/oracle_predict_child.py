"""Runs inside the reference runner's own environment (bioimageio.core): predict the cases of one model.

Usage: python oracle_predict_child.py JOB.json  -- the job names the model, the weights format and the
cases; each case has input .npy files and a mode:
- whole: predict_sample_without_blocking (the reference pads the input halo and crops the output halo);
- blocked: predict_sample_with_fixed_blocking with the given input block shape;
- padded: the reference's preprocessing on the image as given, the given padding, the reference's
  network, the given output crop, the reference's postprocessing (for sizes the reference cannot take).
Writes <out>/<case>/<output id>.npy and a result.json with any error per case. Comparison only: nothing
of this file is imported by the pipeline.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import numpy as np


def to_numpy(sample, descr) -> dict:
    out = {}
    for t in descr.outputs:
        tensor = sample.members[t.id]
        dims = [str(a.id) for a in t.axes]
        out[str(t.id)] = tensor.data.transpose(*dims).to_numpy()
    return out


def main(job_path: str) -> int:
    from bioimageio.core import Sample, Tensor, create_prediction_pipeline
    from bioimageio.spec import load_description

    job = json.loads(Path(job_path).read_text())
    descr = load_description(job["model"], perform_io_checks=False)
    pp = create_prediction_pipeline(descr, weights_format=job["weights"])
    dims = {str(t.id): [str(a.id) for a in t.axes] for t in descr.inputs}
    results = {}
    with pp:
        for case in job["cases"]:
            out_dir = Path(job["out"]) / case["name"]
            out_dir.mkdir(parents=True, exist_ok=True)
            try:
                arrays = {k: np.load(v) for k, v in case["inputs"].items()}
                # built directly: the reference's sample helper refuses sizes the model does not take
                sample = Sample(members={k: Tensor.from_numpy(v, dims=tuple(dims[k])) for k, v in arrays.items()},
                                stat={}, id=case["name"])
                if case["mode"] == "whole":
                    outputs = to_numpy(pp.predict_sample_without_blocking(sample), descr)
                elif case["mode"] == "blocked":
                    outputs = to_numpy(pp.predict_sample_with_fixed_blocking(
                        sample, input_block_shape=case["block_shape"]), descr)
                else:
                    pp.apply_preprocessing(sample)
                    padded = {}
                    for k, t in sample.members.items():
                        x = t.data.transpose(*dims[str(k)]).to_numpy()
                        pad = case["pad"][str(k)]
                        kw = {"constant_values": pad.get("value", 0)} if pad["mode"] == "constant" else {}
                        padded[k] = Tensor.from_numpy(np.pad(x, case["pad_width"][str(k)], mode=pad["mode"], **kw),
                                                      dims=tuple(dims[str(k)]))
                    padded_sample = Sample(members=padded, stat=sample.stat, id=sample.id)
                    if case.get("block_shape"):
                        raw = pp.predict_sample_with_fixed_blocking(padded_sample, input_block_shape=case["block_shape"],
                                                                    skip_preprocessing=True, skip_postprocessing=True)
                    else:
                        raw = pp.predict_sample_without_blocking(padded_sample, skip_preprocessing=True,
                                                                 skip_postprocessing=True, skip_input_padding=True,
                                                                 skip_output_cropping=True)
                    cropped = {}
                    for t in descr.outputs:
                        x = raw.members[t.id].data.transpose(*[str(a.id) for a in t.axes]).to_numpy()
                        crop = tuple(slice(lo, hi) for lo, hi in case["crop"][str(t.id)])
                        cropped[t.id] = Tensor.from_numpy(np.ascontiguousarray(x[crop]),
                                                          dims=tuple(str(a.id) for a in t.axes))
                    result = Sample(members=cropped, stat=sample.stat, id=sample.id)
                    pp.apply_postprocessing(result)
                    outputs = to_numpy(result, descr)
                for k, v in outputs.items():
                    np.save(out_dir / f"{k}.npy", np.asarray(v))
                results[case["name"]] = {"ok": True}
            except Exception as e:  # the reference's own failure is a result of the comparison
                results[case["name"]] = {"ok": False, "error": f"{type(e).__name__}: {str(e)[:300]}",
                                         "traceback": traceback.format_exc(limit=4)[-1500:]}
    (Path(job["out"]) / "result.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
