"""Where model tests run: the CPU, or CUDA where the runner has a GPU.

`ZOO_TEST_DEVICE` chooses: `cpu`, `cuda` (also `gpu`), or `auto` (the default: CUDA when
`nvidia-smi -L` lists a GPU). The environment builder asks for the frameworks' CUDA builds when
the device is CUDA; in the model process the adapters place the network and its tensors with
the selections below, each given the framework's own availability probe, so every choice is
testable without a GPU. Standard library only: the model worker imports this module.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

CPU, CUDA = "cpu", "cuda"
DEVICES = (CPU, CUDA)
ALIASES = {"cpu": CPU, "cuda": CUDA, "gpu": CUDA}
ONNX_CUDA, ONNX_CPU = "CUDAExecutionProvider", "CPUExecutionProvider"
PROBE_SECONDS = 20


@functools.lru_cache(maxsize=1)
def nvidia_gpu_present() -> bool:
    """Whether `nvidia-smi -L` lists at least one GPU on this machine."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return False
    try:
        done = subprocess.run([tool, "-L"], capture_output=True, timeout=PROBE_SECONDS, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and b"GPU" in done.stdout


def requested_device(env: Mapping[str, str] | None = None, probe: Callable[[], bool] = nvidia_gpu_present) -> str:
    """The device this machine's model tests ask for (`ZOO_TEST_DEVICE`, else what the probe finds)."""
    wanted = (os.environ if env is None else env).get("ZOO_TEST_DEVICE", "auto").strip().lower() or "auto"
    if wanted == "auto":
        return CUDA if probe() else CPU
    if wanted not in ALIASES:
        raise ValueError(f"ZOO_TEST_DEVICE is {wanted!r}: expected cpu, cuda or auto")
    return ALIASES[wanted]


@dataclass(frozen=True)
class Placement:
    """Where a network runs, in words for the result ('cuda:0' or 'cpu'), and why not on the
    device asked for when it could not be had."""

    device: str
    note: str | None = None


def torch_placement(wanted: str, cuda_available: Callable[[], bool]) -> Placement:
    """torch: the first CUDA device when asked for and torch sees one, else the CPU."""
    if wanted != CUDA:
        return Placement(CPU)
    if cuda_available():
        return Placement("cuda:0")
    return Placement(CPU, "CUDA was asked for, but this environment's torch sees no GPU: ran on the CPU")


def onnx_providers(wanted: str, available: Sequence[str]) -> tuple[list[str], Placement]:
    """onnxruntime: the CUDA provider first (CPU behind it for unsupported ops) when asked for and
    installed (onnxruntime-gpu), else the CPU provider alone."""
    if wanted == CUDA and ONNX_CUDA in available:
        return [ONNX_CUDA, ONNX_CPU], Placement("cuda:0")
    note = None
    if wanted == CUDA:
        note = "CUDA was asked for, but onnxruntime has no CUDAExecutionProvider here: ran on the CPU"
    return [ONNX_CPU], Placement(CPU, note)


def tensorflow_placement(wanted: str, gpus: Sequence[object]) -> tuple[bool, Placement]:
    """TensorFlow places operations on a visible GPU by itself: (hide the GPUs?, placement)."""
    if wanted != CUDA:
        return bool(gpus), Placement(CPU)
    if gpus:
        return False, Placement("cuda:0")
    return False, Placement(CPU, "CUDA was asked for, but TensorFlow sees no GPU here: ran on the CPU")
