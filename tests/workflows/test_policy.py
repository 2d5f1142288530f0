"""The workflows keep the rules of issue 8: the six stages with their triggers, least privilege,
timeouts, pinned actions, no expressions in shell scripts, one harvest at a time, and every
variable and secret they read documented in docs/operating.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from testkit.paths import REPO
from testkit.workflows import WORKFLOWS, load, run_steps, workflow_files

EXPECTED = {"harvest.yaml", "pr.yaml", "test-models.yaml", "deploy.yaml", "revalidate.yaml", "partners.yaml"}
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+\s*$")
LOCAL = re.compile(r"^\s*(?:-\s+)?uses:\s+\./\.github/workflows/[\w-]+\.yaml\s*$")
FILES = workflow_files()
WORKFLOW = {p.name: load(p) for p in FILES}


def jobs(name: str) -> dict[str, dict[str, Any]]:
    return WORKFLOW[name]["jobs"]


def steps(name: str) -> list[dict[str, Any]]:
    return [s for job in jobs(name).values() for s in job.get("steps", [])]


def test_the_six_stages_exist():
    assert set(WORKFLOW) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_top_level_permissions_are_empty(name: str):
    assert WORKFLOW[name]["permissions"] == {}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_job_has_a_timeout_or_calls_a_workflow(name: str):
    for job_id, job in jobs(name).items():
        assert "uses" in job or isinstance(job.get("timeout-minutes"), int), f"{name} › {job_id}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(r"^\s*(?:-\s+)?uses:", line):
            assert PINNED.match(line) or LOCAL.match(line), f"{path.name}:{number}: {line.strip()}"


def test_each_action_is_pinned_to_one_commit_everywhere():
    pins: dict[str, set[str]] = {}
    for path in FILES:
        for match in map(PINNED.match, path.read_text(encoding="utf-8").splitlines()):
            if match:
                pins.setdefault(match[1].split("/")[0] + "/" + match[1].split("/")[1], set()).add(match[2])
    assert pins and all(len(shas) == 1 for shas in pins.values()), pins


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_checkouts_do_not_keep_credentials(name: str):
    for step in steps(name):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, f"{name}: {step.get('name')}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_expression_is_interpolated_into_a_shell_script(path: Path):
    for step in run_steps(path):
        assert "${{" not in step.script, step.where


def test_two_harvests_never_run_at_once():
    groups = [jobs("harvest.yaml")["harvest"]["concurrency"], jobs("partners.yaml")["harvest"]["concurrency"]]
    assert groups[0] == groups[1] == {"group": "zoo-harvest", "cancel-in-progress": False}


def test_triggers():
    on = {name: WORKFLOW[name]["on"] for name in EXPECTED}
    assert set(on["harvest.yaml"]) == {"schedule", "workflow_dispatch"}
    assert on["pr.yaml"]["pull_request"]["paths"] == ["collection/**", "partners/**"]
    assert {"workflow_call", "workflow_dispatch"} <= set(on["test-models.yaml"])
    assert on["deploy.yaml"]["push"]["branches"] == ["main"]
    assert "schedule" in on["revalidate.yaml"] and "pyproject.toml" in on["revalidate.yaml"]["push"]["paths"]
    assert on["partners.yaml"]["repository_dispatch"]["types"] == ["partner-update"]


def test_model_tests_run_on_a_configurable_runner_from_the_plan():
    call = WORKFLOW["test-models.yaml"]["on"]["workflow_call"]["inputs"]
    test = jobs("test-models.yaml")["test"]
    assert call["runs-on"]["default"] == "ubuntu-latest"
    assert test["runs-on"] == "${{ inputs.runs-on }}"
    assert test["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert jobs("deploy.yaml")["test"]["uses"] == "./.github/workflows/test-models.yaml"


def test_only_the_deploy_job_may_write_pages():
    writers = {(name, job_id) for name in EXPECTED for job_id, job in jobs(name).items()
               if "uses" not in job and "write" in (job.get("permissions") or {}).get("pages", "")}
    assert writers == {("deploy.yaml", "deploy")}


def test_the_bot_token_is_read_only_by_the_proposing_jobs():
    readers = {(name, job_id) for name in EXPECTED for job_id, job in jobs(name).items()
               if "secrets.ZOO_BOT_TOKEN" in str(job)}
    assert readers == {("harvest.yaml", "harvest"), ("partners.yaml", "harvest")}
    assert all(jobs(name)[job_id]["environment"] == "zoo-bot" for name, job_id in readers)


def test_every_variable_secret_and_workflow_is_documented():
    guide = (REPO / "docs" / "operating.md").read_text(encoding="utf-8")
    text = "\n".join(p.read_text(encoding="utf-8") for p in FILES)
    names = set(re.findall(r"\b(?:vars|secrets)\.([A-Z][A-Z0-9_]*)", text)) | EXPECTED | {"zoo-bot", "partner-update"}
    assert names >= {"ZOO_BOT_TOKEN", "ZOO_TEST_RUNNER"}
    missing = sorted(n for n in names if n not in guide)
    assert missing == []


def test_workflow_folder_holds_only_yaml():
    assert all(p.suffix == ".yaml" for p in WORKFLOWS.iterdir())


def test_every_job_uses_the_same_python():
    """Environment hashes, and so test-cache keys, include the Python version: a build on another
    Python than the test shards would find none of their results."""
    versions = {str(s["with"]["python-version"]) for name in EXPECTED for s in steps(name)
                if str(s.get("uses", "")).startswith("actions/setup-python@")}
    inputs = WORKFLOW["test-models.yaml"]["on"]
    defaults = {inputs[kind]["inputs"]["python-version"]["default"] for kind in ("workflow_call", "workflow_dispatch")}
    assert versions == {"3.12", "${{ inputs.python-version }}"} and defaults == {"3.12"}


def _runs_model_code(step: dict[str, Any]) -> bool:
    """A step whose `zoo build` runs model tests (not --no-tests, not --environments-only)."""
    script = str(step.get("run", ""))
    return "zoo build" in script and "--no-tests" not in script and "--environments-only" not in script


MODEL_JOBS = {(name, job_id) for name in EXPECTED for job_id, job in jobs(name).items()
              if any(_runs_model_code(s) for s in job.get("steps", []))}


def test_the_jobs_that_run_model_code_are_the_test_shards_and_the_pr_check():
    assert MODEL_JOBS == {("test-models.yaml", "test"), ("pr.yaml", "check")}


@pytest.mark.parametrize("name, job_id", sorted(MODEL_JOBS))
def test_no_cache_is_saved_after_model_code_ran(name: str, job_id: str):
    """Caches saved when the job ends (actions/cache, setup-python's and micromamba's own) or by a
    save step after the tests would carry whatever model code left behind into later runs."""
    ran_model_code = False
    for step in jobs(name)[job_id]["steps"]:
        uses, given = str(step.get("uses", "")), step.get("with") or {}
        assert not uses.startswith("actions/cache@"), f"{name} › {step.get('name')}: saves when the job ends"
        assert "cache" not in given or not uses.startswith("actions/setup-python@"), step.get("name")
        assert not given.get("cache-downloads") and not given.get("cache-environment"), step.get("name")
        if uses.startswith("actions/cache/save@"):
            assert not ran_model_code, f"{name} › {step.get('name')}: saved after model code ran"
        ran_model_code = ran_model_code or _runs_model_code(step)


@pytest.mark.parametrize("name, job_id", sorted(MODEL_JOBS))
def test_jobs_that_run_model_code_install_no_frameworks_into_the_runners_python(name: str, job_id: str):
    installs = [s["run"] for s in jobs(name)[job_id]["steps"] if "pip install" in str(s.get("run", ""))]
    assert installs and not any("frameworks" in script for script in installs)


def test_environment_caches_are_restored_by_their_own_key_only():
    for step in jobs("test-models.yaml")["test"]["steps"]:
        if str(step.get("uses", "")).startswith("actions/cache/"):
            assert "restore-keys" not in step["with"] and "matrix.env_cache_key" in step["with"]["key"]


def test_shards_upload_only_their_results_and_bundles_and_a_rerun_replaces_them():
    uploads = [s["with"] for s in jobs("test-models.yaml")["test"]["steps"]
               if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert [(u["name"], u["path"]) for u in uploads] == [("zoo-tests-${{ matrix.index }}", ".cache/tests"),
                                                         ("zoo-bundles-${{ matrix.index }}", ".cache/bundles")]
    assert all(u["overwrite"] is True for u in uploads)
    restores = [s for s in jobs("test-models.yaml")["test"]["steps"] if str(s.get("uses", "")).startswith("actions/cache")
                and any(kind in str(s.get("with", {}).get("path")) for kind in ("tests", "bundles"))]
    assert restores == []  # a shard starts with no results or bundles: it uploads what it made


def test_results_and_bundles_are_cached_only_by_the_merge_job():
    saved = {(name, job_id, str(s["with"]["path"])) for name in EXPECTED for job_id, job in jobs(name).items()
             for s in job.get("steps", []) if str(s.get("uses", "")).startswith("actions/cache/save@")
             and any(kind in str(s["with"]["path"]) for kind in (".cache/tests", ".cache/bundles"))}
    assert saved == {("test-models.yaml", "merge", ".cache/tests"), ("test-models.yaml", "merge", ".cache/bundles")}


def test_results_are_merged_only_through_zoo_merge():
    for name in EXPECTED:
        for step in steps(name):
            assert not (step.get("with") or {}).get("merge-multiple"), f"{name} › {step.get('name')}"
            assert (step.get("with") or {}).get("fail-on-cache-miss") is not True, f"{name} › {step.get('name')}"
    for name, job_id in (("test-models.yaml", "merge"), ("deploy.yaml", "build")):
        assert any("zoo merge" in str(s.get("run", "")) and "--plan-sha256" in s["run"] and "--bundles" in s["run"]
                   for s in jobs(name)[job_id]["steps"])


def test_no_pending_deployment_or_revalidation_is_replaced():
    for name in ("deploy.yaml", "test-models.yaml"):
        assert WORKFLOW[name]["concurrency"]["queue"] == "max", name
    assert jobs("deploy.yaml")["deploy"]["concurrency"]["queue"] == "max"
    groups = [WORKFLOW[name]["concurrency"]["group"] for name in ("revalidate.yaml", "deploy.yaml", "test-models.yaml",
                                                                   "partners.yaml")]
    assert len(set(groups)) == len(groups)  # a caller sharing its callee's group deadlocks


def test_every_job_that_keys_test_results_names_the_same_device():
    devices = {(name, job_id): job.get("env", {}).get("ZOO_TEST_DEVICE") for name in EXPECTED
               for job_id, job in jobs(name).items() if any("zoo build" in str(s.get("run", "")) or
                                                            "zoo plan" in str(s.get("run", ""))
                                                            for s in job.get("steps", []))}
    assert devices == {("test-models.yaml", "plan"): "${{ inputs.gpu && 'cuda' || 'cpu' }}",
                       ("test-models.yaml", "test"): "${{ inputs.gpu && 'cuda' || 'cpu' }}",
                       ("deploy.yaml", "build"): "${{ vars.ZOO_TEST_GPU == 'true' && 'cuda' || 'cpu' }}",
                       ("pr.yaml", "check"): "${{ vars.ZOO_TEST_GPU == 'true' && 'cuda' || 'cpu' }}"}
    assert jobs("deploy.yaml")["test"]["with"]["gpu"] == "${{ vars.ZOO_TEST_GPU == 'true' }}"
