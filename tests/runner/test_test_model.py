"""test_model on the real example models, the broken variants and hostile models made in the test."""

from __future__ import annotations

import socket
import threading

import pytest

from pipeline.runner.checks import REPRODUCE, SIZES
from pipeline.runner.sandbox import Limits
from pipeline.runner.testing import INSTALL, LOAD_RDF, test_model

from testkit.loopback import LoopbackServer
from testkit.paths import MODELS
from testkit.runner import GOOD, QUICK, hostile_forward, sha, write_rdf

EXPECTED_FORMATS = {
    "nuclei-boundary-2d": {"pytorch_state_dict", "torchscript", "onnx"},
    "membrane-distance-3d": {"keras_hdf5", "tensorflow_saved_model_bundle"},
    "two-channel-fusion-2d": {"torchscript", "onnx"},
    "upsample-2d": {"torchscript", "onnx"},
    "downsample-2d": {"torchscript", "onnx"},
    "fixed-shape-2d": {"torchscript", "onnx"},
}
FRAMEWORK_PACKAGES = {"torchscript": "torch", "pytorch_state_dict": "torch", "onnx": "onnxruntime",
                      "keras_hdf5": "keras", "tensorflow_saved_model_bundle": "tensorflow"}


# Each example model takes seconds (TensorFlow, or three weights formats): the fast lane tests one
FAST_MODELS = {"two-channel-fusion-2d"}
MODEL_CASES = [n if n in FAST_MODELS else pytest.param(n, marks=pytest.mark.slow) for n in GOOD]


@pytest.mark.parametrize("name", MODEL_CASES)
def test_example_models_pass_every_format(name):
    result = test_model(MODELS / name, limits=QUICK).to_json()
    assert result["status"] == "passed", result
    assert {t["weights_format"] for t in result["tests"]} == EXPECTED_FORMATS[name]
    assert {t["name"] for t in result["tests"]} == {REPRODUCE, SIZES}
    for t in result["tests"]:
        assert set(t) == {"name", "weights_format", "status", "error", "traceback", "warnings", "seconds", "env",
                          "env_key", "requirements"}
        assert t["status"] == "passed" and t["error"] is None
        assert len(t["env_key"]) == 16
        assert_environment_names_what_was_used(t["env"], t["weights_format"])


def assert_environment_names_what_was_used(env: dict, fmt: str) -> None:
    """python, numpy and the format's framework, each with its full version, and the device the
    network ran on (the CPU: no test asks for CUDA here); nothing else, no paths."""
    from importlib import metadata

    assert env["python"].count(".") == 2
    assert env["device"] == "cpu"
    framework = FRAMEWORK_PACKAGES[fmt]
    names = {k.replace("-cpu", "") for k in env if k != "device"}
    assert {"python", "numpy", framework} <= names
    assert names <= {"python", "numpy", "torch", "onnxruntime", "keras", "tensorflow"}
    if framework in ("torch", "onnxruntime"):
        assert not names & {"tensorflow", "keras"}
        assert env[framework] == metadata.version(framework)  # in full, e.g. a local "+cpu" kept
    assert all("/" not in str(v) for v in env.values())


def test_single_weights_format_is_selectable():
    result = test_model(MODELS / "nuclei-boundary-2d", weights_format="onnx", limits=QUICK)
    assert result.status == "passed"
    assert {t.weights_format for t in result.tests} == {"onnx"}
    assert "onnxruntime" in result.tests[0].env and "torch" not in result.tests[0].env


@pytest.mark.parametrize("name, fragment", [
    ("wrong-output", "differ by more than atol 1e-05 + rtol 0.0001*|expected|"),
    ("wrong-sha256", "weights.torchscript.source: sha256 mismatch"),
    ("crashing-architecture", "RuntimeError: deliberate failure inside the architecture"),
    ("nan-output", "contains 6272 NaN values"),
    ("pickled-weights", "(refused by the safe loader): Trying to load unsupported GLOBAL posix.getcwd"),
])
def test_broken_variants_fail_with_a_clear_reason(name, fragment):
    result = test_model(MODELS / "broken" / name, limits=QUICK)
    assert result.status == "failed"
    reproduce = [t for t in result.tests if t.name == REPRODUCE]
    assert reproduce and reproduce[0].status == "failed"
    assert fragment in reproduce[0].error


@pytest.mark.slow  # waits for the time limit
def test_hanging_architecture_is_killed_at_the_time_limit():
    result = test_model(MODELS / "broken" / "hanging-architecture", limits=Limits(seconds=6))
    assert result.status == "failed"
    assert result.tests[0].error == "the model process timed out after 6 s (the model hung or is too slow)"


def test_crash_of_the_process_is_a_failed_test(nuclei_copy):
    model = nuclei_copy(hostile_forward("import os\nos.abort()"))
    result = test_model(model, limits=QUICK)
    assert result.tests[0].status == "failed"
    assert result.tests[0].error == "the model process crashed with signal SIGABRT"


def test_out_of_memory_is_a_failed_test(nuclei_copy):
    model = nuclei_copy(hostile_forward("big = torch.ones(2**33, dtype=torch.uint8)"))
    result = test_model(model, limits=Limits(seconds=60, memory_bytes=3 * 1024**3))
    assert result.tests[0].status == "failed"
    assert "can't allocate memory" in result.tests[0].error or "ran out of memory" in result.tests[0].error


def test_model_code_cannot_reach_the_network(nuclei_copy):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(20)
    port = server.getsockname()[1]
    hits = []
    threading.Thread(target=lambda: _accept(server, hits), daemon=True).start()
    model = nuclei_copy(hostile_forward(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)"))
    result = test_model(model, limits=QUICK)
    server.close()
    assert result.tests[0].status == "failed"
    assert not hits
    assert any(w in result.tests[0].error for w in ("network access is disabled", "Network is unreachable",
                                                        "Connection refused"))


def _accept(server: socket.socket, hits: list) -> None:
    try:
        hits.append(server.accept())
    except OSError:
        pass


def test_architecture_sha256_is_verified(nuclei_copy):
    def tamper(rdf, folder):
        (folder / "nuclei_net.py").write_text("raise SystemExit('must never run')\n", encoding="utf-8")

    result = test_model(nuclei_copy(edit=tamper), limits=QUICK)
    assert result.status == "failed"
    assert "weights.pytorch_state_dict.architecture.source: sha256 mismatch" in result.tests[0].error


def test_test_tensor_of_the_wrong_shape(nuclei_copy, tmp_path):
    import numpy as np

    def reshape(rdf, folder):
        np.save(folder / "test_input.npy", np.ones((64, 64), np.uint16))
        rdf["inputs"][0]["test_tensor"]["sha256"] = sha(folder / "test_input.npy")

    result = test_model(nuclei_copy(edit=reshape), limits=QUICK)
    assert result.status == "failed"
    assert "inputs[0].test_tensor: array has 2 dimensions (64, 64), the description has 4 axes" in \
        result.tests[0].error


def test_pickled_test_tensor_is_refused(nuclei_copy):
    import numpy as np

    def pickled(rdf, folder):
        np.save(folder / "test_input.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
        rdf["inputs"][0]["test_tensor"]["sha256"] = sha(folder / "test_input.npy")

    result = test_model(nuclei_copy(edit=pickled), limits=QUICK)
    assert result.status == "failed"
    assert "cannot be read without pickle" in result.tests[0].error


def test_failed_environment_build_is_the_install_test(nuclei_copy, tmp_path):
    def deps(rdf, folder):
        (folder / "environment.yaml").write_text(
            "dependencies:\n  - pip:\n      - zoo-no-such-package-for-tests==0.0.1\n", encoding="utf-8")
        rdf["weights"]["pytorch_state_dict"]["dependencies"] = {"source": "environment.yaml",
                                                                "sha256": sha(folder / "environment.yaml")}

    result = test_model(nuclei_copy(edit=deps), limits=QUICK, env_cache=tmp_path / "envs", offline=True)
    assert result.status == "failed"
    assert [t.name for t in result.tests] == [INSTALL]
    assert "zoo-no-such-package-for-tests==0.0.1" in result.tests[0].requirements


def test_tensorflow_js_is_skipped_never_passed(tmp_path):
    import shutil

    from testkit.runner import read_rdf

    folder = tmp_path / "m"
    shutil.copytree(MODELS / "membrane-distance-3d", folder)
    rdf = read_rdf(folder / "rdf.yaml")
    (folder / "model.tfjs.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    rdf["weights"] = {"tensorflow_js": {"source": "model.tfjs.zip", "sha256": sha(folder / "model.tfjs.zip"),
                                        "tensorflow_version": "2.21"}}
    write_rdf(folder / "rdf.yaml", rdf)
    result = test_model(folder, limits=QUICK)
    assert [t.status for t in result.tests] == ["skipped"]
    assert result.status == "failed"  # nothing runnable passed


def test_unreadable_source_is_a_failed_result(tmp_path):
    (tmp_path / "rdf.yaml").write_text("type: model\nname: [unclosed\n", encoding="utf-8")
    result = test_model(tmp_path, limits=QUICK)
    assert result.status == "failed"
    assert result.tests[0].name == LOAD_RDF


@pytest.mark.slow
@pytest.mark.parametrize("name", ["nuclei-boundary-2d", "membrane-distance-3d"])
def test_v0_4_descriptions_pass_without_size_checks(name):
    result = test_model(MODELS / name / "v0_4.bioimageio.yaml", limits=QUICK)
    assert result.status == "passed", result.to_json()
    assert {t.name for t in result.tests} == {REPRODUCE}  # parameterized-size checks are 0.5 only


def test_v0_4_tolerance_allows_no_mismatched_element(tmp_path):
    import shutil

    import numpy as np

    from testkit.runner import read_rdf

    folder = tmp_path / "m"
    shutil.copytree(MODELS / "nuclei-boundary-2d", folder)
    expected = np.load(folder / "test_output.npy")
    expected[0, 0, 10, 10] += 0.01  # one element of 6272 (159 ppm) off by more than 1e-3
    np.save(folder / "test_output.npy", expected)
    rdf = read_rdf(folder / "v0_4.bioimageio.yaml")
    rdf["weights"] = {"onnx": rdf["weights"]["onnx"]}
    rdf["weights"]["onnx"].pop("parent")
    write_rdf(folder / "v0_4.bioimageio.yaml", rdf)
    result = test_model(folder / "v0_4.bioimageio.yaml", limits=QUICK)
    assert result.status == "failed"
    assert "1 of 6272 elements (159 ppm, allowed 0)" in result.tests[0].error
    assert "worst at index (0, 0, 10, 10)" in result.tests[0].error


def test_model_from_a_loopback_url():
    from pipeline.base.http import HttpPolicy

    with LoopbackServer(files=MODELS / "two-channel-fusion-2d") as server:
        url = f"{server.url}/rdf.yaml"
        result = test_model(url, weights_format="onnx", limits=QUICK, policy=HttpPolicy().trusting(url))
    assert result.status == "passed", result.to_json()
    assert result.source == url


def test_environment_key_groups_formats_with_the_same_requirements():
    from pipeline.runner.testing import environment_key
    from pipeline.spec import load_rdf, normalized_model

    descr = normalized_model(load_rdf(str(MODELS / "nuclei-boundary-2d")).data)
    keys = {fmt: environment_key(descr, fmt) for fmt in descr["weights"]}
    assert keys["torchscript"] == keys["pytorch_state_dict"] != keys["onnx"]
    result = test_model(MODELS / "nuclei-boundary-2d", weights_format="onnx", limits=QUICK)
    assert result.tests[0].env_key == keys["onnx"]


@pytest.mark.parametrize("content, fragment", [
    (b"not a zip at all", "weights.torchscript: cannot load weights_torchscript.pt"),
    (None, "weights.torchscript.source"),
])
def test_corrupt_or_missing_weights(tmp_path, content, fragment):
    import shutil

    from testkit.runner import read_rdf

    folder = tmp_path / "m"
    shutil.copytree(MODELS / "nuclei-boundary-2d", folder)
    rdf = read_rdf(folder / "rdf.yaml")
    entry = rdf["weights"]["torchscript"]
    entry.pop("parent")
    rdf["weights"] = {"torchscript": entry}
    if content is None:
        (folder / entry["source"]).unlink()
        entry.pop("sha256")
    else:
        (folder / entry["source"]).write_bytes(content)
        entry["sha256"] = sha(folder / entry["source"])
    write_rdf(folder / "rdf.yaml", rdf)
    result = test_model(folder, limits=QUICK)
    assert result.status == "failed"
    assert fragment in result.tests[0].error


def test_secrets_in_the_environment_are_not_passed_to_model_code(nuclei_copy, monkeypatch):
    monkeypatch.setenv("ZOO_PROBE_TOKEN", "secret")
    model = nuclei_copy(hostile_forward(
        "import os\nraise RuntimeError('token visible' if 'ZOO_PROBE_TOKEN' in os.environ else 'token hidden')"))
    result = test_model(model, limits=QUICK)
    assert "RuntimeError: token hidden" in result.tests[0].error


def test_model_code_cannot_raise_its_memory_limit(nuclei_copy):
    model = nuclei_copy(hostile_forward(
        "import resource\nresource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))"))
    result = test_model(model, limits=QUICK)
    assert result.tests[0].status == "failed"
    assert "ValueError: not allowed to raise maximum limit" in result.tests[0].error


@pytest.mark.slow
def test_tests_run_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda fmt: test_model(MODELS / "nuclei-boundary-2d", weights_format=fmt, limits=QUICK),
                                ["onnx", "torchscript", "pytorch_state_dict"]))
    assert [r.status for r in results] == ["passed"] * 3
