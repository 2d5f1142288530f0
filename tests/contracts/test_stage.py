"""A stage's problems name the source, the field and what is wrong, in one text form."""

import pytest

from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput


@pytest.mark.parametrize(("problem", "text"), [
    (Problem("rdfs/a/1", "not found", ("covers", 0)), "rdfs/a/1: covers[0]: not found"),
    (Problem("partner lab", "results for x/1, which the zoo does not publish"),
     "partner lab: results for x/1, which the zoo does not publish"),
    (Problem.of(BadInput("expected a string", source="p.yaml", loc=("inputs", 0, "axes"))),
     "p.yaml: inputs[0].axes: expected a string"),
    (Problem.of(BadInput("timed out"), source="zenodo"), "zenodo: timed out"),
])
def test_problem_text(problem, text):
    assert problem.format_text() == text
    assert problem.to_json() == {"source": problem.source, "loc": list(problem.loc), "message": problem.message}
