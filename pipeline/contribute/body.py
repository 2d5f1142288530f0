"""The text of a contribution PR: what a maintainer decides from.

`propose_body` is the description `zoo propose` writes (per new version: what it is, who made and
uploaded it, its license, covers, weights, files, what changed since the previous accepted
version, its validation); `review_section` is what the PR's check adds to it (`zoo review`: the
model tests per weights format, format warnings, partners' results, the site preview). Both stay
under GitHub's body limit: long parts are collapsed and clipped to a fair share of what is left.

Every stranger's text (RDF fields, reports, errors, diffs) enters the PR through `untrusted`, which
also makes it inert: GitHub acts on some text in PR titles, bodies and commit messages (closing
keywords close issues on merge, @mentions notify users and teams, #N and owner/repo#N reference
issues), and a resource name must do none of that.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from pipeline.contracts.results import FAILED, FORMAT_CHECK, OUR_TOOL, TestEntry, TestSummary, failure_line, tool_state
from pipeline.contribute.backend import marker
from pipeline.contribute.facts import FileFact, Person, VersionFacts
from pipeline.store import Resource, Version
from pipeline.store.model import PENDING

GITHUB_LIMIT = 65_536  # GitHub refuses PR bodies longer than this
PROPOSE_LIMIT = 40_000  # what a proposed description may take; the check's section gets the rest
REVIEW_START, REVIEW_END = "<!-- zoo-review:start -->", "<!-- zoo-review:end -->"
MAX_DESCRIPTION = 1_000
MAX_COVERS = 4
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
BREAK = "\u2060"  # WORD JOINER: invisible, and no keyword, mention or reference survives it
KEYWORDS = re.compile(r"\b(?:clos(?:e[sd]?|ing)|fix(?:e[sd]|ing)?|resol(?:ve[sd]?|ving))\b", re.I)
# a mention is an @ after a non-word character (ada@lab.example is an address); # references follow anything
TRIGGERS = re.compile(r"((?<!\w)@|[#＃﹟])(?=[\w-])|\b(GH)-(?=\d)", re.I)


def untrusted(value: object) -> str:
    """A stranger's text as it may enter a PR: the one place every RDF field, report and error
    passes through on its way into a description, made inert (`neutral`)."""
    return neutral(str(value))


def neutral(text: str) -> str:
    """`text` with every closing keyword, @mention and issue reference broken by an invisible word
    joiner: it reads the same, and GitHub's parser no longer sees a keyword, mention or reference."""
    text = KEYWORDS.sub(lambda m: m.group(0)[0] + BREAK + m.group(0)[1:], text)
    return TRIGGERS.sub(lambda m: (m.group(1) or m.group(2)) + BREAK + ("-" if m.group(2) else ""), text)


def inline(value: object, limit: int = 200) -> str:
    """Untrusted text for one line of markdown: no line breaks, no markup, bounded."""
    flat = " ".join(untrusted(value).split())
    if len(flat) > limit:
        flat = flat[: limit - 3] + "..."
    return _SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def code_span(value: object, limit: int = 120) -> str:
    """Untrusted text as an inline code span (markdown and HTML are shown, not read, inside one)."""
    flat = " ".join(untrusted(value).replace("`", "'").split())
    return f"`{flat if len(flat) <= limit else flat[: limit - 3] + '...'}`"


def code(value: object) -> str:
    """Untrusted text for inside a fenced block: a fence in it could close ours, so it is defused."""
    return untrusted(value).replace("`" * 3, "'" * 3)


@dataclass
class Fold:
    """A collapsed part whose content is clipped (at a line) when the body runs out of room."""

    summary: str
    content: str
    fence: str | None = None  # the code block language, or None for markdown content

    def render(self, limit: int | None = None) -> str:
        content = self.content
        if limit is not None and len(content) > limit:
            cut = content[:max(limit, 0)].rsplit("\n", 1)[0]
            content = (f"{cut}\n... ({len(self.content) - len(cut)} more characters left out to fit the PR; the "
                       "check's pr-review report has them)")
        inner = f"```{self.fence}\n{content}\n```" if self.fence is not None else content
        return f"<details><summary>{self.summary}</summary>\n\n{inner}\n\n</details>"


def fit(parts: Sequence[str | Fold], limit: int) -> str:
    """Join `parts`, clipping folds to fair shares of the room the plain text leaves."""
    fixed = sum(len(p) + 2 for p in parts if isinstance(p, str))
    folds = sorted((i for i, p in enumerate(parts) if isinstance(p, Fold)), key=lambda i: len(parts[i].content))
    room = max(limit - fixed - sum(len(parts[i].render()) - len(parts[i].content) + 2 for i in folds), 0)
    shares: dict[int, int] = {}
    for n, index in enumerate(folds):
        share = room // (len(folds) - n)
        shares[index] = min(len(parts[index].content), share)
        room -= shares[index]
    text = "\n\n".join(p if isinstance(p, str) else p.render(shares[i] - 80 if shares[i] < len(p.content)
                                                              else None) for i, p in enumerate(parts))
    return text if len(text) <= limit else text[: limit - 40].rsplit("\n", 1)[0] + "\n\n... (cut to fit the PR)"


# --- the proposed description -------------------------------------------------------------------
def title(resource: Resource, versions: list[Version]) -> str:
    label = ", ".join(v.version_name or v.version_id for v in versions)
    kind = "New resource" if all(v.status == PENDING for v in resource.versions) else "New version"
    text = f"{kind}: {resource.name or resource.id} ({label}) {resource.nickname_icon} {resource.nickname}"
    return " ".join(untrusted(text).split())[:250]


def propose_body(resource: Resource, versions: list[Version], facts: Sequence[VersionFacts], digest: str,
                 *, limit: int = PROPOSE_LIMIT) -> str:
    """The description of one resource's contribution PR."""
    parts: list[str | Fold] = [f"## {inline(resource.name or resource.id)}", _resource_line(resource), _table(versions)]
    for fact in facts:
        parts += version_parts(fact)
    parts += ["### Model tests and partner results",
              "This PR's check validates and tests the versions above and adds its results to this description "
              "(section *Check results*), with a link to the preview of the site.",
              _checklist(facts)]
    tail = marker([v.version_id for v in versions], digest)
    return fit(parts, limit - len(tail) - 2) + "\n\n" + tail + "\n"


def _resource_line(resource: Resource) -> str:
    nickname = " ".join(x for x in (inline(resource.nickname_icon, 8), f"**{inline(resource.nickname, 80)}**") if x)
    items = [f"resource id: {code_span(resource.id, 520)}", f"nickname: {nickname}",
             f"type: {inline(resource.type, 40)}", f"source: {inline(resource.source, 80)}"]
    if resource.doi:
        items.append(f"concept DOI: {inline(resource.doi, 100)}")
    return "\n".join(f"- {item}" for item in items)


def _table(versions: list[Version]) -> str:
    lines = ["| version | name | created | DOI |", "|---|---|---|---|"]
    for v in versions:
        lines.append("| " + " | ".join(inline(c, 120) for c in (v.version_id, v.version_name or "-", v.created or "-",
                                                                 v.doi or "-")) + " |")
    return "\n".join(lines)


def version_parts(fact: VersionFacts) -> list[str | Fold]:
    """What a maintainer reads about one version: a summary, then folds for the long parts."""
    label = f" ({inline(fact.version_name, 60)})" if fact.version_name else ""
    parts: list[str | Fold] = [f"### Version {inline(fact.version_id, 80)}{label}"]
    if fact.load_error:
        return parts + [f"**The RDF could not be loaded**: {inline(fact.load_error, 1000)}"]
    description = f": {inline(fact.description, MAX_DESCRIPTION)}" if fact.description else " (no description)"
    parts.append(f"**{inline(fact.name, 200)}**{description}")
    parts.append("\n".join(f"- {item}" for item in _fact_lines(fact)))
    if fact.covers:
        parts.append(" ".join(f'<img src="{html.escape(untrusted(url), quote=True)}" alt="cover" height="160">'
                              for url in fact.covers[:MAX_COVERS]))
    if fact.files:
        total = sum(f.size or 0 for f in fact.files)
        parts.append(Fold(f"Files ({len(fact.files)}, {_size(total)})", _files_table(fact.files)))
    if fact.diff:
        parts.append(Fold(f"Changes to the RDF since version {inline(fact.previous, 80)}", code(fact.diff), "diff"))
    if fact.report is not None:
        parts.append(Fold("Validation report", code(fact.report.format_text()), "text"))
    return parts


def _fact_lines(fact: VersionFacts) -> list[str]:
    lic = fact.license
    if lic is None:
        license_text = "**none given** ⚠️ (nobody may redistribute it)"
    else:
        named = f" ({inline(lic.name, 120)})" if lic.name else ""
        warning = "" if lic.open else (" ⚠️ **not an SPDX license id**: check the terms" if lic.open is None
                                       else " ⚠️ **not an open license**: check that the zoo may redistribute it")
        license_text = f"{code_span(lic.text, 80)}{named}{warning}"
    report = fact.report
    verdict = "not run" if report is None else (
        f"{'passed' if report.passed else '**FAILED**'} ({inline(report.type or '?', 20)} "
        f"{inline(report.format_version or '?', 20)}, {len(report.errors)} error(s), {len(report.warnings)} warning(s))")
    if fact.previous is None:
        changes = "the first version of this resource"
    elif not fact.diff:
        changes = f"no change to the RDF since version {inline(fact.previous, 80)}"
    else:
        changed = sum(1 for line in fact.diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---"))
        changes = f"{changed} line(s) of the RDF changed since version {inline(fact.previous, 80)} (below)"
    lines = [f"license: {license_text}", f"authors: {_people(fact.authors)}",
             f"maintainers: {_people(fact.maintainers)}", f"uploaded by: {inline(fact.uploader, 400)}",
             f"type: {inline(fact.type, 40)}; weights: {inline(', '.join(fact.weights), 400) or '-'}",
             f"tags: {inline(', '.join(fact.tags), 400) or '-'}", f"links: {inline(', '.join(fact.links), 400) or '-'}",
             f"validation: {verdict}", f"changes: {changes}"]
    return lines + [f"note: {inline(n, 300)}" for n in fact.notes]


def _people(found: Sequence[Person]) -> str:
    if not found:
        return "none given"
    shown = []
    for p in found[:20]:
        extra = [x for x in (p.affiliation, f"ORCID {p.orcid}" if p.orcid else "") if x]
        login = f" {inline('@' + str(p.github_user), 61)}" if p.github_user else ""  # shown, never a ping
        shown.append(inline(p.name or "(no name)", 100) + (f" ({inline('; '.join(extra), 200)})" if extra else "")
                     + login)
    return "; ".join(shown) + (f"; and {len(found) - 20} more" if len(found) > 20 else "")


def _files_table(found: Iterable[FileFact]) -> str:
    lines = ["| file | role | size | sha256 | md5 (record) |", "|---|---|---|---|---|"]
    for f in found:
        lines.append("| " + " | ".join([inline(f.name, 120), inline(f.role, 40), _size(f.size),
                                        f"`{f.sha256[:64]}`" if f.sha256 else "-",
                                        f"`{f.md5[:32]}`" if f.md5 else "-"]) + " |")
    return "\n".join(lines)


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return "-"


def _checklist(facts: Sequence[VersionFacts]) -> str:
    licenses = sorted({f.license.text for f in facts if f.license is not None})
    closed = [f for f in facts if f.license is None or not f.license.open]
    license_item = (f"The license ({inline(', '.join(licenses), 120) or 'none given'}) lets the zoo redistribute "
                    "the files" + (" (marked ⚠️ above: check it)." if closed else "."))
    return "\n".join([
        "### Checklist for maintainers", "",
        "- [ ] The validation report passed, or its failures are understood and acceptable.",
        f"- [ ] {license_item}",
        "- [ ] The description, covers and files are fit for the zoo (no personal data, nothing unrelated).",
        "- [ ] The check's model tests passed for every weights format, or their failures are understood.",
        "",
        "**Accept** by merging this PR (the versions above become `accepted`). "
        "**Block** by setting `status: blocked` on a version, or on the whole resource, in `resource.yaml` "
        "in this PR and merging. Closing without merging leaves the versions pending; they are not proposed "
        "again until a new version appears.",
    ])


# --- the check's section ------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckedVersion:
    """A version the PR adds or changes, with what the build published for it (None: not built)."""

    facts: VersionFacts
    summary: TestSummary | None


def review_section(checked: Sequence[CheckedVersion], *, base: str, with_facts: bool, preview_url: str | None,
                   warnings: Sequence[str], limit: int) -> str:
    """The check's results, between markers, so a later check replaces them in place."""
    failed = [c for c in checked if c.summary is None or c.summary.status.overall == FAILED]
    verdict = (f"**{len(failed)} of {len(checked)} version(s) fail**" if failed
               else f"all {len(checked)} version(s) pass" if checked else "no version added or changed")
    parts: list[str | Fold] = [REVIEW_START, "## Check results",
                               f"Against {code_span(base, 100)}: {verdict}."]
    if preview_url:
        parts.append(f"Site preview: {html.escape(preview_url, quote=True)} (download `site-preview`, then "
                     "`zoo serve --site <folder>`).")
    for item in checked:
        if with_facts:
            parts += version_parts(item.facts)
        parts += _results(item)
    if warnings:
        parts.append(Fold(f"Warnings that are not this PR's ({len(warnings)})",
                          "\n".join(f"- {inline(w, 600)}" for w in warnings)))
    parts.append(REVIEW_END)
    return fit(parts, limit)


def _results(item: CheckedVersion) -> list[str | Fold]:
    head = f"#### Results of {inline(item.facts.name_line, 200)}"
    summary = item.summary
    if summary is None:
        return [head, "**Not built**: the build published no test summary for this version "
                      "(is it accepted in this PR, and did `zoo build` run?)."]
    status = summary.status
    said = ("passed" if status.overall == "passed" else "**FAILED**" if status.overall == FAILED
            else "format valid, no model test ran")
    facets = [f"format {'valid' if status.format_valid else 'invalid'}"]
    if status.runs is not None:
        facets.append("runs" if status.runs else "does not run")
    if status.reproduces is not None:
        facets.append("reproduces its test outputs" if status.reproduces else "does not reproduce its test outputs")
    parts: list[str | Fold] = [head, f"{said} ({', '.join(facets)})"]
    ours = summary.tests.get(OUR_TOOL, ())
    parts.append(_tests_table([t for t in ours if t.name != FORMAT_CHECK]) or "No model test ran.")
    fmt = [t for t in ours if t.name == FORMAT_CHECK]
    errors = [line for t in fmt for line in (t.error or "").splitlines() if line]
    if errors:
        parts.append("Format errors:\n" + "\n".join(f"- {inline(e, 500)}" for e in errors[:50]))
    format_warnings = [w for t in fmt for w in t.warnings]
    if format_warnings:
        parts.append(Fold(f"Format warnings ({len(format_warnings)})",
                          "\n".join(f"- {inline(w, 500)}" for w in format_warnings)))
    details = [t for t in ours if t.status == FAILED and (t.error or t.traceback) and t.name != FORMAT_CHECK]
    if details:
        parts.append(Fold("Errors of the failing tests", code("\n\n".join(
            f"{t.weights_format or '-'}: {t.name}\n{t.error or ''}\n{t.traceback or ''}".rstrip() for t in details)),
            "text"))
    partners = {tool: tests for tool, tests in summary.tests.items() if tool != OUR_TOOL}
    parts.append(_partners_table(partners) if partners else "No partner has reported on this version yet.")
    return parts


def _tests_table(tests: Sequence[TestEntry]) -> str:
    if not tests:
        return ""
    lines = ["| weights format | test | status | error | environment |", "|---|---|---|---|---|"]
    for t in tests:
        error = failure_line(t).split(": ", 2)[-1] if t.status == FAILED else (t.error or "")
        lines.append("| " + " | ".join([inline(t.weights_format or "-", 40), inline(t.name, 80), inline(t.status, 20),
                                        inline(error, 300) or "-", inline(_environment(t), 200) or "-"]) + " |")
    return "\n".join(lines)


def _environment(test: TestEntry) -> str:
    """Where a test ran: python and the package versions the runner found."""
    env = dict(test.env) if isinstance(test.env, dict) else {}
    packages = env.pop("packages", None)
    found = {**env, **(packages if isinstance(packages, dict) else {})}
    python = found.pop("python", None)
    shown = [f"{k} {v}" for k, v in sorted(found.items()) if isinstance(v, (str, int, float))
             and k not in ("executable", "env_key", "requirements")]
    return ", ".join(([f"python {python}"] if python else []) + shown)


def _partners_table(partners: dict[str, Sequence[TestEntry]]) -> str:
    lines = ["| partner | verdict | tests |", "|---|---|---|"]
    for tool, tests in sorted(partners.items()):
        listed = "; ".join(f"{t.name}: {t.status}" + (f" ({t.error.splitlines()[0]})" if t.error else "")
                           for t in tests[:10])
        lines.append(f"| {inline(tool, 64)} | {inline(tool_state(tests), 20)} | {inline(listed, 600)} |")
    return "\n".join(lines)


def with_review(body: str, section: str) -> str:
    """`body` with the check's section replaced in place, or added at its end."""
    start, end = body.find(REVIEW_START), body.find(REVIEW_END)
    if start != -1 and end > start:
        return body[:start] + section + body[end + len(REVIEW_END):]
    return body.rstrip() + ("\n\n" if body.strip() else "") + section + "\n"


def without_review(body: str) -> str:
    """`body` without the check's section (what is left for the section to share the limit with)."""
    return with_review(body, "") if REVIEW_START in body else body
