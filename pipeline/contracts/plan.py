"""The model-test plan: which tests each shard of a CI run is to run (`zoo plan --plan-file`).

Written by the plan job, which runs no model code; read by each shard, to run exactly its part,
and by the merge, to accept from each shard's upload only the results planned for that shard.
Its digest travels through the matrix (job outputs, which no other job can change), so a plan
file swapped on the way is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pipeline.base.digest import json_digest
from pipeline.errors import BadInput

PLAN_FORMAT = 1
CONTENT_KEY = re.compile(r"[0-9a-f]{16,64}")
MAX_PLAN_BYTES = 64 * 1024**2


@dataclass(frozen=True)
class PlannedTest:
    """One version's model test: its cache key and the environment group it belongs to."""

    resource_id: str
    version_id: str
    test_key: str
    env_key: str

    @property
    def name(self) -> str:
        return f"{self.resource_id}/{self.version_id}"

    def to_json(self) -> dict[str, str]:
        return {"resource_id": self.resource_id, "version_id": self.version_id, "test_key": self.test_key,
                "env_key": self.env_key}


@dataclass(frozen=True)
class Shard:
    """One matrix job: whole environment groups, and their tests."""

    index: int
    tests: tuple[PlannedTest, ...]
    environments: tuple[str, ...]  # readable labels of its groups ("torch>=2.0 + onnxruntime")

    @property
    def env_keys(self) -> tuple[str, ...]:
        return tuple(sorted({t.env_key for t in self.tests}))

    @property
    def env_cache_key(self) -> str:
        """Names the cache entry of this shard's environments: its groups and nothing else."""
        return json_digest(["environments", list(self.env_keys)])[:16]

    @property
    def test_keys(self) -> frozenset[str]:
        return frozenset(t.test_key for t in self.tests)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "environments": list(self.environments),
                "tests": [t.to_json() for t in self.tests]}


@dataclass(frozen=True)
class TestPlan:
    """Every shard of one run, numbered 1..N; a test key belongs to exactly one shard."""

    shards: tuple[Shard, ...]
    generated_by: str = ""

    @property
    def count(self) -> int:
        return len(self.shards)

    def shard(self, index: int) -> Shard:
        """Shard `index` (1-based), or BadInput when the plan has no such shard."""
        if not 1 <= index <= len(self.shards):
            raise BadInput(f"the plan has {len(self.shards)} shards, not a shard {index}", source="test plan")
        return self.shards[index - 1]

    def owner(self, test_key: str) -> int | None:
        """The shard a test key was planned for."""
        return next((s.index for s in self.shards if test_key in s.test_keys), None)

    def digest(self) -> str:
        return json_digest(self.to_json())

    def matrix(self) -> dict[str, Any]:
        """The GitHub Actions matrix: one job per shard, each naming its part of this plan."""
        digest = self.digest()
        return {"include": [{"shard": f"{s.index}/{self.count}", "index": s.index,
                             "environments": list(s.environments), "env_keys": list(s.env_keys),
                             "env_cache_key": s.env_cache_key, "tests": len(s.tests), "plan": digest}
                            for s in self.shards]}

    def to_json(self) -> dict[str, Any]:
        return {"format": PLAN_FORMAT, "generated_by": self.generated_by,
                "shards": [s.to_json() for s in self.shards]}

    @classmethod
    def from_json(cls, data: Any, *, source: str = "test plan") -> "TestPlan":
        """Check a plan's shape, naming the field that is wrong."""
        def bad(msg: str, *loc: str | int) -> BadInput:
            return BadInput(msg, source=source, loc=loc)

        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            raise bad(f"expected a test plan of format {PLAN_FORMAT}", "format")
        shards_data = data.get("shards")
        if not isinstance(shards_data, list):
            raise bad("expected a list of shards", "shards")
        shards, seen = [], set()
        for i, item in enumerate(shards_data):
            if not isinstance(item, dict) or item.get("index") != i + 1:
                raise bad(f"expected shard {i + 1} here", "shards", i, "index")
            labels = item.get("environments")
            if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
                raise bad("expected a list of labels", "shards", i, "environments")
            tests = item.get("tests")
            if not isinstance(tests, list):
                raise bad("expected a list of tests", "shards", i, "tests")
            planned = []
            for j, test in enumerate(tests):
                where = ("shards", i, "tests", j)
                fields = {k: test.get(k) for k in ("resource_id", "version_id", "test_key", "env_key")} \
                    if isinstance(test, dict) else {}
                if not fields or not all(isinstance(v, str) and v for v in fields.values()):
                    raise bad("expected resource_id, version_id, test_key and env_key", *where)
                if not CONTENT_KEY.fullmatch(fields["test_key"]) or not CONTENT_KEY.fullmatch(fields["env_key"]):
                    raise bad("test_key and env_key must be content keys (lowercase hex)", *where)
                if fields["test_key"] in seen:
                    raise bad(f"test {fields['test_key']} is planned twice", *where, "test_key")
                seen.add(fields["test_key"])
                planned.append(PlannedTest(**fields))
            shards.append(Shard(i + 1, tuple(planned), tuple(labels)))
        return cls(tuple(shards), str(data.get("generated_by") or ""))


def read_plan(raw: bytes, *, sha256: str | None, source: str) -> TestPlan:
    """A plan file's plan; with `sha256`, only the plan whose digest it is."""
    if len(raw) > MAX_PLAN_BYTES:
        raise BadInput(f"larger than {MAX_PLAN_BYTES} bytes", source=source)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise BadInput(f"not JSON ({type(e).__name__})", source=source) from None
    plan = TestPlan.from_json(data, source=source)
    if sha256 is not None and plan.digest() != sha256.strip().lower():
        raise BadInput(f"its digest is {plan.digest()}, the plan job planned {sha256.strip()}: "
                       "not the plan of this run", source=source)
    return plan
