"""A small replay of the paper-era collection, written in its real shapes, and what it published.

`write_replay(folder)` lays out the replay folder `bench/takeover.py` reads (see its docstring):
a store of `resource.yaml` files as the paper-era collection kept them (flow- and block-style
versions, newest first, per-version fields, a resource-level field, a blocked resource holding
an accepted resource's nickname, a version whose upstream is gone), the partner list in the
`collection_rdf_template.yaml` form next to one registration in our own form, partner
collections in a loopback copy of their repositories (capital letters, spaces and dots in ids,
bare links, ImJoy plugin sources, SVG covers, inherited collection fields), partner test reports
in the paper-era `test_summary*.yaml` form (in a git repository, as partners deploy them) and in
today's per-tool JSON form, and Zenodo records in the REST shape with `stats`.

`EXPECTED` is what the paper-era pipeline published in `collection.json` for this input, field by
field, worked out from its rules (the reason is written beside each value that is not copied
straight from an RDF):
- a version's RDF is the resource's fields, overlaid by the RDF at `rdf_source`, overlaid by the
  version's own fields; bookkeeping keys move to `config.bioimageio`;
- a collection entry starts from the collection's fields (minus `id` and `collection`), then its
  `rdf_source` RDF, then an ImJoy plugin's fields when `source` is an `.imjoy.html`, then its own
  keys; bare links get the collection id in front; its only version is `latest`; it has no
  nickname, owners or `created`, and a download count of 1;
- a summary has `authors, badges, covers, description, download_url, icon, id, license, links,
  name, rdf_source, source, tags, type, versions, training_data` of the latest accepted version,
  `nickname, nickname_icon, owners, created` from its zoo fields, the Zenodo download count, and
  `ilastik/ilastik` added to `links` when every ilastik test of that version passed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.sources.recordset import record_json, write_record_set
from pipeline.spec import yamlio

ROOT = Path(__file__).resolve().parents[2]  # the repository
MODEL = ROOT / "examples" / "models" / "nuclei-boundary-2d"
SITE = "https://bioimage-io.github.io/collection-bioimage-io"  # where the paper-era collection lived
ZENODO = "https://zenodo.org/api"
RAW = "https://raw.githubusercontent.com"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@localhost", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@localhost", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}

# One PNG cover and one SVG cover with script in it (an SVG must never be served as it came).
PNG_COVER = (MODEL / "cover.png").read_bytes()
SVG_COVER = (b'<svg xmlns="http://www.w3.org/2000/svg" width="60" height="34" onload="alert(1)">'
             b'<script>alert(2)</script><rect width="60" height="34" fill="#3a7"/></svg>')

# ---------------------------------------------------------------- Zenodo records and their RDFs
# record id -> (concept, created, fields laid over the example model RDF, unique downloads)
MODEL_RDFS: dict[int, dict[str, Any]] = {
    7000104: {"name": "NucleiSegmentationBoundaryModel",
              "description": "Nucleus segmentation for fluorescence microscopy",
              "authors": [{"name": "Constantin Pape", "affiliation": "EMBL Heidelberg"}],
              "tags": ["fluorescence-light-microscopy", "nuclei", "instance-segmentation", "unet", "2d"],
              "links": ["ilastik/stardist_dsb_training_data", "deepimagej/deepimagej", "imjoy/BioImageIO-Packager"],
              "training_data": {"id": "ilastik/stradist_dsb_training_data"}},
    7000103: {"name": "NucleiSegmentationBoundaryModel", "description": "Nucleus segmentation, first revision",
              "authors": [{"name": "Constantin Pape"}], "tags": ["nuclei", "2d"]},
    7000102: {"name": "NucleiSegmentationBoundaryModel", "description": "a blocked revision"},
    7000302: {"name": "3D UNet - arabidopsis - ZeroCostDL4Mic", "description": "3D U-Net, ZeroCostDL4Mic",
              "authors": [{"name": "DeepImageJ", "affiliation": "UC3M, EPFL"}], "tags": ["zerocostdl4mic"],
              "maintainers": None},  # none of its own: the resource-level maintainers apply
    7000301: {"name": "3D UNet - arabidopsis - ZeroCostDL4Mic", "description": "first upload"},
    7000502: {"name": "HPA Nucleus Segmentation (DPNUnet)",
              "description": "Nuclei segmentation model for segmenting images from the Human Protein Atlas",
              "authors": [{"name": "Hao Xu"}, {"name": "Wei Ouyang"}],
              "tags": ["torchscript", "unet", "nucleus-segmentation", "deepimagej", "pytorch"],
              "links": ["deepimagej/deepimagej", "zero/notebook_u-net_2d_zerocostdl4mic_deepimagej"],
              "maintainers": [{"github_user": "oeway"}]},
    7000201: {"name": "A blocked model"},
}
DATASET_RDF = {  # record 7000402, a dataset with a cover and a source
    "format_version": "0.2.2", "type": "dataset", "name": "Hatchling Medaka Heart (HyLFM)",
    "description": "Light-sheet and light-field images of beating and arrested hatchling medaka hearts.",
    "authors": [{"name": "Fynn Beuttenmueller", "affiliation": "EMBL Heidelberg"}],
    "license": "MIT", "tags": ["hylfm", "light-field-microscopy", "medaka"],
    "source": "https://www.ebi.ac.uk/biostudies/bioimages/studies/S-BSST604", "covers": ["cover.png"],
    "documentation": "README.md",
}
RECORDS = {  # record id -> (concept id, created, unique downloads)
    7000104: (7000100, "2022-06-15T22:06:22.658325+00:00", 53495),
    7000103: (7000100, "2022-03-02T12:07:39.352008+00:00", 53495),
    7000102: (7000100, "2022-03-01T09:27:03.758432+00:00", 53495),
    7000201: (7000200, "2021-12-25T18:54:04.735769+00:00", 812),
    7000302: (7000300, "2022-01-19T10:16:02.455027+00:00", 31582),
    7000301: (7000300, "2021-12-02T14:27:16.753974+00:00", 31582),
    7000402: (7000400, "2023-02-06T10:00:00.000000+00:00", 1467),
    7000502: (7000500, "2023-03-03T10:00:00.000000+00:00", 2980),
    # 7000503, the newest version of 7000500, is gone from Zenodo: its RDF cannot be loaded.
}

# ---------------------------------------------------------------- the store, as the real files are
STORE: dict[str, str] = {
    "10.5281/zenodo.7000100": """\
doi: 10.5281/zenodo.7000100
id: 10.5281/zenodo.7000100
nickname: affable-shark
nickname_icon: "\\U0001F988"
owners: [77626]
status: accepted
type: model
versions:
- {created: '2022-06-15 22:06:22.658325', doi: 10.5281/zenodo.7000104, name: NucleiSegmentationBoundaryModel,
  rdf_source: 'https://zenodo.org/api/records/7000104/files/rdf.yaml/content', status: accepted,
  version_id: '7000104', version_name: version 7}
- created: '2022-03-02 12:07:39.352008'
  doi: 10.5281/zenodo.7000103
  links: [deepimagej/deepimagej, ilastik/ilastik, imjoy/BioImageIO-Packager, ilastik/torch-em-2d-unet-notebook]
  name: NucleiSegmentationBoundaryModel
  rdf_source: https://zenodo.org/api/files/a3d790f1-5203-4bd3-a975-d0fff38c0d97/rdf.yaml
  status: accepted
  training_data: {id: ilastik/stardist_dsb_training_data}
  version_id: '7000103'
  version_name: revision 1
- {created: '2022-03-01 09:27:03.758432', doi: 10.5281/zenodo.7000102, name: NucleiSegmentationBoundaryModel,
  rdf_source: 'https://zenodo.org/api/files/1cf7ce1f-f1a1-4207-9e3e-60ee4d4a0803/rdf.yaml',
  status: blocked, version_id: '7000102', version_name: revision 2}
""",
    # Blocked long ago; its nickname was later drawn again for an accepted resource.
    "10.5281/zenodo.7000200": """\
doi: 10.5281/zenodo.7000200
id: 10.5281/zenodo.7000200
nickname: affable-shark
nickname_icon: "\\U0001F988"
status: blocked
type: model
versions:
- {created: '2021-12-25 18:54:04.735769', doi: 10.5281/zenodo.7000201, name: A blocked model,
  rdf_source: 'https://zenodo.org/api/records/7000201/files/rdf.yaml/content',
  status: blocked, version_id: '7000201', version_name: revision 1}
""",
    # Per-version fields update that version's RDF; a resource-level field is the base of every version.
    "10.5281/zenodo.7000300": """\
doi: 10.5281/zenodo.7000300
id: 10.5281/zenodo.7000300
maintainers:
- github_user: wolny
nickname: humorous-owl
nickname_icon: 🦉
owners:
- 252845
status: accepted
type: model
versions:
- cite:
  - doi: 10.1101/2023.04.06.535829
    text: 'Hennies et al. 2023, CebraEM'
  config:
    bioimageio:
      test_kwargs:
        pytorch_state_dict:
          decimal: 2
  created: '2022-01-19 10:16:02.455027'
  description: A 3D U-net to predict cell membranes in plant tissues, trained on volumes
    of Arabidopsis thaliana ovules acquired on a confocal microscope.
  doi: 10.5281/zenodo.7000302
  links:
  - imjoy/BioImageIO-Packager
  - ilastik/ilastik
  - deepimagej/deepimagej
  - zero/notebook_u-net_3d_zerocostdl4mic
  name: Cell Segmentation from Membrane Staining for Plant Tissues
  status: accepted
  tags:
  - zerocostdl4mic
  - deepimagej
  - segmentation
  - 3d
  training_data:
    id: ilastik/plantseg_ovules
  version_id: '7000302'
  version_name: revision 2
  rdf_source: https://zenodo.org/api/files/3759664b-38bf-4ba8-b61d-b017dcf420d1/rdf.yaml
- created: '2021-12-02 14:27:16.753974+00:00'
  doi: 10.5281/zenodo.7000301
  name: 3D UNet - arabidopsis - ZeroCostDL4Mic
  status: blocked
  version_id: '7000301'
  version_name: revision 1
  rdf_source: https://zenodo.org/api/files/3320859e-af1a-45bc-bfaa-3d4110b3bc41/rdf.yaml
- created: '2021-12-02 14:27:16.753974'
  doi: 10.5281/zenodo.7000301
  name: 3D UNet - arabidopsis - ZeroCostDL4Mic
  status: accepted
  version_id: '7000301'
  version_name: version from 2021-12-02
  rdf_source: https://zenodo.org/api/records/7000301/files/rdf.yaml/content
""",
    # A dataset: no nickname (the paper-era zoo gave nicknames to models only).
    "10.5281/zenodo.7000400": """\
doi: 10.5281/zenodo.7000400
id: 10.5281/zenodo.7000400
owners: [96309]
status: accepted
type: dataset
versions:
- {created: '2023-02-06 10:00:00.000000', doi: 10.5281/zenodo.7000402, name: Hatchling Medaka Heart (HyLFM),
  rdf_source: 'https://zenodo.org/api/records/7000402/files/rdf.yaml/content', status: accepted,
  version_id: '7000402', version_name: version from 2023-02-06}
""",
    # The newest accepted version vanished upstream: the last good one stays what consumers see.
    "10.5281/zenodo.7000500": """\
doi: 10.5281/zenodo.7000500
id: 10.5281/zenodo.7000500
nickname: conscientious-seashell
nickname_icon: 🐚
owners: [47882]
status: accepted
type: model
versions:
- {created: '2023-04-01 09:00:00.000000', doi: 10.5281/zenodo.7000503, name: HPA Nucleus Segmentation (DPNUnet),
  rdf_source: 'https://zenodo.org/api/files/0d0e0f00-0000-4000-8000-00000000dead/rdf.yaml', status: accepted,
  version_id: '7000503', version_name: version 3}
- {created: '2023-03-03 10:00:00.000000', doi: 10.5281/zenodo.7000502, name: HPA Nucleus Segmentation (DPNUnet),
  rdf_source: 'https://zenodo.org/api/records/7000502/files/rdf.yaml/content', status: accepted,
  version_id: '7000502', version_name: version 2}
""",
}

# ---------------------------------------------------------------- partners
TEMPLATE = """\
name: bioimage.io
type: collection
description: bioimage.io collection RDF
tags: []
version: 0.2.2
authors:
  - name: BioImgae.IO Team
format_version: 0.2.1
config:
  splash_title: BioImage Model Zoo
  url_root: >-
    https://raw.githubusercontent.com/bioimage-io/collection-bioimage-io/gh-pages
  partners:
    - id: zero
      repository: HenriquesLab/ZeroCostDL4Mic
      branch: master
      collection_file_name: manifest.bioimage.io.yaml
    - id: imjoy
      repository: imjoy-team/bioimage-io-resources
      branch: master
      collection_file_name: collection.bioimage.io.yaml
    - id: ilastik
      repository: ilastik/bioimage-io-resources
      branch: main
      collection_file_name: collection.yaml
      test_summaries:
        repository: ilastik/bioimage-io-resources
        deploy_branch: gh-pages
        deploy_folder: test_summaries
        workflow: test_bioimageio_resources.yaml
        workflow_ref: refs/heads/main
collection: []
"""
# Our own registration form beside the template: a partner publishing today's per-tool reports.
OWN_REGISTRATION = """\
id: careamics
name: CAREamics
collection:
  path: careamics/collection.yaml
test_summaries:
  path: careamics/reports
"""
ZERO_COLLECTION = """\
format_version: 0.2.2
type: collection
name: ZeroCost4Mic Collection
tags: [zero, bioimage.io]
description: "Resources for BioImgage.IO curated by the ZeroCost4Mic team."
authors: []
documentation: https://github.com/HenriquesLab/ZeroCostDL4Mic/wiki
maintainers: []
config:
  id: zero
  name: ZeroCostDL4Mic
  version: 1.7.1
  tags:
    - ZeroCostDL4Mic
collection:
  - type: dataset
    id: Dataset_StarDist_2D_ZeroCostDL4Mic_2D
    name: StarDist (2D) example training and test dataset - ZeroCostDL4Mic
    description: Fluorescence microscopy (SiR-DNA) and masks obtained via manual segmentation
    authors: [Johanna Jukkala, Guillaume Jacquemet]
    documentation: >-
      https://doi.org/10.5281/zenodo.3715492
    tags: [StarDist, segmentation, ZeroCostDL4Mic, 2D]
    download_url: https://doi.org/10.5281/zenodo.3715492
    covers:
      - https://github.com/HenriquesLab/ZeroCostDL4Mic/raw/master/Wiki_files/Stardist_nuclei_masks.png
  - type: application
    id: Notebook_U-Net_3D_ZeroCostDL4Mic
    name: U-Net (3D) - ZeroCostDL4Mic
    description: 3D binary segmentation, trained in Google Colab
    authors: [Guillaume Jacquemet]
    covers: [Wiki_files/unet3d.svg]
    links: [Dataset_StarDist_2D_ZeroCostDL4Mic_2D, imjoy/BioImageIO-Packager]
    source: https://colab.research.google.com/github/HenriquesLab/ZeroCostDL4Mic/blob/master/U-Net_3D.ipynb
  - type: application
    id: Notebook Preview
    name: Notebook Preview
    description: Preview a notebook in the browser
    authors: [ZeroCostDL4Mic team]
    source: https://colab.research.google.com/notebook-preview
  - type: application
    id: Notebook_Quality_Control_v1.2.ZeroCostDL4Mic
    description: An entry with no name of its own, a dot in its id and tags inherited from the collection
    source: https://colab.research.google.com/quality-control
"""
IMJOY_COLLECTION = """\
format_version: 0.2.2
type: collection
name: ImJoy Collection
tags: [imjoy, bioimage.io]
description: "Resources for BioImgage.IO curated by the ImJoy Team."
documentation: https://imjoy.io/docs
config:
  id: imjoy
  name: ImJoy
collection:
  - id: BioImageIO-Packager
    name: BioImageIO-Packager
    type: application
    source: https://raw.githubusercontent.com/imjoy-team/bioimage-io-models/master/src/bioimageio-packager.imjoy.html
  - id: vizarr
    type: application
    source: https://raw.githubusercontent.com/imjoy-team/bioimage-io-models/master/src/vizarr.imjoy.html
  - id: LuCa-7color
    type: dataset
    name: LuCa-7color
    description: Sample PerkinElmer Vectra QPTIFF files
    authors:
    - name: "Perkin Elmer"
    tags: [OME-TIFF]
    license: "CC-BY-4.0"
    download_url: https://downloads.openmicroscopy.org/images/Vectra-QPTIFF/perkinelmer/PKI_scans/LuCa-7color_Scan1.qptiff
    source: https://viv-demo.storage.googleapis.com/LuCa-7color_Scan1/data.zarr/0
    covers:
      - https://raw.githubusercontent.com/imjoy-team/bioimage-io-models/master/asset/LuCa-7color_Scan1.png
    links:
      - vizarr
"""
PACKAGER_PLUGIN = """<docs lang="markdown">Packages a model.</docs>
<config lang="json">
{"name": "BioImageIO Packager", "type": "window", "tags": [], "ui": "",
 "version": "0.1.2", "api_version": "0.1.8",
 "description": "Exporting BioImage.IO model packages from the model description file",
 "icon": "https://raw.githubusercontent.com/imjoy-team/bioimage-io-models/master/asset/download-icon.png",
 "labels": [], "flags": [], "dependencies": []}
</config>
<script lang="javascript">api.export({setup() {}, run() {}})</script>
"""
VIZARR_PLUGIN = """<config lang="yaml">
name: vizarr
type: iframe
version: 0.1.0
description: A minimal, purely client-side program for viewing Zarr-based images
icon: https://raw.githubusercontent.com/hms-dbmi/vizarr/main/assets/logo.png
labels: [viewer]
flags: []
author: Trevor Manz
</config>
<script lang="javascript">api.export({run() {}})</script>
"""
ILASTIK_COLLECTION = """\
format_version: 0.2.2
type: collection
name: Ilastik Collection
tags: [ilastik, bioimage.io]
description: "Resources for BioImgage.IO curated by the ilastik team."
authors:
  - name: "Constantin Pape"
    github_user: constantinpape
config:
  id: ilastik
  name: ilastik
collection:
  - id: ilastik
    name: ilastik
    description: "the interactive learning and segmentation toolkit"
    format_version: 0.2.2
    source: https://www.ilastik.org
    type: application
    authors:
      - name: ilastik Team
    tags: [ilastik, software]
  - id: stardist_dsb_training_data
    rdf_source: datasets/dsb/rdf.yaml
    tags: [nuclei, instance-segmentation, fluorescence-light-microscopy, dsb-challenge, 2D]
  - id: plantseg_ovules
    authors:
    - {name: Constantin Pape}
    covers: ['https://raw.githubusercontent.com/ilastik/bioimage-io-resources/main/dataset_src/plantseg_cover.jpg']
    description: Training data for cell segmentation in Arabidopsis ovules.
    format_version: 0.2.1
    license: CC-BY-4.0
    name: Arabidopsis Ovules Traning Data
    source: https://osf.io/w38uf/
    type: dataset
"""
DSB_RDF = """\
format_version: 0.2.1
type: dataset
name: DSB Nucleus Segmentation Training Data
description: Subset of the nucleus segmentation training data from the 2018 Kaggle Data Science Bowl.
authors:
- {name: Constantin Pape}
license: CC0-1.0
source: https://github.com/stardist/stardist/releases/download/0.1.0/dsb2018.zip
covers: [dsb-cover0.png]
tags: [nuclei]
"""
CAREAMICS_COLLECTION = """\
format_version: 0.2.2
type: collection
id: careamics
name: CAREamics resources
description: Denoising tools of the CAREamics team.
authors: [{name: CAREamics team}]
collection:
  - id: careamics
    type: application
    name: CAREamics
    description: Self-supervised denoising
    source: https://careamics.github.io
    version: 0.2.0
"""
# Paper-era partner reports (ilastik deploys a folder of them on its gh-pages branch).
ILASTIK_REPORTS = {
    "10.5281/zenodo.7000100/7000104/test_summary_1.4.0.yaml": """\
- bioimageio_core_version: 0.5.8
  bioimageio_spec_version: 0.4.9
  error: null
  name: Reproduce test outputs with ilastik 1.4.0 (torchscript)
  source_name: 10.5281/zenodo.7000100/7000104
  status: passed
  traceback: null
  warnings: {}
""",
    "10.5281/zenodo.7000300/7000302/test_summary_onnx_1.4.0.yaml": """\
- {error: null, name: has expected resource type, source_name: 10.5281/zenodo.7000300/7000302,
  status: passed, traceback: null}
""",
    "10.5281/zenodo.7000500/7000502/test_summary_1.4.0.yaml": """\
bioimageio_spec_version: 0.4.9
error: Missing/invalid weight formats for 10.5281/zenodo.7000500/7000502
name: reproduce test outputs with ilastik 1.4.0
reason: error
status: failed
""",
}
# Today's per-tool reports: `<tool>_<tool version>.json` per resource version.
CAREAMICS_REPORTS = {
    "10.5281/zenodo.7000100/7000104/careamics_0.2.0.json": {
        "tool": "careamics", "tool_version": "0.2.0", "status": "not-applicable", "score": 0.0,
        "error": None, "details": "CAREamics only runs denoising models", "links": []},
    "10.5281/zenodo.7000300/7000302/careamics_0.2.0.json": {
        "tool": "careamics", "tool_version": "0.2.0", "status": "failed", "error": "unsupported axes",
        "details": {"name": "bioimageio format validation", "status": "failed",
                    "details": [{"name": "axes", "status": "failed",
                                 "errors": [{"loc": ["inputs", 0, "axes"], "msg": "bczyx", "type": "value"}]}]}},
    "10.5281/zenodo.7000400/7000402/careamics_0.2.0.json": {
        "tool": "careamics", "tool_version": "0.2.0", "status": "passed", "error": None, "details": None,
        "badge": {"icon": "https://careamics.github.io/badge.svg", "label": "CAREamics",
                  "url": "https://careamics.github.io/datasets/medaka"},
        "links": ["careamics/careamics"]},
}

# ---------------------------------------------------------------- what the paper-era pipeline published
def _rdfs(rid: str, vid: str) -> str:
    return f"{SITE}/rdfs/{rid}/{vid}/rdf.yaml"


EXPECTED: list[dict[str, Any]] = [
    # every ilastik test of 7000104 passed: `ilastik/ilastik` is added to its links
    {"id": "10.5281/zenodo.7000100", "type": "model", **{k: MODEL_RDFS[7000104][k] for k in
     ("name", "description", "authors", "tags", "training_data")},
     "links": [*MODEL_RDFS[7000104]["links"], "ilastik/ilastik"],
     "license": "CC-BY-4.0", "covers": [f"{SITE}/rdfs/10.5281/zenodo.7000100/7000103/cover.png"],
     "created": "2022-06-15 22:06:22.658325", "download_count": 53495, "nickname": "affable-shark",
     "nickname_icon": "\U0001F988", "owners": [77626],
     "rdf_source": _rdfs("10.5281/zenodo.7000100", "7000104"), "versions": ["7000104", "7000103"]},
    # name, description, tags, links and training_data come from the version's own fields
    {"id": "10.5281/zenodo.7000300", "type": "model",
     "name": "Cell Segmentation from Membrane Staining for Plant Tissues",
     "description": "A 3D U-net to predict cell membranes in plant tissues, trained on volumes of "
                    "Arabidopsis thaliana ovules acquired on a confocal microscope.",
     "authors": MODEL_RDFS[7000302]["authors"], "license": "CC-BY-4.0",
     "tags": ["zerocostdl4mic", "deepimagej", "segmentation", "3d"],
     "links": ["imjoy/BioImageIO-Packager", "ilastik/ilastik", "deepimagej/deepimagej",
               "zero/notebook_u-net_3d_zerocostdl4mic"],
     "training_data": {"id": "ilastik/plantseg_ovules"},
     "covers": [f"{SITE}/rdfs/10.5281/zenodo.7000300/7000302/cover.png"],
     "created": "2022-01-19 10:16:02.455027", "download_count": 31582, "nickname": "humorous-owl",
     "nickname_icon": "🦉", "owners": [252845], "rdf_source": _rdfs("10.5281/zenodo.7000300", "7000302"),
     # 7000301 is blocked in one of its two entries: a maintainer's block is never undone
     "versions": ["7000302"]},
    {"id": "10.5281/zenodo.7000400", "type": "dataset", **{k: DATASET_RDF[k] for k in
     ("name", "description", "authors", "license", "tags", "source")},
     "covers": [f"{SITE}/rdfs/10.5281/zenodo.7000400/7000402/cover.png"],
     "created": "2023-02-06 10:00:00.000000", "download_count": 1467, "owners": [96309],
     "links": ["careamics/careamics"],  # from the passed per-tool report of CAREamics
     "rdf_source": _rdfs("10.5281/zenodo.7000400", "7000402"), "versions": ["7000402"]},
    # 7000503 cannot be loaded (gone upstream): 7000502 stays latest, nothing is blanked;
    # ilastik failed on 7000502, so no ilastik link is added
    {"id": "10.5281/zenodo.7000500", "type": "model", **{k: MODEL_RDFS[7000502][k] for k in
     ("name", "description", "authors", "tags", "links")}, "license": "CC-BY-4.0",
     "covers": [f"{SITE}/rdfs/10.5281/zenodo.7000500/7000502/cover.png"],
     "created": "2023-03-03 10:00:00.000000", "download_count": 2980, "nickname": "conscientious-seashell",
     "nickname_icon": "🐚", "owners": [47882], "rdf_source": _rdfs("10.5281/zenodo.7000500", "7000502"),
     "versions": ["7000502"]},
    # partner entries: plain-string authors become {name}; no nickname, owners or created
    {"id": "zero/Dataset_StarDist_2D_ZeroCostDL4Mic_2D", "type": "dataset",
     "name": "StarDist (2D) example training and test dataset - ZeroCostDL4Mic",
     "description": "Fluorescence microscopy (SiR-DNA) and masks obtained via manual segmentation",
     "authors": [{"name": "Johanna Jukkala"}, {"name": "Guillaume Jacquemet"}],
     "tags": ["StarDist", "segmentation", "ZeroCostDL4Mic", "2D"],
     "download_url": "https://doi.org/10.5281/zenodo.3715492",
     "covers": [f"{SITE}/rdfs/zero/Dataset_StarDist_2D_ZeroCostDL4Mic_2D/latest/Stardist_nuclei_masks.png"],
     "download_count": 1, "rdf_source": _rdfs("zero/Dataset_StarDist_2D_ZeroCostDL4Mic_2D", "latest"),
     "versions": ["latest"]},
    # a bare link gets the collection id in front; the SVG cover is kept
    {"id": "zero/Notebook_U-Net_3D_ZeroCostDL4Mic", "type": "application", "name": "U-Net (3D) - ZeroCostDL4Mic",
     "description": "3D binary segmentation, trained in Google Colab", "authors": [{"name": "Guillaume Jacquemet"}],
     "tags": ["zero", "bioimage.io"],  # none of its own: the collection's
     "links": ["zero/Dataset_StarDist_2D_ZeroCostDL4Mic_2D", "imjoy/BioImageIO-Packager"],
     "source": "https://colab.research.google.com/github/HenriquesLab/ZeroCostDL4Mic/blob/master/U-Net_3D.ipynb",
     "covers": [f"{SITE}/rdfs/zero/Notebook_U-Net_3D_ZeroCostDL4Mic/latest/unet3d.svg"],
     "download_count": 1, "rdf_source": _rdfs("zero/Notebook_U-Net_3D_ZeroCostDL4Mic", "latest"),
     "versions": ["latest"]},
    {"id": "zero/Notebook Preview", "type": "application", "name": "Notebook Preview",
     "description": "Preview a notebook in the browser", "authors": [{"name": "ZeroCostDL4Mic team"}],
     "tags": ["zero", "bioimage.io"], "source": "https://colab.research.google.com/notebook-preview",
     "download_count": 1, "rdf_source": _rdfs("zero/Notebook Preview", "latest"), "versions": ["latest"]},
    # no name of its own: the collection's name
    {"id": "zero/Notebook_Quality_Control_v1.2.ZeroCostDL4Mic", "type": "application",
     "name": "ZeroCost4Mic Collection",
     "description": "An entry with no name of its own, a dot in its id and tags inherited from the collection",
     "authors": [], "tags": ["zero", "bioimage.io"], "source": "https://colab.research.google.com/quality-control",
     "download_count": 1, "rdf_source": _rdfs("zero/Notebook_Quality_Control_v1.2.ZeroCostDL4Mic", "latest"),
     "versions": ["latest"]},
    # ImJoy plugins: the plugin's config fills description, icon, tags (labels + flags + bioengine),
    # badges and covers; the entry's own keys win
    {"id": "imjoy/BioImageIO-Packager", "type": "application", "name": "BioImageIO-Packager",
     "description": "Exporting BioImage.IO model packages from the model description file",
     "icon": "https://raw.githubusercontent.com/imjoy-team/bioimage-io-models/master/asset/download-icon.png",
     "tags": ["bioengine"], "badges": [], "covers": [],
     "source": f"{RAW}/imjoy-team/bioimage-io-models/master/src/bioimageio-packager.imjoy.html",
     "download_count": 1, "rdf_source": _rdfs("imjoy/BioImageIO-Packager", "latest"), "versions": ["latest"]},
    {"id": "imjoy/vizarr", "type": "application", "name": "vizarr",
     "description": "A minimal, purely client-side program for viewing Zarr-based images",
     "icon": "https://raw.githubusercontent.com/hms-dbmi/vizarr/main/assets/logo.png",
     "tags": ["viewer", "bioengine"], "badges": [], "covers": [], "authors": [{"name": "Trevor Manz"}],
     "source": "https://raw.githubusercontent.com/imjoy-team/bioimage-io-models/master/src/vizarr.imjoy.html",
     "download_count": 1, "rdf_source": _rdfs("imjoy/vizarr", "latest"), "versions": ["latest"]},
    {"id": "imjoy/LuCa-7color", "type": "dataset", "name": "LuCa-7color",
     "description": "Sample PerkinElmer Vectra QPTIFF files", "authors": [{"name": "Perkin Elmer"}],
     "tags": ["OME-TIFF"], "license": "CC-BY-4.0", "links": ["imjoy/vizarr"],
     "download_url": "https://downloads.openmicroscopy.org/images/Vectra-QPTIFF/perkinelmer/PKI_scans/"
                     "LuCa-7color_Scan1.qptiff",
     "source": "https://viv-demo.storage.googleapis.com/LuCa-7color_Scan1/data.zarr/0",
     "covers": [f"{SITE}/rdfs/imjoy/LuCa-7color/latest/LuCa-7color_Scan1.png"],
     "download_count": 1, "rdf_source": _rdfs("imjoy/LuCa-7color", "latest"), "versions": ["latest"]},
    {"id": "ilastik/ilastik", "type": "application", "name": "ilastik",
     "description": "the interactive learning and segmentation toolkit", "authors": [{"name": "ilastik Team"}],
     "tags": ["ilastik", "software"], "source": "https://www.ilastik.org",
     "download_count": 1, "rdf_source": _rdfs("ilastik/ilastik", "latest"), "versions": ["latest"]},
    # the entry's own tags over those of its rdf_source
    {"id": "ilastik/stardist_dsb_training_data", "type": "dataset", "name": "DSB Nucleus Segmentation Training Data",
     "description": "Subset of the nucleus segmentation training data from the 2018 Kaggle Data Science Bowl.",
     "authors": [{"name": "Constantin Pape"}], "license": "CC0-1.0",
     "tags": ["nuclei", "instance-segmentation", "fluorescence-light-microscopy", "dsb-challenge", "2D"],
     "source": "https://github.com/stardist/stardist/releases/download/0.1.0/dsb2018.zip",
     "covers": [f"{SITE}/rdfs/ilastik/stardist_dsb_training_data/latest/dsb-cover0.png"],
     "download_count": 1, "rdf_source": _rdfs("ilastik/stardist_dsb_training_data", "latest"),
     "versions": ["latest"]},
    {"id": "ilastik/plantseg_ovules", "type": "dataset", "name": "Arabidopsis Ovules Traning Data",
     "description": "Training data for cell segmentation in Arabidopsis ovules.",
     "authors": [{"name": "Constantin Pape"}], "license": "CC-BY-4.0",
     "tags": ["ilastik", "bioimage.io"], "source": "https://osf.io/w38uf/",
     "covers": [f"{SITE}/rdfs/ilastik/plantseg_ovules/latest/plantseg_cover.jpg"],
     "download_count": 1, "rdf_source": _rdfs("ilastik/plantseg_ovules", "latest"), "versions": ["latest"]},
    # our own registration form; the partner names its own version
    {"id": "careamics/careamics", "type": "application", "name": "CAREamics",
     "description": "Self-supervised denoising",
     "authors": [{"name": "CAREamics team"}], "source": "https://careamics.github.io",
     "download_count": 1, "rdf_source": _rdfs("careamics/careamics", "0.2.0"), "versions": ["0.2.0"]},
]


# ---------------------------------------------------------------- writing it all
def write_replay(folder: Path) -> Path:
    """Write the replay folder (store, partners, zenodo, web, expected) and return it."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    for rid, text in STORE.items():
        _write(folder / "collection" / rid / "resource.yaml", text)
    _write(folder / "partners" / "collection_rdf_template.yaml", TEMPLATE)
    _write(folder / "partners" / "careamics.yaml", OWN_REGISTRATION)
    _write(folder / "partners" / "careamics" / "collection.yaml", CAREAMICS_COLLECTION)
    for path, report in CAREAMICS_REPORTS.items():
        _write(folder / "partners" / "careamics" / "reports" / path, json.dumps(report, indent=1))
    _write_zenodo(folder / "zenodo")
    _write_partner_web(folder / "web")
    _write(folder / "expected" / "collection.json",
           json.dumps({"type": "collection", "collection": EXPECTED}, indent=1, ensure_ascii=False))
    return folder


def _write_zenodo(folder: Path) -> None:
    model = yamlio.loads((MODEL / "v0_4.bioimageio.yaml").read_bytes(), source="model")
    model_files = {p.name: p.read_bytes() for p in MODEL.iterdir()
                   if p.is_file() and p.name not in ("rdf.yaml", "v0_4.bioimageio.yaml")}
    records = []
    for rid, (cid, created, downloads) in sorted(RECORDS.items()):
        if rid == 7000402:
            rdf, files = DATASET_RDF, {"cover.png": PNG_COVER, "README.md": b"# HyLFM data\n"}
        else:
            rdf, files = {**model, **MODEL_RDFS[rid]}, dict(model_files)
            rdf = {k: v for k, v in rdf.items() if v is not None}
        files = {**files, "rdf.yaml": yamlio.dumps(rdf).encode()}
        stamp = datetime.fromisoformat(created).astimezone(timezone.utc)
        record = record_json(rid, cid, stamp, files, title=str(rdf["name"]), version=str(rid % 100),
                             owner=77626)
        # Zenodo's statistics: the unique downloads of all versions of the concept
        record["stats"] = {"downloads": downloads * 2, "unique_downloads": downloads, "views": downloads * 3,
                           "unique_views": downloads, "version_downloads": 10, "version_unique_downloads": 7,
                           "version_unique_views": 9, "version_views": 12, "version_volume": 10_000,
                           "volume": 20_000}
        records.append((record, files))
    write_record_set(folder, records, page_size=3)


def _write_partner_web(web: Path) -> None:
    raw = web / "raw.githubusercontent.com"
    _write(raw / "HenriquesLab/ZeroCostDL4Mic/master/manifest.bioimage.io.yaml", ZERO_COLLECTION)
    _write(raw / "HenriquesLab/ZeroCostDL4Mic/master/Wiki_files/unet3d.svg", SVG_COVER)
    _write(web / "github.com/HenriquesLab/ZeroCostDL4Mic/raw/master/Wiki_files/Stardist_nuclei_masks.png", PNG_COVER)
    _write(raw / "imjoy-team/bioimage-io-resources/master/collection.bioimage.io.yaml", IMJOY_COLLECTION)
    _write(raw / "imjoy-team/bioimage-io-models/master/src/bioimageio-packager.imjoy.html", PACKAGER_PLUGIN)
    _write(raw / "imjoy-team/bioimage-io-models/master/src/vizarr.imjoy.html", VIZARR_PLUGIN)
    _write(raw / "imjoy-team/bioimage-io-models/master/asset/LuCa-7color_Scan1.png", PNG_COVER)
    _write(raw / "ilastik/bioimage-io-resources/main/collection.yaml", ILASTIK_COLLECTION)
    _write(raw / "ilastik/bioimage-io-resources/main/datasets/dsb/rdf.yaml", DSB_RDF)
    _write(raw / "ilastik/bioimage-io-resources/main/datasets/dsb/dsb-cover0.png", PNG_COVER)
    _write(raw / "ilastik/bioimage-io-resources/main/dataset_src/plantseg_cover.jpg", _jpeg())
    (web / "zenodo.org").mkdir(parents=True, exist_ok=True)  # where vanished bucket URLs answer 404
    _git_repository(web / "github.com/ilastik/bioimage-io-resources", "gh-pages",
                    {f"test_summaries/{p}": t for p, t in ILASTIK_REPORTS.items()})


def _git_repository(bare: Path, branch: str, files: dict[str, str]) -> None:
    """A bare repository that a plain static server can serve (git's dumb HTTP protocol)."""
    work = bare.parent / (bare.name + ".work")
    for path, text in files.items():
        _write(work / path, text)
    env = {**GIT_ENV, "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q", "-b", branch], ["add", "."], ["commit", "-q", "-m", "deploy"]):
        subprocess.run(["git", *args], cwd=work, check=True, capture_output=True, env=env)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True, capture_output=True, env=env)
    subprocess.run(["git", "update-server-info"], cwd=bare, check=True, capture_output=True, env=env)
    shutil.rmtree(work)


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 40), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


if __name__ == "__main__":  # write a replay folder for bench/takeover.py
    print(write_replay(Path(sys.argv[1] if len(sys.argv) > 1 else "takeover-replay")))
