"""Docs that cannot drift: every subcommand is in the README, every option in docs/cli.md."""


import pytest

from pipeline.cli import build_parser
from pipeline.cli.reference import option_names, render, subcommands
from testkit.paths import REPO

SUBCOMMANDS = subcommands(build_parser())


def test_readme_opens_with_setup_and_test_commands():
    lines = (REPO / "README.md").read_text().splitlines()
    block = lines[lines.index("```bash") + 1: lines.index("```bash") + 3]
    assert block == ["python3 -m venv .venv && .venv/bin/pip install -e '.[frameworks,dev]' && npm ci "
                     "&& .venv/bin/zoo run", ".venv/bin/python -m pytest"]
    ci = (REPO / ".ci" / "run").read_text()
    # CI sets up the way the README does, then runs the README's test command
    assert "pip install -q -e '.[frameworks,dev]'" in ci and "npm ci" in ci
    assert ci.rstrip().splitlines()[-1] == block[1]


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_subcommand_is_in_the_readme(name):
    assert f"`zoo {name}" in (REPO / "README.md").read_text()


def test_cli_reference_is_up_to_date():
    assert (REPO / "docs" / "cli.md").read_text() == render(), \
        "docs/cli.md is stale: run .venv/bin/python -m pipeline.cli.reference > docs/cli.md"


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_the_reference_generator_documents_every_option(name):
    # the test above holds docs/cli.md to render(); this one holds render() to the parsers
    section = render().split(f"## `zoo {name}`", 1)[1].split("\n## ", 1)[0]
    for option in option_names(SUBCOMMANDS[name]):
        assert f"`{option}`" in section, f"zoo {name}: {option} is missing from the reference"
    assert SUBCOMMANDS[name].description and SUBCOMMANDS[name].description in section
