"""A partner registration's `usage`: markdown with placeholders the site fills in per model
version; unknown placeholders, format specs and other mistakes are refused naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.contracts.partners import USAGE_PLACEHOLDERS, Partner, listed_partners
from pipeline.errors import BadInput

FILE = Path("partners/my-tool.yaml")
BASE = {"id": "my-tool", "collection": {"url": "https://example.org/c.yaml"}}


def test_usage_with_every_placeholder_is_kept_as_written():
    text = "Open " + " ".join("{" + k + "}" for k in USAGE_PLACEHOLDERS) + " and press {{Run}}."
    partner = Partner.from_json({**BASE, "usage": text}, FILE)
    assert partner.usage == text and partner.to_json()["usage"] == text
    assert Partner.from_json(BASE, FILE).usage is None


@pytest.mark.parametrize("usage, message", [
    ("Paste {url} here", "unknown placeholder(s) {url}; known: {id}, {version_id}"),
    ("Paste {doi} and {Nickname}", "unknown placeholder(s) {Nickname}"),
    ("Paste {doi:>40}", "placeholders take no format or conversion"),
    ("Paste {doi!r}", "placeholders take no format or conversion"),
    ("Paste {doi", "unreadable placeholder"),
    ("   ", "expected non-empty text"),
    (["a list"], "expected non-empty text"),
    ("x" * 4001, "longer than 4000 characters"),
])
def test_bad_usage_is_refused_naming_the_field(usage, message):
    with pytest.raises(BadInput) as caught:
        Partner.from_json({**BASE, "usage": usage}, FILE)
    assert caught.value.loc == ("usage",) and message in caught.value.msg


def test_the_partner_list_form_takes_usage_too():
    entry = {"id": "ilastik", "repository": "ilastik/bioimage-io-resources", "branch": "main",
             "collection_file_name": "collection.yaml", "usage": "Load {package_url}"}
    partners, problems = listed_partners({"config": {"partners": [entry, {**entry, "id": "other", "usage": "{x}"}]}},
                                         Path("collection_rdf_template.yaml"))
    assert [p.usage for p in partners] == ["Load {package_url}"]
    assert [p.loc for p in problems] == [("config", "partners", 1, "usage")]
