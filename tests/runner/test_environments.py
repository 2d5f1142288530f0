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


# --- the builder's installer commands, with fake installers on PATH ------------------------------
from testkit.installers import FakeInstallers  # noqa: E402

from pipeline.runner.devices import CPU, CUDA  # noqa: E402

PYTHON = f"python={sys.version_info.major}.{sys.version_info.minor}"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@pytest.fixture
def fakes(tmp_path, monkeypatch):
    def make(*names: str) -> FakeInstallers:
        installers = FakeInstallers(tmp_path / "fakes", names)
        for key, value in installers.environ().items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("ZOO_ENV_INSTALL_ARGS", raising=False)
        monkeypatch.setattr(envs, "uv_tool", lambda: envs.shutil.which("uv"))  # not the venv's own uv
        return installers

    return make


def _torch_with_conda_file(device: str = CPU) -> RequirementSet:
    return requirement_set("torchscript", {"pytorch_version": "2.13", "dependencies": "conda:environment.yaml"},
                           CONDA_ENV, device=device)


@pytest.mark.parametrize("tool", ["micromamba", "conda"])
def test_a_conda_file_becomes_the_installers_arguments(tool, fakes, tmp_path, monkeypatch):
    installers = fakes(tool, "uv")
    monkeypatch.setenv("ZOO_TORCH_INDEX", CPU_INDEX)
    reqs = _torch_with_conda_file()
    python = ensure_environment(reqs, cache_dir=tmp_path / "envs", conda_text=CONDA_ENV)
    env_dir = tmp_path / "envs" / reqs.key()
    assert python == str(env_dir / "bin" / "python")
    assert installers.calls() == [
        [tool, "create", "--yes", "--prefix", str(env_dir), "--override-channels", "-c", "pytorch", "-c",
         "conda-forge", PYTHON, "pytorch=2.13", "cpuonly", "conda-forge::scikit-image=0.24", "pip"],
        # the framework the weights declare and the file's pip section; torch from the CPU index
        ["python", "-m", "pip", "install", "-q", "--extra-index-url", CPU_INDEX, "numpy", "torch>=2.13",
         "tifffile>=2023"]]
    assert (env_dir / ".zoo-complete").is_file()
    assert ensure_environment(reqs, cache_dir=tmp_path / "envs", conda_text=CONDA_ENV) == python
    assert len(installers.calls()) == 2  # built once


def test_a_conda_file_without_python_or_channels_gets_ours(fakes, tmp_path):
    installers = fakes("micromamba")
    text = "dependencies:\n  - numpy 1.26.*\n  - onnxruntime\n"
    reqs = requirement_set("onnx", {"dependencies": "conda:env.yaml"}, text, device=CPU)
    ensure_environment(reqs, cache_dir=tmp_path / "envs", conda_text=text)
    create, pip = installers.calls()
    assert create[5:] == ["--override-channels", "-c", "conda-forge", PYTHON, "numpy 1.26.*", "onnxruntime", "pip"]
    assert pip == ["python", "-m", "pip", "install", "-q", "numpy", "onnxruntime"]


@pytest.mark.parametrize("text, message", [
    ("dependencies:\n  - --prefix=/etc\n", "dependency '--prefix=/etc' is not a conda package spec"),
    ("channels: [-c, evil]\ndependencies: [numpy]\n", "channel '-c' is not a channel name or URL"),
    ("dependencies:\n  - pip:\n      - --index-url=http://evil\n", "is an installer option, not a requirement"),
    ("dependencies:\n  - \"numpy; rm -rf /\"\n", "is not a conda package spec"),
])
def test_a_hostile_conda_file_never_reaches_the_installer(text, message, fakes, tmp_path):
    installers = fakes("micromamba")
    reqs = RequirementSet(("numpy", "zoo-no-such-package-for-tests"), conda_file="x", framework="onnxruntime")
    with pytest.raises(BadInput, match=message):
        ensure_environment(reqs, cache_dir=tmp_path / "envs", conda_text=text)
    assert installers.calls() == []
    assert not (tmp_path / "envs" / reqs.key()).exists()


def test_without_a_conda_installer_the_file_becomes_pip_requirements(fakes, tmp_path):
    installers = fakes("uv")
    reqs = _torch_with_conda_file()
    ensure_environment(reqs, cache_dir=tmp_path / "envs", conda_text=CONDA_ENV)
    env_dir = tmp_path / "envs" / reqs.key()
    assert installers.calls() == [
        ["uv", "venv", "-q", "--python", sys.executable, str(env_dir)],
        ["uv", "pip", "install", "-q", "--python", str(env_dir / "bin" / "python"), "numpy", "torch>=2.13",
         "torch==2.13.*", "scikit-image==0.24.*", "tifffile>=2023"]]


def test_cuda_environments_ask_for_the_gpu_builds(fakes, tmp_path, monkeypatch):
    installers = fakes("uv")
    monkeypatch.setenv("ZOO_TORCH_INDEX", "https://download.pytorch.org/whl/cu128")
    onnx = requirement_set("onnx", {}, device=CUDA)
    keras = requirement_set("keras_hdf5", {"tensorflow_version": "2.16"}, device=CUDA)
    assert onnx.requirements == ("numpy", "onnxruntime-gpu")
    assert keras.requirements == ("numpy", "tensorflow[and-cuda]>=2.16,<3")
    ensure_environment(onnx, cache_dir=tmp_path / "envs")
    assert installers.calls()[1][:6] == ["uv", "pip", "install", "-q", "--extra-index-url",
                                         "https://download.pytorch.org/whl/cu128"]
    assert installers.calls()[1][6:8] == ["--index-strategy", "unsafe-best-match"]


def test_the_device_names_its_own_environments():
    cpu, cuda = (requirement_set("torchscript", {"pytorch_version": "2.13"}, device=d) for d in (CPU, CUDA))
    assert cpu.requirements == cuda.requirements and cpu.key() != cuda.key()
    # CPU keys are those of sets that never named a device: no result is retested for this
    assert cpu.key() == RequirementSet(cpu.requirements).key()


@pytest.mark.parametrize("spec, requirement", [
    ("pytorch=2.13", "torch==2.13.*"),
    ("numpy 1.26.*", "numpy==1.26.*"),
    ("numpy 1.26.* py311_0", "numpy==1.26.*"),
    ("conda-forge::scikit-image>=0.20", "scikit-image>=0.20"),
    ("pytorch==2.1.0", "torch==2.1.0"),
    ("tensorflow-cpu 2.15|2.16", "tensorflow"),
    ("cudatoolkit=11.8", None),
    ("python=3.9", None),
])
def test_conda_specs_as_pip_requirements(spec, requirement):
    assert envs._pip_requirement(spec) == requirement
