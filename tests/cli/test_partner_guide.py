"""docs/partners.md cannot drift: its commands parse, its workflow is a workflow, its example passes."""

from __future__ import annotations

import re
import shlex

from pipeline.cli import build_parser, main
from pipeline.spec import yamlio
from testkit import paths

GUIDE = (paths.REPO / "docs" / "partners.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE, flags=re.DOTALL)


def zoo_lines(text: str) -> list[list[str]]:
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("zoo ")]


def test_every_command_of_the_guide_is_one_zoo_accepts():
    commands = [argv for block in blocks("bash") for argv in zoo_lines(block)]
    workflow = yamlio.loads(blocks("yaml")[1], source="guide")
    steps = workflow["jobs"]["test"]["steps"]
    commands += [argv for step in steps for argv in zoo_lines(step.get("run", ""))]
    assert len(commands) >= 5 and {argv[0] for argv in commands} == {"validate"}
    for argv in commands:
        build_parser().parse_args(argv)  # exits 2 on an option zoo does not have


def test_the_workflow_to_copy_checks_before_it_publishes():
    workflow = yamlio.loads(blocks("yaml")[1], source="guide")
    assert workflow["permissions"] == {} and "schedule" in workflow["on"]
    names = [step.get("name") or step.get("uses") for step in workflow["jobs"]["test"]["steps"]]
    check = names.index("Check the results as the zoo will read them")
    assert check > names.index("Run My Tool on every model") and check < names.index("actions/deploy-pages@v4")


def test_the_example_results_document_passes(tmp_path, capsys):
    (tmp_path / "test_summaries.json").write_text(blocks("json")[0])
    assert main(["validate", str(tmp_path / "test_summaries.json")]) == 0
    assert "passed (partner test summary, 0 error(s)" in capsys.readouterr().out


def test_the_example_registration_passes(tmp_path, capsys):
    (tmp_path / "my-tool.yaml").write_text(blocks("yaml")[0])
    assert main(["validate", str(tmp_path / "my-tool.yaml")]) == 0
    assert "passed (partner registration, 0 error(s), 0 warning(s))" in capsys.readouterr().out
