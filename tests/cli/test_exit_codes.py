"""What the README promises of every command: exit 0 ok, 1 the checked thing failed, 2 bad usage or
an input that does not exist; every `--json` output is one object with `ok` at its top."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipeline.cli import main
from testkit import paths

MISSING = "/nonexistent/zoo-input"


@pytest.mark.parametrize("argv", [
    ["validate", MISSING], ["test", MISSING], ["upgrade", MISSING], ["package", MISSING, "-o", "/tmp/x.zip"],
    ["predict", str(paths.MODELS / "upsample-2d"), MISSING, "-o", "/tmp/out.npy"],
    ["check-nicknames", "--store", MISSING], ["build", "--store", MISSING], ["plan", "--store", MISSING],
    ["build", "--store", str(paths.EXAMPLES), "--partners", MISSING],
    ["plan", "--store", str(paths.EXAMPLES), "--partners", MISSING],
    ["harvest", "--zenodo", MISSING, "--store", "/tmp/zoo-unused"],
    ["harvest", "--zenodo", "none", "--partners", MISSING, "--store", "/tmp/zoo-unused"],
    ["site", "--site", MISSING], ["site", "--site", MISSING, "--partners", MISSING],
    ["propose", "--store", MISSING], ["serve", "--site", MISSING],
    ["review", "--pr-base", "main", "--store", MISSING],
    ["review", "--pr-base", "main", "--build-summary", MISSING], ["review", "--pr-base", "main", "--partners", MISSING],
    ["run", "--zenodo", MISSING, "--store", "/tmp/zoo-unused"],
])
def test_a_missing_input_is_bad_usage(argv, capsys):
    assert main(argv) == 2
    assert MISSING in capsys.readouterr().err


def _git_store(tmp_path: Path) -> Path:
    store = tmp_path / "repo" / "collection"
    store.mkdir(parents=True)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
           "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "init"]):
        subprocess.run(["git", *args], cwd=store.parent, check=True, env=env, capture_output=True)
    return store


def test_every_json_output_is_one_object_with_ok(tmp_path, capsys):
    store, site = _git_store(tmp_path), tmp_path / "site"
    runs = {
        "validate": (["validate", "--json", str(paths.DATASET)], 0),
        "test": (["test", "--json", "--quiet", str(paths.DATASET)], 1),  # a dataset has no model to test
        "harvest": (["harvest", "--json", "--zenodo", "none", "--partners", "none", "--store", str(store)], 0),
        "check-nicknames": (["check-nicknames", "--json", "--store", str(store)], 0),
        "propose": (["propose", "--json", "--store", str(store)], 0),
        "build": (["build", "--json", "--store", str(store), "--site", str(site), "--cache", str(tmp_path / "c"),
                   "--partners", str(paths.EXAMPLE_PARTNERS), "--no-tests"], 1),  # the partners report on others
        "site": (["site", "--json", "--site", str(site), "--no-search"], 0),
        "review": (["review", "--json", "--pr-base", "main", "--store", str(store), "--site", str(site),
                    "--partners", "none"], 0),
    }
    for name, (argv, expected) in runs.items():
        code = main(argv)
        data = json.loads(capsys.readouterr().out)
        assert isinstance(data, dict) and data["ok"] is (code == 0), name
        assert code == expected, name


def test_plan_labels_each_environment_once(tmp_path, capsys):
    store = tmp_path / "collection"
    assert main(["harvest", "--zenodo", str(paths.EXAMPLE_ZENODO), "--partners", "none", "--store", str(store),
                 "--accept", "--json"]) == 0
    capsys.readouterr()
    assert main(["plan", "--store", str(store), "--partners", str(paths.EXAMPLE_PARTNERS),
                 "--site", str(tmp_path / "site"), "--cache", str(tmp_path / "cache")]) == 0
    jobs = json.loads(capsys.readouterr().out)["include"]
    labels = [label for job in jobs for label in job["environments"]]
    keys = [key for job in jobs for key in job["env_keys"]]
    assert len(labels) == len(set(labels)) == len(keys) == len(set(keys)) >= 2
    # a model whose torchscript and state-dict weights share torch joins the other torch models
    assert sum(job["tests"] for job in jobs) == 9 and len(jobs) == 2
