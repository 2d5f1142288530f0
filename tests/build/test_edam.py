"""Tags map onto EDAM concepts from the packaged ontology, with the curated table as fallback."""

import pytest

from pipeline.build.edam import edam_term, normalize_tag, slug


@pytest.mark.parametrize(
    ("tag", "term_id", "label"),
    [
        ("Electron microscopy", "topic_0611", "Electron microscopy"),  # EDAM label
        ("electron-microscopy", "topic_0611", "Electron microscopy"),  # normalised
        ("light_microscopy", "topic_3385", "Light microscopy"),
        ("segmentation", "operation_3443", "Image analysis"),  # curated: EDAM lacks it
        ("Cell biology", "topic_2229", "Cell biology"),
    ],
)
def test_known_tags(tag, term_id, label):
    term = edam_term(tag)
    assert (term.id, term.label) == (term_id, label)
    assert term.iri == f"http://edamontology.org/{term_id}"


@pytest.mark.parametrize("tag", ["unet", "pytorch", "2d", "<script>"])
def test_unknown_tags_map_to_nothing(tag):
    assert edam_term(tag) is None


def test_normalisation_and_slug():
    assert normalize_tag("  Fluorescence-Light__Microscopy ") == "fluorescence light microscopy"
    assert slug("Fluorescence-Light microscopy") == "fluorescence-light-microscopy"
    assert slug("<>") == "tag"
