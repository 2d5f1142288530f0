"""Device selection: what the tests ask for and where each framework places a network, with the
availability probes injected (no GPU is needed to test a choice); on this CPU machine an asked-for
CUDA falls back to the CPU, said so in the placement."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.runner import devices
from pipeline.runner.adapters import load_adapter
from pipeline.runner.devices import CPU, CUDA, Placement, onnx_providers, requested_device, tensorflow_placement, \
    torch_placement

from testkit.paths import MODELS
from testkit.runner import read_rdf


def never() -> bool:
    raise AssertionError("the probe must not run")


@pytest.mark.parametrize("env, probe, device", [
    ({}, lambda: True, CUDA),
    ({}, lambda: False, CPU),
    ({"ZOO_TEST_DEVICE": "auto"}, lambda: True, CUDA),
    ({"ZOO_TEST_DEVICE": "cpu"}, never, CPU),
    ({"ZOO_TEST_DEVICE": "GPU"}, never, CUDA),
    ({"ZOO_TEST_DEVICE": " cuda "}, never, CUDA),
])
def test_requested_device(env, probe, device):
    assert requested_device(env, probe) == device


def test_an_unknown_device_is_refused():
    with pytest.raises(ValueError, match="ZOO_TEST_DEVICE is 'tpu': expected cpu, cuda or auto"):
        requested_device({"ZOO_TEST_DEVICE": "tpu"}, never)


def test_the_gpu_probe_reads_nvidia_smi(tmp_path, monkeypatch):
    tool = tmp_path / "nvidia-smi"
    tool.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: GPU-1234)'\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    devices.nvidia_gpu_present.cache_clear()
    try:
        assert devices.nvidia_gpu_present()
        tool.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
        devices.nvidia_gpu_present.cache_clear()
        assert not devices.nvidia_gpu_present()
    finally:
        devices.nvidia_gpu_present.cache_clear()


@pytest.mark.parametrize("wanted, available, placement", [
    (CUDA, True, Placement("cuda:0")),
    (CUDA, False, Placement(CPU, "CUDA was asked for, but this environment's torch sees no GPU: ran on the CPU")),
])
def test_torch_placement(wanted, available, placement):
    assert torch_placement(wanted, lambda: available) == placement


def test_torch_on_the_cpu_never_probes_cuda():
    assert torch_placement(CPU, never) == Placement(CPU)


@pytest.mark.parametrize("wanted, available, providers, device, noted", [
    (CUDA, ["CUDAExecutionProvider", "CPUExecutionProvider"], ["CUDAExecutionProvider", "CPUExecutionProvider"],
     "cuda:0", False),
    (CUDA, ["CPUExecutionProvider"], ["CPUExecutionProvider"], CPU, True),
    (CPU, ["CUDAExecutionProvider", "CPUExecutionProvider"], ["CPUExecutionProvider"], CPU, False),
])
def test_onnx_providers(wanted, available, providers, device, noted):
    chosen, placement = onnx_providers(wanted, available)
    assert (chosen, placement.device, placement.note is not None) == (providers, device, noted)


@pytest.mark.parametrize("wanted, gpus, hide, device, noted", [
    (CUDA, ["GPU:0"], False, "cuda:0", False),
    (CUDA, [], False, CPU, True),
    (CPU, ["GPU:0"], True, CPU, False),  # TensorFlow would take a visible GPU by itself
    (CPU, [], False, CPU, False),
])
def test_tensorflow_placement(wanted, gpus, hide, device, noted):
    hidden, placement = tensorflow_placement(wanted, gpus)
    assert (hidden, placement.device, placement.note is not None) == (hide, device, noted)


NUCLEI = MODELS / "nuclei-boundary-2d"


@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
def test_an_asked_for_gpu_that_is_not_there_runs_on_the_cpu_and_says_so(fmt):
    descr = read_rdf(NUCLEI / "rdf.yaml")
    files = {p.name: p for p in NUCLEI.iterdir()}
    x = np.random.default_rng(0).random((1, 1, 48, 48)).astype(np.float32)
    on_cpu = load_adapter(fmt, descr["weights"][fmt], files, ["boundaries"], ["raw"])
    asked = load_adapter(fmt, descr["weights"][fmt], files, ["boundaries"], ["raw"], device=CUDA)
    assert on_cpu.placement == Placement(CPU)
    assert asked.placement.device == CPU and "CUDA was asked for" in asked.placement.note
    np.testing.assert_allclose(asked([x])[0], on_cpu([x])[0], rtol=1e-5, atol=1e-6)
