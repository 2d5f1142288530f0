"""A local GitHub Actions: runs a workflow's jobs in `needs` order the way GitHub would.

Expressions are evaluated by GitHub's own evaluator (@actions/expressions, through
expressions.mjs); every `run:` step is the workflow's own script, run by bash with GitHub's
environment files (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY); matrices come
from the expressions that name them (so from `zoo plan`'s real output); reusable workflows are
called with their inputs and give back their outputs. Each job gets a fresh workspace, as on an
ephemeral runner. Actions are replaced by local equivalents that keep what the workflows rely
on: caches (exact key, then the newest entry under each restore-key prefix; a key is never
overwritten), run-wide artifacts (409 on an existing name without `overwrite`, hidden files left
out unless asked), Pages. `setup-python` puts a `python` on PATH whose `-m pip install` only
records what it was asked (the test machine's interpreter already holds the pipeline) and then
puts `zoo` on PATH; `npm ci` and `gh` are recorded (gh with the body it would post); micromamba
is not installed.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from testkit.paths import REPO
from testkit.workflows import WORKFLOWS, load

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
STATUS_CALL = re.compile(r"\b(success|failure|cancelled|always)\s*\(")
STEP_SECONDS = 900
PYTHON_SHIM = """#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
    printf '%s\\n' "$*" >> "{log}"
    case " $* " in *" -e "*) ln -sf "{zoo}" "$(dirname "$0")/zoo" ;; esac
    exit 0
fi
exec "{python}" "$@"
"""
ZOO_SHIM = """#!/bin/sh
PYTHONPATH="{repo}${{PYTHONPATH:+:$PYTHONPATH}}" exec "{python}" -m pipeline "$@"
"""
NPM_SHIM = """#!/bin/sh
printf 'npm %s\\n' "$*" >> "{log}"
"""
# `gh pr comment ... --body-file FILE`: records the call and the body it would post
GH_SHIM = """#!/bin/sh
printf 'gh %s\\n' "$*" >> "{log}"
while [ $# -gt 0 ]; do [ "$1" = "--body-file" ] && cat "$2" >> "{log}"; shift; done
"""


class Expressions:
    """A long-lived node process evaluating expressions with GitHub's evaluator."""

    def __init__(self):
        if not (REPO / "node_modules" / "@actions" / "expressions").is_dir():
            raise RuntimeError("GitHub's expression evaluator is missing: run `npm ci` (package-lock.json pins it)")
        self.process = subprocess.Popen(["node", str(Path(__file__).with_name("expressions.mjs"))], cwd=REPO,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def evaluate(self, expr: str, context: dict[str, Any], status: str = "success") -> Any:
        self.process.stdin.write(json.dumps({"expr": expr.strip(), "context": context, "status": status}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        if "error" in answer:
            raise ValueError(f"${{{{ {expr.strip()} }}}}: {answer['error']}")
        return answer["value"]

    def value(self, raw: Any, context: dict[str, Any], status: str = "success") -> Any:
        """A workflow value with its expressions evaluated: one whole expression keeps its type."""
        if isinstance(raw, dict):
            return {k: self.value(v, context, status) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self.value(v, context, status) for v in raw]
        if not isinstance(raw, str) or "${{" not in raw:
            return raw
        whole = EXPRESSION.fullmatch(raw.strip())
        if whole and len(EXPRESSION.findall(raw)) == 1:
            return self.evaluate(whole[1], context, status)
        return EXPRESSION.sub(lambda m: as_text(self.evaluate(m[1], context, status)), raw)

    def condition(self, raw: Any, context: dict[str, Any], status: str) -> bool:
        """An `if:`: an expression with or without `${{ }}`, `success() &&` implied without a status call."""
        if raw is None:
            raw = "success()"
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip()
        whole = EXPRESSION.fullmatch(text)
        expr = whole[1] if whole else text
        if not STATUS_CALL.search(expr):
            expr = f"success() && ({expr})"
        return truthy(self.evaluate(expr, context, status))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", 0.0)


@dataclass
class Services:
    """GitHub's side of a repository: caches, every run's artifacts, the Pages deployments."""

    root: Path
    caches: dict[str, Path] = field(default_factory=dict)  # key -> saved workspace paths, oldest first
    artifacts: dict[tuple[int, str], Path] = field(default_factory=dict)
    pages: dict[int, Path] = field(default_factory=dict)  # run -> the uploaded Pages artifact
    deployed: list[Path] = field(default_factory=list)
    installs: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.installs = self.root / "installs.log"

    def store(self, kind: str, name: str) -> Path:
        folder = self.root / kind / re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder


@dataclass
class StepRun:
    name: str
    outcome: str
    conclusion: str
    outputs: dict[str, str]
    log: str = ""


@dataclass
class JobRun:
    """One job (one matrix instance) as it ended."""

    workflow: str
    job: str
    matrix: dict[str, Any] | None
    runs_on: Any
    result: str
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    workspace: Path | None = None

    def step(self, name: str) -> StepRun:
        return next(s for s in self.steps if s.name == name)


@dataclass
class RunRecord:
    """Every job of one workflow run, called workflows included, in the order they ran."""

    run_id: int
    attempt: int
    payload: dict[str, Any] = field(default_factory=dict)
    checkout: Path | None = None
    jobs: list[JobRun] = field(default_factory=list)

    def named(self, job: str, workflow: str | None = None) -> list[JobRun]:
        return [j for j in self.jobs if j.job == job and workflow in (None, j.workflow)]


# a hook run in a job's workspace after a named step: the test's stand-in for something that
# escaped the sandbox (it may write anything the job could)
Hook = Callable[[JobRun, Path], None]


class LocalActions:
    """Runs workflows from `.github/workflows` against checkouts of `repository`."""

    def __init__(self, repository: Path, work: Path, *, variables: dict[str, str] | None = None,
                 hooks: dict[tuple[str, str], Hook] | None = None):
        self.repository = repository
        self.work = work
        self.variables = variables or {}
        self.hooks = hooks or {}
        self.services = Services(work / "github")
        self.expressions = Expressions()
        self.counter = 0

    def close(self) -> None:
        self.expressions.close()

    # --- workflows and jobs ---------------------------------------------------------------------
    def run(self, workflow: str, *, event: str, inputs: dict[str, Any] | None = None, run_id: int = 1,
            attempt: int = 1, payload: dict[str, Any] | None = None, checkout: Path | None = None) -> RunRecord:
        """One run of `workflow` for `event` (its `payload` as github.event); `checkout` replaces the
        repository for this run (a pull request's head)."""
        record = RunRecord(run_id, attempt, payload or {}, checkout or self.repository)
        self._workflow(workflow, event, inputs or {}, record, kind="workflow_dispatch" if event ==
                       "workflow_dispatch" else None)
        return record

    def _workflow(self, name: str, event: str, given: dict[str, Any], record: RunRecord,
                  kind: str | None = "workflow_call") -> tuple[str, dict[str, Any]]:
        data = load(WORKFLOWS / name)
        declared = ((data.get("on") or {}).get(kind or "") or {}).get("inputs") or {} if kind else {}
        inputs = {k: v.get("default") for k, v in declared.items()} | given
        base = {"github": self._github(event, record), "inputs": inputs, "vars": self.variables, "secrets": {}}
        results: dict[str, dict[str, Any]] = {}
        for job_id in self._order(data["jobs"]):
            job = data["jobs"][job_id]
            needs = [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs") or []
            context = {**base, "needs": {n: results[n] for n in needs}}
            upstream = "success" if all(results[n]["result"] == "success" for n in needs) else "failure"
            if not self.expressions.condition(job.get("if"), context, upstream):
                results[job_id] = {"result": "skipped", "outputs": {}}
                continue
            if "uses" in job:
                called = self.expressions.value(job.get("with") or {}, context)
                result, outputs = self._workflow(Path(job["uses"]).name, event, called, record)
                results[job_id] = {"result": result, "outputs": outputs}
                continue
            results[job_id] = self._matrix_job(name, job_id, job, data, context, record)
        call = ((data.get("on") or {}).get("workflow_call") or {}).get("outputs") or {}
        outputs = {k: self.expressions.value(v["value"], {**base, "jobs": results}) for k, v in call.items()}
        failed = any(r["result"] == "failure" for r in results.values())
        return ("failure" if failed else "success"), outputs

    @staticmethod
    def _order(jobs: dict[str, Any]) -> list[str]:
        done: list[str] = []
        while len(done) < len(jobs):
            for job_id, job in jobs.items():
                needs = [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs") or []
                if job_id not in done and all(n in done for n in needs):
                    done.append(job_id)
        return done

    def _matrix_job(self, workflow: str, job_id: str, job: dict[str, Any], data: dict[str, Any],
                    context: dict[str, Any], record: RunRecord) -> dict[str, Any]:
        strategy = job.get("strategy") or {}
        matrix = self.expressions.value(strategy.get("matrix"), context) if "matrix" in strategy else None
        entries = [None] if matrix is None else list(matrix.get("include") or [])
        assert entries, f"{workflow} › {job_id}: an empty matrix is an error on GitHub"
        runs = []
        for index, entry in enumerate(entries):
            scope = {**context, "matrix": entry or {}, "strategy": {"job-index": index, "job-total": len(entries)}}
            runs.append(self._job(workflow, job_id, job, data, scope, entry, record.checkout))
            record.jobs.append(runs[-1])
        result = "failure" if any(r.result == "failure" for r in runs) else "success"
        return {"result": result, "outputs": runs[-1].outputs}

    def _job(self, workflow: str, job_id: str, job: dict[str, Any], data: dict[str, Any], context: dict[str, Any],
             matrix: dict[str, Any] | None, checkout: Path) -> JobRun:
        self.counter += 1
        home = self.work / "jobs" / f"{self.counter:03d}-{job_id}"
        workspace, tools, temp = home / "workspace", home / "tools", home / "temp"
        for folder in (workspace, tools, temp):
            folder.mkdir(parents=True)
        for tool, shim in (("npm", NPM_SHIM), ("gh", GH_SHIM)):
            (tools / tool).write_text(shim.format(log=self.services.installs))
            (tools / tool).chmod(0o755)
        run = JobRun(workflow, job_id, matrix, self.expressions.value(job.get("runs-on"), context), "success",
                     workspace=workspace)
        context = {**context, "runner": {"os": "Linux", "arch": "X64", "temp": str(temp)}, "steps": {},
                   "job": {"status": "success"}}
        env_files: dict[str, str] = {}
        paths: list[str] = [str(tools)]
        env = {**self._values(data.get("env"), context), **self._values(job.get("env"), context)}
        shell = ((job.get("defaults") or data.get("defaults") or {}).get("run") or {}).get("shell", "bash")
        assert shell == "bash", f"{workflow} › {job_id}: only bash is simulated"
        for index, step in enumerate(job.get("steps") or []):
            name = step.get("name") or f"step {index + 1}"
            status = "success" if run.result == "success" else "failure"
            scope = {**context, "env": {**env, **env_files}}
            if not self.expressions.condition(step.get("if"), scope, status):
                run.steps.append(StepRun(name, "skipped", "skipped", {}))
                continue
            step_env = {**env, **env_files, **self._values(step.get("env"), scope)}
            if "run" in step:
                outcome, outputs, log = self._run_step(step, step_env, workspace, temp, paths, env_files, run,
                                                       context["github"])
            else:
                outcome, outputs, log = self._action(step, scope, workspace, tools, checkout, context)
            conclusion = "success" if outcome == "success" or step.get("continue-on-error") else "failure"
            run.steps.append(StepRun(name, outcome, conclusion, outputs, log))
            if step.get("id"):
                context["steps"][step["id"]] = {"outputs": outputs, "outcome": outcome, "conclusion": conclusion}
            if conclusion == "failure":
                run.result = "failure"
            hook = self.hooks.get((job_id, name))
            if hook:
                hook(run, workspace)
        context["job"] = {"status": run.result}
        run.outputs = {k: as_text(self.expressions.value(v, context)) for k, v in (job.get("outputs") or {}).items()}
        return run

    def _values(self, raw: dict[str, Any] | None, context: dict[str, Any]) -> dict[str, str]:
        return {k: as_text(self.expressions.value(v, context)) for k, v in (raw or {}).items()}

    def _github(self, event: str, record: RunRecord) -> dict[str, Any]:
        return {"event_name": event, "run_id": str(record.run_id), "run_attempt": str(record.attempt),
                "repository": "bioimage-io/collection", "ref": "refs/heads/main", "ref_name": "main",
                "sha": "0" * 40, "workflow": "simulated", "token": "simulated-token", "event": record.payload}

    # --- run: steps -----------------------------------------------------------------------------
    def _run_step(self, step: dict[str, Any], env: dict[str, str], workspace: Path, temp: Path, paths: list[str],
                  env_files: dict[str, str], run: JobRun, github: dict[str, Any]) -> tuple[str, dict[str, str], str]:
        files = {name: temp / f"{name.lower()}-{len(run.steps)}" for name in
                 ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
        for path in files.values():
            path.write_text("")
        script = temp / f"step-{len(run.steps)}.sh"
        script.write_text(str(step["run"]))
        full_env = {"PATH": os.pathsep.join([*reversed(paths), "/usr/bin", "/bin"]), "HOME": str(temp),
                    "LANG": "C.UTF-8", "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace),
                    "GITHUB_REPOSITORY": github["repository"], "GITHUB_RUN_ID": github["run_id"],
                    "GITHUB_RUN_ATTEMPT": github["run_attempt"], "GITHUB_EVENT_NAME": github["event_name"],
                    "GITHUB_REF": github["ref"], "GITHUB_SHA": github["sha"], "GITHUB_SERVER_URL": "https://github.com",
                    "GITHUB_API_URL": "https://api.github.com", "RUNNER_TEMP": str(temp), "RUNNER_OS": "Linux",
                    **{k: str(v) for k, v in env.items()}, **{k: str(v) for k, v in files.items()}}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=full_env, capture_output=True, text=True, timeout=STEP_SECONDS)
        outputs = parse_env_file(files["GITHUB_OUTPUT"].read_text())
        env_files.update(parse_env_file(files["GITHUB_ENV"].read_text()))
        paths += [line for line in files["GITHUB_PATH"].read_text().splitlines() if line.strip()]
        run.summary += files["GITHUB_STEP_SUMMARY"].read_text()
        return ("success" if done.returncode == 0 else "failure"), outputs, done.stdout + done.stderr

    # --- actions --------------------------------------------------------------------------------
    def _action(self, step: dict[str, Any], context: dict[str, Any], workspace: Path, tools: Path,
                checkout: Path, job_context: dict[str, Any]) -> tuple[str, dict[str, str], str]:
        action = str(step["uses"]).split("@")[0]
        given = {k: v for k, v in self.expressions.value(step.get("with") or {}, context).items()}
        run_id = int(job_context["github"]["run_id"])
        handlers = {
            "actions/checkout": lambda: self._checkout(checkout, workspace),
            "actions/setup-python": lambda: self._setup_python(tools),
            "mamba-org/setup-micromamba": lambda: ("success", {}, "micromamba is not installed here"),
            "actions/cache/restore": lambda: self._restore(given, workspace),
            "actions/cache/save": lambda: self._save(given, workspace),
            "actions/upload-artifact": lambda: self._upload(given, workspace, run_id),
            "actions/download-artifact": lambda: self._download(given, workspace, run_id),
            "actions/configure-pages": lambda: ("success", {"base_url": "https://bioimage-io.github.io/collection"},
                                                ""),
            "actions/upload-pages-artifact": lambda: self._upload_pages(given, workspace, run_id),
            "actions/deploy-pages": lambda: self._deploy_pages(run_id),
        }
        if action not in handlers:
            raise AssertionError(f"no local equivalent of {action}")
        return handlers[action]()

    def _checkout(self, checkout: Path, workspace: Path) -> tuple[str, dict[str, str], str]:
        shutil.copytree(checkout, workspace, dirs_exist_ok=True, symlinks=True)
        return "success", {}, ""

    def _setup_python(self, tools: Path) -> tuple[str, dict[str, str], str]:
        zoo = tools.parent / "zoo"
        zoo.write_text(ZOO_SHIM.format(repo=REPO, python=sys.executable))
        zoo.chmod(0o755)
        (tools / "python").write_text(PYTHON_SHIM.format(log=self.services.installs, zoo=zoo, python=sys.executable))
        (tools / "python").chmod(0o755)
        version = ".".join(map(str, sys.version_info[:3]))
        return "success", {"python-version": version, "python-path": str(tools / "python")}, ""

    @staticmethod
    def _paths(given: dict[str, Any]) -> list[str]:
        return [p.strip() for p in str(given.get("path", "")).splitlines() if p.strip()]

    def _restore(self, given: dict[str, Any], workspace: Path) -> tuple[str, dict[str, str], str]:
        key = str(given["key"])
        matched = key if key in self.services.caches else None
        for prefix in [p.strip() for p in str(given.get("restore-keys", "")).splitlines() if p.strip()]:
            if matched:
                break
            matched = next((k for k in reversed(list(self.services.caches)) if k.startswith(prefix)), None)
        outputs = {"cache-primary-key": key, "cache-hit": "true" if matched == key else "false",
                   "cache-matched-key": matched or ""}
        if matched is None:
            if given.get("fail-on-cache-miss"):
                return "failure", outputs, f"Failed to restore cache entry. Exiting as fail-on-cache-miss is set: {key}"
            return "success", outputs, f"Cache not found for input keys: {key}"
        shutil.copytree(self.services.caches[matched], workspace, dirs_exist_ok=True)
        return "success", outputs, f"Cache restored from key: {matched}"

    def _save(self, given: dict[str, Any], workspace: Path) -> tuple[str, dict[str, str], str]:
        key = str(given["key"])
        if key in self.services.caches:
            return "success", {}, f"Failed to save: Unable to reserve cache with key {key}, another job may be " \
                                  "creating this cache."
        present = [p for p in self._paths(given) if (workspace / p).exists()]
        if not present:
            return "success", {}, "Path Validation Error: Path(s) specified in the action for caching do(es) not " \
                                  "exist, hence no cache is being saved."
        folder = self.services.store("caches", key)
        for path in present:
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if (workspace / path).is_dir() else shutil.copy2)(workspace / path, target)
        self.services.caches[key] = folder
        return "success", {}, f"Cache saved with key: {key}"

    def _upload(self, given: dict[str, Any], workspace: Path, run_id: int) -> tuple[str, dict[str, str], str]:
        name = str(given.get("name") or "artifact")
        (source,) = self._paths(given)
        source_path = workspace / source
        hidden = bool(given.get("include-hidden-files"))
        files = [] if not source_path.exists() else [source_path] if source_path.is_file() else [
            p for p in source_path.rglob("*") if p.is_file() and (hidden or not any(
                part.startswith(".") for part in p.relative_to(source_path).parts))]
        if not files:
            missing = given.get("if-no-files-found", "warn")
            outcome = "failure" if missing == "error" else "success"
            return outcome, {}, f"No files were found with the provided path: {source}"
        if (run_id, name) in self.services.artifacts and not given.get("overwrite"):
            return "failure", {}, "Failed to CreateArtifact: Received non-retryable error: Failed request: " \
                                  "(409) Conflict: an artifact with this name already exists on the workflow run"
        folder = self.services.store(f"artifacts/{run_id}", name)
        for path in files:
            target = folder / (path.name if source_path.is_file() else path.relative_to(source_path))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        self.services.artifacts[run_id, name] = folder
        return "success", {"artifact-id": name}, f"Artifact {name} uploaded"

    def _download(self, given: dict[str, Any], workspace: Path, run_id: int) -> tuple[str, dict[str, str], str]:
        target = workspace / str(given.get("path") or ".")
        names = sorted(n for r, n in self.services.artifacts if r == run_id)
        if given.get("name"):
            if given["name"] not in names:
                return "failure", {}, f"Unable to download artifact(s): Artifact not found for name: {given['name']}"
            shutil.copytree(self.services.artifacts[run_id, given["name"]], target, dirs_exist_ok=True)
            return "success", {}, ""
        chosen = [n for n in names if fnmatch.fnmatchcase(n, str(given.get("pattern") or "*"))]
        for name in chosen:
            where = target if given.get("merge-multiple") else target / name
            shutil.copytree(self.services.artifacts[run_id, name], where, dirs_exist_ok=True)
        return "success", {}, f"downloaded {chosen}"

    def _upload_pages(self, given: dict[str, Any], workspace: Path, run_id: int) -> tuple[str, dict[str, str], str]:
        source = workspace / str(given.get("path") or "_site")
        if not source.is_dir():
            return "failure", {}, f"tar: {source}: Cannot open: No such file or directory"
        folder = self.services.store("pages", str(run_id))
        shutil.copytree(source, folder, dirs_exist_ok=True)
        self.services.pages[run_id] = folder
        return "success", {}, ""

    def _deploy_pages(self, run_id: int) -> tuple[str, dict[str, str], str]:
        if run_id not in self.services.pages:
            return "failure", {}, "No uploaded artifact was found! Please check if there are any errors at build step"
        self.services.deployed.append(self.services.pages[run_id])
        return "success", {"page_url": "https://bioimage-io.github.io/collection/"}, ""


def parse_env_file(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as GitHub reads GITHUB_OUTPUT and GITHUB_ENV."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            i += 1
            while i < len(lines) and lines[i] != delimiter:
                block.append(lines[i])
                i += 1
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        i += 1
    return values
