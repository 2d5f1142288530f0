"""Live progress from a sandboxed worker: it appends lines to a file, the parent tails it while waiting.

The file is written by model-adjacent code, so it is read in bounded chunks and every line is shortened
and stripped of control characters before it reaches a terminal.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

POLL_SECONDS = 0.2
MAX_READ = 64 * 1024
MAX_LINE = 200


def _clean(line: str) -> str:
    return "".join(c for c in line if c.isprintable())[:MAX_LINE]


@contextmanager
def tail_lines(path: Path, on_line: Callable[[str], None]) -> Iterator[None]:
    """Call `on_line` for every complete line appended to `path` until the block exits."""
    stop = threading.Event()
    state = {"offset": 0, "rest": b""}

    def drain() -> None:
        try:
            with path.open("rb") as f:
                f.seek(state["offset"])
                chunk = f.read(MAX_READ)
        except OSError:
            return
        state["offset"] += len(chunk)
        lines = (state["rest"] + chunk).split(b"\n")
        state["rest"] = lines.pop()[-MAX_READ:]
        for raw in lines:
            on_line(_clean(raw.decode("utf-8", "replace")))

    def loop() -> None:
        while not stop.wait(POLL_SECONDS):
            drain()
        drain()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class BlockBar:
    """A tqdm bar on stderr fed by the worker's `block N/M` lines; other lines are printed above it."""

    def __init__(self, desc: str, echo: Callable[[str], None] | None = None):
        self.desc = desc
        self.echo = echo
        self.bar = None

    def __call__(self, line: str) -> None:
        if line.startswith("block ") and "/" in line:
            done, _, total = line[6:].partition("/")
            if done.isdigit() and total.isdigit():
                self._update(int(done), int(total))
                return
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        elif self.echo:
            self.echo(line)

    def _update(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.desc, unit="block", file=sys.stderr, leave=True)
        self.bar.update(max(0, done - self.bar.n))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
