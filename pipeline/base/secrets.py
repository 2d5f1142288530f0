"""Secrets kept out of published text: text a stranger's code or server wrote (model errors,
tracebacks, partner answers) may quote a credential it found, and the zoo publishes such text.

Two nets: the value of every variable of this process' environment whose name looks secret
(any case: `GH_PAT`, `TWINE_PASSWORD`, `DOCKER_AUTH_CONFIG`, `github_token`), with each string
inside a JSON value too; and tokens of well-known shapes, whatever variable held them.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Mapping

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|COOKIE|PRIVATE|AUTH|"
                         r"API_?KEY|ACCESS_?KEY|(^|_)(PAT|KEY)($|_)", re.IGNORECASE)
# names that match but hold a location, not a secret
NOT_SECRET = frozenset({"SSH_AUTH_SOCK", "XAUTHORITY", "GIT_ASKPASS", "SSH_ASKPASS"})
TOKEN_SHAPES = re.compile(
    r"gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|pypi-[A-Za-z0-9_-]{20,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|npm_[A-Za-z0-9]{30,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)")
MIN_SECRET = 6  # shorter values ("1", "true") would blank ordinary words
REDACTED = "[redacted]"


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """The values to hide, longest first (so a value containing another is hidden whole)."""
    env = os.environ if env is None else env
    found: set[str] = set()
    for name, value in env.items():
        if not SECRET_NAME.search(name) or name.upper() in NOT_SECRET or len(value) < MIN_SECRET:
            continue
        found.add(value)
        found |= {leaf for leaf in _json_strings(value) if len(leaf) >= MIN_SECRET}
    return sorted(found, key=len, reverse=True)


def scrub(text: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """`text` with every secret value and token-shaped string replaced by `[redacted]`."""
    if not text:
        return text
    for value in secret_values(env):
        if value in text:
            text = text.replace(value, REDACTED)
    return TOKEN_SHAPES.sub(REDACTED, text)


def _json_strings(value: str) -> list[str]:
    if not value.lstrip().startswith(("{", "[")):
        return []
    try:
        data: Any = json.loads(value)
    except (ValueError, RecursionError):
        return []
    leaves, todo = [], [data]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            todo += list(item.values())
        elif isinstance(item, list):
            todo += item
        elif isinstance(item, str):
            leaves.append(item)
    return leaves
