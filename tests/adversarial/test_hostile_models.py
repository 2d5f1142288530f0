"""Hostile model code and weights: each test ends as a failed result naming the problem, the host untouched."""

from __future__ import annotations

import os
import pickle
import re
import time
from pathlib import Path

import pytest

from pipeline.runner.sandbox import Limits
from pipeline.runner.testing import test_model

from testkit.hostile import model_copy, model_with_code, sha

GiB = 1024**3
QUICK = dict(seconds=60, memory_bytes=4 * GiB)


def _with_architecture(tmp_path: Path, code: str) -> Path:
    return model_with_code(tmp_path, code.format(tmp=tmp_path, home=Path.home()))


def _failure(result) -> str:
    data = result.to_json()
    assert data["status"] == "failed", data
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert failed
    return " | ".join(f"{t['error']} {t.get('traceback') or ''}" for t in failed)


# (case, module-level code run by the architecture import, extra limits, fragment of the failure)
ARCHITECTURES = [
    ("fork", "import os\nos.fork()", {}, "may not start or signal processes (os.fork)"),
    ("subprocess", "import subprocess\nsubprocess.run(['touch', '{tmp}/pwned'])", {},
     "may not start or signal processes (subprocess.Popen)"),
    ("os-system", "import os\nos.system('touch {tmp}/pwned')", {}, "may not start or signal processes (os.system)"),
    ("exec", "import os\nos.execv('/bin/sh', ['sh', '-c', 'touch {tmp}/pwned'])", {},
     "may not start or signal processes (os.exec)"),
    ("signal-parent", "import os\nos.kill(os.getppid(), 0)", {}, "may not start or signal processes (os.kill)"),
    ("write-outside", "open('{tmp}/pwned', 'w').write('owned')", {}, "may not write outside its folder"),
    ("append-home", "open('{home}/.bashrc', 'a')", {}, "may not write outside its folder"),
    ("os-open-outside", "import os\nos.open('{tmp}/pwned', os.O_CREAT | os.O_WRONLY)", {},
     "may not write outside its folder"),
    ("remove-outside", "import os\nos.remove('{tmp}/victim.txt')", {}, "may not change files outside its folder"),
    ("rename-outside", "import os\nos.rename('{tmp}/victim.txt', 'stolen.txt')", {},
     "may not change files outside its folder"),
    ("symlink-then-write", "import os\nos.symlink('{tmp}/victim.txt', 'link')\nopen('link', 'w').write('x')", {},
     "may not write outside its folder"),
    ("sleep-forever", "import time\ntime.sleep(3600)", {"seconds": 6}, "timed out after 6 s"),
    ("busy-loop", "while True:\n    pass", {"seconds": 6}, "timed out after 6 s"),
    ("allocate-50GB", "buffer = bytearray(50 * 1024**3)", {}, "MemoryError"),
    ("network", "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=3)", {},
     "network access is disabled"),
    ("raw-socket-connect", "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 9))", {},
     "network access is disabled"),
    ("file-beyond-size-limit", "open('big.bin', 'wb').write(b'x' * 8 * 1024 * 1024)", {"file_bytes": 1024 * 1024},
     "File too large"),
    ("huge-error-message", "raise RuntimeError('x' * 64 * 1024 * 1024)", {}, "wrote a report larger than"),
    ("recursion", "def f(n):\n    return f(n + 1)\nf(0)", {}, "RecursionError"),
    ("exit-quietly", "import os\nos._exit(0)", {}, "exited with status 0 without a result"),
]


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("code, limits, fragment", [c[1:] for c in ARCHITECTURES], ids=[c[0] for c in ARCHITECTURES])
def test_hostile_architecture_is_a_failed_test_and_the_host_is_untouched(tmp_path, code, limits, fragment):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    folder = _with_architecture(tmp_path, code)
    result = test_model(folder, limits=Limits(**{**QUICK, **limits}))
    failure = _failure(result)
    assert fragment in failure, failure[:2000]
    assert len(failure) < 20_000  # excerpts stay bounded whatever the model printed
    assert not (tmp_path / "pwned").exists()
    assert victim.read_text() == "keep me"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_processes_forked_behind_the_fence_die_with_the_test(tmp_path):
    """libc fork() is invisible to the audit hook; the wall-time kill takes the whole process group."""
    code = ("import ctypes, sys, time\npid = ctypes.CDLL(None).fork()\n"
            "if pid:\n    sys.stderr.write(f'CHILD {{pid}}\\n'); sys.stderr.flush()\ntime.sleep(3600)")
    failure = _failure(test_model(_with_architecture(tmp_path, code), limits=Limits(**{**QUICK, "seconds": 6})))
    assert "timed out after 6 s" in failure
    child = int(re.search(r"CHILD (\d+)", failure).group(1))
    status = Path(f"/proc/{child}/status")
    deadline = time.monotonic() + 10  # SIGKILL of the group is delivered asynchronously
    while status.exists() and "State:\tZ" not in status.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not status.exists() or "State:\tZ" in status.read_text()


class _Reducer:
    """Pickles to a call of os.system: what a hostile `weights.pt` holds."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_weights_that_are_pickles_with_code_never_run(tmp_path, protocol):
    import torch

    marker = tmp_path / "pwned"

    def edit(rdf, folder):
        torch.save({"conv1.weight": _Reducer(f"touch {marker}")}, folder / "weights.pt", pickle_protocol=protocol)
        rdf["weights"]["pytorch_state_dict"]["sha256"] = sha(folder / "weights.pt")

    failure = _failure(test_model(model_copy(tmp_path, edit=edit), limits=Limits(**QUICK)))
    assert "is not a plain state dict (refused by the safe loader)" in failure
    assert not marker.exists()


@pytest.mark.timeout(120)
def test_architecture_whose_sha256_does_not_match_is_never_imported(tmp_path):
    def edit(rdf, folder):
        with open(folder / "nuclei_net.py", "a", encoding="utf-8") as f:
            f.write(f"\nopen('{tmp_path}/pwned', 'w')\n")  # changed after its hash was published

    failure = _failure(test_model(model_copy(tmp_path, edit=edit), limits=Limits(**QUICK)))
    assert "weights.pytorch_state_dict.architecture.source" in failure or "architecture" in failure
    assert "sha256 mismatch" in failure
    assert not (tmp_path / "pwned").exists()


@pytest.mark.timeout(120)
def test_weights_whose_sha256_does_not_match_are_never_loaded(tmp_path):
    def edit(rdf, folder):
        (folder / "weights.pt").write_bytes(b"\x80\x04 not the published weights")

    failure = _failure(test_model(model_copy(tmp_path, edit=edit), limits=Limits(**QUICK)))
    assert "sha256 mismatch" in failure
