"""Requirement sets, environment keys and cached environments (offline-safe and fast)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipeline.errors import BadInput, ExternalToolFailed
from pipeline.runner import environments as envs
from pipeline.runner.environments import RequirementSet, ensure_environment, requirement_set, satisfied_here

CONDA_ENV = """
name: my-model
channels: [pytorch, conda-forge]
dependencies:
  - python=3.11
  - pytorch=2.13
  - cpuonly
  - conda-forge::scikit-image=0.24
  - pip
  - pip:
      - tifffile>=2023
"""


@pytest.mark.parametrize("fmt, entry, framework", [
    ("torchscript", {"pytorch_version": "2.13"}, "torch>=2.13"),
    ("pytorch_state_dict", {"pytorch_version": "1.10"}, "torch>=1.10"),
    ("keras_hdf5", {"tensorflow_version": "2.21"}, "tensorflow>=2.21,<3"),
    ("tensorflow_saved_model_bundle", {"tensorflow_version": "1.15"}, "tensorflow>=1.15,<2"),
    ("onnx", {"opset_version": 17}, "onnxruntime"),
])
def test_framework_requirement_per_format(fmt, entry, framework):
    assert requirement_set(fmt, entry).requirements == ("numpy", framework)


def test_conda_dependencies_become_pip_requirements():
    reqs = requirement_set("torchscript", {"pytorch_version": "2.13", "dependencies": "conda:environment.yaml"},
                           CONDA_ENV)
    assert reqs.requirements == ("numpy", "torch>=2.13", "torch==2.13.*", "scikit-image==0.24.*", "tifffile>=2023")
    assert reqs.conda_file is not None


def test_pip_requirements_file():
    reqs = requirement_set("onnx", {"dependencies": "pip:requirements.txt"}, "# pinned\nonnxruntime>=1.17\n\n-e .\n")
    assert reqs.requirements == ("numpy", "onnxruntime", "onnxruntime>=1.17")


def test_invalid_dependency_is_bad_input():
    with pytest.raises(BadInput, match="'not a valid req!!' is not a valid requirement"):
        requirement_set("onnx", {"dependencies": "pip:requirements.txt"}, "not a valid req!!\n")


def test_key_is_stable_and_depends_on_the_set():
    a = requirement_set("torchscript", {"pytorch_version": "2.13"})
    assert a.key() == requirement_set("pytorch_state_dict", {"pytorch_version": "2.13"}).key()
    assert a.key() != requirement_set("torchscript", {"pytorch_version": "2.14"}).key()
    assert len(a.key()) == 16


def test_current_interpreter_is_used_when_it_satisfies(tmp_path):
    reqs = requirement_set("torchscript", {"pytorch_version": "2.0"})
    assert satisfied_here(reqs)
    assert ensure_environment(reqs, cache_dir=tmp_path) == sys.executable
    assert not any(tmp_path.iterdir())  # nothing built


def test_unsatisfiable_set_fails_fast_and_leaves_no_half_built_env(tmp_path):
    reqs = RequirementSet(("numpy", "zoo-no-such-package-for-tests==0.0.1"))
    assert not satisfied_here(reqs)
    with pytest.raises(ExternalToolFailed, match="failed"):
        ensure_environment(reqs, cache_dir=tmp_path, offline=True)
    assert not (tmp_path / reqs.key()).exists()


def test_built_environment_is_reused(tmp_path):
    reqs = RequirementSet(("zoo-no-such-package-for-tests==0.0.1",))
    env_dir = tmp_path / reqs.key()
    (env_dir / "bin").mkdir(parents=True)
    (env_dir / "bin" / "python").write_text("")
    (env_dir / ".zoo-complete").write_text("{}")
    # offline, a rebuild of this set would fail; getting the path back means the cache was used
    assert ensure_environment(reqs, cache_dir=tmp_path, offline=True) == str(env_dir / "bin" / "python")


def test_run_tool_reports_timeouts_and_missing_tools():
    with pytest.raises(ExternalToolFailed, match="timed out after 0.5 s"):
        envs.run_tool([sys.executable, "-c", "import time; time.sleep(5)"], timeout=0.5)
    with pytest.raises(ExternalToolFailed, match="is not installed"):
        envs.run_tool(["zoo-no-such-tool-xyz"])
    assert Path(sys.executable).exists()


def test_an_empty_requirement_set_builds_a_working_environment(tmp_path):
    import subprocess

    env_dir = tmp_path / "env"
    envs._build(env_dir, RequirementSet(()), None, offline=True)
    python = env_dir / "bin" / "python"
    out = subprocess.run([str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True)
    assert Path(out.stdout.strip()).resolve() == env_dir.resolve()
