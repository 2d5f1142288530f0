"""Device selection: what the tests ask for and where each framework places a network, with the
availability probes injected (no GPU is needed to test a choice); on this CPU machine an asked-for
CUDA falls back to the CPU, said so in the placement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.contracts.results import PASSED
from pipeline.runner import devices
from pipeline.runner.adapters import load_adapter
from pipeline.runner.devices import CPU, CUDA, Placement, onnx_providers, requested_device, tensorflow_placement, \
    torch_placement

from pipeline.runner.checks import REPRODUCE
from pipeline.runner.sandbox import Limits, child_env, failure_reason
from pipeline.runner.testing import test_model

from testkit.paths import MODELS, REPO
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


# --- the sandbox on a GPU job ---------------------------------------------------------------------
def test_a_cuda_job_sees_the_runners_gpus_and_any_other_job_none(monkeypatch, tmp_path):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    assert child_env(Limits(), tmp_path, CUDA)["CUDA_VISIBLE_DEVICES"] == "0,1"
    assert child_env(Limits(), tmp_path, CPU)["CUDA_VISIBLE_DEVICES"] == ""
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    assert "CUDA_VISIBLE_DEVICES" not in child_env(Limits(), tmp_path, CUDA)  # every GPU of the runner
    assert child_env(Limits(), tmp_path, CPU)["CUDA_VISIBLE_DEVICES"] == ""


ALLOCATE = ("import os, sys, time\nblock = bytearray({mib} * 2**20)\n"
            "for i in range(0, len(block), 4096):\n    block[i] = 1\n")


def _supervise(tmp_path: Path, code: str, *, resident: int | None, address: int | None = None) -> dict:
    """The supervisor's status line for `python -c code` under the given memory limits."""
    spec = {"argv": [sys.executable, "-c", code], "cwd": str(tmp_path), "env": {"PATH": os.defpath},
            "stdout": str(tmp_path / "out.txt"), "stderr": str(tmp_path / "err.txt"), "seconds": 60,
            "writable": [str(tmp_path)], "netns": False,
            "rlimits": {"memory_bytes": address, "file_bytes": 2**30}, "resident_bytes": resident}
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pipeline.runner.supervisor", str(tmp_path / "spec.json")],
                          capture_output=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("forked", [False, True], ids=["one-process", "a-child-too"])
def test_a_gpu_jobs_resident_memory_is_bounded_over_all_its_processes(tmp_path, forked):
    code = ALLOCATE.format(mib=150)
    if forked:  # two processes of 150 MiB each: each under the limit, together over it
        code = "import os\npid = os.fork()\n" + code + "time.sleep(30)\n"
    else:
        code = code.replace("150", "400") + "time.sleep(30)\n"
    status = _supervise(tmp_path, code, resident=250 * 2**20)
    assert status.get("memory_exceeded") is True, status
    assert failure_reason(status, "", Limits(memory_bytes=250 * 2**20)).startswith("ran out of memory")


def test_a_gpu_job_under_its_resident_limit_is_not_bounded_by_address_space(tmp_path):
    # 2 GiB of address space reserved, 20 MiB touched: a CPU job's cap of 1 GiB would refuse it
    code = "import mmap\nm = mmap.mmap(-1, 2 * 2**30)\n" + ALLOCATE.format(mib=20)
    gpu = _supervise(tmp_path, code, resident=1 * 2**30)
    cpu = _supervise(tmp_path, code, resident=None, address=1 * 2**30)
    assert gpu["returncode"] == 0 and not gpu.get("memory_exceeded"), gpu
    assert cpu["returncode"] != 0


def test_a_test_asked_to_run_on_cuda_records_where_it_ran(monkeypatch):
    monkeypatch.setenv("ZOO_TEST_DEVICE", "cuda")
    result = test_model(NUCLEI / "rdf.yaml", weights_format="torchscript")
    ran = [t for t in result.tests if t.name == REPRODUCE]
    assert ran and ran[0].status == PASSED, result.to_json()
    assert ran[0].env["device"] == ("cuda:0" if devices.nvidia_gpu_present() else CPU)
    if not devices.nvidia_gpu_present():
        assert any("CUDA was asked for" in w for w in ran[0].warnings), ran[0].warnings
