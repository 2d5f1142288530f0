"""The test results each registered partner publishes, fetched from where it registered them."""

from __future__ import annotations

from pathlib import Path

from pipeline.base.http import HttpPolicy
from pipeline.build import partner_summaries
from pipeline.build.partner_summaries import PartnerResults
from pipeline.contracts.partners import Partner, read_partners
from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput


def load_partner_results(folder: Path | None, policy: HttpPolicy | None
                         ) -> tuple[list[Partner], dict[str, PartnerResults], list[Problem]]:
    """Registrations, each partner's parsed results, and problems (a bad partner is skipped)."""
    partners, errors = read_partners(folder)
    problems = [Problem.of(e) for e in errors]
    results: dict[str, PartnerResults] = {}
    for partner in partners:
        if partner.test_summaries is None:
            continue
        try:
            results[partner.id] = partner_summaries.load(
                partner.test_summaries, base=partner.file.parent, partner_id=partner.id, policy=policy)
        except BadInput as e:
            problems.append(Problem(f"partner {partner.id}", str(e)))
    return partners, results, problems
