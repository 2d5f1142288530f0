"""Every `run:` step of every workflow calls an existing `zoo` subcommand with options it accepts.

Each command line is parsed by the real `zoo` parser (`pipeline.cli.build_parser`), after the
step's `env:` values are substituted as the runner would; values that are `${{ }}` expressions
get the sample below that stands for what GitHub fills in.
"""

from __future__ import annotations

import contextlib
import io
import pytest
from testkit.workflows import RunStep, commands, expand, run_steps, workflow_files

from pipeline.cli import build_parser

# What GitHub puts in place of an expression, or in a variable the runner defines.
SAMPLES = {
    "GITHUB_REPOSITORY": "bioimage-io/collection",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_RUN_ID": "1234567890",
    "GITHUB_OUTPUT": "/home/runner/work/_temp/_runner_file_commands/set_output",
    "${{ matrix.shard }}": "2/3",
    "${{ matrix.plan }}": "5" * 64,
    "${{ needs.plan.outputs.plan-sha256 }}": "5" * 64,
    "${{ needs.test.outputs.plan-sha256 }}": "5" * 64,
    "${{ inputs.max-jobs }}": "20",
    "${{ inputs.max-prs || vars.ZOO_MAX_PRS || 10 }}": "10",
    "${{ vars.ZOO_MAX_PRS || 10 }}": "10",
    "${{ vars.ZOO_ZENODO_URL || 'https://zenodo.org/api' }}": "https://zenodo.org/api",
    "${{ vars.ZOO_SITE_URL || steps.pages.outputs.base_url }}": "https://bioimage-io.github.io/collection",
    "${{ github.event.pull_request.number }}": "42",
}
# Steps that may run without zoo, and why.
EXEMPT = {
    ("python", "-m", "pip", "install"): "installs the pipeline itself",
    ("npm", "ci"): "installs the Pagefind release pinned in package-lock.json",
}
# Plumbing a zoo step may use around its zoo command.
HELPERS = {"echo", "tee"}


def zoo_problems(step: RunStep) -> list[str]:
    """What is wrong with one step: a non-zoo command, or a zoo command its parser refuses."""
    found = commands(step.script)
    if not found:
        return [f"{step.where}: no command"]
    problems = []
    calls_zoo = any(c[0] == "zoo" for c in found)
    if not calls_zoo and not all(_key(c) for c in found):
        problems.append(f"{step.where}: does not call zoo: {found}")
    for words in found:
        if words[0] == "zoo":
            problems += _parse_problems(step, words)
        elif words[0] not in HELPERS and not _key(words):
            problems.append(f"{step.where}: runs {words[0]!r}, which is neither zoo nor an exempt command")
    return problems


def _key(words: list[str]) -> tuple[str, ...] | None:
    return next((key for key in EXEMPT if tuple(words[:len(key)]) == key), None)


def _parse_problems(step: RunStep, words: list[str]) -> list[str]:
    try:
        argv = [expand(w, step.env, SAMPLES) for w in words[1:]]
    except KeyError as e:
        return [f"{step.where}: {e.args[0]}"]
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(argv)
    except SystemExit:
        return [f"{step.where}: `zoo {' '.join(argv)}` is refused: {errors.getvalue().strip()}"]
    return []


STEPS = [step for path in workflow_files() for step in run_steps(path)]


def test_the_workflows_have_run_steps():
    assert {s.workflow for s in STEPS} >= {"harvest.yaml", "pr.yaml", "test-models.yaml", "deploy.yaml",
                                           "partners.yaml"}


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.where)
def test_run_step_calls_zoo_with_accepted_options(step: RunStep):
    assert zoo_problems(step) == []


@pytest.mark.parametrize("script", [
    'zoo build --store collection --shard "$SHARD"',
    "matrix=$(zoo plan --cache .cache)\necho \"matrix=$matrix\" >> \"$GITHUB_OUTPUT\"",
    "zoo build --no-packages | tee build-summary.txt",
    "python -m pip install -e \".[frameworks]\"",
])
def test_accepted_shapes(script: str):
    step = RunStep("example.yaml", "job", "step", script, {"SHARD": "${{ matrix.shard }}"})
    assert zoo_problems(step) == []


@pytest.mark.parametrize("script, problem", [
    ("zoo buld --store collection", "invalid choice: 'buld'"),
    ("zoo build --shards 1/2", "unrecognized arguments: --shards 1/2"),
    ('zoo build --shard "$SHARD"', "expected I/N with 1 <= I <= N, got '4/3'"),
    ("zoo propose --max", "argument --max: expected one argument"),
    ("zoo validate", "the following arguments are required: SOURCE"),
    ("curl -sSf https://example.org/install.sh | sh", "runs 'curl', which is neither zoo nor an exempt command"),
    ("python -m pip install -e . && make site", "runs 'make'"),
    ("echo hello", "does not call zoo"),
    ('zoo build --site "$UNSET"', "$UNSET is neither in the step's env: nor a known runner variable"),
    ('zoo build --site "$SITE"', "no sample value for SITE: ${{ inputs.site }}"),
])
def test_refused_shapes(script: str, problem: str):
    step = RunStep("example.yaml", "job", "step", script,
                   {"SHARD": "4/3", "SITE": "${{ inputs.site }}"})
    problems = zoo_problems(step)
    assert any(problem in p for p in problems), problems


def test_commands_splits_pipes_substitutions_and_redirections():
    script = 'out=$(zoo plan --cache .cache)\nzoo build \\\n  --no-packages > s.txt && echo "$out" >> "$F"  # note'
    assert commands(script) == [["zoo", "plan", "--cache", ".cache"], ["zoo", "build", "--no-packages"],
                                ["echo", "$out"]]
