"""Partner registrations (`partners/<id>.yaml`) and the test results each one publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.build import partner_summaries
from pipeline.build.partner_summaries import PartnerResults
from pipeline.errors import BadInput
from pipeline.base.http import HttpPolicy
from pipeline.spec import yamlio

MAX_REGISTRATION_BYTES = 256 * 1024


def read_partners(folder: Path | None) -> tuple[list[dict[str, Any]], list[str]]:
    """Every registration in `folder` (sorted by id) and one problem line per unreadable one."""
    partners, problems = [], []
    if folder is None or not folder.is_dir():
        return partners, problems
    for path in sorted(folder.glob("*.yaml")):
        try:
            if path.stat().st_size > MAX_REGISTRATION_BYTES:
                raise BadInput(f"larger than {MAX_REGISTRATION_BYTES} bytes", source=str(path))
            data = yamlio.loads(path.read_bytes(), source=str(path))
            if not isinstance(data, dict) or data.get("id") != path.stem:
                raise BadInput(f"expected a mapping whose `id` is {path.stem!r}", source=str(path), loc=["id"])
        except BadInput as e:
            problems.append(str(e))
            continue
        partners.append(data)
    return partners, problems


def summaries_location(partner: dict[str, Any]) -> str | None:
    """Where a partner publishes its test results (a URL or a path in its folder), if anywhere."""
    value = partner.get("test_summaries")
    if isinstance(value, dict):
        value = value.get("url") or value.get("path")
    return value if isinstance(value, str) and value else None


def load_partner_results(folder: Path | None, policy: HttpPolicy | None
                         ) -> tuple[list[dict[str, Any]], dict[str, PartnerResults], list[str]]:
    """Registrations, each partner's parsed results, and problems (a bad partner is skipped)."""
    partners, problems = read_partners(folder)
    results: dict[str, PartnerResults] = {}
    for partner in partners:
        location = summaries_location(partner)
        if location is None:
            continue
        try:
            results[partner["id"]] = partner_summaries.load(
                location, base=folder, partner_id=partner["id"], policy=policy)
        except BadInput as e:
            problems.append(f"partner {partner['id']}: {e}")
    return partners, results, problems
