"""The workflows run as GitHub would run them (testkit.actions): every `run:` step in order with
GitHub's environment files, expressions by GitHub's own evaluator, the matrix from the real
`zoo plan`, actions replaced by local equivalents. On an empty store (the documented first
deploy) and on the embedded default, a change that breaks the chain fails here.

Known difference from GitHub: the test jobs' per-model environments are not built (this
machine's interpreter already holds every framework, so each model's requirement set is met
by it); the environment builder's commands are tested in tests/runner/test_environments.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.build.bundles import bundle_key
from pipeline.contracts.results import BROWSER_BUNDLE

from testkit.actions import LocalActions, parse_env_file
from testkit.paths import EXAMPLES, REPO

pytestmark = [pytest.mark.timeout(1800)]
VARIABLES = {"ZOO_TEST_RUNNER": "zoo-test-runner"}


def _repository(folder: Path, store: Path | None = None, partners: Path | None = None) -> Path:
    """What `actions/checkout` gives: the store, the partner registrations, the project files."""
    (folder / "collection").mkdir(parents=True)
    (folder / "collection" / ".gitkeep").touch()
    if store is not None:
        shutil.copytree(store, folder / "collection", dirs_exist_ok=True)
    if partners is not None:
        shutil.copytree(partners, folder / "partners")
    else:
        (folder / "partners").mkdir()
    for name in ("pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy2(REPO / name, folder / name)
    return folder


def _harvested(tmp_path: Path, models: Path | None = None) -> Path:
    """The embedded default's store: the example records harvested and accepted."""
    store = tmp_path / "harvested"
    done = subprocess.run([sys.executable, "-m", "pipeline", "harvest", "--zenodo", str(EXAMPLES / "zenodo"),
                           "--partners", str(EXAMPLES / "partners"), "--store", str(store), "--accept"],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    return store


@pytest.fixture
def actions(tmp_path):
    made = []

    def make(repository: Path, **options) -> LocalActions:
        made.append(LocalActions(repository, tmp_path / "actions", variables=VARIABLES, **options))
        return made[-1]

    yield make
    for a in made:
        a.close()


def _ok(job) -> None:
    failed = [(s.name, s.log[-3000:]) for s in job.steps if s.conclusion == "failure"]
    assert job.result == "success" and not failed, (job.workflow, job.job, failed)


def _results(folder: Path) -> set[str]:
    return {p.stem for p in folder.rglob("*.json")}


@pytest.mark.slow
def test_the_first_deploy_of_an_empty_store_publishes_a_site_that_says_so(tmp_path, actions):
    local = actions(_repository(tmp_path / "repo"))
    record = local.run("deploy.yaml", event="push")
    (plan,) = record.named("plan")
    _ok(plan)
    assert json.loads(plan.outputs["matrix"]) == {"include": []} and plan.outputs["plan-sha256"] == ""
    assert record.named("test") == [] and record.named("merge") == []  # skipped: nothing to test
    (build,), (deploy,) = record.named("build"), record.named("deploy")
    _ok(build)
    _ok(deploy)
    assert build.step("Build the site data").outcome == "success"
    assert build.step("Download the plan").outcome == "skipped"
    (site,) = local.services.deployed
    assert "The zoo is empty" in (site / "index.html").read_text()
    assert (site / "pagefind" / "pagefind.js").is_file() and (site / "pagefind" / "zoo-facets.json.gz").is_file()
    assert "zoo-site-1-1" in local.services.caches

    # the weekly revalidation of the same store: deploy.yaml called with revalidate
    again = local.run("revalidate.yaml", event="schedule", run_id=2)
    (build,) = again.named("build")
    _ok(build)
    assert build.step("Build the site data").outcome == "skipped"
    assert build.step("Build the site data, re-fetching and re-validating every RDF").outcome == "success"
    assert len(local.services.deployed) == 2
    installs = local.services.installs.read_text()
    assert "frameworks" not in installs and "-m pip install -e ." in installs


@pytest.mark.slow
def test_deploy_of_the_embedded_default_tests_in_shards_and_publishes_only_planned_results(tmp_path, actions):
    forged: dict[str, str] = {}

    def escape_the_sandbox(job, workspace: Path) -> None:
        """Model code of shard 1 that got out: it writes a verdict for a test of another shard."""
        plan = json.loads((workspace / ".zoo-plan" / "plan.json").read_text())
        other = plan["shards"][1]["tests"][0]
        forged.update(other)
        path = workspace / ".cache" / "tests" / other["test_key"][:2] / f"{other['test_key']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"source": "forged", "status": "failed", "tests": [
            {"name": "reproduce test outputs", "status": "failed", "error": "forged"}]}))
        bundle = workspace / ".cache" / "bundles" / bundle_key(other["test_key"])  # and its browser bundle
        bundle.mkdir(parents=True, exist_ok=True)
        (bundle / "entry.json").write_text(json.dumps({"name": BROWSER_BUNDLE, "status": "skipped", "error": "forged"}))

    repository = _repository(tmp_path / "repo", _harvested(tmp_path), EXAMPLES / "partners")
    local = actions(repository, hooks={("test", "Run this shard's model tests"): lambda job, ws: (
        escape_the_sandbox(job, ws) if job.matrix["index"] == 1 else None)})
    record = local.run("deploy.yaml", event="push")

    (plan,) = record.named("plan")
    _ok(plan)
    matrix = json.loads(plan.outputs["matrix"])
    assert len(matrix["include"]) >= 2 and plan.outputs["plan-sha256"] == matrix["include"][0]["plan"]
    planned = json.loads((local.services.artifacts[1, "zoo-plan"] / "plan.json").read_text())
    shards = record.named("test")
    assert [job.matrix["shard"] for job in shards] == [entry["shard"] for entry in matrix["include"]]
    for job, shard in zip(shards, planned["shards"]):
        _ok(job)
        assert job.runs_on == "zoo-test-runner"
        names = [s.name for s in job.steps]
        assert names.index("Save this shard's test environments, before any model code runs") < \
            names.index("Run this shard's model tests")
        uploaded = _results(local.services.artifacts[1, f"zoo-tests-{shard['index']}"])
        own = {t["test_key"] for t in shard["tests"]}
        assert uploaded == own | ({forged["test_key"]} if shard["index"] == 1 else set())

    (merge,) = record.named("merge")
    step = merge.step("Merge the planned results")
    assert step.outcome == "failure" and "planned for shard 2, not this one" in step.log
    assert "the bundle of no test the plan gave this shard" in step.log
    bundles_made = {p.name for n in range(1, len(shards) + 1) if (1, f"zoo-bundles-{n}") in local.services.artifacts
                    for p in local.services.artifacts[1, f"zoo-bundles-{n}"].iterdir()}
    assert bundle_key(forged["test_key"]) in bundles_made  # the shards made them, beside their tests
    assert merge.step("Save the merged browser bundles").outcome == "success"
    assert merge.step("Save the merged test results").outcome == "success"
    everything = {t["test_key"] for s in planned["shards"] for t in s["tests"]}
    assert _results(local.services.caches["zoo-tests-1-1"]) == everything

    (build,) = record.named("build")
    assert build.result == "success"  # its own merge refuses the forgery too, without stopping the build
    assert "planned for shard 2, not this one" in build.step("Add this run's planned results").log
    assert f"model tests: 0 run, {len(everything)} with cached results" in build.step("Build the site data").log
    _ok(record.named("deploy")[0])
    (site,) = local.services.deployed
    summary = json.loads((site / "rdfs" / forged["resource_id"] / forged["version_id"] / "test_summary.json")
                         .read_text())
    ours = [t for t in summary["tests"]["pipeline"] if t["name"] == "reproduce test outputs"]
    assert ours and all(t["status"] == "passed" and t.get("error") != "forged" for t in ours)
    assert all(t.get("error") != "forged" for t in summary["tests"]["pipeline"])
    # the deploy build ran no model code, yet the browser bundles the shards made are published
    assert list(site.glob("rdfs/10.5281/zenodo.8235070/*/bundle/bundle.json"))
    entries = json.loads((site / "collection.json").read_text())["collection"]
    assert len(entries) >= 10 and (site / "pagefind" / "pagefind.js").is_file()
    assert "frameworks" not in local.services.installs.read_text()

    # a pull request renaming a model: checked again, its test result found in main's cache. The
    # checkout is the merge commit, its base one commit behind (HEAD^1); from a fork, so the
    # results go to the job log and the `pr-review` artifact instead of the PR's description.
    head = tmp_path / "pr-head"
    shutil.copytree(repository, head)
    _git(head, "init", "--quiet", "--initial-branch", "main")
    _git(head, "add", "-A")
    _git(head, "commit", "--quiet", "-m", "base")
    resource = head / "collection" / "10.5281" / "zenodo.8235070" / "resource.yaml"
    text = resource.read_text()
    assert "\nname: Tiny Nuclei Boundary Net 2D\n" in text
    resource.write_text(text.replace("\nname: Tiny Nuclei Boundary Net 2D\n", "\nname: Nuclei Boundaries 2D\n"))
    _git(head, "commit", "--quiet", "-am", "merge of the pull request")
    caches = set(local.services.caches)
    pull = {"pull_request": {"number": 42, "head": {"repo": {"full_name": "someone/fork"}}}}
    pr = local.run("pr.yaml", event="pull_request", run_id=3, payload=pull, checkout=head)
    (check,) = pr.named("check")
    _ok(check)
    build_log = check.step("Validate and test the changed resources").log
    assert "model tests: 0 run" in build_log and "2 version(s) added or changed" in build_log  # both versions
    assert check.step("Add the results to the PR's description").outcome == "skipped"
    assert (3, "site-preview") in local.services.artifacts
    review = (local.services.artifacts[3, "pr-review"] / "pr-review.md").read_text()
    assert "Nuclei Boundaries 2D" in review or "zenodo.8235070" in review
    assert set(local.services.caches) == caches  # a pull request saves no cache


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=zoo", "-c", "user.email=zoo@localhost", *args], cwd=folder, check=True,
                   capture_output=True, timeout=60)


@pytest.mark.slow
def test_a_rerun_replaces_its_uploads_and_an_evicted_cache_changes_nothing(tmp_path, actions):
    """test-models.yaml by hand, twice in one run (a re-run attempt), on one example model; the
    test cache is evicted between plan and test."""
    store = _harvested(tmp_path)
    keep = store / "10.5281" / "zenodo.8235070"  # Tiny Nuclei Boundary Net 2D (torch + onnx)
    only = tmp_path / "only"
    shutil.copytree(keep, only / keep.relative_to(store))
    local = actions(_repository(tmp_path / "repo", only), hooks={
        ("plan", "Upload the plan"): lambda job, ws: local.services.caches.clear()})
    for attempt in (1, 2):
        record = local.run("test-models.yaml", event="workflow_dispatch", inputs={"retest": True}, run_id=7,
                           attempt=attempt)
        for job in record.jobs:
            _ok(job)
        (shard,) = record.named("test")
        assert shard.step("Upload this shard's results").outcome == "success"
        assert f"zoo-tests-7-{attempt}" in local.services.caches


def test_environment_files_are_read_like_github():
    text = "matrix={\"include\":[]}\nnotes<<EOF\nline one\nline=two\nEOF\nempty=\n"
    assert parse_env_file(text) == {"matrix": '{"include":[]}', "notes": "line one\nline=two", "empty": ""}


def test_the_local_artifacts_and_caches_behave_like_githubs(tmp_path, actions):
    local = actions(_repository(tmp_path / "repo"))
    workspace = tmp_path / "ws"
    (workspace / "out" / ".hidden").mkdir(parents=True)
    (workspace / "out" / "a.json").write_text("{}")
    (workspace / "out" / ".hidden" / "b.json").write_text("{}")
    upload = {"name": "x", "path": "out"}
    assert local._upload(upload, workspace, 1)[0] == "success"
    assert _results(local.services.artifacts[1, "x"]) == {"a"}  # hidden files stay out unless asked
    outcome, _, log = local._upload(upload, workspace, 1)
    assert outcome == "failure" and "(409) Conflict" in log
    assert local._upload({**upload, "overwrite": True}, workspace, 1)[0] == "success"
    for key in ("zoo-tests-1-1", "zoo-tests-2-1"):
        assert local._save({"key": key, "path": "out"}, workspace)[2].startswith("Cache saved")
    assert "Unable to reserve cache" in local._save({"key": "zoo-tests-1-1", "path": "out"}, workspace)[2]
    _, outputs, _ = local._restore({"key": "zoo-tests-3-1", "restore-keys": "zoo-tests-"}, tmp_path / "r")
    assert outputs == {"cache-primary-key": "zoo-tests-3-1", "cache-hit": "false", "cache-matched-key": "zoo-tests-2-1"}
    outcome, _, _ = local._restore({"key": "zoo-envs-x", "fail-on-cache-miss": True}, tmp_path / "r")
    assert outcome == "failure"


def test_the_expressions_are_githubs(actions, tmp_path):
    local = actions(_repository(tmp_path / "repo"))
    gpu = "${{ inputs.gpu && vars.G || '' }}${{ !inputs.gpu && (vars.C || 'cpu-index') || '' }}"
    assert local.expressions.value(gpu, {"inputs": {"gpu": False}, "vars": {}}) == "cpu-index"
    assert local.expressions.value(gpu, {"inputs": {"gpu": True}, "vars": {}}) == ""
    assert local.expressions.value(gpu, {"inputs": {"gpu": True}, "vars": {"G": "cu126"}}) == "cu126"
    assert local.expressions.condition("${{ !cancelled() && needs.t.result != 'skipped' }}",
                                       {"needs": {"t": {"result": "failure"}}}, "failure")
    assert not local.expressions.condition("steps.s.outputs.hit != 'true'", {"steps": {"s": {"outputs": {
        "hit": "true"}}}}, "success")
    assert not local.expressions.condition(None, {}, "failure")  # success() is implied
