"""The text of a contribution PR: nickname, versions, validation report, maintainer checklist."""

from __future__ import annotations

from pathlib import Path

from pipeline.contribute.backend import marker
from pipeline.errors import BadInput
from pipeline.spec import validate
from pipeline.store import Resource, Version
from pipeline.store.effective import load_effective
from pipeline.store.model import PENDING

MAX_REPORT_CHARS = 20_000
MAX_BODY_REPORTS = 50_000  # GitHub refuses PR bodies over 65,536 characters


def title(resource: Resource, versions: list[Version]) -> str:
    label = ", ".join(v.version_name or v.version_id for v in versions)
    kind = "New resource" if all(v.status == PENDING for v in resource.versions) else "New version"
    text = f"{kind}: {resource.name or resource.id} ({label}) {resource.nickname_icon} {resource.nickname}"
    return _cell(text, 250)


def body(resource: Resource, versions: list[Version], digest: str, reports: dict[str, str]) -> str:
    lines = [
        f"## {_cell(resource.name or resource.id)}",
        "",
        f"- resource id: `{resource.id}`",
        f"- nickname: {resource.nickname_icon} **{resource.nickname}**".replace("  ", " "),
        f"- type: {resource.type}; source: {resource.source}" + (f"; concept DOI {resource.doi}" if resource.doi else ""),
        "",
        "| version | name | created | DOI | RDF |",
        "|---|---|---|---|---|",
    ]
    for v in versions:
        cells = [v.version_id, v.version_name or "-", v.created or "-", v.doi or "-", v.rdf_source]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    budget = min(MAX_REPORT_CHARS, MAX_BODY_REPORTS // max(len(versions), 1))
    for v in versions:
        lines += ["", f"### Validation report for version {v.version_id}", "", "```text",
                  _clip(reports.get(v.version_id, "no report"), budget), "```"]
    lines += [
        "", "### Checklist for maintainers", "",
        "- [ ] The validation report above passed, or its failures are understood and acceptable.",
        "- [ ] The description, license and files are fit for the zoo (no personal data, redistribution allowed).",
        "- [ ] The build's test results for this version are acceptable.",
        "",
        "**Accept** by merging this PR (the versions above become `accepted`). "
        "**Block** by setting `status: blocked` on a version, or on the whole resource, in `resource.yaml` "
        "in this PR and merging. Closing without merging leaves the versions pending; they are not proposed "
        "again until a new version appears.",
        "", marker([v.version_id for v in versions], digest),
    ]
    return "\n".join(lines) + "\n"


def validation_report(resource: Resource, version: Version, store_root: Path) -> str:
    """The format library's report on the version's effective RDF: the document the build
    validates, tests and publishes."""
    try:
        loaded = load_effective(store_root, resource, version).loaded
    except BadInput as e:
        return f"failed: {e}"
    try:
        return validate(loaded, io=True, remote=False).format_text()
    except Exception as e:  # noqa: BLE001 - a validator crash must not stop the other PRs
        return f"the validator crashed: {type(e).__name__}: {e}"


def _cell(text: str, limit: int = 200) -> str:
    """Untrusted text for one line of markdown: no line breaks, pipes or backticks, bounded."""
    flat = " ".join(str(text).split()).replace("|", "/").replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _clip(text: str, limit: int) -> str:
    # A report quoting a fence could close ours and inject markdown; its fences are defused.
    text = text.replace("`" * 3, "'" * 3)
    return text if len(text) <= limit else text[:limit] + "\n... (truncated)"

