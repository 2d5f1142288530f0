"""Tags normalised and mapped to EDAM concepts, from the `edam-ontology` package's own data.

EDAM names bioinformatics concepts well but lacks most image-analysis tasks (segmentation,
denoising, ...); a small curated table maps those onto the nearest EDAM concept.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from edam_ontology.streams import tabular_stream

EDAM_PREFIX = "http://edamontology.org/"
# Tags common in the zoo that EDAM has no label or synonym for; the value is an EDAM class id.
CURATED = {
    "segmentation": "operation_3443",
    "instance segmentation": "operation_3443",
    "semantic segmentation": "operation_3443",
    "cell segmentation": "operation_3443",
    "nucleus segmentation": "operation_3443",
    "nuclei segmentation": "operation_3443",
    "denoising": "operation_3443",
    "restoration": "operation_3443",
    "image restoration": "operation_3443",
    "deconvolution": "operation_3443",
    "super resolution": "operation_3443",
    "image reconstruction": "operation_3443",
    "pixel classification": "operation_3443",
    "boundary prediction": "operation_3443",
    "classification": "operation_2990",
    "detection": "operation_2423",
    "annotation": "operation_3553",
    "microscopy": "topic_3382",
    "fluorescence microscopy": "topic_3385",
    "fluorescence light microscopy": "topic_3385",
    "light microscopy": "topic_3385",
    "brightfield": "topic_3385",
    "widefield": "topic_3385",
    "confocal": "topic_3385",
    "electron microscopy": "topic_0611",
    "em": "topic_0611",
    "fib sem": "topic_0611",
    "cells": "topic_2229",
    "cell": "topic_2229",
    "nuclei": "topic_2229",
    "nucleus": "topic_2229",
    "cell biology": "topic_2229",
    "tissue": "topic_3337",
    "histology": "topic_3383",
    "bioimaging": "topic_3383",
    "cytometry": "topic_3934",
}


@dataclass(frozen=True)
class EdamTerm:
    """One EDAM concept: its short id (`topic_0611`), label and IRI."""

    id: str
    label: str

    @property
    def iri(self) -> str:
        return EDAM_PREFIX + self.id


def normalize_tag(tag: str) -> str:
    """Lower case, `_`/`-` as spaces, single spaces: `Fluorescence-Light_Microscopy` -> `fluorescence light microscopy`."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-]+", " ", str(tag))).strip().lower()


def slug(tag: str) -> str:
    """URL-safe form of a normalised tag, for tag pages."""
    return re.sub(r"[^a-z0-9]+", "-", normalize_tag(tag)).strip("-") or "tag"


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, EdamTerm], dict[str, EdamTerm]]:
    """(by id, by normalised label or synonym), topics and operations only, no obsolete terms."""
    by_id: dict[str, EdamTerm] = {}
    by_label: dict[str, EdamTerm] = {}
    with tabular_stream() as stream:
        reader = csv.reader(stream, delimiter="\t")
        header = next(reader)
        col_id, col_label, col_syn, col_obsolete = (
            header.index("Class ID"), header.index("Preferred Label"),
            header.index("Synonyms"), header.index("Obsolete"),
        )
        for row in reader:
            short = row[col_id].rsplit("/", 1)[-1]
            if not short.startswith(("topic_", "operation_")):
                continue
            term = EdamTerm(short, row[col_label])
            by_id[short] = term
            if row[col_obsolete].upper() == "TRUE":
                continue
            by_label.setdefault(normalize_tag(row[col_label]), term)
    return by_id, by_label


def edam_term(tag: str) -> EdamTerm | None:
    """The EDAM concept a tag means, by exact label first, then the curated table."""
    by_id, by_label = _index()
    key = normalize_tag(tag)
    if key in by_label:
        return by_label[key]
    curated = CURATED.get(key)
    return by_id.get(curated) if curated else None
