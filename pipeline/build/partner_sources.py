"""The test results each registered partner publishes, fetched from where it registered them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipeline.base.http import HttpPolicy
from pipeline.build import partner_reports, partner_summaries
from pipeline.build.partner_summaries import PartnerResults
from pipeline.contracts.partners import Partner, ReportFolder, read_partners
from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput, describe
from pipeline.sources.partners import clone


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
            results[partner.id], found = _load(partner, policy)
            # one line per report file that could not be read, each already naming the partner
            problems += [Problem(f"partner {partner.id}", line.removeprefix(f"partner {partner.id}: "))
                         for line in found]
        except Exception as e:  # one partner's publication must not fail the build for everyone
            problems.append(Problem(f"partner {partner.id}", describe(e)))
    return partners, results, problems


def _load(partner: Partner, policy: HttpPolicy | None) -> tuple[PartnerResults, list[str]]:
    """A partner's results from wherever it publishes them: one document, or a folder of report
    files next to its registration or deployed in a git repository."""
    where = partner.test_summaries
    if isinstance(where, ReportFolder):
        with tempfile.TemporaryDirectory(prefix="zoo-reports-") as tmp:
            checkout = clone(where.git, where.branch, Path(tmp) / "checkout")
            folder = (checkout / where.folder).resolve()
            if not folder.is_relative_to(checkout.resolve()) or not folder.is_dir():
                raise BadInput(f"no folder {where.folder!r} on branch {where.branch}", source=where.git)
            return partner_reports.read_folder(folder, partner_id=partner.id)
    assert isinstance(where, str)
    base = partner.file.parent
    local = (base / where).resolve()
    if not where.startswith(("http://", "https://")) and local.is_dir():
        if not local.is_relative_to(base.resolve()):
            raise BadInput("test summaries path leaves the partner folder", source=where)
        return partner_reports.read_folder(local, partner_id=partner.id)
    return partner_summaries.load(where, base=base, partner_id=partner.id, policy=policy), []
