"""Reading the GitHub Actions workflows and the shell commands of their `run:` steps."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ruamel.yaml import YAML

from testkit.paths import REPO

WORKFLOWS = REPO / ".github" / "workflows"
CONTROL = {"|", "||", "&&", ";"}
REDIRECTS = {">", ">>", "<"}
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")
VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


@dataclass
class RunStep:
    """One `run:` step with the environment a shell would see (workflow, job and step `env:`)."""

    workflow: str
    job: str
    name: str
    script: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.workflow} › {self.job} › {self.name!r}"


def load(path: Path) -> dict[str, Any]:
    """A workflow as plain data (YAML 1.2, so the `on:` key stays a string)."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: not a mapping")
    return data


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yaml")) + sorted(WORKFLOWS.glob("*.yml"))


def run_steps(path: Path) -> Iterator[RunStep]:
    """Every `run:` step of a workflow file."""
    data = load(path)
    for job_id, job in (data.get("jobs") or {}).items():
        for index, step in enumerate(job.get("steps") or []):
            if "run" in step:
                env = {**(data.get("env") or {}), **(job.get("env") or {}), **(step.get("env") or {})}
                yield RunStep(path.name, job_id, step.get("name") or f"step {index + 1}", str(step["run"]),
                              {k: str(v) for k, v in env.items()})


def commands(script: str) -> list[list[str]]:
    """The simple commands of a bash script, command substitutions included, redirections and
    leading assignments removed; a bare assignment yields no command."""
    found: list[list[str]] = []
    text = script.replace("\\\n", " ")
    for inner in SUBSTITUTION.findall(text):
        found += commands(inner)
    text = SUBSTITUTION.sub("SUBSTITUTED", text)
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        for token in [*lexer, ";"]:
            if token in CONTROL:
                found += [_strip(current)] if _strip(current) else []
                current = []
            else:
                current.append(token)
    return found


def _strip(tokens: list[str]) -> list[str]:
    words: list[str] = []
    skip = False
    for token in tokens:
        if skip:
            skip = False
        elif token in REDIRECTS:
            skip = True
        else:
            words.append(token)
    while words and ASSIGNMENT.match(words[0]):
        words.pop(0)
    return words


def expand(word: str, env: dict[str, str], samples: dict[str, str]) -> str:
    """`word` with `$NAME` replaced as the runner would: env values that are expressions become
    the sample value the test table gives for them."""

    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name not in env:
            if name in samples:
                return samples[name]
            raise KeyError(f"${name} is neither in the step's env: nor a known runner variable")
        raw = env[name]
        if "${{" not in raw:
            return raw
        if raw not in samples:
            raise KeyError(f"no sample value for {name}: {raw}")
        return samples[raw]

    return VARIABLE.sub(value, word)
