""""Use it in your tool" on a model page: each partner tool's own instructions (its registration's
`usage`, placeholders filled in for this version) beside its verdict on the version, "not
tested" where it has none; and the commands for Python: `zoo predict` and the reference library."""

from __future__ import annotations

from typing import Any

from pipeline.contracts.results import OUR_TOOL, TestSummary, tool_state
from pipeline.site.markdown import render_markdown
from pipeline.site.urls import resource_page, version_page
from pipeline.site.views import text
from pipeline.site.render import urlpath

NOT_TESTED = "not-tested"


def placeholders(*, rid: str, version_id: str, nickname: str, name: str, doi: str, concept_doi: str,
                 folder: str, base_url: str, has_package: bool) -> dict[str, str]:
    """The values of USAGE_PLACEHOLDERS for one version (absolute URLs: tools fetch them)."""
    values = {
        "id": rid, "version_id": version_id, "nickname": nickname, "name": name, "doi": doi,
        "concept_doi": concept_doi, "rdf_url": base_url + urlpath(f"{folder}/rdf.yaml"),
        "package_url": base_url + urlpath(f"{folder}/package.zip") if has_package else "",
        "page_url": base_url + urlpath(version_page(rid, version_id) or resource_page(rid) or ""),
    }
    return values


def tools(summary: TestSummary | None, partners: dict[str, dict[str, Any]], values: dict[str, str], *,
          root: str, folder: str) -> list[dict[str, Any]]:
    """One row per partner tool that says how to use a model or has tested this one."""
    tested = dict(summary.tests) if summary else {}
    rows = []
    for pid, partner in sorted(partners.items()):
        usage = partner.get("usage")
        if not usage and pid not in tested:
            continue
        state = tool_state(tested[pid]) if pid in tested else NOT_TESTED
        html = render_markdown(usage.format_map(values), root=root, base=folder) if usage else None
        rows.append({"tool": pid, "label": text(partner.get("name"), 80) or pid, "state": state,
                     "page": f"partners/{pid}.html", "usage": html})
    return rows


def python(rdf: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """`zoo predict` and the reference library's command and Python call for this model."""
    inputs = [text(t.get("id") or t.get("name"), 64) for t in rdf.get("inputs") or [] if isinstance(t, dict)]
    outputs = [text(t.get("id") or t.get("name"), 64) for t in rdf.get("outputs") or [] if isinstance(t, dict)]
    inputs, outputs = inputs or ["input"], outputs or ["output"]
    url = values["rdf_url"]
    files = " ".join(f"{i}.tif" for i in inputs)
    if len(inputs) == 1:
        reference_inputs = "image.tif"
        files = "image.tif"
    else:
        reference_inputs = "'[[" + ",".join(f'"{i}.tif"' for i in inputs) + "]]'"
    arrays = "\n".join(f'{i} = np.load("{i}.npy")  # on the model\'s axes of input {i!r}' for i in inputs)
    return {
        "zoo": f"zoo predict {url} {files} -o {'output.tif' if len(outputs) == 1 else 'output.tif  # output_<id>.tif per output'}",
        "reference_cli": f'pip install "bioimageio.core[onnx,pytorch]"\n'
                         f'bioimageio predict --inputs {reference_inputs} --outputs "{{output_id}}.tif" {url}',
        "reference_python": "import numpy as np\nfrom bioimageio.core import predict\n\n" + arrays
                            + f'\nsample = predict(model="{url}", inputs={{'
                            + ", ".join(f'"{i}": {i}' for i in inputs) + "})\n"
                            + "\n".join(f'np.save("{o}.npy", np.asarray(sample.members["{o}"].data))' for o in outputs),
    }


def our_state(summary: TestSummary | None) -> str:
    """Our verdict on the version, as the Python rows show it."""
    return tool_state(summary.tests[OUR_TOOL]) if summary and OUR_TOOL in summary.tests else NOT_TESTED
