"""Test results: one test entry (what every tool reports per test), a version's overall status,
and `test_summary.json` (our section plus one per partner tool).

The runner emits entries, the build composes summaries, the site reads them. Standard library
only: the model worker imports this module inside environments that hold only numpy and a
framework.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal, Mapping, Sequence, get_args

from pipeline.errors import BadInput, format_loc

TestStatus = Literal["passed", "failed", "skipped", "not-applicable"]
PASSED: TestStatus = "passed"
FAILED: TestStatus = "failed"
SKIPPED: TestStatus = "skipped"
NOT_APPLICABLE: TestStatus = "not-applicable"  # a partner's tool does not handle this kind of resource
TEST_STATUSES: tuple[str, ...] = get_args(TestStatus)

Overall = Literal["passed", "valid-format", "failed"]
VALID_FORMAT: Overall = "valid-format"  # format valid, but no model test ran (none runnable, or not yet)
OVERALLS: tuple[str, ...] = get_args(Overall)

ToolState = Literal["passed", "failed", "skipped", "not-applicable", "unknown"]  # one tool's verdict on one version
UNKNOWN: ToolState = "unknown"
TOOL_STATES: tuple[str, ...] = get_args(ToolState)

OUR_TOOL = "pipeline"  # our section of every test summary; each partner tool has its own
FORMAT_CHECK = "validate format"  # the name of our format-validation entry
# Our entry for the browser bundle (build/bundles.py): it describes an extra the zoo derived from
# the model, not the model, so it counts neither towards the version's verdict nor our tool state.
BROWSER_BUNDLE = "browser bundle reproduces test outputs"
ADVISORY = frozenset({BROWSER_BUNDLE})

# Optional keys of an entry, in the order they are written. `details` (text or a nested
# validation summary), `badge`, `links` and `score` are what partner tools report today.
OPTIONAL = ("error", "traceback", "warnings", "seconds", "weights_format", "env", "env_key", "requirements",
            "tool_version", "details", "badge", "links", "score")
# where and how long a model check ran, and the environment it asked for
RUN_KEYS = frozenset({"seconds", "weights_format", "env", "env_key", "requirements"})
REPORT_KEYS = frozenset({"details", "badge", "links", "score"})  # written only where a tool reports them
_TEXT_KEYS = ("error", "traceback", "weights_format", "env_key", "tool_version")
# what a published entry keeps of its free text (TestEntry.bounded): the partner schema's limits
MAX_NAME, MAX_ERROR, MAX_TRACEBACK, MAX_WARNING, MAX_WARNINGS = 256, 10_000, 100_000, 10_000, 100


@dataclass(frozen=True)
class TestEntry:
    """One test as a tool reports it: its name, status, what went wrong and where it ran."""

    name: str
    status: TestStatus
    error: str | None = None
    traceback: str | None = None
    warnings: tuple[str, ...] = ()
    seconds: float | None = None
    weights_format: str | None = None
    env: Mapping[str, Any] | None = None  # the environment found: python and package versions
    env_key: str | None = None  # the requirement set asked for, and its hash
    requirements: tuple[str, ...] | None = None
    tool_version: str | None = None
    details: Any = None
    badge: Mapping[str, str] | None = None
    links: tuple[str, ...] = ()
    score: float | None = None
    # Optional keys its author did not write: they stay out when the entry is written again,
    # so partners' entries and ours keep their published shape.
    omitted: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "status": self.status}
        for key in OPTIONAL:
            value = getattr(self, key)
            if key not in self.omitted and not (key in REPORT_KEYS and value in (None, ())):
                data[key] = list(value) if key in ("warnings", "requirements", "links") and value is not None else value
        return data

    @classmethod
    def from_json(cls, data: Any, *, source: str = "", loc: Sequence[str | int] = ()) -> "TestEntry":
        """Check one entry's shape, naming the field that is wrong."""
        def bad(msg: str, *key: str | int) -> BadInput:
            return BadInput(msg, source=source, loc=(*loc, *key))

        if not isinstance(data, dict):
            raise bad(f"expected a test entry (a mapping), got {type(data).__name__}")
        unknown = sorted(set(data) - {"name", "status", *OPTIONAL})
        if unknown:
            raise bad(f"unknown field(s) {', '.join(map(str, unknown))}")
        if not isinstance(data.get("name"), str) or not data["name"]:
            raise bad("expected a non-empty string", "name")
        if data.get("status") not in TEST_STATUSES:
            raise bad(f"expected one of {', '.join(TEST_STATUSES)}, got {data.get('status')!r}", "status")
        for key in _TEXT_KEYS:
            if data.get(key) is not None and not isinstance(data[key], str):
                raise bad(f"expected a string or null, got {type(data[key]).__name__}", key)
        warnings = data.get("warnings", [])
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            raise bad("expected a list of strings", "warnings")
        requirements = data.get("requirements")
        if requirements is not None and (not isinstance(requirements, list)
                                         or not all(isinstance(r, str) for r in requirements)):
            raise bad("expected a list of strings or null", "requirements")
        seconds = data.get("seconds")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))):
            raise bad(f"expected a number or null, got {type(seconds).__name__}", "seconds")
        if data.get("env") is not None and not isinstance(data["env"], dict):
            raise bad(f"expected a mapping or null, got {type(data['env']).__name__}", "env")
        badge = data.get("badge")
        if badge is not None and not (isinstance(badge, dict) and all(isinstance(badge.get(k), str)
                                                                   for k in ("icon", "label", "url"))):
            raise bad("expected {icon, label, url} or null", "badge")
        links = data.get("links", [])
        if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
            raise bad("expected a list of resource ids", "links")
        score = data.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))
                                  or not 0 <= score <= 1):
            raise bad("expected a number from 0 to 1 or null", "score")
        return cls(name=data["name"], status=data["status"], error=data.get("error"),
                   traceback=data.get("traceback"), warnings=tuple(warnings), seconds=seconds,
                   weights_format=data.get("weights_format"), env=data.get("env"), env_key=data.get("env_key"),
                   requirements=None if requirements is None else tuple(requirements),
                   tool_version=data.get("tool_version"), details=data.get("details"), badge=badge,
                   links=tuple(links), score=score,
                   omitted=frozenset(k for k in OPTIONAL if k not in data and k not in REPORT_KEYS))

    def bounded(self) -> "TestEntry":
        """This entry with its free text cut to what a summary publishes (a stranger's tool or model
        may write megabytes of error text)."""
        def cut(text: str | None, limit: int) -> str | None:
            return text if text is None or len(text) <= limit else text[:limit] + " ... (truncated)"

        return replace(self, name=cut(self.name, MAX_NAME) or "", error=cut(self.error, MAX_ERROR),
                       traceback=cut(self.traceback, MAX_TRACEBACK),
                       warnings=tuple(cut(w, MAX_WARNING) or "" for w in self.warnings[:MAX_WARNINGS]))

    def ran_with(self, weights_format: str | None, env: Mapping[str, Any] | None) -> "TestEntry":
        """This entry with the weights format and environment its check ran in."""
        return replace(self, weights_format=weights_format, env=env,
                       omitted=self.omitted - {"weights_format", "env"})

    def wanting(self, env_key: str, requirements: Sequence[str]) -> "TestEntry":
        """This entry with the requirement set its check asked for."""
        return replace(self, env_key=env_key, requirements=tuple(requirements),
                       omitted=self.omitted - {"env_key", "requirements"})

    def stamped(self, tool_version: str) -> "TestEntry":
        """This entry with `tool_version`, unless its author wrote one."""
        if "tool_version" not in self.omitted:
            return self
        return replace(self, tool_version=tool_version, omitted=self.omitted - {"tool_version"})


def issue_line(loc: Sequence[str | int], msg: str) -> str:
    """One validation finding as the error and warning lines of a test entry show it."""
    return f"{format_loc(loc) or '(root)'}: {msg}"


def failure_line(test: TestEntry, limit: int = 400) -> str:
    """A failed test in one line: `<weights format>: <name>: <first line of its error>`."""
    first = next((line.strip() for line in (test.error or "").splitlines() if line.strip()), "no error reported")
    line = ": ".join(part for part in (test.weights_format, test.name, first) if part)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def tool_state(tests: Sequence[TestEntry]) -> ToolState:
    """A tool passes when all the tests it ran passed; not-applicable when it says so of every
    test; skipped when it ran none."""
    tests = [t for t in tests if t.name not in ADVISORY]
    ran = [t for t in tests if t.status not in (SKIPPED, NOT_APPLICABLE)]
    if not ran:
        if any(t.status == NOT_APPLICABLE for t in tests):
            return NOT_APPLICABLE
        return SKIPPED if tests else UNKNOWN
    return PASSED if all(t.status == PASSED for t in ran) else FAILED


def dedupe(tests: Sequence[TestEntry]) -> tuple[TestEntry, ...]:
    """Drop repeated identical tests, keeping the first of each, in order."""
    seen: set[str] = set()
    unique = []
    for test in tests:
        fingerprint = json.dumps(test.to_json(), sort_keys=True, default=str)
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique.append(test)
    return tuple(unique)


@dataclass(frozen=True)
class OverallStatus:
    """A version's verdict, kept apart: is the format valid, does it run, does it reproduce
    its test outputs (None: not applicable or not known), and the one word the site shows."""

    format_valid: bool
    runs: bool | None
    reproduces: bool | None
    overall: Overall

    @classmethod
    def of(cls, our_tests: Sequence[TestEntry], *, is_model: bool) -> "OverallStatus":
        """The status our own tests give a version."""
        fmt = [t for t in our_tests if t.name == FORMAT_CHECK]
        format_valid = bool(fmt) and all(t.status == PASSED for t in fmt)
        model_tests = [t for t in our_tests if t.name != FORMAT_CHECK and t.name not in ADVISORY
                       and t.status not in (SKIPPED, NOT_APPLICABLE)]
        runs = reproduces = None
        if is_model and model_tests:
            runs = any(t.status == PASSED for t in model_tests)
            reproduces = all(t.status == PASSED for t in model_tests)
        overall: Overall
        if not format_valid:
            overall = FAILED
        elif not is_model:
            overall = PASSED
        elif reproduces is None:
            overall = VALID_FORMAT  # no runnable weights, or not tested yet
        else:
            overall = PASSED if reproduces else FAILED
        return cls(format_valid, runs, reproduces, overall)

    def to_json(self) -> dict[str, Any]:
        return {"format_valid": self.format_valid, "runs": self.runs, "reproduces": self.reproduces,
                "overall": self.overall}

    @classmethod
    def from_json(cls, data: Any, *, source: str = "", loc: Sequence[str | int] = ()) -> "OverallStatus":
        if not isinstance(data, dict):
            raise BadInput("expected a status block (a mapping)", source=source, loc=loc)
        if data.get("overall") not in OVERALLS:
            raise BadInput(f"expected one of {', '.join(OVERALLS)}, got {data.get('overall')!r}",
                           source=source, loc=(*loc, "overall"))
        if not isinstance(data.get("format_valid"), bool):
            raise BadInput("expected true or false", source=source, loc=(*loc, "format_valid"))
        for key in ("runs", "reproduces"):
            if data.get(key) is not None and not isinstance(data[key], bool):
                raise BadInput("expected true, false or null", source=source, loc=(*loc, key))
        return cls(data["format_valid"], data.get("runs"), data.get("reproduces"), data["overall"])


@dataclass(frozen=True)
class TestSummary:
    """`test_summary.json` of one version: its tests by tool, ours under OUR_TOOL."""

    resource_id: str
    version_id: str
    rdf_sha256: str
    status: OverallStatus
    tests: Mapping[str, tuple[TestEntry, ...]]

    @classmethod
    def compose(cls, *, resource_id: str, version_id: str, rdf_sha256: str, our_tests: Sequence[TestEntry],
                partner_tests: Mapping[str, Sequence[TestEntry]], is_model: bool) -> "TestSummary":
        """Our tests plus each partner's section, replaced wholesale; the status is ours."""
        tests = {OUR_TOOL: dedupe(our_tests)}
        for tool in sorted(partner_tests):
            if tool != OUR_TOOL:  # a partner may not overwrite our own section
                tests[tool] = dedupe(partner_tests[tool])
        return cls(resource_id, version_id, rdf_sha256, OverallStatus.of(our_tests, is_model=is_model), tests)

    def compatibility(self) -> dict[str, ToolState]:
        """tool -> its verdict on this version."""
        return {tool: tool_state(tests) for tool, tests in self.tests.items()}

    def failures(self, tool: str = OUR_TOOL) -> list[str]:
        """One line per failed test of `tool`: its weights format, name and the first line of its error."""
        return [failure_line(t) for t in self.tests.get(tool, ()) if t.status == FAILED]

    def to_json(self) -> dict[str, Any]:
        return {"resource_id": self.resource_id, "version_id": self.version_id, "rdf_sha256": self.rdf_sha256,
                "status": self.status.to_json(),
                "tests": {tool: [t.to_json() for t in tests] for tool, tests in self.tests.items()}}

    @classmethod
    def from_json(cls, data: Any, *, source: str = "") -> "TestSummary":
        """Check a whole summary, naming the first field that is wrong."""
        if not isinstance(data, dict):
            raise BadInput("expected a test summary (a mapping)", source=source)
        for key in ("resource_id", "version_id", "rdf_sha256"):
            if not isinstance(data.get(key), str):
                raise BadInput("expected a string", source=source, loc=(key,))
        tests = data.get("tests")
        if not isinstance(tests, dict) or not all(isinstance(v, list) for v in tests.values()):
            raise BadInput("expected a mapping of tool -> list of tests", source=source, loc=("tests",))
        return cls(data["resource_id"], data["version_id"], data["rdf_sha256"],
                   OverallStatus.from_json(data.get("status"), source=source, loc=("status",)),
                   {str(tool): tuple(TestEntry.from_json(t, source=source, loc=("tests", tool, i))
                                     for i, t in enumerate(entries))
                    for tool, entries in tests.items()})


# pytest would otherwise collect these by their names wherever a test module imports them
TestEntry.__test__ = False  # type: ignore[attr-defined]
TestSummary.__test__ = False  # type: ignore[attr-defined]
