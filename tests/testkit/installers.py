"""Fake installers on PATH (uv, micromamba, conda) that record what they were asked and make
the folders a real one would, so the environment builder is tested without network."""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Each fake appends its name and arguments as one JSON line to $FAKE_INSTALLER_LOG; the creating
# commands also make `<prefix>/bin/python`, itself such a recorder.
RECORDER = """#!{python}
import json, os, sys
from pathlib import Path

name, args = Path(sys.argv[0]).name, sys.argv[1:]
with open(os.environ["FAKE_INSTALLER_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps([name, *args]) + "\\n")
prefix = None
if name in ("micromamba", "conda", "mamba") and args[:1] == ["create"]:
    prefix = args[args.index("--prefix") + 1]
elif name == "uv" and args[:1] == ["venv"]:
    prefix = args[-1]
if prefix:
    python = Path(prefix) / "bin" / "python"
    python.parent.mkdir(parents=True, exist_ok=True)
    python.write_text(Path(sys.argv[0]).read_text())
    python.chmod(0o755)
"""


class FakeInstallers:
    """A folder of fake installers to put first on PATH, and what they were asked."""

    def __init__(self, folder: Path, names: tuple[str, ...]):
        self.bin = folder / "bin"
        self.log = folder / "installers.log"
        self.bin.mkdir(parents=True)
        for name in names:
            tool = self.bin / name
            tool.write_text(RECORDER.format(python=sys.executable))
            tool.chmod(0o755)

    def environ(self) -> dict[str, str]:
        """PATH with only the fakes and the system's basic tools; where they record."""
        return {"PATH": f"{self.bin}:/usr/bin:/bin", "FAKE_INSTALLER_LOG": str(self.log)}

    def calls(self) -> list[list[str]]:
        """Every call as [tool name, *arguments], in order (tool paths reduced to their names)."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]
